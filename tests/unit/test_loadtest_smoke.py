"""The whole tool, end to end, against the in-process canned-answer server."""

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from loadtest.cli import main
from tests.fake_server import FakeServer

pytestmark = pytest.mark.timeout(60)

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server():
    running = FakeServer().start()
    yield running
    running.stop()


def run_tool(*args, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "loadtest", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=50)


def test_open_loop_run_for_two_seconds(server, tmp_path):
    out = tmp_path / "run"
    done = run_tool("--base-url", server.base_url, "--rate", "200", "--duration", "2", "--warmup", "0.5",
                    "--known-versions", "iris-fake:1", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = orjson.loads((out / "result.json").read_bytes())
    check = result["ledger_check"]
    assert check["passed"] and check["lost"] == 0 and check["duplicate"] == 0
    assert check["unexpected"] == 0 and check["wrong_version"] == 0
    assert check["sent"] == result["totals"]["sent"] == server.received == 400
    assert result["totals"]["warmup_requests"] == 100 and result["latency_ms"]["count"] == 300
    assert result["errors_by_status"] == {} and result["reasons"] == {"first": 300}
    assert result["latency_ms"]["p50"] <= result["latency_ms"]["p99"] <= result["latency_ms"]["max"]
    pace = result["open_loop"]  # held or not depends on the machine's load; the accounting does not
    assert pace["offered_per_s"] == 200 and pace["due"] == pace["sent"] == 300
    assert 0 < pace["achieved_per_s"] <= 200.0 + 1e-6 and pace["send_lag_ms"]["p50"] <= pace["send_lag_ms"]["max"]
    assert f"open-loop rate {pace['verdict']}" in done.stderr
    progress = [line for line in done.stderr.splitlines() if line.strip().endswith("ms") and "sent" in line]
    assert len(progress) >= 2  # one plain line per second when stderr is not a terminal
    assert "ledger check: PASS" in done.stderr
    checked = run_tool("check", str(out / "ledger.jsonl"), cwd=tmp_path)
    assert checked.returncode == 0 and "PASS" in checked.stdout


def test_closed_loop_with_request_limit(server, tmp_path):
    out = tmp_path / "closed"
    code = main(["--base-url", server.base_url, "--mode", "closed", "--concurrency", "4",
                 "--requests", "50", "--duration", "5", "--quiet", "--out", str(out)])
    assert code == 0
    result = orjson.loads((out / "result.json").read_bytes())
    assert result["totals"]["sent"] == 50 == server.received
    assert result["open_loop"] is None  # a closed loop offers no rate of its own
    assert result["ledger_check"]["passed"]


def test_unreachable_platform_fails_the_ledger_check(tmp_path):
    args = ["--base-url", "http://127.0.0.1:9", "--requests", "3", "--rate", "50", "--duration", "1",
            "--timeout", "1", "--quiet", "--out", str(tmp_path / "down")]
    assert main(args) == 1
    result = orjson.loads((tmp_path / "down" / "result.json").read_bytes())
    assert result["ledger_check"]["lost"] == 3 and result["errors_by_status"] == {"error": 3}
    assert main([*args, "--no-fail", "--out", str(tmp_path / "down2")]) == 0


def test_unknown_transport_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--transport", "carrier-pigeon", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "unknown transport 'carrier-pigeon'; valid transports: http, kafka" in capsys.readouterr().err


def test_inconsistent_settings_are_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--duration", "2", "--warmup", "3", "--out", str(tmp_path)])
    assert "--warmup must be" in capsys.readouterr().err
