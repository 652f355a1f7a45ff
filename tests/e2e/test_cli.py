"""`rvs` against the real platform, as a user runs it (a process of its own, with
RVS_URL and the tokens in its environment): models list, policies get, predict, and
the audit of that very prediction, in tables and in --json, with the exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from common.policies import REGISTRY
from stack.demo import BACKSTOP, CHAMPION
from tests.e2e.conftest import ADMIN_TOKEN, AUDIT_TOKEN, ROOT
from tests.model_factory import onnx_iris, truncated_onnx

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
SETOSA = ["5.1", "3.5", "1.4", "0.2"]


def rvs(platform, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    """`rvs ARGS` (python -m stack: the console script's own main) in a process of its own."""
    environment = {**os.environ, "RVS_URL": platform.url, "ADMIN_TOKEN": ADMIN_TOKEN, "AUDIT_TOKEN": AUDIT_TOKEN,
                   "COLUMNS": "200", "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "stack", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=timeout)


def test_models_list_shows_the_demo_models_ready(platform):
    listed = rvs(platform, "models", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    ready = {m["name"] for m in json.loads(listed.stdout)["models"] if m.get("status") == "ready"}
    assert {CHAMPION, BACKSTOP} <= ready
    table = rvs(platform, "models", "list")
    assert table.returncode == 0 and any(CHAMPION in line and "ready" in line for line in table.stdout.splitlines())
    missing = rvs(platform, "models", "show", "no-such-model")
    assert missing.returncode == 3 and "no model named 'no-such-model'" in missing.stderr


def test_policies_get_shows_the_policy_in_force(platform):
    got = rvs(platform, "policies", "get", "iris", "--json")
    assert got.returncode == 0, got.stderr
    policy = json.loads(got.stdout)
    assert policy["data_type"] == "iris" and policy["policy"] in REGISTRY
    table = rvs(platform, "policies", "get", "iris")
    assert table.returncode == 0 and policy["policy"] in table.stdout


def test_predict_then_audit_that_prediction(platform):
    record_id = f"cli-{time.time_ns()}"
    predicted = rvs(platform, "predict", "iris", *SETOSA, "--record-id", record_id, "--json")
    assert predicted.returncode == 0, predicted.stderr
    answer = json.loads(predicted.stdout)
    assert answer["output"]["label"] and answer["model"]["name"] in {CHAMPION, BACKSTOP}
    shown = rvs(platform, "predict", "iris", *SETOSA)
    assert shown.returncode == 0 and answer["model"]["name"] in shown.stdout and "reason" in shown.stdout

    audited = eventually(platform, "audit", answer["request_id"], "--json")
    record = json.loads(audited.stdout)
    assert record["decision"]["model"] == answer["model"] and record["request"]["record_id"] == record_id
    assert record["request"]["input"]["values"] == [float(v) for v in SETOSA]
    table = rvs(platform, "audit", answer["request_id"])
    assert table.returncode == 0 and "Scores" in table.stdout and answer["model"]["name"] in table.stdout
    eventually(platform, "audit", "--record", record_id,
               until=lambda result: result.returncode == 0 and answer["request_id"] in result.stdout)

    wrong = rvs(platform, "audit", answer["request_id"], AUDIT_TOKEN="not-the-token", ADMIN_TOKEN="")
    assert wrong.returncode == 4 and "AUDIT_TOKEN" in wrong.stderr


def test_publish_uploads_and_waits_until_the_runners_report_the_version(platform, tmp_path, retire_afterwards):
    """Candidates are validated by the runners and never fed live traffic: the cheapest real load."""
    good, bad = tmp_path / "logreg.onnx", tmp_path / "truncated.onnx"
    good.write_bytes(onnx_iris())
    bad.write_bytes(truncated_onnx())
    retire_afterwards.extend([("rvs-logreg", "1"), ("rvs-logreg", "2")])
    common = ["--name", "rvs-logreg", "--data-type", "iris", "--format", "onnx", "--role", "candidate", "--wait",
              "--wait-timeout", "120", "--json"]
    ready = rvs(platform, "models", "publish", str(good), "--version", "1", *common, timeout=150)
    assert ready.returncode == 0, ready.stderr
    assert json.loads(ready.stdout)["version"]["status"] == "ready"
    failed = rvs(platform, "models", "publish", str(bad), "--version", "2", *common, timeout=150)
    assert failed.returncode == 1 and "rvs-logreg:2 is failed" in failed.stderr, failed.stderr
    assert json.loads(failed.stdout)["status"] == "failed"


def eventually(platform, *args: str, until=lambda result: result.returncode == 0,
               timeout: float = 30.0) -> subprocess.CompletedProcess:
    """The registry records a decision a moment after its answer; until then the audit
    exits 3 (not found), or lists no request for the record."""
    deadline = time.monotonic() + timeout
    while True:
        result = rvs(platform, *args)
        if until(result):
            return result
        assert result.returncode in (0, 3), result.stderr
        assert time.monotonic() < deadline, f"rvs {' '.join(args)}: still {result.returncode}: {result.stderr}"
        time.sleep(0.5)
