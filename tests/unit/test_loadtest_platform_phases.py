"""``make bench`` runs every platform phase on a fresh platform: one ``stack up`` per
phase, with only that phase's models, stopped before the next starts.  No servers:
the platform and the load runs are stand-ins that record what they were asked."""

from __future__ import annotations

import pytest

from loadtest import bench as bench_module
from loadtest.peers import models as bench_models
from loadtest.peers import platform_phases
from loadtest.peers.platform_phases import PHASES, Phase, run_platform

pytestmark = pytest.mark.timeout(30)


class FakePlatform:
    started: list[FakePlatform] = []
    events: list[str] = []
    fail_on: str | None = None

    def __init__(self, log_dir, say=print, gateways=1, rendezvous=1) -> None:
        self.log_dir, self.pid, self.gateways, self.rendezvous = log_dir, 1000 + len(self.started), gateways, rendezvous
        self.url, self.bootstrap = f"http://127.0.0.1:{self.pid}", f"127.0.0.1:{self.pid + 1}"
        self.models: list = []
        FakePlatform.started.append(self)

    def start(self, first_models) -> float:
        self.models = first_models
        self.events.append(f"start {self.pid}")
        if first_models[0][0] == self.fail_on:
            raise TimeoutError("models not ready")
        return 1.0

    def stop(self) -> list[str]:
        self.events.append(f"stop {self.pid}")
        return []


class RecordingBench(bench_module.Bench):
    """The real bookkeeping; no waits, no load runs."""

    def __init__(self, tmp_path) -> None:
        super().__init__(bench_module.PROFILES["quick"], tmp_path)
        self.runs: list[tuple] = []
        self.warm_ups: list[tuple[int, str]] = []

    def wait_quiet(self) -> float:
        return 0.25

    def idle_cpu(self, pids):
        return {"broker (Kafka)": 0.1}

    def load(self, system, label, target, data_type, known, *, mode, pids=None, models=None, replicas=None,
             processes=None, kind=None, **shape):
        if kind:  # the goals phase: sequential, then sustained, on one platform
            self.runs.append((kind, label, tuple(target), data_type))
            return
        self.runs.append(("closed", label, tuple(target), data_type, pids[0], models, replicas, processes))

    def sweep(self, system, label, target, data_type, known):
        self.runs.append(("open", label, tuple(target), data_type))

    def warm_up(self, target, data_type):
        self.warm_ups.append((len(self.runs), data_type))  # before which run, on what


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    FakePlatform.started, FakePlatform.events, FakePlatform.fail_on = [], [], None
    monkeypatch.setattr(platform_phases, "Platform", FakePlatform)

    def swap(bench, platform, data_type, trained, target, say):
        bench.runs.append(("swap", "hot swap", tuple(target), data_type, platform.pid))
        return {"ratio": 1.5}

    monkeypatch.setattr(platform_phases, "run_swap", swap)
    monkeypatch.setattr(bench_models, "descriptors",
                        lambda trained, data_type, replicas=1: [f"{data_type}/{m}x{replicas}" for m in trained])
    return RecordingBench(tmp_path)


def test_every_phase_gets_its_own_platform_started_after_the_last_one_stopped(fresh, tmp_path):
    run_platform(fresh, ["a", "b", "c", "d", "e"], tmp_path / "logs", say=lambda _: None)
    started = FakePlatform.started
    assert len(started) == len(PHASES) == 10
    assert len({p.log_dir for p in started}) == 10  # own run folder: own broker storage, Redis and Ray
    assert FakePlatform.events == [e for p in started for e in (f"start {p.pid}", f"stop {p.pid}")]
    # each publishes only what its phase measures
    assert [p.models for p in started] == [[(ph.data_type, [f"{ph.data_type}/{m}x{ph.replicas}"
                                                             for m in "abcde"[:ph.models]])] for ph in PHASES]
    assert [r[0] for r in fresh.runs] == ["closed", "closed", "open", "closed", "closed", "closed", "closed",
                                          "closed", "swap", "sequential", "sustained"]
    assert fresh.runs[0][2] == ("--base-url", started[0].url) and fresh.runs[0][4] == started[0].pid
    assert fresh.runs[1][2] == ("--transport", "kafka", "--bootstrap", started[1].bootstrap)
    assert fresh.runs[5][3:] == ("bench3r2", started[5].pid, 3, 2, {})
    assert fresh.runs[6][3:] == ("bench3r4", started[6].pid, 3, 4, {})
    # the scale-out phase: its own platform with two gateways and two rendezvous, CPU counted per process
    assert (started[7].gateways, started[7].rendezvous) == (2, 2) and fresh.runs[7][2] == ("--base-url", started[7].url)
    assert fresh.runs[7][7] == {"gateway": 2, "rendezvous": 2}
    assert all((p.gateways, p.rendezvous) == (1, 1) for i, p in enumerate(started) if i != 7)
    # the hot swap runs on a fresh bench3 and its windows are kept for the report
    assert fresh.runs[8] == ("swap", "hot swap", ("--base-url", started[8].url), "bench3", started[8].pid)
    assert fresh.swap == {"ratio": 1.5}
    record = fresh.systems["platform"]
    assert [ph["phase"] for ph in record["phases"]] == [ph.name for ph in PHASES]
    assert record["startup_s"] == record["phases"][0]["startup_s"] and record["others_busy_cores"] == 0.25
    assert fresh.notes == []


def test_a_failed_phase_is_noted_its_platform_stopped_and_the_next_still_runs(fresh, tmp_path):
    FakePlatform.fail_on = "bench1"
    phases = (Phase("1 model, first (HTTP)", "bench1", 1), Phase("5 models", "bench5", 5))
    run_platform(fresh, ["a", "b", "c", "d", "e"], tmp_path / "logs", say=lambda _: None, phases=phases)
    assert FakePlatform.events == ["start 1000", "stop 1000", "start 1001", "stop 1001"]
    assert [r[3] for r in fresh.runs] == ["bench5"]
    assert len(fresh.notes) == 1 and "'1 model, first (HTTP), closed loop' failed: TimeoutError" in fresh.notes[0]


def test_a_system_started_once_keeps_one_record(fresh):
    fresh.record_system("baseline", 1.04, {"FastAPI + ONNX Runtime": 0.01}, 0.3)
    assert fresh.systems["baseline"] == {"startup_s": 1.0, "idle_cpu_cores": 0.01, "others_busy_cores": 0.3,
                                         "idle_cpu_by_component": {"FastAPI + ONNX Runtime": 0.01}}


def test_every_phase_is_warmed_up_on_its_own_data_type_before_it_is_measured(fresh, tmp_path):
    run_platform(fresh, ["a", "b", "c", "d", "e"], tmp_path / "logs", say=lambda _: None)
    # once per phase, before its first run (the goals phase's sustained run follows its sequential one)
    assert fresh.warm_ups == [(i, run[3]) for i, run in enumerate(fresh.runs) if run[0] != "sustained"]
    assert [run[0] for run in fresh.runs[-2:]] == ["sequential", "sustained"]
