"""Models as data, end to end: publishing by API, CLI and topic; warm then promote;
a hot swap under load; bad models that fail with a reason while the last good
version keeps answering; a GPU model that waits for a GPU."""
from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
import threading
import time
from dataclasses import replace

import httpx
import pytest

from common.descriptors import DataTypePolicy, Resources
from common.domain import Role
from common.kafka import KafkaProducer
from common.settings import InfraSettings
from conftest import ROOT, wait_for_status
from common.publishing import publish_model, publish_policy
from stack import demo
from tests import model_factory as mf

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
SETOSA = [5.1, 3.5, 1.4, 0.2]
_PUBLISHED: list = []
_GENEROUS = {"canary"}  # data types whose policy the tests set themselves


@functools.cache
def onnx_models() -> tuple[bytes, bytes]:
    (forest, _), (logreg, _) = demo.train()
    return demo.to_onnx(forest, 4), demo.to_onnx(logreg, 4)


def descriptor_json(name, version, data_type, role="serve", fmt="onnx", **extra) -> str:
    return json.dumps({"name": name, "version": version, "data_type": data_type, "format": fmt, "role": role,
                       "input_schema": [{"name": f} for f in demo.FEATURES], **extra})


@pytest.fixture(autouse=True, scope="module")
def _retire(retire_afterwards):
    global _PUBLISHED
    _PUBLISHED = retire_afterwards


def publish_file(admin, name, version, data_type, data: bytes, role="serve", **extra) -> httpx.Response:
    _PUBLISHED.append((name, version))
    if data_type not in _GENEROUS:
        # These tests are about models' lifecycles, not latency: a generous deadline keeps
        # a busy 2-core machine from turning an answer into a timeout.
        admin.put(f"/v1/data-types/{data_type}/policy", json={"policy": "first", "params": {"deadline_ms": 2000}})
        _GENEROUS.add(data_type)
    return admin.post("/v1/models", data={"descriptor": descriptor_json(name, version, data_type, role, **extra)},
                      files={"file": ("model.onnx", data)})


def to_topic(platform, descriptor) -> None:
    """The third way to publish: a descriptor produced straight to the models topic."""
    infra = InfraSettings(kafka_bootstrap=platform.bootstrap)
    producer = KafkaProducer(infra)
    publish_model(producer, infra, descriptor)
    producer.close()


def set_policy(platform, policy: DataTypePolicy) -> None:
    producer = KafkaProducer(InfraSettings(kafka_bootstrap=platform.bootstrap))
    publish_policy(producer, policy)
    producer.close()


def predict(platform, data_type, features=SETOSA) -> httpx.Response:
    return httpx.post(f"{platform.url}/v1/predict/{data_type}", json={"features": features}, timeout=10)


def wait_for_data_type(platform, data_type, timeout=30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and predict(platform, data_type).status_code == 404:
        time.sleep(0.5)  # the gateway re-reads the registry every second


def test_admin_api_needs_the_token(platform):
    body = {"descriptor": descriptor_json("x", "1", "x")}
    assert httpx.post(f"{platform.url}/v1/models", data=body).status_code == 401
    wrong = httpx.post(f"{platform.url}/v1/models", data=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and "wrong token" in wrong.json()["error"]


def test_publish_by_api_then_list_and_show(platform, admin):
    forest, _ = onnx_models()
    response = publish_file(admin, "flower-forest", "1", "flowers", forest, quality={"metric": "accuracy", "value": 0.95})
    assert response.status_code == 202, response.text
    wait_for_status(admin, "flower-forest", "1", {"ready"})
    wait_for_data_type(platform, "flowers")
    answer = predict(platform, "flowers").json()
    assert answer["model"] == {"name": "flower-forest", "version": "1"} and answer["output"]["label"] == "0"
    listed = {(m["name"], m["version"]): m for m in admin.get("/v1/models").json()["models"]}
    assert listed[("flower-forest", "1")]["status"] == "ready" and listed[("flower-forest", "1")]["role"] == "serve"
    history = admin.get("/v1/models/flower-forest").json()["history"]
    assert [e["event"] for e in history][:1] == ["published"]
    assert publish_file(admin, "flower-forest", "1", "flowers", forest[:-1] + b"x").status_code == 409


def test_bad_requests_to_the_admin_api_are_clear(admin):
    forest, _ = onnx_models()
    assert publish_file(admin, "x", "1", "x", forest, fmt="sklearn").status_code == 422
    assert publish_file(admin, "x", "1", "x", forest, sha256="0" * 64).status_code == 422
    assert "pickle" in publish_file(admin, "x", "1", "x", b"\x80\x04\x95 pickled").json()["error"]
    assert admin.get("/v1/models/nobody").status_code == 404


def test_publish_by_cli(platform, tmp_path, admin):
    _, logreg = onnx_models()
    path = tmp_path / "logreg.onnx"
    path.write_bytes(logreg)
    done = subprocess.run([sys.executable, "-m", "stack", "--url", platform.url, "--admin-token", "e2e-token",
                           "models", "publish", str(path), "--name", "cli-logreg", "--version", "7",
                           "--data-type", "clitype", "--format", "onnx", "--inputs", ",".join(demo.FEATURES)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    _PUBLISHED.append(("cli-logreg", "7"))
    wait_for_status(admin, "cli-logreg", "7", {"ready"})


def test_warm_model_scores_but_is_never_official_until_promoted(platform, admin):
    forest, logreg = onnx_models()
    set_policy(platform, DataTypePolicy("canary", "deadline", {"preferred": "challenger", "backstop": "champ",
                                                               "deadline_ms": "2000"}))
    assert publish_file(admin, "champ", "1", "canary", logreg, role="backstop").status_code == 202
    assert publish_file(admin, "challenger", "1", "canary", forest, role="warm").status_code == 202
    wait_for_status(admin, "champ", "1", {"ready"})
    wait_for_status(admin, "challenger", "1", {"ready"})
    wait_for_data_type(platform, "canary")
    before = [predict(platform, "canary").json() for _ in range(20)]
    assert {a["model"]["name"] for a in before} == {"champ"}  # the warm challenger never answers officially
    assert admin.post("/v1/models/challenger/versions/1/role", json={"role": "serve"}).status_code == 202
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if predict(platform, "canary").json()["model"]["name"] == "challenger":
            break
        time.sleep(0.2)
    else:
        pytest.fail("the promoted model never became the official answer")
    assert "role warm -> serve" in [e["event"] for e in admin.get("/v1/models/challenger").json()["history"]]


def test_hot_swap_under_load_loses_nothing(platform, admin):
    forest, logreg = onnx_models()
    assert publish_file(admin, "swapper", "1", "swap", forest).status_code == 202
    wait_for_status(admin, "swapper", "1", {"ready"})
    wait_for_data_type(platform, "swap")
    answers, stop = [], threading.Event()

    def load():
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                r = client.post(f"{platform.url}/v1/predict/swap", json={"features": SETOSA})
                answers.append((r.status_code, (r.json().get("model") or {}).get("version")))

    thread = threading.Thread(target=load)
    thread.start()
    try:
        time.sleep(1)
        assert publish_file(admin, "swapper", "2", "swap", logreg).status_code == 202
        wait_for_status(admin, "swapper", "2", {"ready"})
        wait_for_status(admin, "swapper", "1", {"retired"})
        time.sleep(2)
    finally:
        stop.set()
        thread.join(30)
    assert answers and {status for status, _ in answers} == {200}, answers
    assert {version for _, version in answers} <= {"1", "2"}
    assert {version for _, version in answers[-10:]} == {"2"}


@pytest.mark.parametrize("case", ["truncated", "bit-flipped", "wrong-sha256", "unsupported-format", "pickle",
                                  "unreachable-location", "onnx-external-data", "pmml-external-entity",
                                  "pmml-entity-bomb"])
def test_a_bad_model_fails_with_a_reason_and_the_good_one_keeps_answering(platform, admin, case):
    forest, _ = onnx_models()
    if not admin.get("/v1/models/guard").status_code == 200:
        assert publish_file(admin, "guard", "1", "guarded", forest).status_code == 202
    wait_for_status(admin, "guard", "1", {"ready"})
    good = demo.descriptor("guard", "1", forest, 0.9, Role.SERVE, data_type="guarded")
    version = f"bad-{case}"
    bad = {
        "truncated": lambda d: replace(d, inline_bytes=forest[: len(forest) // 3], sha256=""),
        "bit-flipped": lambda d: replace(d, inline_bytes=bytes(b ^ 0xFF if i < 64 else b for i, b in enumerate(forest)),
                                         sha256=""),
        "wrong-sha256": lambda d: replace(d, sha256="0" * 64),
        "unsupported-format": lambda d: replace(d, format="sklearn"),
        "pickle": lambda d: replace(d, inline_bytes=b"\x80\x04\x95\x10 not a model", sha256=""),
        # Inside MODEL_DIR, so what fails is the read, not the MODEL_DIR check (test_security has that).
        "unreachable-location": lambda d: replace(d, inline_bytes=b"", sha256="",
                                                  location=str(platform.model_dir / "missing.onnx")),
        "onnx-external-data": lambda d: replace(d, inline_bytes=mf.onnx_with_external_data(), sha256=""),
        "pmml-external-entity": lambda d: replace(d, format="pmml", inline_bytes=mf.pmml_with_external_entity(),
                                                  sha256=""),
        "pmml-entity-bomb": lambda d: replace(d, format="pmml", inline_bytes=mf.pmml_billion_laughs(), sha256=""),
    }[case](replace(good, version=version))
    to_topic(platform, bad)
    _PUBLISHED.append(("guard", version))
    failed = wait_for_status(admin, "guard", version, {"failed"})
    assert failed["reason"], failed
    wait_for_data_type(platform, "guarded")
    answer = predict(platform, "guarded").json()
    assert answer["model"] == {"name": "guard", "version": "1"}
    assert platform.proc.poll() is None and all(_alive(pid) for pid in platform.pids.values())


def test_when_every_model_fails_the_answer_is_a_502_that_names_the_errors(platform, admin):
    failing = mf.onnx_failing_on_real_records()  # passes validation, fails every real record
    assert publish_file(admin, "always-fails", "1", "failing", failing).status_code == 202
    wait_for_status(admin, "always-fails", "1", {"ready"})
    wait_for_data_type(platform, "failing")
    for _ in range(20):  # until the rendezvous, too, expects the new version
        response = predict(platform, "failing")
        if response.status_code != 504:
            break
    body = response.json()
    assert (response.status_code, body["reason"], body["model"]) == (502, "error", None), response.text
    assert body["answered"] == [] and body["late"] == []
    (errored,) = body["errored"]
    assert errored["model"] == {"name": "always-fails", "version": "1"}
    assert "out of data bounds" in errored["error"]


def test_a_model_that_needs_a_gpu_stays_pending_with_the_reason(platform, admin):
    forest, _ = onnx_models()
    response = publish_file(admin, "gpu-forest", "1", "gpus", forest, resources={"num_gpus": 1})
    assert response.status_code == 202
    pending = wait_for_status(admin, "gpu-forest", "1", {"pending"})
    assert "GPU" in pending["reason"]


def _alive(pid: int) -> bool:
    return subprocess.run(["kill", "-0", str(pid)]).returncode == 0
