"""The pure parts of the benchmark: a load run's result.json -> one point, knee
detection, ratios, CPU attribution by process, and the number formats of the report.

No I/O and no clocks here, so every rule is unit-tested on made-up numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

from loadtest.schedule import RATE_HELD_SHARE

MAX_ERROR_SHARE = 0.05  # past the knee: more than 5% of requests not answered officially...
MAX_P99_MS = 1000.0  # ...or a p99 over one second


@dataclass
class Point:
    """One load run against one system, reduced to what the tables need."""

    system: str  # "platform", "baseline", "ray-serve", ...
    label: str  # what was measured, e.g. "3 models, deadline" or "Kafka-native client"
    mode: str  # "closed" or "open"
    rate: float | None = None  # open loop: offered requests per second
    concurrency: int | None = None  # closed loop: connections
    models: int | None = None
    replicas: int | None = None
    sent: int = 0
    measured: int = 0
    ok_per_s: float = 0.0
    completed_per_s: float = 0.0
    p50: float | None = None
    p99: float | None = None
    p999: float | None = None
    max: float | None = None
    not_ok: int = 0  # measured requests without an official answer (timeouts, 5xx, errors)
    shed: int = 0  # open loop: never sent, the client's in-flight limit was reached
    error_share: float = 0.0
    errors: dict = field(default_factory=dict)  # status -> count
    reasons: dict = field(default_factory=dict)  # reason -> count
    ledger_passed: bool = True
    ledger_failures: list = field(default_factory=list)
    cpu_ms_per_request: dict = field(default_factory=dict)  # component -> CPU ms per answered request
    idle_cores: float | None = None  # the same system's CPU use, idle, just before this run
    cpu_marginal_ms: float | None = None  # CPU per answer beyond what the idle system burns anyway
    settled: bool | None = None  # False: the system still had a backlog from the point before (see notes)
    achieved_rate: float | None = None  # open loop: requests the client really sent per second...
    send_lag_p99: float | None = None  # ...how late (ms) 99% of them left at most...
    rate_held: bool | None = None  # ...and whether that kept the offered rate (loadtest.schedule.pace)
    processes: dict = field(default_factory=dict)  # service -> processes, when more than one of each ran
    cpu_ms_per_process: dict = field(default_factory=dict)  # "gateway (pid 12)" -> CPU ms per answer
    command: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def point_from_result(result: dict, **labels) -> Point:
    """Reduce a loadtest result.json to a Point; ``labels`` fill the descriptive fields."""
    totals, latency, throughput = result["totals"], result["latency_ms"], result["throughput"]
    measured = totals["measured_requests"]
    ok_per_s, completed_per_s = throughput["ok_per_s"], throughput["completed_per_s"]
    config = result.get("config", {})
    if config.get("mode") == "open":
        # The report divides by the whole run, drain included; at a fixed arrival rate the
        # answers belong to the sending window (an overloaded run can drain for seconds).
        window = result.get("measured_window_s") or 0.0
        sending = (config.get("duration_s") or 0.0) - (config.get("warmup_s") or 0.0)
        if window > 0 and sending > 0:
            ok_per_s, completed_per_s = ok_per_s * window / sending, completed_per_s * window / sending
    not_ok = sum(result.get("errors_by_status", {}).values())
    shed = totals.get("shed_by_client", 0)
    check = result.get("ledger_check", {})
    pace = result.get("open_loop") or {}
    return Point(
        sent=totals["sent"], measured=measured, ok_per_s=ok_per_s, completed_per_s=completed_per_s,
        p50=latency.get("p50"), p99=latency.get("p99"),
        p999=latency.get("p99.9"), max=latency.get("max"), not_ok=not_ok, shed=shed,
        error_share=error_share(measured, not_ok, shed), errors=dict(result.get("errors_by_status", {})),
        reasons=dict(result.get("reasons", {})), ledger_passed=bool(check.get("passed", True)),
        ledger_failures=list(check.get("failures", [])), achieved_rate=pace.get("achieved_per_s"),
        send_lag_p99=(pace.get("send_lag_ms") or {}).get("p99"), rate_held=pace.get("held"), **labels)


def error_share(measured: int, not_ok: int, shed: int) -> float:
    """The share of wanted requests that got no official answer (shed ones count as failed)."""
    wanted = measured + shed
    return (not_ok + shed) / wanted if wanted else 0.0


def past_knee(point: Point, max_error_share: float = MAX_ERROR_SHARE, max_p99_ms: float = MAX_P99_MS) -> bool:
    """True when the point is overloaded: too many failures, too slow a p99, or no answers at all."""
    if point.measured + point.shed == 0:
        return True
    if point.error_share > max_error_share:
        return True
    return point.p99 is None or point.p99 > max_p99_ms


def knee(points: list[Point]) -> tuple[float | None, float | None]:
    """(highest offered rate within limits, first rate past them) of an open-loop sweep.

    Points are taken in rate order; a good point after a bad one does not count
    (the sweep stops at the first bad one).  Either side may be None: no rate was
    within limits, or the sweep never reached the knee.
    """
    good = bad = None
    for point in sorted((p for p in points if p.mode == "open"), key=lambda p: p.rate):
        if past_knee(point):
            bad = point.rate
            break
        good = point.rate
    return good, bad


def should_continue(points: list[Point]) -> bool:
    """Keep raising the rate while the last open-loop point was within limits and the client
    really sent the rate it offered: past that, higher rates measure the client, not the system.
    (Late sends alone do not stop the sweep; their latency already counts from the schedule.)"""
    opened = [p for p in points if p.mode == "open"]
    if not opened:
        return True
    last = opened[-1]
    sent_enough = last.achieved_rate is None or last.achieved_rate >= RATE_HELD_SHARE * last.rate
    return not past_knee(last) and sent_enough


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0 or math.isnan(numerator):
        return None
    return numerator / denominator


# Formatting (the template's filters) ---------------------------------------------------
def fmt_ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def fmt_rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def fmt_ratio(value: float | None) -> str:
    """0.123 -> "0.12x", 12.3 -> "12x"; "-" when unknown."""
    if value is None:
        return "-"
    if value >= 10:
        return f"{value:,.0f}x"
    return f"{value:.2f}x" if value < 1 else f"{value:.1f}x"


def fmt_share(value: float) -> str:
    return "0" if value == 0 else f"{value * 100:.1f}%" if value >= 0.001 else "<0.1%"


def fmt_two(value: float | None) -> str:
    """CPU ms and cores: two decimals, "-" when unknown or NaN."""
    return "-" if value is None or value != value else f"{value:.2f}"


def reason_shares(reasons: dict) -> str:
    total = sum(reasons.values())
    if not total:
        return "-"
    items = sorted(reasons.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{key} {value / total * 100:.0f}%" for key, value in items)


# CPU attribution -----------------------------------------------------------------------
COMPONENT_PATTERNS = (  # first match wins; matched against a process's command line
    ("broker (Kafka)", r"\bkafka\.Kafka\b"),  # the embedded broker's JVM: java ... kafka.Kafka <config>
    ("Redis (Valkey)", r"valkey-server|redis-server"),
    ("gateway", r"-m gateway\b"),
    ("rendezvous", r"-m rendezvous\b"),
    ("registry", r"-m registry\b"),
    ("runner supervisor", r"-m model_runners\b"),
    ("runner replicas (Ray actors)", r"ray::RunnerReplica"),
    ("Serve: ensemble replica", r"ray::ServeReplica:[^ ]*:Ensemble"),
    ("Serve: model replicas", r"ray::ServeReplica:[^ ]*:model-"),
    ("Serve: HTTP proxy", r"ray::ProxyActor"),
    ("Serve: controller", r"ray::ServeController"),
    ("Ray itself (GCS, raylet, workers)", r"ray::|raylet|gcs_server|/ray/|ray\.|dashboard|log_monitor"),
    ("FastAPI + ONNX Runtime", r"loadtest\.peers\.baseline"),
    ("launcher (stack up)", r"-m stack\b"),
    ("Ray Serve driver", r"loadtest\.peers\.ray_serve_peer"),
)


def classify_process(cmdline: str) -> str:
    for name, pattern in COMPONENT_PATTERNS:
        if re.search(pattern, cmdline):
            return name
    return "other"


def cpu_by_component(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
                     per_process: tuple[str, ...] = ()) -> dict[str, float]:
    """CPU seconds used between two snapshots ({pid: (cmdline, cpu seconds)}), per component;
    the components named in ``per_process`` get one entry per process ("gateway (pid 12)").

    A process that appeared in between counts from zero; one that vanished is lost
    (its time went to its parent's children counters, which are not read).
    """
    used: dict[str, float] = {}
    for pid, (cmdline, seconds) in after.items():
        start = before.get(pid, (cmdline, 0.0))[1]
        if seconds - start > 0:
            component = classify_process(cmdline)
            key = f"{component} (pid {pid})" if component in per_process else component
            used[key] = used.get(key, 0.0) + seconds - start
    return used


def marginal_ms(total_cpu_s: float, idle_cores: float, wall_s: float, requests: int) -> float | None:
    """CPU ms per request beyond the idle burn: (CPU used - idle cores x wall time) / requests."""
    if requests <= 0:
        return None
    return max(total_cpu_s - idle_cores * wall_s, 0.0) * 1000.0 / requests


def per_request_ms(cpu_seconds: dict[str, float], requests: int) -> dict[str, float]:
    if requests <= 0:
        return {}
    return {name: seconds * 1000.0 / requests for name, seconds in sorted(cpu_seconds.items(), key=lambda kv: -kv[1])}
