"""The platform's security checks, end to end: audit and stats reads need a token
(AUDIT_TOKEN or the admin token) and the audit token opens no write; a file location
is read only from under MODEL_DIR; tokens reach only the gateway and appear in no log."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import httpx
import pytest

from conftest import ADMIN_TOKEN, AUDIT_TOKEN, wait_for_status
from stack import demo

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
READS = ["/v1/audit/any-request", "/v1/audit?record_id=flower-1", f"/v1/models/{demo.CHAMPION}/stats",
         "/v1/data-types/iris/stats"]


@functools.cache
def logreg_onnx() -> bytes:
    _, (logreg, _) = demo.train()
    return demo.to_onnx(logreg, 4)


def publish_by_location(admin, name: str, location: str) -> httpx.Response:
    descriptor = {"name": name, "version": "1", "data_type": "located", "format": "onnx", "location": location,
                  "input_schema": [{"name": f} for f in demo.FEATURES]}
    return admin.post("/v1/models", data={"descriptor": json.dumps(descriptor)})


@pytest.mark.parametrize("path", READS)
def test_audit_and_stats_reads_need_a_token(platform, path):
    assert httpx.get(f"{platform.url}{path}").status_code == 401
    wrong = httpx.get(f"{platform.url}{path}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json() == {"error": "audit API: wrong token"}
    for token in (AUDIT_TOKEN, ADMIN_TOKEN):
        answer = httpx.get(f"{platform.url}{path}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in (200, 404), (token, answer.text)  # 404: nothing recorded under that id


def test_the_audit_token_opens_no_write(auditor):
    role = auditor.post(f"/v1/models/{demo.CHAMPION}/versions/1/role", json={"role": "retired"})
    assert role.status_code == 403
    assert auditor.put("/v1/data-types/iris/policy", json={"policy": "first"}).status_code == 403


def test_a_model_under_model_dir_loads_by_location(platform, admin, retire_afterwards):
    (platform.model_dir / "located.onnx").write_bytes(logreg_onnx())
    response = publish_by_location(admin, "located", str(platform.model_dir / "located.onnx"))
    assert response.status_code == 202, response.text
    retire_afterwards.append(("located", "1"))
    wait_for_status(admin, "located", "1", {"ready"})


def test_a_location_outside_model_dir_fails_with_the_reason(platform, admin, retire_afterwards):
    outside = platform.model_dir.parent / "outside.onnx"
    outside.write_bytes(logreg_onnx())  # a good model: only the MODEL_DIR check can stop it
    response = publish_by_location(admin, "escaper", f"{platform.model_dir}/../outside.onnx")
    assert response.status_code == 202, response.text
    retire_afterwards.append(("escaper", "1"))
    failed = wait_for_status(admin, "escaper", "1", {"failed"})
    assert "outside MODEL_DIR" in failed["reason"], failed


def test_tokens_reach_only_the_gateway(platform):
    pids = platform.pids
    for service in ("registry", "rendezvous", "model_runners", "gateway"):
        environ = Path(f"/proc/{pids[service]}/environ").read_bytes().split(b"\0")
        names = {entry.partition(b"=")[0] for entry in environ}
        has_tokens = {b"ADMIN_TOKEN", b"AUDIT_TOKEN"} <= names
        assert has_tokens == (service == "gateway"), service


def test_no_token_appears_in_any_log_or_in_the_start_up_output(platform):
    logs = platform.log_of("gateway").parent
    for log in logs.glob("*.log"):
        text = log.read_text(errors="replace")
        assert ADMIN_TOKEN not in text and AUDIT_TOKEN not in text, log
    output = "".join(platform.output)  # set by the test, so `make up` has nothing to print
    assert ADMIN_TOKEN not in output and AUDIT_TOKEN not in output
