"""The audit store and serving stats, in Redis, written from the decisions and
late-scores topics. Recording is idempotent: a redelivered decision is ignored, so
counts stay right under at-least-once delivery. The keys, and which of them expire,
are in keys.py."""
from __future__ import annotations

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
        pipe = self._redis.pipeline(transaction=False)
        for d in fresh:
            self._count_decision(pipe, d)
        pipe.execute()

    def record_late(self, scores: list[Score]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for s in scores:
            key = keys.late(s.request_id)
            pipe.rpush(key, orjson.dumps(score_record(s, latency_ms=None, late=True)))
            pipe.expire(key, self._retention_s)
            self._bump(pipe, s.model.name, s.model.version, "late")
        pipe.execute()

    def _count_decision(self, pipe, d: Decision) -> None:
        answer, rid = d.answer, d.request.request_id
        if d.request.record_id:
            key = keys.record(d.request.record_id)
            pipe.zadd(key, {rid: d.request.enqueued_at_us})
            pipe.expire(key, self._retention_s)
        pipe.hincrby(keys.data_type_stats(answer.data_type), answer.reason.value, 1)
        self._push_latency(pipe, keys.data_type_latency(answer.data_type), (answer.decided_at_us - d.request.enqueued_at_us) / 1000)
        latencies = {a.model: a.latency_us / 1000 for a in answer.answered}
        for s in d.scores:
            name, version = s.model.name, s.model.version
            self._bump(pipe, name, version, "count")
            if s.error:
                self._bump(pipe, name, version, "errors")
                continue
            self._push_latency(pipe, keys.model_latency(name, version), latencies.get(s.model, 0.0))
            if answer.model == s.model:
                self._bump(pipe, name, version, "wins")
            if answer.model is not None:
                self._bump(pipe, name, version, "compared")
                if s.output.label == answer.output.label:
                    self._bump(pipe, name, version, "agreed")

    @staticmethod
    def _bump(pipe, name: str, version: str, counter: str) -> None:
        pipe.hincrby(keys.model_stats(name), f"{version}|{counter}", 1)

    @staticmethod
    def _push_latency(pipe, key: str, value_ms: float) -> None:
        pipe.lpush(key, round(value_ms, 3))
        pipe.ltrim(key, 0, LATENCY_WINDOW - 1)
