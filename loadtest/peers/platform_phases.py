"""The platform's part of ``make bench``: every phase on a fresh platform.

Each phase starts its own ``python -m stack up --no-demo`` with its own run
folder (so its own broker with fresh storage, its own Redis and its own Ray),
publishes only the data type it measures, measures it, and stops the whole
process tree by PID before the next phase starts.  No phase runs on what an
earlier one left behind: no backlog, no retired models, no stored records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from loadtest.peers import models as bench_models
from loadtest.peers.hot_swap import run_swap
from loadtest.peers.platform import Platform


@dataclass(frozen=True)
class Phase:
    label: str  # the points' label in BENCHMARKS.md
    data_type: str
    models: int
    replicas: int = 1
    mode: str = "closed"  # "closed": one closed loop; "open": the open-loop sweep; "swap": the hot swap;
    # "goals": sequential requests, then a rate held for a minute (issue 10's goals)
    kafka: bool = False  # Kafka-native clients instead of HTTP
    gateways: int = 1  # `stack up --gateways N --rendezvous N`
    rendezvous: int = 1

    @property
    def name(self) -> str:
        return f"{self.label}, {SHAPES[self.mode]}"

    @property
    def processes(self) -> dict:
        """The services run more than once, for CPU per process; empty when one of each runs."""
        return {} if (self.gateways, self.rendezvous) == (1, 1) else {
            "gateway": self.gateways, "rendezvous": self.rendezvous}


SHAPES = {"closed": "closed loop", "open": "open-loop sweep", "swap": "hot swap under load",
          "goals": "sequential, then a sustained rate"}


MAIN = "3 models, deadline (HTTP)"
PHASES = (
    Phase(MAIN, "bench3", 3),
    Phase("3 models, deadline (Kafka-native client)", "bench3", 3, kafka=True),
    Phase(MAIN, "bench3", 3, mode="open"),
    Phase("1 model, first (HTTP)", "bench1", 1),
    Phase("5 models x 1 replicas, deadline (HTTP)", "bench5", 5),
    Phase("3 models x 2 replicas, deadline (HTTP)", "bench3r2", 3, replicas=2),
    Phase("3 models x 4 replicas, deadline (HTTP)", "bench3r4", 3, replicas=4),
    Phase("3 models, deadline, 2 gateways + 2 rendezvous (HTTP)", "bench3", 3, gateways=2, rendezvous=2),
    Phase(MAIN, "bench3", 3, mode="swap"),
    Phase(MAIN, "bench3", 3, mode="goals"),
)


def run_platform(bench, trained: list, log_dir: Path, say=print, phases: tuple[Phase, ...] = PHASES) -> None:
    """Every phase in turn; one that fails is noted and the next still runs."""
    for index, phase in enumerate(phases, 1):
        try:
            run_phase(bench, phase, trained, log_dir / "platform" / f"{index}-{phase.data_type}-{phase.mode}"
                      f"{'-kafka' if phase.kafka else ''}{'-scaled' if phase.processes else ''}", say)
        except Exception as exc:  # keep what the other phases measure
            say(f"platform phase {phase.name!r} failed: {type(exc).__name__}: {exc}")
            bench.notes.append(f"platform: the phase {phase.name!r} failed: {type(exc).__name__}: "
                               f"{str(exc)[:300]} (logs in {log_dir / 'platform'})")


def run_phase(bench, phase: Phase, trained: list, log_dir: Path, say=print) -> None:
    """One phase on a fresh platform: start it with only this phase's models, measure, stop it."""
    others_busy = bench.wait_quiet()
    started = time.monotonic()
    platform = Platform(log_dir, say, gateways=phase.gateways, rendezvous=phase.rendezvous)
    say(f"platform for {phase.name}: `python -m stack up --no-demo` pid {platform.pid}, gateway on {platform.url}")
    try:
        descriptors = bench_models.descriptors(trained[:phase.models], phase.data_type, replicas=phase.replicas)
        platform.start([(phase.data_type, descriptors)])
        startup = time.monotonic() - started
        say(f"platform serving {phase.data_type} after {startup:.1f} s (broker {platform.bootstrap})")
        pids = [platform.pid]
        bench.record_system("platform", startup, bench.idle_cpu(pids), others_busy, phase=phase.name)
        target = (["--transport", "kafka", "--bootstrap", platform.bootstrap] if phase.kafka
                  else ["--base-url", platform.url])
        known = bench_models.known_versions(phase.data_type, phase.models)
        bench.warm_up(target, phase.data_type)
        if phase.mode == "closed":
            bench.load("platform", phase.label, target, phase.data_type, known, mode="closed", pids=pids,
                       models=phase.models, replicas=phase.replicas, processes=phase.processes)
        elif phase.mode == "swap":
            bench.swap = run_swap(bench, platform, phase.data_type, trained, target, say)
        elif phase.mode == "goals":
            p = bench.profile
            bench.load("platform", f"{phase.label}, sequential", target, phase.data_type, known, mode="closed",
                       concurrency=1, duration_s=p.sequential_s, kind="sequential", models=phase.models)
            bench.load("platform", f"{phase.label}, {p.sustained_rate:,.0f} req/s offered", target, phase.data_type,
                       known, mode="open", rate=p.sustained_rate, duration_s=p.sustained_s, kind="sustained",
                       pids=pids, models=phase.models)
        else:
            bench.sweep("platform", phase.label, target, phase.data_type, known)
    finally:
        leftovers = platform.stop()
        say(f"platform stopped{' (killed leftovers: ' + '; '.join(leftovers) + ')' if leftovers else ''}")
        if leftovers:
            bench.notes.append(f"platform ({phase.name}): processes left after `stack up` stopped, "
                               f"killed by PID: {leftovers}")
