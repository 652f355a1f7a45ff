"""The audit store and serving stats, in Redis, written from the decisions and
late-scores topics. Recording is idempotent: a redelivered decision is ignored, so
counts stay right under at-least-once delivery. The keys, and which of them expire,
are in keys.py."""
from __future__ import annotations

from collections import Counter, defaultdict

import orjson
import redis

from common.domain import Decision, Score
from registry import keys
from registry.audit_format import decision_record, score_record

LATENCY_WINDOW = 10_000


class AuditStore:
    def __init__(self, client: redis.Redis, retention_s: int):
        self._redis = client
        self._retention_s = retention_s

    def record_decisions(self, decisions: list[Decision]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for d in decisions:
            pipe.set(keys.audit(d.request.request_id), orjson.dumps(decision_record(d)), nx=True,
                     ex=self._retention_s)
        fresh = [d for d, new in zip(decisions, pipe.execute()) if new]
        pipe, tally = self._redis.pipeline(transaction=False), _Tally()
        for d in fresh:
            self._count_decision(pipe, tally, d)
        tally.write(pipe)
        pipe.execute()

    def record_late(self, scores: list[Score]) -> None:
        pipe, tally = self._redis.pipeline(transaction=False), _Tally()
        for s in scores:
            key = keys.late(s.request_id)
            pipe.rpush(key, orjson.dumps(score_record(s, latency_ms=None, late=True)))
            pipe.expire(key, self._retention_s)
            tally.bump(s.model.name, s.model.version, "late")
        tally.write(pipe)
        pipe.execute()

    def _count_decision(self, pipe, tally: _Tally, d: Decision) -> None:
        answer, rid = d.answer, d.request.request_id
        if d.request.record_id:
            key = keys.record(d.request.record_id)
            pipe.zadd(key, {rid: d.request.enqueued_at_us})
            pipe.expire(key, self._retention_s)
        tally.counts[(keys.data_type_stats(answer.data_type), answer.reason.value)] += 1
        tally.latencies[keys.data_type_latency(answer.data_type)].append(
            (answer.decided_at_us - d.request.enqueued_at_us) / 1000)
        latencies = {a.model: a.latency_us / 1000 for a in answer.answered}
        for s in d.scores:
            name, version = s.model.name, s.model.version
            tally.bump(name, version, "count")
            if s.error:
                tally.bump(name, version, "errors")
                continue
            tally.latencies[keys.model_latency(name, version)].append(latencies.get(s.model, 0.0))
            if answer.model == s.model:
                tally.bump(name, version, "wins")
            if answer.model is not None:
                tally.bump(name, version, "compared")
                if s.output.label == answer.output.label:
                    tally.bump(name, version, "agreed")


class _Tally:
    """A batch's counters and latencies, summed before they go to Redis: one HINCRBY per
    counter and one LPUSH per latency list per batch, however many decisions it holds."""

    def __init__(self):
        self.counts: Counter[tuple[str, str]] = Counter()  # (hash key, field) -> increment
        self.latencies: defaultdict[str, list[float]] = defaultdict(list)  # list key -> values, oldest first

    def bump(self, name: str, version: str, counter: str) -> None:
        self.counts[(keys.model_stats(name), f"{version}|{counter}")] += 1

    def write(self, pipe) -> None:
        for (key, field), increment in self.counts.items():
            pipe.hincrby(key, field, increment)
        for key, values in self.latencies.items():
            pipe.lpush(key, *(round(v, 3) for v in values))  # newest ends up first, as one push each would
            pipe.ltrim(key, 0, LATENCY_WINDOW - 1)
