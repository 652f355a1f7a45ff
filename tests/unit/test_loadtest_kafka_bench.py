"""The pure parts of the benchmark: result.json -> row, knee detection, ratios,
CPU attribution and the Markdown it writes.  No servers, no clocks."""

from __future__ import annotations

import pytest

from loadtest.peers import markdown
from loadtest.peers.summary import (Point, classify_process, cpu_by_component, error_share, fmt_ms, fmt_ratio,
                                    fmt_share, knee, past_knee, per_request_ms, point_from_result, ratio,
                                    should_continue)

pytestmark = pytest.mark.timeout(30)


def result(ok_per_s=100.0, p50=5.0, p99=20.0, p999=30.0, measured=1000, errors=None, shed=0, reasons=None,
           passed=True, mode="closed", window=9.0, duration=10.0, warmup=1.0) -> dict:
    """The parts of a loadtest result.json that the bench reads."""
    errors = errors or {}
    return {
        "config": {"mode": mode, "duration_s": duration, "warmup_s": warmup},
        "measured_window_s": window,
        "totals": {"sent": measured + 100, "completed": measured + 100, "shed_by_client": shed,
                   "errors": sum(errors.values()), "warmup_requests": 100, "measured_requests": measured},
        "throughput": {"completed_per_s": ok_per_s + sum(errors.values()) / window, "ok_per_s": ok_per_s},
        "latency_ms": {"count": measured, "p50": p50, "p90": p50, "p99": p99, "p99.9": p999, "max": p999},
        "errors_by_status": errors,
        "reasons": reasons or {"preferred": measured},
        "ledger_check": {"passed": passed, "failures": [] if passed else ["lost"]},
    }


def point(system="platform", rate=None, mode="open", **kw) -> Point:
    labels = dict(system=system, label="3 models", mode=mode, rate=rate)
    return point_from_result(result(mode=mode, **kw), **labels)


# result.json -> Point ------------------------------------------------------------------
def test_point_keeps_the_numbers_and_counts_failures():
    p = point_from_result(result(errors={"504": 40, "error": 10}, reasons={"preferred": 900, "timeout": 40}),
                          system="platform", label="3 models", mode="closed")
    assert (p.ok_per_s, p.p50, p.p99, p.p999) == (100.0, 5.0, 20.0, 30.0)
    assert p.not_ok == 50 and p.error_share == pytest.approx(0.05)
    assert p.reasons == {"preferred": 900, "timeout": 40} and p.ledger_passed


def test_open_loop_throughput_counts_over_the_sending_window_not_the_drain():
    # 9 s of measured sending, but the run drained for 4 s more: 13 s in the report's window.
    p = point(rate=100, ok_per_s=900 / 13.0, window=13.0)
    assert p.ok_per_s == pytest.approx(100.0)
    closed = point_from_result(result(ok_per_s=50.0, window=13.0), system="s", label="l", mode="closed")
    assert closed.ok_per_s == 50.0  # closed loops keep the report's figure


def test_an_open_point_keeps_whether_its_rate_was_held():
    raw = result(mode="open")
    raw["open_loop"] = {"achieved_per_s": 870.5, "send_lag_ms": {"p50": 1.0, "p99": 42.0, "max": 80.0},
                        "held": False}
    p = point_from_result(raw, system="platform", label="3 models", mode="open", rate=1000)
    assert (p.achieved_rate, p.send_lag_p99, p.rate_held) == (870.5, 42.0, False)
    text = markdown.render({**sample_run(), "points": [p.to_json()]})
    assert "| platform | 1,000 | 870 | 100 |" in text and "rate not held (sends p99 42.0 ms late)" in text
    closed = point_from_result(result(), system="platform", label="3 models", mode="closed")
    assert (closed.achieved_rate, closed.rate_held) == (None, None)


def test_shed_requests_count_as_failures():
    assert error_share(measured=90, not_ok=0, shed=10) == pytest.approx(0.1)
    assert error_share(measured=0, not_ok=0, shed=0) == 0.0
    assert point(rate=1000, measured=900, shed=100).error_share == pytest.approx(0.1)


# Knee detection ------------------------------------------------------------------------
@pytest.mark.parametrize(("kw", "over"), [
    ({}, False),
    ({"errors": {"504": 50}}, False),  # exactly 5%: still within
    ({"errors": {"504": 51}}, True),
    ({"p99": 1000.0}, False),
    ({"p99": 1000.1}, True),
    ({"p99": None}, True),  # no answers at all
    ({"measured": 0, "p99": None}, True),
])
def test_past_knee_limits(kw, over):
    assert past_knee(point(rate=100, **kw)) is over


def test_knee_is_the_last_good_rate_before_the_first_bad_one():
    sweep = [point(rate=300, p99=40), point(rate=100, p99=10), point(rate=1000, p99=1500),
             point(rate=2000, p99=30)]  # a good point after a bad one does not count
    assert knee(sweep) == (300, 1000)


def test_knee_edges():
    assert knee([point(rate=100, p99=10), point(rate=300, p99=20)]) == (300, None)  # never reached
    assert knee([point(rate=100, errors={"504": 500})]) == (None, 100)  # over the limit from the start
    assert knee([point(rate=None, mode="closed")]) == (None, None)  # closed loops are not a sweep


def test_sweep_continues_only_while_the_last_point_is_good():
    assert should_continue([])
    assert should_continue([point(rate=100)])
    assert not should_continue([point(rate=100), point(rate=300, p99=2000)])
    late_but_sent = point(rate=300)
    late_but_sent.rate_held, late_but_sent.achieved_rate = False, 290.0  # sends late, yet 97% of the rate
    assert should_continue([point(rate=100), late_but_sent])
    client_fell_behind = point(rate=300)
    client_fell_behind.rate_held, client_fell_behind.achieved_rate = False, 270.0
    assert not should_continue([point(rate=100), client_fell_behind])


# Ratios and formatting -----------------------------------------------------------------
def test_ratio_and_its_formatting():
    assert ratio(50, 200) == 0.25 and ratio(1, 0) is None and ratio(None, 3) is None
    assert [fmt_ratio(v) for v in (0.0834, 0.25, 1.0, 3.14159, 12.6, 1234.0, None)] == \
        ["0.08x", "0.25x", "1.0x", "3.1x", "13x", "1,234x", "-"]
    assert [fmt_ms(v) for v in (0.123, 9.87, 12.34, 123.4, 1234.5, None)] == ["0.12", "9.87", "12.3", "123", "1,234", "-"]
    assert [fmt_share(v) for v in (0, 0.0004, 0.0123)] == ["0", "<0.1%", "1.2%"]


def test_the_comparison_divides_the_platform_by_each_peer():
    main = point(mode="closed", ok_per_s=100, p50=20, p99=80, p999=100)
    points = [main, point(system="baseline", mode="closed", ok_per_s=1000, p50=2, p99=8, p999=10),
              point(system="ray-serve", mode="closed", ok_per_s=50, p50=40, p99=160, p999=0)]
    rows = markdown.comparison(main, points, [])["rows"]
    assert rows[0] == ["throughput (official answers/s)", "0.10x", "2.0x"]
    assert rows[1] == ["p50 latency", "10x", "0.50x"]
    assert rows[3] == ["p99.9 latency", "10x", "-"]  # a zero denominator has no ratio


def test_open_ratios_only_at_rates_both_kept_within_limits():
    main = point(mode="closed")
    closed = [main, point(system="baseline", mode="closed"), point(system="ray-serve", mode="closed")]
    opened = [point(rate=100, p50=10, p99=40), point(rate=300, p50=30, p99=90), point(rate=1000, p99=5000),
              point(system="baseline", rate=100, p50=2, p99=4), point(system="baseline", rate=1000),
              point(system="ray-serve", rate=100, p99=3000)]
    rows = markdown.comparison(main, closed, opened)["rows"]
    assert rows[4:] == [["highest rate within limits", "0.30x", "-"],
                        ["p50 / p99 at 100 req/s", "5.0x / 10x", "-"], ["p50 / p99 at 300 req/s", "-", "-"]]


# CPU attribution -----------------------------------------------------------------------
@pytest.mark.parametrize(("cmdline", "component"), [
    ("/usr/lib/jvm/java-21/bin/java -Xms512m -Xmx512m -XX:+UseG1GC -Dkafka.logs.dir=/r/logs "
     "-cp /root/.cache/rendezvous-serving/kafka-4.2.0-ab12/libs/* kafka.Kafka /r/kafka/server.properties",
     "broker (Kafka)"),
    ("python -m loadtest --transport kafka --bootstrap 127.0.0.1:9092", "other"),  # a Kafka client, not the broker
    (".venv/bin/python -m gateway", "gateway"),
    (".venv/bin/python -m rendezvous", "rendezvous"),
    (".venv/bin/python -m model_runners", "runner supervisor"),
    ("ray::RunnerReplica.wait_assigned", "runner replicas (Ray actors)"),
    ("ray::IDLE", "Ray itself (GCS, raylet, workers)"),
    ("/x/site-packages/ray/core/src/ray/raylet/raylet --raylet_socket_name=y", "Ray itself (GCS, raylet, workers)"),
    ("ray::ServeReplica:bench:Ensemble", "Serve: ensemble replica"),
    ("ray::ServeReplica:bench:model-forest", "Serve: model replicas"),
    ("ray::ProxyActor", "Serve: HTTP proxy"),
    ("python -m loadtest.peers.baseline --manifest m.json --port 1", "FastAPI + ONNX Runtime"),
    ("python -m loadtest.peers.ray_serve_peer --manifest m.json", "Ray Serve driver"),
    ("valkey-server 127.0.0.1:5", "Redis (Valkey)"),
    ("something else", "other"),
])
def test_processes_are_attributed_to_components(cmdline, component):
    assert classify_process(cmdline) == component


def test_gateways_and_rendezvous_can_be_counted_per_process():
    before = {1: ("python -m gateway", 1.0), 2: ("python -m gateway", 1.0), 3: ("ray::RunnerReplica", 1.0)}
    after = {1: ("python -m gateway", 2.0), 2: ("python -m gateway", 1.5), 3: ("ray::RunnerReplica", 1.25)}
    assert cpu_by_component(before, after, per_process=("gateway",)) == {
        "gateway (pid 1)": 1.0, "gateway (pid 2)": 0.5, "runner replicas (Ray actors)": 0.25}


def test_cpu_between_snapshots_per_component_and_per_request():
    before = {1: ("python -m gateway", 10.0), 2: ("ray::RunnerReplica", 5.0), 3: ("ray::RunnerReplica", 1.0),
              4: ("python -m rendezvous", 2.0)}
    after = {1: ("python -m gateway", 11.0), 2: ("ray::RunnerReplica", 5.5), 3: ("ray::RunnerReplica", 1.5),
             5: ("ray::RunnerReplica", 0.5)}  # 4 vanished (lost), 5 is new (counted from zero)
    used = cpu_by_component(before, after)
    assert used == {"gateway": pytest.approx(1.0), "runner replicas (Ray actors)": pytest.approx(1.5)}
    per = per_request_ms(used, 500)
    assert list(per) == ["runner replicas (Ray actors)", "gateway"] and per["gateway"] == pytest.approx(2.0)
    assert per_request_ms(used, 0) == {}


# The document --------------------------------------------------------------------------
def test_linear_fit():
    assert markdown.linear_fit([1, 3, 5], [3, 7, 11]) == pytest.approx((1.0, 2.0))
    assert markdown.linear_fit([3], [1]) is None and markdown.linear_fit([3, 3], [1, 2]) is None


def sample_run() -> dict:
    def p(system, label, mode="closed", rate=None, models=3, replicas=1, **kw):
        return point_from_result(result(mode=mode, **kw), system=system, label=label, mode=mode, rate=rate,
                                 models=models, replicas=replicas, command=f"python -m loadtest # {system}").to_json()
    points = [
        p("platform", markdown.PLATFORM_MAIN, ok_per_s=200, p50=40, p99=120, p999=150),
        p("platform", markdown.PLATFORM_KAFKA, ok_per_s=250, p50=30, p99=100),
        p("platform", "1 model, first (HTTP)", models=1, ok_per_s=400, p50=20, p99=60),
        p("platform", "5 models x 1 replicas", models=5, ok_per_s=100, p50=80, p99=300),
        p("platform", "3 models x 2 replicas", replicas=2, ok_per_s=150, p50=50, p99=200),
        p("platform", markdown.PLATFORM_MAIN, "open", 100, p50=20, p99=50),
        p("platform", markdown.PLATFORM_MAIN, "open", 300, p99=3000),
        p("baseline", "3 models", ok_per_s=1000, p50=10, p99=30, p999=40),
        p("baseline", "3 models", "open", 100, p50=2, p99=5),
        p("baseline", "3 models", "open", 300, p50=3, p99=8),
        p("ray-serve", "3 models", ok_per_s=50, p50=300, p99=900, p999=1000),
        p("ray-serve", "3 models", "open", 100, p99=2500),
    ]
    points[0]["cpu_ms_per_request"] = {"broker (Kafka)": 6.0, "gateway": 2.0}
    points[7]["cpu_ms_per_request"] = {"FastAPI + ONNX Runtime": 1.0}
    for index, marginal, idle in ((2, 3.0, 0.5), (0, 5.0, 0.6), (3, 7.0, 0.8), (4, 6.0, 0.9)):
        points[index]["cpu_marginal_ms"], points[index]["idle_cores"] = marginal, idle
    return {"profile": "quick", "command": "python -m loadtest.bench --quick", "started_at": "2026-11-23 10:00:00",
            "elapsed_s": 300.0, "git": "commit abc", "machine": {"nproc": 2, "CPU": "AMD EPYC"},
            "versions": {"python": "3.11.7"}, "points": points, "notes": ["a note"],
            "settings": {"duration_s": 3, "warmup_s": 0.5, "rates": [100, 300], "concurrency": 16,
                         "timeout_s": 3, "deadline_ms": 50, "max_in_flight": 1024, "open_connections": 128},
            "systems": {"platform": {"startup_s": 40.0, "idle_cpu_cores": 0.9, "others_busy_cores": 0.3,
                                     "idle_cpu_by_component": {"broker (Kafka)": 0.6, "rendezvous": 0.1},
                                     "phases": [{"phase": "3 models, deadline (HTTP), closed loop",
                                                 "startup_s": 40.0, "idle_cpu_cores": 0.9, "others_busy_cores": 0.3},
                                                {"phase": "5 models x 1 replicas, deadline (HTTP), closed loop",
                                                 "startup_s": 55.0, "idle_cpu_cores": 1.2,
                                                 "others_busy_cores": 0.7}]},
                        "baseline": {"startup_s": 1.0, "idle_cpu_cores": 0.0, "others_busy_cores": 0.2}},
            "plots": {"latency_vs_rate": "docs/bench/latency_vs_rate.png"}}


def test_the_document_has_every_section_and_the_ratios():
    text = markdown.render(sample_run())
    for heading in ("## Summary", "## Machine and versions", "## Closed loop", "## Open loop", "## Cost growth",
                    "## Where the time goes", "## Start-up and load", "## Notes from this run", "## Reproduce"):
        assert heading in text
    assert "| throughput (official answers/s) | 0.20x | 4.0x |" in text  # 200/1000 and 200/50
    assert "| p99 latency | 4.0x | 0.13x |" in text
    assert "| highest rate within limits | 0.33x | - |" in text  # 100 against 300; Ray Serve had none
    assert "**platform**: within limits up to 100 req/s, past them at 300 req/s." in text
    assert "**ray-serve**: over the limits at every rate tried, past them at 100 req/s." in text
    assert "From 1 to 5 models per data type, official answers went from 400 to 100 per second (0.25x)" in text
    assert "not monotone" not in text
    assert "1 model 3.0 ms, 3 models 5.0 ms, 5 models 7.0 ms; a straight line through them is 2.0 ms plus 1.0 ms" \
        " per model." in text
    assert "Idle, just before each point, the platform burned 0.50 cores (1 model x 1), 0.60 cores (3 models x 1)" \
        ", 0.80 cores (5 models x 1), 0.90 cores (3 models x 2)." in text
    assert "With 3 models, 1, 2 runner replicas per model gave 200, 150 official answers/s, p99 120, 200 ms." in text
    assert "More replicas did not raise throughput (0.75x with 2 against one)" in text
    assert "| platform | 300 | - | 100 | 5.00 | 3,000 | 30.0 | 0 | past the knee | preferred 100% | pass |" in text
    assert "| platform | 3 models, deadline (HTTP) | 200 | 40.0 | 120 | 150 | 0 | preferred 100% | pass |" in text
    assert "overloaded" not in text and "(backlogged)" not in text
    assert "| 5 | 1 | 5 models x 1 replicas | 100 | 80.0 | 300 | 30.0 | 0.0% | - | 7.00 | 0.80 |" in text
    assert "8.00 ms of CPU in all" in text and "8.0x the CPU per answer" in text
    assert "broker (Kafka) 0.60" in text
    # one start-up row per platform phase: each phase ran on a fresh platform
    assert "| platform: 3 models, deadline (HTTP), closed loop | 40.0 | 0.90 | 0.30 |" in text
    assert "| platform: 5 models x 1 replicas, deadline (HTTP), closed loop | 55.0 | 1.20 | 0.70 |" in text
    assert "platform: 5 models x 1 replicas, deadline (HTTP), closed loop: 0.70 cores" in text  # others were busy
    assert "`--quick` run" in text and "![latency against offered rate](docs/bench/latency_vs_rate.png)" in text
    assert "python -m loadtest # platform" in text


def test_the_document_survives_a_run_with_one_system():
    run = sample_run()
    run["points"] = [p for p in run["points"] if p["system"] == "baseline"]
    run["systems"] = {}
    text = markdown.render(run)
    assert "Not enough systems were measured for ratios." in text and "Not measured in this run." in text


def test_a_curve_that_is_not_monotone_is_called_out():
    run = sample_run()
    run["points"][3]["ok_per_s"] = 900.0  # 5 models faster than 1: noise, not cost
    assert "not monotone" in markdown.render(run)


def test_marginal_cpu_takes_the_idle_burn_away():
    from loadtest.peers.summary import marginal_ms
    assert marginal_ms(total_cpu_s=3.0, idle_cores=0.5, wall_s=4.0, requests=500) == pytest.approx(2.0)
    assert marginal_ms(total_cpu_s=1.0, idle_cores=0.5, wall_s=4.0, requests=500) == 0.0  # never negative
    assert marginal_ms(1.0, 0.0, 1.0, 0) is None


def test_overloaded_and_backlogged_points_are_marked_and_left_out_of_the_fit():
    run = sample_run()
    run["points"][3]["settled"] = False  # 5 models: measured on a backlog
    run["points"][2]["errors_by_status"] = None
    run["points"][2]["error_share"] = 0.9  # 1 model: mostly timeouts
    text = markdown.render(run)
    assert "| platform | 5 models x 1 replicas (backlogged) |" in text
    assert '"(backlogged)": the point before left a backlog' in text
    assert "At 1 model x 1 replica, 5 models x 1 replica the platform was overloaded" in text
    assert "Fewer than two points of the curve were measured without overload" in text
    assert "straight line" not in text


def test_the_hot_swap_and_the_scaled_out_platform_have_their_sections():
    run = sample_run()
    scaled = point_from_result(result(ok_per_s=300, p99=90), system="platform", mode="closed", models=3,
                               replicas=1, label="3 models, deadline, 2 gateways + 2 rendezvous (HTTP)",
                               processes={"gateway": 2, "rendezvous": 2}).to_json()
    scaled["cpu_ms_per_process"] = {"gateway (pid 7)": 1.25, "gateway (pid 8)": 1.0, "broker (Kafka)": 3.0}
    run["points"].append(scaled)
    window = {"seconds": 5.0, "count": 500, "p50": 5.0, "not_official": 0}
    run["swap"] = {"rate": 100, "data_type": "bench3", "model": "bench3-forest", "before_s": 5, "ready_after_s": 2.5,
                   "windows": {"before": {**window, "p99": 10.0}, "during": {**window, "p99": 25.0},
                               "after": {**window, "p99": 11.0}},
                   "ratio": 2.5, "versions": {"bench3-forest:1": 900, "bench3-forest:2": 400},
                   "ledger_passed": True, "ledger_failures": []}
    text = markdown.render(run)
    assert "| during | 5.0 | 500 | 5.00 | 25.0 | 0 |" in text
    assert "**2.5x** (the goal is at most 2x: not met)" in text and "bench3-forest:2 400" in text
    assert "compares two overloads" not in text
    run["swap"]["overloaded_before"] = True
    assert "compares two overloads" in markdown.render(run)
    assert "`stack up --gateways 2 --rendezvous 2`" in text
    assert "300 official answers/s, p99 90.0 ms, against 200/s and p99 120 ms with one of each (1.5x" in text
    assert "| gateway (pid 7) | 1.25 |" in text and "| **total** | **5.25** |" in text
    # the scaled-out point is not a point of the cost curve
    assert "| 3 | 1 | 3 models, deadline, 2 gateways" not in text
