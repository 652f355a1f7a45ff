"""BENCHMARKS.md from one benchmark run (a plain dict, also kept as results.json).

Pure: it only formats numbers it is given, so a stored results.json can be
rendered again (``python -m loadtest.bench --from-json docs/bench/results.json``).
"""

from __future__ import annotations

from loadtest.peers.summary import (MAX_ERROR_SHARE, MAX_P99_MS, Point, closed_table, cpu_table, fmt_ms,
                                    fmt_rate, fmt_ratio, knee, knee_ratio_row, open_ratio_rows, open_table,
                                    ratio, ratio_rows, shown_label, table)

OVERLOADED_SHARE = 0.5  # a point where most answers were timeouts measures overload, not cost

BACKLOG = "(backlogged)"
PLATFORM_MAIN = "3 models, deadline (HTTP)"
PLATFORM_KAFKA = "3 models, deadline (Kafka-native client)"
PEER_MAIN = "3 models"


def points_of(run: dict) -> list[Point]:
    """The run's points; keys a newer or older results.json has and Point lacks are ignored."""
    known = set(Point.__dataclass_fields__)
    return [Point(**{k: v for k, v in p.items() if k in known}) for p in run["points"]]


def find(points: list[Point], system: str, mode: str = "closed", label: str | None = None) -> Point | None:
    for p in points:
        if p.system == system and p.mode == mode and (label is None or p.label == label):
            return p
    return None


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float] | None:
    """Least squares y = a + b*x; None with fewer than two distinct x."""
    if len(xs) < 2 or len(set(xs)) < 2:
        return None
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    b = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    return mean_y - b * mean_x, b


def growth_points(points: list[Point]) -> tuple[list[Point], list[Point]]:
    """(by models with one replica, by replicas with 3 models) of the platform's HTTP closed loops."""
    closed = [p for p in points if p.system == "platform" and p.mode == "closed" and p.models and p.replicas
              and "Kafka" not in p.label]
    return (sorted((p for p in closed if p.replicas == 1), key=lambda p: p.models),
            sorted((p for p in closed if p.models == 3), key=lambda p: p.replicas))


def growth_text(points: list[Point], cores: int) -> str:
    """A few sentences on the cost curve, from the numbers; overloaded points are called out, not fitted."""
    by_models, by_replicas = growth_points(points)
    every = by_models + [p for p in by_replicas if p not in by_models]
    sentences = []
    overloaded = [p for p in every if p.error_share > OVERLOADED_SHARE or p.settled is False]
    if overloaded:
        sentences.append(
            "At " + ", ".join(f"{p.models} model{'s' if p.models > 1 else ''} x {p.replicas} replica"
                              f"{'s' if p.replicas > 1 else ''}" for p in overloaded)
            + " the platform was overloaded (most answers were timeouts, or it still had a backlog from the "
            "point before), so those points show the machine running out, not how cost grows; they are left "
            "out of the fit below.")
    usable = [p for p in by_models if p not in overloaded]
    if len(usable) >= 2:
        first, last = usable[0], usable[-1]
        sentences.append(
            f"From {first.models} to {last.models} models per data type, official answers went from "
            f"{fmt_rate(first.ok_per_s)} to {fmt_rate(last.ok_per_s)} per second and p99 from {fmt_ms(first.p99)} "
            f"to {fmt_ms(last.p99)} ms.")
        rates = [p.ok_per_s for p in usable]
        if any(b > a for a, b in zip(rates, rates[1:])):
            sentences.append(
                "That curve is not monotone, so throughput was set by something other than the models' cost: "
                "with 16 clients and a 50 ms deadline the closed loop is bounded by the deadline (a request is "
                "answered by its deadline or timed out there), and by whatever else the shared machine ran.  "
                "The CPU per answer is the steadier measure of cost.")
        with_cpu = [p for p in usable if p.cpu_marginal_ms is not None]
        fit = linear_fit([p.models for p in with_cpu], [p.cpu_marginal_ms for p in with_cpu])
        if fit:
            a, b = fit
            cpu = ", ".join(f"{p.models} model{'s' if p.models > 1 else ''} {p.cpu_marginal_ms:.1f} ms"
                            for p in with_cpu)
            sentences.append(
                f"CPU per answer beyond the idle burn was {cpu}; a straight line through them is {a:.1f} ms "
                f"plus {b:.1f} ms per model.")
    elif by_models:
        sentences.append("Fewer than two points of the curve were measured without overload, so this run says "
                         "nothing reliable about how throughput falls with more models.")
    sentences.append(
        "What each model adds, by construction: every model is its own runner replica, so each extra model "
        "is one more consumer reading every request from the broker, one more scoring call, and one more score "
        "message that the broker stores and serves and the rendezvous consumes, decodes and files in the "
        "request's mailbox; the gateway, the request, the rendezvous's read of it, the decision, the answer "
        "and the audit record are the fixed part.  While idle, every replica keeps a fetch waiting in the broker "
        "(up to `FETCH_WAIT_MS`, 500 ms by default, each).")
    idle = [p for p in every if p.idle_cores is not None]
    if idle:
        sentences.append(
            "Idle, just before each point, the platform burned " + ", ".join(
                f"{p.idle_cores:.2f} cores ({p.models} model{'s' if p.models > 1 else ''} x {p.replicas})"
                for p in idle) + ".")
    if len(by_replicas) >= 2:
        one, two = by_replicas[0], by_replicas[-1]
        sentences.append(
            f"A second runner replica per model (3 models) gave {fmt_rate(two.ok_per_s)} official answers/s "
            f"against {fmt_rate(one.ok_per_s)} with one, p99 {fmt_ms(two.p99)} against {fmt_ms(one.p99)} ms.  On "
            f"{cores} cores replicas add consumers, not CPU, so they pay off only once a model's scoring, not the "
            "machine, is the bottleneck (slower models, or more machines).")
    return " ".join(sentences)


def time_text(points: list[Point], idle: dict, idle_parts: dict | None = None) -> str:
    platform = find(points, "platform", label=PLATFORM_MAIN)
    baseline = find(points, "baseline")
    if not platform or not platform.cpu_ms_per_request:
        return ""
    total = sum(platform.cpu_ms_per_request.values())
    top = sorted(platform.cpu_ms_per_request.items(), key=lambda kv: -kv[1])[:4]
    parts = ", ".join(f"{name} {ms:.2f} ms ({ms / total * 100:.0f}%)" for name, ms in top)
    text = (f"Per answered request over HTTP, the platform's processes used {total:.2f} ms of CPU in all; "
            f"the biggest parts: {parts}.")
    if baseline and baseline.cpu_ms_per_request:
        base_total = sum(baseline.cpu_ms_per_request.values())
        text += (f"  The in-process baseline used {base_total:.2f} ms per request for the same three "
                 f"models, so the platform spends {fmt_ratio(ratio(total, base_total))} the CPU per answer.")
    kafka = find(points, "platform", label=PLATFORM_KAFKA)
    if kafka and kafka.cpu_ms_per_request:
        k_total = sum(kafka.cpu_ms_per_request.values())
        text += (f"  Kafka-native clients skip the gateway: {k_total:.2f} ms per answer, "
                 f"{fmt_rate(kafka.ok_per_s)} official answers/s against {fmt_rate(platform.ok_per_s)} over HTTP")
        if kafka.error_share > OVERLOADED_SHARE or kafka.settled is False:
            text += (" (but that point was overloaded: most of its answers were timeouts, so it measures the "
                     "overload, not the client)")
        text += "."
    if platform.error_share > OVERLOADED_SHARE / 5:
        text += (f"  Timeouts are answers too: {platform.error_share * 100:.0f}% of the platform's were, and the "
                 "runners and the rendezvous still do the full work for a request whose deadline has passed, so "
                 "under overload the CPU per official answer is higher still.")
    if idle:
        text += "  Idle, with nothing to do, the systems kept busy: " + ", ".join(
            f"{name} {cores:.2f} cores" for name, cores in idle.items()) + "."
    if idle_parts:
        top_idle = sorted(idle_parts.items(), key=lambda kv: -kv[1])[:3]
        text += ("  The platform's idle time went to " + ", ".join(f"{name} {cores:.2f}" for name, cores in top_idle)
                 + " cores.  Its consumers do not poll: each fetch waits in the broker for up to `FETCH_WAIT_MS` "
                 "(500 ms by default), and Apache Kafka completes a waiting fetch as soon as a message arrives, so "
                 "that wait adds no latency (docs/performance.md).")
    return text


def summary_table(points: list[Point]) -> str:
    platform = find(points, "platform", label=PLATFORM_MAIN)
    others = {name: p for name in ("baseline", "ray-serve") if (p := find(points, name))}
    if not platform or not others:
        return "Not enough systems were measured for ratios."
    rows = ratio_rows(platform, others)
    platform_open = [p for p in points if p.system == "platform" and p.mode == "open"]
    open_others = {name: [p for p in points if p.system == name and p.mode == "open"] for name in others}
    rows.append(knee_ratio_row(platform_open, open_others))
    rows += open_ratio_rows(platform_open, open_others)
    headers = ["platform ÷ ...", *(f"÷ {name}" for name in others)]
    return table(headers, rows, "l" + "r" * len(others))


def knee_lines(points: list[Point]) -> str:
    lines = []
    for system in sorted({p.system for p in points if p.mode == "open"}):
        good, bad = knee([p for p in points if p.system == system])
        where = (f"within limits up to {fmt_rate(good)} req/s" if good else "over the limits at every rate tried")
        where += f", past them at {fmt_rate(bad)} req/s" if bad else ", and never past them in this sweep"
        lines.append(f"- **{system}**: {where}.")
    return "\n".join(lines)


def render(run: dict) -> str:
    points = points_of(run)
    machine, versions, settings = run["machine"], run["versions"], run["settings"]
    cores = int(machine.get("nproc") or 1)
    by_models, by_replicas = growth_points(points)
    growth_rows = [[str(p.models), str(p.replicas), shown_label(p), fmt_rate(p.ok_per_s), fmt_ms(p.p50), fmt_ms(p.p99),
                    fmt_ms(p.p999), f"{p.error_share * 100:.1f}%",
                    _cpu(sum(p.cpu_ms_per_request.values()) if p.cpu_ms_per_request else None),
                    _cpu(p.cpu_marginal_ms), _cores(p.idle_cores)]
                   for p in by_models + [p for p in by_replicas if p.replicas != 1]]
    quick = run.get("profile") == "quick"
    plots = run.get("plots", {})
    systems = run.get("systems", {})
    phased = any(s.get("phases") for s in systems.values())  # runs before fresh platforms per phase have none
    out = [
        "# Benchmarks",
        "",
        f"Made by `{run['command']}` on {run['started_at']} (profile **{run.get('profile')}**, "
        f"{run['elapsed_s'] / 60:.1f} minutes in all; code at {run.get('git', 'unknown')}).",
        "Every number below comes from that one run: the three systems were measured one after the other "
        "on the same machine, with the same ONNX models and the same records, each stopped (by PID) before "
        f"the next started{'; the platform was started afresh for each of its phases' if phased else ''}.  "
        "The machine is shared and noisy, so compare the **ratios**, not the absolute "
        "numbers, and run `make bench` again before you rely on one.",
    ]
    started = started_systems(systems)
    busy = {name: s.get("others_busy_cores") for name, s in started if (s.get("others_busy_cores") or 0) > 0.5}
    if busy:
        out += ["", f"> **Other people's work kept this {cores}-core machine busy** just before the systems "
                "started (" + ", ".join(f"{name}: {value:.2f} cores" for name, value in busy.items()) + "), so "
                "every system got less than the whole machine and the numbers are lower and noisier than on a "
                "quiet one."]
    if quick:
        out += ["", f"> This is a `--quick` run: {settings['duration_s']:g} s per point instead of 10 s, and "
                "fewer rates.  Its numbers are rough."]
    out += [
        "",
        "## Summary: the platform as a ratio of the others",
        "",
        f"Closed loop, {settings['concurrency']} connections, 3 ONNX models scored per request; the platform "
        "runs the `deadline` policy (preferred, backstop and a third serving model, "
        f"{settings['deadline_ms']} ms deadline).  Throughput above 1x and latency below 1x favour the platform.",
        "",
        summary_table(points),
        "",
        "## What was measured",
        "",
        "- **platform**: `python -m stack up --no-demo` on the embedded default (a single-node Apache Kafka "
        "broker, Valkey, local Ray, all started by `stack up`), driven over HTTP by the load tool "
        "(`python -m loadtest`).  The bench publishes its models through `registry.publisher`: data type "
        "`bench3` with 3 models and the `deadline` policy, `bench1` with 1 model and the `first` policy, and "
        "for the cost curve `bench5` (5 models) and `bench3r2` (3 models, 2 runner replicas each).  The same "
        "`bench3` is also driven by Kafka-native clients (`--transport kafka`), which skip the gateway.  Each "
        "phase (each closed loop, and the open-loop sweep) runs on a fresh platform: its own `stack up`, "
        "broker storage, Redis and Ray, with only that phase's data type published, stopped by PID before "
        "the next phase starts.",
        "- **baseline**: FastAPI + ONNX Runtime in one process (uvicorn, 1 worker), all 3 models scored "
        "inline on every request, the preferred model's answer returned (`loadtest/peers/baseline.py`).  No "
        "platform: the practical limit on this machine.",
        "- **ray-serve**: Ray Serve, one deployment per model and an ensemble deployment that calls all 3 "
        f"with `asyncio.wait` on the preferred one for the same {settings['deadline_ms']} ms and otherwise "
        "awaits the backstop (`loadtest/peers/ray_serve_peer.py`).",
        "",
        "Every model is an iris classifier exported with skl2onnx and run by ONNX Runtime with one thread; "
        "the records are the load tool's six iris rows, cycled.  Each point is one `python -m loadtest` run: "
        f"{settings['duration_s']:g} s of sending, the first {settings['warmup_s']:g} s left out of the "
        f"statistics, client timeout {settings['timeout_s']:g} s.  Latency is measured from each request's "
        "scheduled send time (open loop) or its send (closed loop), at the client.  The open-loop sweep "
        f"stops at the first rate where more than {MAX_ERROR_SHARE * 100:.0f}% of requests got no official "
        f"answer (timeouts, errors, or shed by the client at {settings.get('max_in_flight', 1024)} in flight) "
        f"or p99 exceeded {MAX_P99_MS / 1000:g} s.  The ledger column is the load tool's reliability check "
        "(nothing lost, duplicated, unexpected, or from an unknown model version).",
        "",
        "## Machine and versions",
        "",
        table(["", ""], [[k, str(v)] for k, v in machine.items()], "ll"),
        "",
        table(["package", "version"], [[k, str(v)] for k, v in versions.items()], "ll"),
        "",
        "## Closed loop",
        "",
        f"{settings['concurrency']} connections, each sending its next request when the last one answered.",
        "",
        closed_table(points),
        "",
        *([f"\"{BACKLOG}\": the point before left a backlog that had not drained: the platform gave no fast "
           "official answer for the whole settle wait before this point (see the notes).", ""]
          if any(p.settled is False for p in points) else []),
        "## Open loop",
        "",
        f"Fixed arrival rates ({', '.join(fmt_rate(r) for r in settings['rates'])} req/s), each system up to "
        f"its knee, over a pool of {settings.get('open_connections', 128)} keep-alive connections (as wrk or "
        "hey keep one): a request due while every connection is busy waits in the client, and that wait "
        "counts in its latency.",
        "",
        open_table(points),
        "",
        knee_lines(points),
        "",
    ]
    if plots.get("latency_vs_rate"):
        out += [f"![latency against offered rate]({plots['latency_vs_rate']})", ""]
    out += [
        "## Cost growth",
        "",
        "The platform in closed loop against models per data type (1, 3, 5, one runner replica each) and "
        "runner replicas per model (1, 2, with 3 models).  1 model uses the `first` policy, more models the "
        "`deadline` policy.",
        "",
        table(["models", "replicas", "what", "answers/s", "p50 ms", "p99 ms", "p99.9 ms", "not official",
               "CPU ms per answer", "beyond idle", "idle cores"],
              growth_rows, "rrlrrrrrrrr") if growth_rows else "Not measured in this run.",
        "",
        growth_text(points, cores),
        "",
    ]
    if plots.get("cost_growth"):
        out += [f"![throughput and p99 against models and replicas]({plots['cost_growth']})", ""]
    cpu = cpu_table([p for p in points if p.label in (PLATFORM_MAIN, PLATFORM_KAFKA) or p.system != "platform"])
    if cpu:
        out += [
            "## Where the time goes",
            "",
            "CPU time of each system's processes during its closed-loop run, read from `/proc` before and after "
            "(warmup and drain included), divided by the answers given (timeouts included).  The load "
            "generator is not counted.  Each system's idle burn was measured just before the run; the last row "
            "takes it away, leaving what the answers themselves cost.",
            "",
            cpu,
            "",
            time_text(points, {name: s["idle_cpu_cores"] for name, s in systems.items()
                               if s.get("idle_cpu_cores") is not None},
                      systems.get("platform", {}).get("idle_cpu_by_component")),
            "",
        ]
    if systems:
        out += ["## Start-up and load", "",
                "Other people's work on this shared machine was measured just before each system started "
                "(cores busy, from /proc/stat, with none of the bench's processes running)."
                + ("  The platform was started once per phase, so it has one row per phase." if phased else ""),
                "",
                table(["system", "start-up to first answers (s)", "idle CPU of the system (cores)",
                       "others' load before it started (cores busy)"],
                      [[name, f"{s.get('startup_s', 0):.1f}", _cores(s.get("idle_cpu_cores")),
                        _cores(s.get("others_busy_cores"))] for name, s in started]),
                ""]
    if run.get("notes"):
        out += ["## Notes from this run", "", *(f"- {note}" for note in run["notes"]), ""]
    out += [
        "## Reproduce",
        "",
        "```bash",
        "make bench                            # python -m loadtest.bench: the full run",
        "python -m loadtest.bench --quick      # a rough run in a few minutes",
        "python -m loadtest.bench --from-json docs/bench/results.json   # re-render this file",
        "```",
        "",
        "Each point is one load-tool run; for example the platform's closed loop was:",
        "",
        "```bash",
        next((p.command for p in points if p.system == "platform" and p.mode == "closed"), "(not run)"),
        "```",
        "",
        "Raw results (ledger, result.json and plots of every point) are in the run's raw folder, "
        f"`{run.get('raw_dir', 'loadtest-results/bench-*')}`, and every point with its command is in "
        "`docs/bench/results.json`.",
        "",
    ]
    return "\n".join(out)


def started_systems(systems: dict) -> list[tuple[str, dict]]:
    """(name, start-up record) of every start: one per phase for a system started once per phase."""
    rows = []
    for name, s in systems.items():
        rows += [(f"{name}: {phase['phase']}", phase) for phase in s["phases"]] if s.get("phases") else [(name, s)]
    return rows


def _cores(value) -> str:
    return "-" if value is None or value != value else f"{value:.2f}"


def _cpu(value) -> str:
    return "-" if value is None else f"{value:.2f}"
