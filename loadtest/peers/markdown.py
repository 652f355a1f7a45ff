"""BENCHMARKS.md from one benchmark run (a plain dict, also kept as results.json).

Here the run's numbers are picked out and compared; the words and the tables are in
the Jinja2 template beside this file, ``benchmarks.md.j2``.  Pure: a stored
results.json renders again (``python -m loadtest.bench --from-json docs/bench/results.json``).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from loadtest.peers.summary import (MAX_ERROR_SHARE, MAX_P99_MS, Point, fmt_ms, fmt_rate, fmt_ratio, fmt_share,
                                    fmt_two, knee, past_knee, ratio, reason_shares)

OVERLOADED_SHARE = 0.5  # a point where most answers were timeouts measures overload, not cost
PLATFORM_MAIN = "3 models, deadline (HTTP)"
PLATFORM_KAFKA = "3 models, deadline (Kafka-native client)"


def render(run: dict) -> str:
    environment = Environment(loader=FileSystemLoader(Path(__file__).parent), undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
                              autoescape=False)  # noqa: S701 - Markdown, not HTML: escaping would garble it
    environment.filters.update(ms=fmt_ms, rate=fmt_rate, ratio=fmt_ratio, share=fmt_share, two=fmt_two,
                               reasons=reason_shares)
    environment.tests.update(past_knee=past_knee, overloaded=overloaded)
    return environment.get_template("benchmarks.md.j2").render(facts(run))


def facts(run: dict) -> dict:
    """Everything the template shows, picked from the run."""
    points, systems = points_of(run), run.get("systems", {})
    opened = sorted((p for p in points if p.mode == "open"), key=lambda p: (p.system, p.rate))
    main = find(points, "platform", label=PLATFORM_MAIN)
    started = started_systems(systems)
    return {
        "run": run, "settings": run["settings"], "cores": int(run["machine"].get("nproc") or 1),
        "limits": {"error_share": MAX_ERROR_SHARE, "p99_ms": MAX_P99_MS},
        "phased": any(s.get("phases") for s in systems.values()), "started": started,
        "busy": {name: s["others_busy_cores"] for name, s in started if (s.get("others_busy_cores") or 0) > 0.5},
        "closed": [p for p in points if p.mode == "closed"], "opened": opened,
        "knees": {system: knee([p for p in opened if p.system == system]) for system in
                  sorted({p.system for p in opened})},
        "comparison": comparison(main, points, opened),
        "growth": growth(*growth_points(points)), "cpu": cpu_facts(points, systems),
        "scale_out": next((p for p in points if p.processes), None), "main": main,
        "swap": run.get("swap"), "goals": goals(points, main, run.get("swap"), run["settings"]),
        "example": next((p.command for p in points if p.system == "platform" and p.mode == "closed"), "(not run)"),
    }


def points_of(run: dict) -> list[Point]:
    """The run's points; keys a newer or older results.json has and Point lacks are ignored."""
    known = set(Point.__dataclass_fields__)
    return [Point(**{k: v for k, v in p.items() if k in known}) for p in run["points"]]


def find(points: list[Point], system: str, mode: str = "closed", label: str | None = None) -> Point | None:
    return next((p for p in points if p.system == system and p.mode == mode and label in (None, p.label)), None)


def overloaded(point: Point) -> bool:
    return point.error_share > OVERLOADED_SHARE or point.settled is False


def comparison(main: Point | None, points: list[Point], opened: list[Point]) -> dict | None:
    """The platform divided by each peer: closed-loop figures, the knee, and open-loop latency."""
    peers = {name: p for name in ("baseline", "ray-serve") if (p := find(points, name))}
    if not main or not peers:
        return None
    rows = [[title, *(fmt_ratio(ratio(getattr(main, attr), getattr(o, attr))) for o in peers.values())]
            for title, attr in (("throughput (official answers/s)", "ok_per_s"), ("p50 latency", "p50"),
                                ("p99 latency", "p99"), ("p99.9 latency", "p999"))]
    sweeps = {name: [p for p in opened if p.system == name] for name in ["platform", *peers]}
    mine = knee(sweeps["platform"])[0]
    rows.append(["highest rate within limits", *(fmt_ratio(ratio(mine, knee(sweeps[n])[0])) for n in peers)])
    good = {name: {p.rate: p for p in sweep if not past_knee(p)} for name, sweep in sweeps.items()}
    for rate, p in sorted(good["platform"].items()):
        rows.append([f"p50 / p99 at {fmt_rate(rate)} req/s", *(
            "-" if (o := good[n].get(rate)) is None else
            f"{fmt_ratio(ratio(p.p50, o.p50))} / {fmt_ratio(ratio(p.p99, o.p99))}" for n in peers)])
    return {"peers": list(peers), "rows": rows}


def goals(points: list[Point], main: Point | None, swap: dict | None, settings: dict) -> list[dict]:
    """Issue 10's goals, each with what this run measured and whether it was met
    (None: not measured in this run)."""
    sequential, sustained = find(points, "platform", "sequential"), find(points, "platform", "sustained")
    baseline, serve = find(points, "baseline"), find(points, "ray-serve")
    rate = settings.get("sustained_rate", 1000)
    rows = []

    def row(goal: str, measured: str, met: bool | None) -> None:
        rows.append({"goal": goal, "measured": measured, "met": met})

    if sustained:
        row(f"{fmt_rate(rate)} answers/s for {settings.get('sustained_s', 60):g} s, p99 at most 25 ms, nothing lost",
            f"{fmt_rate(sustained.ok_per_s)} official answers/s, p99 {fmt_ms(sustained.p99)} ms, ledger "
            f"{'pass' if sustained.ledger_passed else 'FAIL'}",
            sustained.ok_per_s >= 0.99 * rate and (sustained.p99 or 1e9) <= 25 and sustained.ledger_passed)
    if sequential:
        row("p50 at most 5 ms for sequential requests", f"p50 {fmt_ms(sequential.p50)} ms, p99 {fmt_ms(sequential.p99)} ms",
            (sequential.p50 or 1e9) <= 5)
    for peer, want in ((baseline, 0.7), (serve, 10.0)):
        if main and peer:
            got = ratio(main.ok_per_s, peer.ok_per_s)
            row(f"at least {want:g}x {peer.system}'s throughput at {main.concurrency} connections",
                f"{fmt_ratio(got)} ({fmt_rate(main.ok_per_s)} against {fmt_rate(peer.ok_per_s)} /s)",
                got is not None and got >= want)
    if swap:
        row("no p99 spike above 2x during a hot swap under load",
            f"worst p99 over p99 before: {swap.get('ratio')}x" + (" (already overloaded before)" if
                                                                   swap.get("overloaded_before") else ""),
            None if swap.get("ratio") is None or swap.get("overloaded_before") else swap["ratio"] <= 2)
    if main and main.cpu_ms_per_request:
        total = sum(main.cpu_ms_per_request.values())
        held = f"; {sum(sustained.cpu_ms_per_request.values()):.2f} ms at the sustained rate " \
               f"({fmt_rate(sustained.ok_per_s)} answers/s)" if sustained and sustained.cpu_ms_per_request else ""
        row("CPU per answered request at most 2 ms in all",
            f"{total:.2f} ms in the closed loop ({fmt_rate(main.ok_per_s)} answers/s){held}", total <= 2)
    return rows


def growth_points(points: list[Point]) -> tuple[list[Point], list[Point]]:
    """(by models with one replica, by replicas with 3 models) of the platform's HTTP closed loops
    with one gateway and one rendezvous."""
    closed = [p for p in points if p.system == "platform" and p.mode == "closed" and p.models and p.replicas
              and "Kafka" not in p.label and not p.processes]
    return (sorted((p for p in closed if p.replicas == 1), key=lambda p: p.models),
            sorted((p for p in closed if p.models == 3), key=lambda p: p.replicas))


def growth(by_models: list[Point], by_replicas: list[Point]) -> dict:
    """The cost curve's points and what can be said of its shape; overloaded points are not fitted."""
    every = by_models + [p for p in by_replicas if p not in by_models]
    usable = [p for p in by_models if not overloaded(p)]
    rates = [p.ok_per_s for p in usable]
    with_cpu = [p for p in usable if p.cpu_marginal_ms is not None]
    replicas = by_replicas if len(by_replicas) >= 2 else []
    gain = ratio(replicas[-1].ok_per_s, replicas[0].ok_per_s) if replicas else None
    return {"rows": every, "overloaded": [p for p in every if overloaded(p)], "usable": usable,
            "monotone": all(b <= a for a, b in zip(rates, rates[1:])), "with_cpu": with_cpu,
            "fit": linear_fit([p.models for p in with_cpu], [p.cpu_marginal_ms for p in with_cpu]),
            "idle": [p for p in every if p.idle_cores is not None], "replicas": replicas,
            "replica_gain": gain}


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float] | None:
    """Least squares y = a + b*x; None with fewer than two distinct x."""
    if len(set(xs)) < 2:
        return None
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    return mean_y - b * mean_x, b


def cpu_facts(points: list[Point], systems: dict) -> dict:
    """Where the time goes: every closed loop with a CPU breakdown, and the main one's share."""
    measured = [p for p in points if p.cpu_ms_per_request and (p.system != "platform" or p.label in
                                                               (PLATFORM_MAIN, PLATFORM_KAFKA))]
    components = list(dict.fromkeys(c for p in measured for c in p.cpu_ms_per_request))
    main, kafka = find(measured, "platform", label=PLATFORM_MAIN), find(measured, "platform", label=PLATFORM_KAFKA)
    baseline = find(measured, "baseline")
    total = sum(main.cpu_ms_per_request.values()) if main else None
    base_total = sum(baseline.cpu_ms_per_request.values()) if baseline else None
    idle_parts = systems.get("platform", {}).get("idle_cpu_by_component") or {}
    return {"measured": measured, "components": components, "main": main, "kafka": kafka, "total": total,
            "top": sorted(main.cpu_ms_per_request.items(), key=lambda kv: -kv[1])[:4] if main else [],
            "baseline_total": base_total, "versus_baseline": ratio(total, base_total),
            "kafka_total": sum(kafka.cpu_ms_per_request.values()) if kafka else None,
            "idle": {n: s["idle_cpu_cores"] for n, s in systems.items() if s.get("idle_cpu_cores") is not None},
            "idle_parts": sorted(idle_parts.items(), key=lambda kv: -kv[1])[:3]}


def started_systems(systems: dict) -> list[tuple[str, dict]]:
    """(name, start-up record) of every start: one per phase for a system started once per phase."""
    rows = []
    for name, s in systems.items():
        rows += [(f"{name}: {phase['phase']}", phase) for phase in s["phases"]] if s.get("phases") else [(name, s)]
    return rows
