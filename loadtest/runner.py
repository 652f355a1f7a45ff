"""The drivers: open loop (fixed arrival rate) and closed loop (N clients).

Open loop launches each request when the schedule says it is due, whether or
not earlier ones have answered, and measures its latency from the *scheduled*
time (see ``schedule``).  Closed loop runs ``concurrency`` clients that each
send, wait for the answer, and send again; its latency counts from the actual
send, and its rate is whatever the server allows.

Both stop sending at ``duration_s`` (or after ``max_requests`` sends, or on
Ctrl-C), then wait for the answers still in flight, at most the transport
timeout plus a little slack, so the tool always stops by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import time
import uuid

from loadtest.config import RunConfig
from loadtest.ledger import LedgerWriter
from loadtest.live import LiveStats, ProgressDisplay
from loadtest.schedule import due_count, planned_send_count, send_offset
from loadtest.transport import Outcome, Record, Transport

DRAIN_SLACK_S = 2.0  # beyond the transport timeout, before stragglers are cancelled


class LoadRunner:
    def __init__(self, config: RunConfig, transport: Transport, ledger: LedgerWriter,
                 stats: LiveStats, display: ProgressDisplay | None = None) -> None:
        self._config, self._transport, self._ledger = config, transport, ledger
        self._stats, self._display = stats, display
        self._features = itertools.cycle(config.features)
        self._stopping = False
        self.started = 0.0  # perf_counter() at the start of the schedule

    def stop(self) -> None:
        """Stop sending (answers in flight are still awaited); a second call aborts."""
        if self._stopping:
            raise KeyboardInterrupt  # a second Ctrl-C: the user does not want to wait
        self._stopping = True

    async def run(self) -> float:
        """Run the load; returns the elapsed seconds, drain included."""
        loop = asyncio.get_running_loop()
        _try(lambda: loop.add_signal_handler(signal.SIGINT, self.stop))
        self.started = time.perf_counter()
        ticker = asyncio.create_task(self._every_second())
        try:
            driver = self._open_loop if self._config.mode == "open" else self._closed_loop
            await self._drain(await driver())
        finally:
            ticker.cancel()
            _try(lambda: loop.remove_signal_handler(signal.SIGINT))
        elapsed = time.perf_counter() - self.started
        if self._display:
            self._display.show(elapsed)
            self._display.finish()
        return elapsed

    async def _open_loop(self) -> set[asyncio.Task]:
        rate, in_flight = self._config.rate, set()
        total = planned_send_count(rate, self._config.duration_s, self._config.max_requests)
        launched = 0
        while launched < total and not self._stopping:
            due = due_count(time.perf_counter() - self.started, rate, total)
            for index in range(launched, due):
                self._launch(self.started + send_offset(index, rate), in_flight)
            launched = max(launched, due)
            if launched < total:
                await asyncio.sleep(self.started + send_offset(launched, rate) - time.perf_counter())
        return in_flight

    def _launch(self, scheduled_at: float, in_flight: set) -> None:
        if self._stats.in_flight >= self._config.max_in_flight:
            self._stats.shed_by_client += 1  # never sent: not in the ledger
            return
        self._stats.in_flight += 1
        task = asyncio.create_task(self._send_and_record(scheduled_at))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)

    async def _closed_loop(self) -> set[asyncio.Task]:
        end, budget = self.started + self._config.duration_s, self._config.max_requests

        async def client() -> None:
            while not self._stopping and time.perf_counter() < end:
                if budget is not None and self._stats.sent >= budget:
                    return
                self._stats.in_flight += 1
                await self._send_and_record(time.perf_counter())

        clients = {asyncio.create_task(client()) for _ in range(self._config.concurrency)}
        await asyncio.wait(clients, timeout=self._config.duration_s)
        return {task for task in clients if not task.done()}

    async def _drain(self, tasks: set[asyncio.Task]) -> None:
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=self._config.timeout_s + DRAIN_SLACK_S)
            for task in stuck:
                task.cancel()  # _send_and_record still writes their ledger lines
            if stuck:
                await asyncio.wait(stuck)

    async def _send_and_record(self, scheduled_at: float) -> None:
        config = self._config
        record = Record(str(uuid.uuid4()), config.data_type, next(self._features), config.deadline_ms)
        # Rounded so the request due exactly at the end of the warmup is measured.
        warmup = round(scheduled_at - self.started, 9) < config.warmup_s
        self._stats.sent += 1
        try:
            outcome = await self._transport.send(record)
        except asyncio.CancelledError:
            self._record(record, scheduled_at, _failure(scheduled_at, "cancelled at shutdown"), warmup)
            raise
        except Exception as exc:  # transports must not raise; if one does, keep the run going
            outcome = _failure(scheduled_at, f"{type(exc).__name__}: {exc}")
        finally:
            self._stats.in_flight -= 1
        self._record(record, scheduled_at, outcome, warmup)

    def _record(self, record: Record, scheduled_at: float, outcome: Outcome, warmup: bool) -> None:
        self._stats.on_answer(outcome.status, (outcome.answered_at - scheduled_at) * 1000.0)
        self._ledger.write(record, scheduled_at, outcome, warmup)

    async def _every_second(self) -> None:
        """Flush the ledger (so it can be tailed) and redraw the progress line."""
        for tick in itertools.count(1):
            await asyncio.sleep(self.started + tick - time.perf_counter())
            self._ledger.flush()
            if self._display:
                self._display.show(time.perf_counter() - self.started)


def _failure(sent_at: float, error: str) -> Outcome:
    return Outcome("error", sent_at, time.perf_counter(), error=error)


def _try(action) -> None:
    """Signal handlers only work in the main thread of a Unix process; skip otherwise."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        action()
