"""One replay from start to report, with its parts passed in: a reader of recorded
decisions, a function that scores a batch with the candidate, and a function that
publishes the job's progress. No Kafka or Ray here, so the loop runs as well over
fakes as over the real parts.

It paces itself to `spec.rate` rows a second, publishes progress at most once a
second, and stops at a batch's end when asked (the job stays `running`, so the worker
that picks it up again restarts it)."""
from __future__ import annotations

import threading
import time
from typing import Callable, Iterable, Protocol

from common import codec
from common.clock import now_us
from common.domain import Decision
from replay.report import ReplayTally
from replay.spec import ReplayJob, JobStatus, updated

PROGRESS_EVERY_S = 1.0
ScoreBatch = Callable[[list[bytes], int], list[bytes]]


class Reader(Protocol):
    read: int
    undecodable: int

    @property
    def total(self) -> int: ...

    def batches(self, size: int) -> Iterable[list[Decision]]: ...


class ReplayRun:
    def __init__(self, job: ReplayJob, reader: Reader, score_batch: ScoreBatch, tally: ReplayTally,
                 publish: Callable[[ReplayJob], None], stop: threading.Event | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.job, self._reader, self._score, self._tally = job, reader, score_batch, tally
        self._publish, self._stop = publish, stop or threading.Event()
        self._clock, self._sleep = clock, sleep

    def run(self, range_info: dict) -> ReplayJob:
        started = last_progress = self._clock()
        for batch in self._reader.batches(self.job.spec.batch):
            if self._stop.is_set():
                return self.job  # left running: restarted by whoever runs it next
            self._score_batch(batch)
            self._pace(started)
            if self._clock() - last_progress >= PROGRESS_EVERY_S:
                last_progress = self._clock()
                self._update(status=JobStatus.RUNNING, done=self._reader.read, total=self._reader.total)
        if self._stop.is_set():
            return self.job
        if self._tally.rows == 0:
            return self._update(status=JobStatus.FAILED, done=self._reader.read, total=self._reader.total,
                                reason=f"no recorded decisions for data type {self.job.spec.data_type!r} in the range "
                                       f"({self._reader.read} decisions read, none of that data type and time)")
        report = {**self._tally.report(), "range": range_info, "undecodable": self._reader.undecodable,
                  "seconds": round(self._clock() - started, 3)}
        return self._update(status=JobStatus.DONE, done=self._reader.read, total=self._reader.total, report=report)

    def _score_batch(self, batch: list[Decision]) -> None:
        requests = [codec.encode_request(d.request) for d in batch]
        scores = [codec.decode_score(s) for s in self._score(requests, now_us())]
        by_request = {s.request_id: s for s in scores}
        for decision in batch:
            score = by_request.get(decision.request.request_id)
            if score is not None:
                self._tally.add(decision, score)

    def _pace(self, started: float) -> None:
        """Never ahead of `rate` rows a second since the start: the live path keeps its CPU."""
        ahead = self._tally.rows / self.job.spec.rate - (self._clock() - started)
        if ahead > 0:
            self._stop.wait(ahead) if self._sleep is time.sleep else self._sleep(ahead)

    def _update(self, **changes) -> ReplayJob:
        self.job = updated(self.job, now_us(), **changes)
        self._publish(self.job)
        return self.job
