"""``python -m loadtest.bench`` (``make bench``): this platform, a no-platform
baseline and Ray Serve, measured side by side in one run, written up as
BENCHMARKS.md with plots under docs/bench/.

One system runs at a time, each started as its own process tree and stopped by
PID before the next starts, so they never share the CPU:

1. **platform**: ``python -m stack up --no-demo`` (embedded broker, Redis, Ray),
   started afresh for each phase: ``bench3`` (3 ONNX models, ``deadline``
   policy) in closed loop over HTTP, then with Kafka-native clients, then its
   open-loop sweep; ``bench1`` (1 model, ``first``); for the cost curve,
   ``bench5`` (5 models), ``bench3r2`` and ``bench3r4`` (3 models x 2 and 4 runner
   replicas); ``bench3`` on 2 gateways and 2 rendezvous instances; and ``bench3``
   under steady load while its preferred model is swapped for a new version;
2. **baseline**: FastAPI + ONNX Runtime in one process, the 3 models inline;
3. **ray-serve**: an ensemble deployment over 3 model deployments.

Each gets a closed loop (16 connections) and an open-loop sweep of rates that
stops at its knee.  Every point is one ``python -m loadtest`` run; its raw
results stay in ``--raw``.  ``--quick`` makes every point short and the sweep
small; ``--systems`` and ``--phases`` measure a subset; ``--from-json`` re-renders
a stored run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from loadtest.peers import models as bench_models
from loadtest.peers.machine import busy_cores, git_state, load_average, machine_info, versions
from loadtest.peers.procs import ROOT, child_env, cpu_snapshot, free_port, python_server, wait_for_answer
from loadtest.peers.summary import (Point, cpu_by_component, marginal_ms, per_request_ms,
                                    point_from_result, should_continue)

SYSTEMS = ("platform", "baseline", "ray-serve")
SAMPLE = {"features": [5.1, 3.5, 1.4, 0.2], "record_id": "bench-probe"}


@dataclass(frozen=True)
class Profile:
    name: str
    duration_s: float  # per point, warmup included
    warmup_s: float
    rates: tuple[float, ...]  # open loop, ascending; each system stops at its knee
    concurrency: int = 16
    timeout_s: float = 5.0  # the client's wait for one answer
    max_in_flight: int = 1024
    open_connections: int = 128  # open loop: a fixed pool, as wrk or hey keep (requests queue in the client)
    idle_s: float = 3.0  # how long each system's idle CPU is sampled
    # Unmeasured load before a system's first point: a fresh JVM broker compiles its hot
    # paths in the first tens of seconds, and a production system is always warm. Every
    # system gets the same warm-up.
    warm_up_s: float = 20.0
    quiet_cores: float = 0.5  # before each system: wait while others keep more cores than this busy...
    quiet_wait_s: float = 60.0  # ...but no longer than this
    # The hot swap: a steady open loop at this rate for this long, the new version published this far in.
    swap_rate: float = 200.0
    swap_duration_s: float = 40.0
    swap_before_s: float = 10.0
    # Issue 10's goals, measured on a fresh platform: sequential requests (one connection),
    # then a fixed rate held for a while.
    sequential_s: float = 10.0
    sustained_rate: float = 1000.0
    sustained_s: float = 60.0


PROFILES = {
    "full": Profile("full", duration_s=10.0, warmup_s=1.0, rates=(10, 30, 100, 300, 1000, 2000), quiet_wait_s=30.0),
    "quick": Profile("quick", duration_s=3.0, warmup_s=0.5, rates=(10, 30, 100, 300, 1000), timeout_s=3.0,
                     idle_s=2.0, quiet_wait_s=15.0, warm_up_s=3.0, swap_rate=100.0, swap_duration_s=25.0,
                     swap_before_s=5.0, sequential_s=3.0, sustained_s=10.0),
}


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Bench:
    """Runs load points and keeps what they found."""

    def __init__(self, profile: Profile, raw_dir: Path) -> None:
        self.profile, self.raw_dir = profile, raw_dir
        self.points: list[Point] = []
        self.systems: dict[str, dict] = {}
        self.notes: list[str] = []
        self.swap: dict | None = None  # the hot-swap phase's windows (loadtest.peers.hot_swap)

    def load(self, system: str, label: str, target: list[str], data_type: str, known: str, *, mode: str,
             rate: float | None = None, pids: list[int] | None = None, models: int | None = None,
             replicas: int | None = None, processes: dict | None = None, concurrency: int | None = None,
             duration_s: float | None = None, kind: str | None = None) -> Point:
        """One ``python -m loadtest`` run; with ``pids``, the CPU of those process trees is measured
        (per process for the services ``processes`` runs more than one of). ``kind`` names a
        point kept out of the closed-loop table and the sweep ("sequential", "sustained")."""
        p = self.profile
        concurrency = concurrency or p.concurrency
        shape = f"closed-{concurrency}" if mode == "closed" else f"open-{rate:g}"
        out = self.raw_dir / system / f"{slug(label)}-{kind + '-' if kind else ''}{shape}"
        command = self.load_command(target, data_type, known, out, mode=mode, rate=rate, duration_s=duration_s,
                                    concurrency=concurrency)
        idle = self.idle_cpu(pids) if pids else None
        before = cpu_snapshot(pids) if pids else None
        wall = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, env=child_env(), capture_output=True, text=True,  # noqa: S603 - argv list, no shell: this python and the bench's own arguments
                              timeout=(duration_s or p.duration_s) + p.timeout_s + 120)
        wall = time.monotonic() - wall
        after = cpu_snapshot(pids) if pids else None
        result = read_result(out, done, f"{system} {label}")
        shown = ["python", "-m", "loadtest", *command[3:]]
        point = point_from_result(result, system=system, label=label, mode=mode, rate=rate,
                                  concurrency=concurrency if mode == "closed" else None, models=models,
                                  replicas=replicas, processes=processes or {}, command=shlex.join(shown))
        point.mode = kind or point.mode
        if before is not None:
            used, answered = cpu_by_component(before, after), result["totals"]["completed"]
            point.cpu_ms_per_request = per_request_ms(used, answered)
            point.idle_cores = round(sum(idle.values()), 3)
            point.cpu_marginal_ms = marginal_ms(sum(used.values()), point.idle_cores, wall, answered)
            if processes:
                point.cpu_ms_per_process = per_request_ms(cpu_by_component(before, after, tuple(processes)),
                                                          answered)
        self.points.append(point)
        cpu = "" if point.cpu_marginal_ms is None else f"  cpu/answer {sum(point.cpu_ms_per_request.values()):.1f} ms " \
            f"(beyond idle {point.cpu_marginal_ms:.1f})"
        say(f"{system:<9} {label:<42} {shape:<10} {point.ok_per_s:8.1f} ok/s  p50 {_ms(point.p50)}  "
            f"p99 {_ms(point.p99)}  p99.9 {_ms(point.p999)}  not official {point.error_share * 100:.1f}%{cpu}"
            f"{'  ledger FAIL ' + ','.join(point.ledger_failures) if not point.ledger_passed else ''}")
        return point

    def load_command(self, target: list[str], data_type: str, known: str, out: Path, *, mode: str,
                     rate: float | None = None, duration_s: float | None = None,
                     concurrency: int | None = None) -> list[str]:
        """The ``python -m loadtest`` argv of one measured run."""
        p = self.profile
        command = [sys.executable, "-m", "loadtest", *target, "--data-type", data_type, "--mode", mode,
                   "--duration", f"{duration_s or p.duration_s:g}", "--warmup", f"{p.warmup_s:g}",
                   "--timeout", f"{p.timeout_s:g}", "--max-in-flight", str(p.max_in_flight),
                   "--known-versions", known, "--quiet", "--no-fail", "--out", str(out)]
        return command + (["--concurrency", str(concurrency or p.concurrency)] if mode == "closed"
                          else ["--rate", f"{rate:g}", "--connections", str(p.open_connections)])

    def warm_up(self, target: list[str], data_type: str) -> None:
        """Closed-loop load that is not measured (Profile.warm_up_s)."""
        p = self.profile
        subprocess.run([sys.executable, "-m", "loadtest", *target, "--data-type", data_type, "--mode", "closed",  # noqa: S603 - argv list, no shell: this python and the bench's own arguments
                        "--concurrency", str(p.concurrency), "--duration", f"{p.warm_up_s:g}", "--quiet", "--no-fail",
                        "--out", str(self.raw_dir / "warm-up")], cwd=ROOT, env=child_env(), capture_output=True,
                       timeout=p.warm_up_s + p.timeout_s + 120)

    def sweep(self, system: str, label: str, target: list[str], data_type: str, known: str) -> list[Point]:
        """Open loop at rising rates until a point is past the knee."""
        found: list[Point] = []
        for rate in self.profile.rates:
            if not should_continue(found):
                break
            found.append(self.load(system, label, target, data_type, known, mode="open", rate=rate))
            time.sleep(1.0)  # let the last stragglers clear before the next rate
        return found

    def idle_cpu(self, pids: list[int]) -> dict[str, float]:
        """Cores kept busy by each component of the idle system over ``profile.idle_s`` seconds."""
        before = cpu_snapshot(pids)
        time.sleep(self.profile.idle_s)
        after = cpu_snapshot(pids)
        used = cpu_by_component(before, after)
        return {name: round(seconds / self.profile.idle_s, 3) for name, seconds in
                sorted(used.items(), key=lambda kv: -kv[1])}

    def record_system(self, name: str, startup_s: float, idle: dict[str, float], others_busy: float,
                      phase: str | None = None) -> None:
        """A system's start-up and idle burn; a system started once per phase keeps its first
        phase's figures and one entry per phase under ``phases``."""
        record = {"startup_s": round(startup_s, 1), "idle_cpu_cores": round(sum(idle.values()), 3),
                  "idle_cpu_by_component": idle, "others_busy_cores": round(others_busy, 2)}
        if phase is None:
            self.systems[name] = record
        else:
            self.systems.setdefault(name, {**record, "phases": []})["phases"].append({"phase": phase, **record})
        say(f"{name} idle: {sum(idle.values()):.2f} cores busy ({', '.join(f'{k} {v:.2f}' for k, v in idle.items())})")

    def wait_quiet(self) -> float:
        """Wait (at most ``profile.quiet_wait_s``) for other people's load to drop below
        ``profile.quiet_cores``; returns the load measured last."""
        deadline = time.monotonic() + self.profile.quiet_wait_s
        while True:
            others = busy_cores()
            if others <= self.profile.quiet_cores or time.monotonic() >= deadline:
                if others > self.profile.quiet_cores:
                    say(f"others keep {others:.2f} cores busy; starting anyway")
                return others
            say(f"others keep {others:.2f} cores busy; waiting for a quieter moment")
            time.sleep(3)


def read_result(out: Path, done: subprocess.CompletedProcess, what: str) -> dict:
    """A load run's result.json, its stderr kept beside it; a run that wrote none is an error."""
    (out / "loadtest.stderr").parent.mkdir(parents=True, exist_ok=True)
    (out / "loadtest.stderr").write_text(done.stderr or "")
    if not (out / "result.json").exists():
        raise RuntimeError(f"the load tool failed ({done.returncode}) for {what}:\n{(done.stderr or '')[-2000:]}")
    return json.loads((out / "result.json").read_text())


def _ms(value: float | None) -> str:
    return "      -" if value is None else f"{value:7.1f}"


# The three systems (the platform's phases are in loadtest/peers/platform_phases.py) ----------
def run_peer(bench: Bench, name: str, module: str, manifest: Path, log_dir: Path) -> None:
    others_busy = bench.wait_quiet()
    port = free_port()
    started = time.monotonic()
    server = python_server(name, module, ["--manifest", str(manifest), "--port", str(port)], log_dir)
    say(f"{name}: `python -m {module}` pid {server.pid} on port {port}")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_answer(f"{url}/v1/predict/bench3", SAMPLE, server, timeout=180)
        startup = time.monotonic() - started
        say(f"{name} serving after {startup:.1f} s")
        pids = [server.pid]
        bench.record_system(name, startup, bench.idle_cpu(pids), others_busy)
        target = ["--base-url", url]
        known = bench_models.known_versions("bench3", 3)
        bench.warm_up(target, "bench3")
        bench.load(name, "3 models", target, "bench3", known, mode="closed", pids=pids, models=3, replicas=1)
        bench.sweep(name, "3 models", target, "bench3", known)
    finally:
        leftovers = server.stop()
        say(f"{name} stopped{' (killed leftovers: ' + '; '.join(leftovers) + ')' if leftovers else ''}")
        if leftovers:
            bench.notes.append(f"{name}: processes left after it stopped, killed by PID: {leftovers}")


# Writing ------------------------------------------------------------------------------
def write_report(run: dict, out_dir: Path) -> Path:
    from loadtest.peers.markdown import points_of, render

    plot_dir = out_dir / "docs" / "bench"
    plot_dir.mkdir(parents=True, exist_ok=True)
    points = points_of(run)
    plots = {}
    try:
        from loadtest.peers.bench_plots import plot_cost_growth, plot_latency_vs_rate

        subtitle = f"{run['machine'].get('nproc')} cores, {run['started_at']}, profile {run['profile']}"
        plot_latency_vs_rate(points, plot_dir / "latency_vs_rate.png", subtitle)
        plot_cost_growth(points, plot_dir / "cost_growth.png", subtitle)
        plots = {"latency_vs_rate": "docs/bench/latency_vs_rate.png", "cost_growth": "docs/bench/cost_growth.png"}
    except ImportError as exc:
        run.setdefault("notes", []).append(f"plots skipped: {exc} (pip install matplotlib)")
    run["plots"] = plots
    (plot_dir / "results.json").write_text(json.dumps(run, indent=2) + "\n")
    path = out_dir / "BENCHMARKS.md"
    path.write_text(render(run))
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short points and fewer rates (a few minutes)")
    parser.add_argument("--out", metavar="DIR", default=str(ROOT),
                        help="where BENCHMARKS.md and docs/bench/ are written (default: the repository root)")
    parser.add_argument("--raw", metavar="DIR", help="raw results of every point "
                        "(default loadtest-results/bench-<timestamp>/)")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated subset of {', '.join(SYSTEMS)} (default: all)")
    parser.add_argument("--duration", type=float, metavar="S", help="seconds per point (overrides the profile)")
    parser.add_argument("--rates", metavar="R,R,...", help="open-loop rates (overrides the profile)")
    parser.add_argument("--phases", metavar="N,N,...", help="only these platform phases, by their number "
                        "(1-based) in PHASES of loadtest/peers/platform_phases.py (default: all)")
    parser.add_argument("--from-json", metavar="PATH", help="re-render BENCHMARKS.md from a stored results.json")
    args = parser.parse_args(argv)
    unknown = set(args.systems.split(",")) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems {', '.join(sorted(unknown))}; valid: {', '.join(SYSTEMS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out_dir = Path(args.out)
    if args.from_json:
        path = write_report(json.loads(Path(args.from_json).read_text()), out_dir)
        say(f"wrote {path}")
        return 0
    profile = PROFILES["quick" if args.quick else "full"]
    if args.duration:
        profile = replace(profile, duration_s=args.duration, warmup_s=min(profile.warmup_s, args.duration / 4))
    if args.rates:
        profile = replace(profile, rates=tuple(sorted(float(r) for r in args.rates.split(","))))
    raw_dir = Path(args.raw) if args.raw else ROOT / "loadtest-results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}"
    raw_dir.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in SYSTEMS if s in args.systems.split(",")]
    started, started_at = time.monotonic(), time.strftime("%Y-%m-%d %H:%M:%S %z")
    say(f"profile {profile.name}: {profile.duration_s:g} s per point, rates {profile.rates}; raw results in {raw_dir}")
    machine = machine_info()
    trained = bench_models.train(5)
    manifest = bench_models.write_models(trained[:3], raw_dir / "models", "bench3")
    bench = Bench(profile, raw_dir)
    log_dir = raw_dir / "logs"
    for system in chosen:
        try:
            if system == "platform":
                from loadtest.peers.platform_phases import PHASES, run_platform

                chosen_phases = PHASES if not args.phases else tuple(
                    PHASES[int(n) - 1] for n in args.phases.split(","))
                run_platform(bench, trained, log_dir, say, chosen_phases)
            elif system == "baseline":
                run_peer(bench, "baseline", "loadtest.peers.baseline", manifest, log_dir)
            else:
                run_peer(bench, "ray-serve", "loadtest.peers.ray_serve_peer", manifest, log_dir)
        except Exception as exc:  # keep what the other systems measured
            say(f"{system} failed: {type(exc).__name__}: {exc}")
            bench.notes.append(f"{system} failed part-way: {type(exc).__name__}: {str(exc)[:300]} "
                               f"(logs in {log_dir})")
    machine["load average at end (1, 5, 15 min)"] = load_average()
    run = {
        "profile": profile.name,
        "command": shlex.join(["python", "-m", "loadtest.bench", *(sys.argv[1:] if argv is None else argv)]),
        "started_at": started_at, "elapsed_s": round(time.monotonic() - started, 1), "git": git_state(),
        "machine": machine, "versions": versions(),
        "settings": {"duration_s": profile.duration_s, "warmup_s": profile.warmup_s, "rates": list(profile.rates),
                     "concurrency": profile.concurrency, "timeout_s": profile.timeout_s,
                     "max_in_flight": profile.max_in_flight, "open_connections": profile.open_connections,
                     "deadline_ms": bench_models.DEADLINE_MS, "sustained_rate": profile.sustained_rate,
                     "sustained_s": profile.sustained_s},
        "points": [p.to_json() for p in bench.points], "systems": bench.systems, "notes": bench.notes,
        "swap": bench.swap,
        "raw_dir": os.path.relpath(raw_dir, ROOT) if raw_dir.is_relative_to(ROOT) else str(raw_dir),
    }
    path = write_report(run, out_dir)
    say(f"wrote {path} after {run['elapsed_s'] / 60:.1f} minutes")
    return 0 if not bench.notes or bench.points else 1


if __name__ == "__main__":
    sys.exit(main())
