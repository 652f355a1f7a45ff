"""The soak tool's report line: one row per run with throughput, official share,
latency and CPU per answer by component, largest first."""
import pytest

from loadtest.soak import main, row


def test_a_run_row_reports_rate_share_latency_and_cpu():
    run = {"ledger_ok": True,
           "result": {"throughput": {"completed_per_s": 300.0, "ok_per_s": 297.0},
                      "latency_ms": {"p50": 40.0, "p99": 120.0}},
           "cpu_ms_per_answer": {"broker (Kafka)": 0.8, "gateway": 0.6}}
    text = row(2, run)
    assert text.startswith("run 2: 300 answers/s, official 99.0%, p50 40.0 ms, p99 120.0 ms, ledger PASS")
    assert text.endswith("total 1.40 (broker (Kafka) 0.80, gateway 0.60)")


def test_a_failed_ledger_says_so():
    run = {"ledger_ok": False, "result": {"throughput": {"completed_per_s": 0.0, "ok_per_s": 0.0},
                                          "latency_ms": {"p50": 0.0, "p99": 0.0}}, "cpu_ms_per_answer": {}}
    assert "ledger FAIL" in row(1, run)


def test_the_platform_pid_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "--pid" in capsys.readouterr().err
