"""The registry's Redis read model, written from the state topics: every model version
with its role and state, its history, and each data type's policy.

Each start builds a new generation from the topics (replay is the truth), and only once
it has read every state topic to its end does publish() point readers at it: a reader
sees the old generation or the complete new one, never an empty registry. The key
layout is keys.py; readers use client.py."""
from __future__ import annotations

import uuid

import orjson
import redis

from common.descriptors import DataTypePolicy, ModelDescriptor, ModelState, ModelStatus
from common.domain import Role
from registry import keys
from registry.client import summary

HISTORY_LIMIT = 1000
# An old generation outlives the swap by this long: a reader that looked up the current
# generation just before it moved still finds its keys.
OLD_GENERATION_TTL_S = 60


class RegistryStore:
    def __init__(self, client: redis.Redis, generation: str | None = None):
        self._redis = client
        self.generation = generation or uuid.uuid4().hex
        self._models = keys.models(self.generation)

    def publish(self) -> None:
        """Make this generation the one readers use, and let the one before expire."""
        old = self._redis.set(keys.CURRENT, self.generation, get=True)
        if old is None or old.decode() == self.generation:
            return
        pipe = self._redis.pipeline(transaction=False)
        for key in self._redis.scan_iter(match=f"{keys.generation(old.decode())}*", count=1000):
            pipe.expire(key, OLD_GENERATION_TTL_S)
        pipe.execute()

    def lost(self) -> bool:
        """Whether Redis lost the read model: it came back from a restart without its
        data (no persistence, or a lost append-only file), so no generation is current.
        (Another generation being current is a newer registry's, not a loss.) False
        while Redis is away: that is waiting, not loss."""
        try:
            return not self._redis.exists(keys.CURRENT)
        except (redis.ConnectionError, redis.TimeoutError):
            return False

    def apply_descriptor(self, d: ModelDescriptor, raw: bytes = b"") -> None:
        if raw:  # kept so that a role change can republish the very same model
            self._redis.set(keys.descriptor(self.generation, d.key), raw)
        current = self._get(d.key) or {"status": ModelState.LOADING.value, "reason": ""}
        previous_role = current.get("role")
        record = {**current, **summary(d)}
        if d.role is Role.RETIRED:
            record["status"] = ModelState.RETIRED.value
        self._put(d.key, record)
        event = "published" if previous_role is None else (
            f"role {previous_role} -> {d.role.value}" if previous_role != d.role.value else "republished")
        self._history(d.name, {"version": d.version, "event": event, "at_us": d.created_at_us})

    def apply_status(self, s: ModelStatus) -> None:
        key = str(s.model)
        record = self._get(key) or {"name": s.model.name, "version": s.model.version, "data_type": s.data_type}
        if record.get("role") == Role.RETIRED.value and s.status is not ModelState.RETIRED:
            return  # a late status from a replica of a retired version
        record.update(status=s.status.value, reason=s.reason, replicas_ready=s.replicas_ready)
        self._put(key, record)
        self._history(s.model.name, {"version": s.model.version, "event": f"status {s.status.value}",
                                     "reason": s.reason, "at_us": s.at_us})

    def apply_policy(self, p: DataTypePolicy) -> None:
        self._redis.set(keys.policy(self.generation, p.data_type), orjson.dumps(
            {"data_type": p.data_type, "policy": p.policy, "params": p.params, "updated_at_us": p.updated_at_us}))

    def _get(self, key: str) -> dict | None:
        raw = self._redis.hget(self._models, key)
        return orjson.loads(raw) if raw else None

    def _put(self, key: str, record: dict) -> None:
        self._redis.hset(self._models, key, orjson.dumps(record))

    def _history(self, name: str, event: dict) -> None:
        key = keys.history(self.generation, name)
        pipe = self._redis.pipeline(transaction=False)
        pipe.rpush(key, orjson.dumps(event))
        pipe.ltrim(key, -HISTORY_LIMIT, -1)
        pipe.execute()
