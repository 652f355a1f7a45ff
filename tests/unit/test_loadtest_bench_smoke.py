"""`python -m loadtest.bench` end to end on its one system that needs no broker: the
FastAPI + ONNX Runtime baseline, with points a second long.  It keeps the bench's
orchestration (servers started and stopped by PID, load runs, CPU from /proc, the
sweep, results.json, the plots and the template) from rotting; the figures it
measures are not asserted, only that they were measured."""

import json
from dataclasses import replace

import pytest

from loadtest import bench

pytestmark = pytest.mark.timeout(180)


def test_a_baseline_only_bench_writes_its_report(tmp_path, monkeypatch):
    short = replace(bench.PROFILES["quick"], duration_s=1.0, warmup_s=0.2, rates=(20, 40), idle_s=0.2,
                    warm_up_s=0.5, quiet_wait_s=0.0)
    monkeypatch.setitem(bench.PROFILES, "quick", short)
    monkeypatch.setattr(bench, "busy_cores", lambda seconds=2.0: 0.0)  # no waiting for a quiet machine

    code = bench.main(["--quick", "--systems", "baseline", "--out", str(tmp_path), "--raw", str(tmp_path / "raw")])

    assert code == 0
    run = json.loads((tmp_path / "docs" / "bench" / "results.json").read_text())
    assert run["notes"] == [] and run["swap"] is None
    closed = [p for p in run["points"] if p["mode"] == "closed"]
    assert [p["system"] for p in closed] == ["baseline"] and closed[0]["ledger_passed"]
    assert closed[0]["ok_per_s"] > 0 and closed[0]["cpu_ms_per_request"]["FastAPI + ONNX Runtime"] > 0
    opened = [p for p in run["points"] if p["mode"] == "open"]
    # The sweep starts at 20/s; whether it reaches 40/s depends on how busy the machine is.
    assert [p["rate"] for p in opened][:1] == [20] and all(p["achieved_rate"] > 0 for p in opened)
    assert all(p["ledger_passed"] for p in opened)
    text = (tmp_path / "BENCHMARKS.md").read_text()
    assert "| baseline | 3 models |" in text and "Not enough systems were measured for ratios." in text
    for plot in ("latency_vs_rate.png", "cost_growth.png"):
        assert (tmp_path / "docs" / "bench" / plot).read_bytes()[:4] == b"\x89PNG"
