"""Replay on the whole platform: a candidate published with role `candidate` is never
fed live traffic; a replay of the recorded traffic, asked over HTTP and by the CLI,
runs while live load goes on, and the live ledger stays clean: every request got
one answer from a live version, and the candidate has no live stats."""
from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from conftest import ADMIN_TOKEN, ROOT, wait_for_status
from stack import demo

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5], [6.3, 2.5, 5.0, 1.9]]
CANDIDATE = "replay-cand"


def drive(url: str, ledger: list, stop: threading.Event) -> None:
    with httpx.Client(timeout=15) as client:
        n = 0
        while not stop.is_set():
            r = client.post(f"{url}/v1/predict/iris", json={"features": ROWS[n % len(ROWS)]})
            body = r.json()
            ledger.append({"status": r.status_code, "request_id": body.get("request_id"), "reason": body.get("reason"),
                           "model": body.get("model")})
            n += 1


def load(url: str, seconds: float, clients: int = 3) -> tuple[list, threading.Event, list]:
    ledger, stop = [], threading.Event()
    threads = [threading.Thread(target=drive, args=(url, ledger, stop)) for _ in range(clients)]
    for t in threads:
        t.start()
    return ledger, stop, threads


def wait_done(client, replay_id: str, timeout: float = 150) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/replays/{replay_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"replay {replay_id} still {job['status']} after {timeout} s")


@pytest.fixture(scope="module")
def candidate(admin, retire_afterwards):
    """The logistic regression, published as a candidate version of the forest."""
    (_, _), (logreg, accuracy) = demo.train()
    descriptor = {"name": demo.CHAMPION, "version": CANDIDATE, "data_type": "iris", "format": "onnx", "role": "candidate",
                  "input_schema": [{"name": f} for f in demo.FEATURES], "quality": {"metric": "accuracy", "value": accuracy}}
    retire_afterwards.append((demo.CHAMPION, CANDIDATE))
    response = admin.post("/v1/models", data={"descriptor": json.dumps(descriptor)},
                          files={"file": ("m.onnx", demo.to_onnx(logreg, 4))})
    assert response.status_code == 202, response.text
    seen = wait_for_status(admin, demo.CHAMPION, CANDIDATE, {"ready", "failed"})
    assert seen["status"] == "ready" and "never live traffic" in seen["reason"], seen
    return CANDIDATE


def test_a_replay_during_live_load_leaves_the_live_ledger_clean(platform, admin, auditor, candidate):
    recorded, stop, threads = load(platform.url, 4)  # traffic to replay
    time.sleep(4)
    stop.set()
    for t in threads:
        t.join(30)
    ledger, stop, threads = load(platform.url, 0)
    try:
        response = admin.post("/v1/replays", json={"data_type": "iris", "model": demo.CHAMPION, "version": candidate,
                                                   "since": "10m"})
        assert response.status_code == 202, response.text
        job = wait_done(auditor, response.json()["replay_id"])
    finally:
        stop.set()
        for t in threads:
            t.join(30)

    assert job["status"] == "done", job
    report = job["report"]
    assert report["rows"] >= len(recorded) and 0 <= report["agreement"] <= 1
    assert sum(n for row in report["confusion"].values() for n in row.values()) == report["compared"]
    assert f"{demo.CHAMPION}:1" in report["models"] and report["errors"]["count"] == 0
    assert set(report["policies"]) == {"live:deadline", "quality", "consensus"}

    # The live ledger: one answer per request, from live versions only, while the replay ran.
    assert ledger and len({e["request_id"] for e in ledger}) == len(ledger)
    assert {e["status"] for e in ledger} <= {200, 504}, collections.Counter(e["status"] for e in ledger)
    assert all(e["model"]["version"] == "1" for e in ledger if e["status"] == 200)
    # ... and no live stat or score from the candidate, ever.
    stats = auditor.get(f"/v1/models/{demo.CHAMPION}/stats").json()["versions"]
    assert candidate not in stats and "1" in stats

    listed = admin.get(f"/v1/models/{demo.CHAMPION}").json()["replays"]
    assert job["replay_id"] in {r["replay_id"] for r in listed[candidate]}


def test_bad_replays_are_refused_or_fail_with_their_reason(platform, admin, auditor, candidate):
    body = {"data_type": "iris", "model": demo.CHAMPION, "version": candidate, "since": "10m"}
    assert httpx.post(f"{platform.url}/v1/replays", json=body).status_code == 401
    unknown = admin.post("/v1/replays", json={**body, "version": "nope"})
    assert unknown.status_code == 404 and "no model" in unknown.json()["error"]
    assert admin.post("/v1/replays", json={**body, "since": "last tuesday"}).status_code == 422
    assert admin.post("/v1/replays", json={**body, "data_type": "tulips"}).status_code == 422
    assert admin.post("/v1/replays", json={k: v for k, v in body.items() if k != "since"}).status_code == 422
    empty = admin.post("/v1/replays", json={**body, "since": "2000-01-01T00:00:00Z", "until": "2000-01-02T00:00:00Z"})
    assert empty.status_code == 202
    job = wait_done(auditor, empty.json()["replay_id"])
    assert job["status"] == "failed" and "no recorded decisions" in job["reason"]


def test_the_cli_follows_a_replay_and_prints_its_tables(platform, candidate):
    for features in ROWS:  # something recorded to replay, even when this test runs alone
        assert httpx.post(f"{platform.url}/v1/predict/iris", json={"features": features}, timeout=10).status_code == 200
    env = {**os.environ, "RVS_URL": platform.url, "ADMIN_TOKEN": ADMIN_TOKEN, "PYTHONPATH": str(ROOT),
           "COLUMNS": "160"}
    done = subprocess.run([sys.executable, "-m", "stack", "replay", "--data-type", "iris", "--model", demo.CHAMPION,
                           "--version", candidate, "--since", "10m", "--rate", "1000"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Replay of {demo.CHAMPION}:{candidate}" in done.stdout
    assert "candidate \\ official" in done.stdout  # the confusion table's corner


def test_a_candidate_promoted_to_warm_gets_its_replicas(admin, candidate):
    response = admin.post(f"/v1/models/{demo.CHAMPION}/versions/{candidate}/role", json={"role": "warm"})
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen = next(v for v in admin.get(f"/v1/models/{demo.CHAMPION}").json()["versions"] if v["version"] == candidate)
        if seen["role"] == "warm" and seen["status"] == "ready" and seen.get("replicas_ready") == 1:
            return
        time.sleep(0.5)
    raise AssertionError(f"the promoted candidate never got its replica: {seen}")
