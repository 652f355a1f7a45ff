"""The drivers with an in-memory transport: schedule-based latency, shedding, limits."""

import asyncio
import time

import pytest

import loadtest.runner
from loadtest.config import RunConfig
from loadtest.ledger import LedgerWriter, read_ledger
from loadtest.live import LiveStats
from loadtest.runner import LoadRunner
from loadtest.transport import Outcome

pytestmark = pytest.mark.timeout(30)


class ScriptedTransport:
    """Answers 200 after ``behaviour(index)`` has run; records the peak in flight."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.calls = 0
        self.in_flight = 0
        self.peak_in_flight = 0

    async def open(self):
        pass

    async def close(self):
        pass

    async def send(self, record):
        index, self.calls = self.calls, self.calls + 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        sent_at = time.perf_counter()
        try:
            await self.behaviour(index)
        finally:
            self.in_flight -= 1
        return Outcome(200, sent_at, time.perf_counter(), request_id=f"r{index}", model_name="m",
                       model_version="1", reason="first")


def run(tmp_path, transport, **settings):
    config = RunConfig(ledger_path=tmp_path / "ledger.jsonl", out_dir=tmp_path, progress=False, **settings)
    stats = LiveStats()
    ledger = LedgerWriter(config.ledger_path, wall_offset=0.0)  # ledger times stay perf_counter()
    runner = LoadRunner(config, transport, ledger, stats)
    elapsed = asyncio.run(runner.run())
    ledger.close()
    return runner, stats, read_ledger(config.ledger_path), elapsed


async def answer_now(index):
    pass


def test_open_loop_counts_latency_from_the_schedule_through_a_stall(tmp_path):
    async def first_call_blocks_the_loop(index):
        if index == 0:
            time.sleep(0.2)  # freezes the event loop, as a GC pause or a busy client would

    runner, stats, entries, _ = run(tmp_path, ScriptedTransport(first_call_blocks_the_loop),
                                    mode="open", rate=100, duration_s=0.5)
    assert stats.sent == 50 and len(entries) == 50  # nothing skipped because of the stall
    stalled = [e for e in entries if 0 < e["scheduled_at"] - runner.started < 0.15]
    assert len(stalled) >= 10
    for entry in stalled:
        waited_since_scheduled = 0.2 - (entry["scheduled_at"] - runner.started)
        assert entry["latency_ms"] >= waited_since_scheduled * 1000 - 5  # the stall is in the numbers
        assert entry["service_ms"] < entry["latency_ms"]  # while the server alone looked fast


def test_open_loop_sheds_beyond_max_in_flight(tmp_path):
    async def slow(index):
        await asyncio.sleep(0.5)

    transport = ScriptedTransport(slow)
    _, stats, entries, _ = run(tmp_path, transport, mode="open", rate=100, duration_s=0.3, max_in_flight=5)
    assert stats.sent == 5 and stats.shed_by_client == 25
    assert len(entries) == 5 and transport.peak_in_flight == 5


def test_closed_loop_keeps_concurrency_and_request_budget(tmp_path):
    async def short(index):
        await asyncio.sleep(0.005)

    transport = ScriptedTransport(short)
    _, stats, entries, _ = run(tmp_path, transport, mode="closed", concurrency=3, duration_s=5, max_requests=20)
    assert stats.sent == 20 and len(entries) == 20
    assert transport.peak_in_flight == 3
    # A closed loop has no schedule: latency counts from the send, so it is the service time
    # (an open loop's schedule lag would show as latency well above it).
    assert all(abs(e["latency_ms"] - e["service_ms"]) < 5.0 for e in entries)


def test_warmup_requests_are_flagged(tmp_path):
    _, _, entries, _ = run(tmp_path, ScriptedTransport(answer_now), mode="open", rate=100,
                           duration_s=0.4, warmup_s=0.2)
    entries.sort(key=lambda e: e["scheduled_at"])
    assert [e["warmup"] for e in entries] == [True] * 20 + [False] * 20


def test_a_raising_transport_becomes_an_error_line(tmp_path):
    async def broken(index):
        raise RuntimeError("boom")

    _, stats, entries, _ = run(tmp_path, ScriptedTransport(broken), mode="open", rate=50, duration_s=0.1)
    assert stats.errors == len(entries) == 5
    assert all(e["status"] == "error" and "boom" in e["error"] for e in entries)


def test_hung_requests_are_cancelled_and_still_written(tmp_path, monkeypatch):
    monkeypatch.setattr(loadtest.runner, "DRAIN_SLACK_S", 0.1)

    async def never(index):
        await asyncio.Event().wait()

    _, _, entries, elapsed = run(tmp_path, ScriptedTransport(never), mode="open", rate=20,
                                 duration_s=0.2, timeout_s=0.2)
    assert elapsed < 2.0  # duration + timeout + slack, not forever
    assert len(entries) == 4 and all(e["error"] == "cancelled at shutdown" for e in entries)
