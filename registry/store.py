"""The registry's Redis read model: every model version with its role and status,
its history, and each data type's policy. The registry service writes it from the
topics; the gateway reads it."""
from __future__ import annotations

import orjson
import redis

from common.descriptors import DataTypePolicy, ModelDescriptor, ModelStatus, Status
from common.domain import Role

MODELS = "rv:models"               # hash "<name>:<version>" -> JSON summary
HISTORY = "rv:history:{}"          # list per model name, newest last
POLICY = "rv:policy:{}"            # JSON per data type
DESCRIPTOR = "rv:descriptor:{}"    # the newest descriptor of "<name>:<version>", as published
HISTORY_LIMIT = 1000


def summary(d: ModelDescriptor) -> dict:
    return {"name": d.name, "version": d.version, "data_type": d.data_type, "format": d.format,
            "role": d.role.value, "description": d.description, "sha256": d.sha256,
            "location": d.location, "size_bytes": len(d.inline_bytes),
            "input_schema": [{"name": f.name, "type": f.type} for f in d.input_schema],
            "output_schema": [{"name": f.name, "type": f.type} for f in d.output_schema],
            "quality": {"metric": d.quality_metric, "value": d.quality},
            "created_at_us": d.created_at_us,
            "resources": {"num_cpus": d.resources.num_cpus, "num_gpus": d.resources.num_gpus,
                          "replicas": d.resources.replicas}}


class RegistryStore:
    def __init__(self, client: redis.Redis):
        self._redis = client

    # Writing (the registry service) ----------------------------------------------
    def reset(self) -> None:
        """Forget the materialized models: the topics are the truth and replay rebuilds it."""
        models = self.models()
        self._redis.delete(MODELS, *(HISTORY.format(m["name"]) for m in models),
                           *(DESCRIPTOR.format(f"{m['name']}:{m['version']}") for m in models))

    def apply_descriptor(self, d: ModelDescriptor, raw: bytes = b"") -> None:
        if raw:  # kept so that a role change can republish the very same model
            self._redis.set(DESCRIPTOR.format(d.key), raw)
        current = self._get(d.key) or {"status": Status.LOADING.value, "reason": ""}
        previous_role = current.get("role")
        record = {**current, **summary(d)}
        if d.role is Role.RETIRED:
            record["status"] = Status.RETIRED.value
        self._put(d.key, record)
        event = "published" if previous_role is None else (
            f"role {previous_role} -> {d.role.value}" if previous_role != d.role.value else "republished")
        self._history(d.name, {"version": d.version, "event": event, "at_us": d.created_at_us})

    def apply_status(self, s: ModelStatus) -> None:
        key = str(s.model)
        record = self._get(key) or {"name": s.model.name, "version": s.model.version, "data_type": s.data_type}
        if record.get("role") == Role.RETIRED.value and s.status is not Status.RETIRED:
            return  # a late status from a replica of a retired version
        record.update(status=s.status.value, reason=s.reason, replicas_ready=s.replicas_ready)
        self._put(key, record)
        self._history(s.model.name, {"version": s.model.version, "event": f"status {s.status.value}",
                                     "reason": s.reason, "at_us": s.at_us})

    def apply_policy(self, p: DataTypePolicy) -> None:
        self._redis.set(POLICY.format(p.data_type), orjson.dumps(
            {"data_type": p.data_type, "policy": p.policy, "params": p.params, "updated_at_us": p.updated_at_us}))

    # Reading ---------------------------------------------------------------------
    def models(self) -> list[dict]:
        return sorted((orjson.loads(v) for v in self._redis.hvals(MODELS)),
                      key=lambda m: (m["name"], m["version"]))

    def model_versions(self, name: str) -> list[dict]:
        return [m for m in self.models() if m["name"] == name]

    def descriptor_bytes(self, name: str, version: str) -> bytes | None:
        return self._redis.get(DESCRIPTOR.format(f"{name}:{version}"))

    def history(self, name: str) -> list[dict]:
        return [orjson.loads(e) for e in self._redis.lrange(HISTORY.format(name), 0, -1)]

    def policy(self, data_type: str) -> dict | None:
        raw = self._redis.get(POLICY.format(data_type))
        return orjson.loads(raw) if raw else None

    # Internals -------------------------------------------------------------------
    def _get(self, key: str) -> dict | None:
        raw = self._redis.hget(MODELS, key)
        return orjson.loads(raw) if raw else None

    def _put(self, key: str, record: dict) -> None:
        self._redis.hset(MODELS, key, orjson.dumps(record))

    def _history(self, name: str, event: dict) -> None:
        key = HISTORY.format(name)
        pipe = self._redis.pipeline(transaction=False)
        pipe.rpush(key, orjson.dumps(event))
        pipe.ltrim(key, -HISTORY_LIMIT, -1)
        pipe.execute()


def data_types(models: list[dict]) -> dict[str, bool]:
    """Each data type that has a live (not retired) model, and whether one is ready."""
    out: dict[str, bool] = {}
    for m in models:
        if m.get("role") == Role.RETIRED.value or "data_type" not in m:
            continue
        ready = m.get("status") == Status.READY.value and m.get("role") not in (Role.WARM.value, Role.CANDIDATE.value)
        out[m["data_type"]] = out.get(m["data_type"], False) or ready
    return out
