"""The registry's client: the one way to read registry state (models, their history,
policies, the audit store and serving stats) from Redis, through the key layout in
keys.py. Only the registry service writes that state; every other package that needs
it (the gateway above all) imports this module and nothing else of the registry."""
from __future__ import annotations

import orjson
import redis

from common.descriptors import ModelDescriptor, ModelState
from common.domain import Role
from common.stats import latency_summary
from registry import keys

COUNTERS = ("count", "wins", "late", "errors", "compared", "agreed")


def summary(d: ModelDescriptor) -> dict:
    """A model version as the registry shows it (the values of keys.models)."""
    return {"name": d.name, "version": d.version, "data_type": d.data_type, "format": d.format,
            "role": d.role.value, "description": d.description, "sha256": d.sha256,
            "location": d.location, "size_bytes": len(d.inline_bytes),
            "input_schema": [{"name": f.name, "type": f.type} for f in d.input_schema],
            "output_schema": [{"name": f.name, "type": f.type} for f in d.output_schema],
            "quality": {"metric": d.quality_metric, "value": d.quality},
            "created_at_us": d.created_at_us,
            "resources": {"num_cpus": d.resources.num_cpus, "num_gpus": d.resources.num_gpus,
                          "replicas": d.resources.replicas}}


def data_types(models: list[dict]) -> dict[str, bool]:
    """Each data type that has a live (not retired) model, and whether one is ready."""
    out: dict[str, bool] = {}
    for m in models:
        if m.get("role") == Role.RETIRED.value or "data_type" not in m:
            continue
        ready = m.get("status") == ModelState.READY.value and m.get("role") not in (Role.WARM.value, Role.CANDIDATE.value)
        out[m["data_type"]] = out.get(m["data_type"], False) or ready
    return out


class RegistryClient:
    """Models and policies, read from the generation the registry last completed."""

    def __init__(self, client: redis.Redis):
        self._redis = client

    def models(self) -> list[dict]:
        gen = self._generation()
        values = self._redis.hvals(keys.models(gen)) if gen else []
        return sorted((orjson.loads(v) for v in values), key=lambda m: (m["name"], m["version"]))

    def model_versions(self, name: str) -> list[dict]:
        return [m for m in self.models() if m["name"] == name]

    def descriptor_bytes(self, name: str, version: str) -> bytes | None:
        gen = self._generation()
        return self._redis.get(keys.descriptor(gen, f"{name}:{version}")) if gen else None

    def history(self, name: str) -> list[dict]:
        gen = self._generation()
        return [orjson.loads(e) for e in self._redis.lrange(keys.history(gen, name), 0, -1)] if gen else []

    def policy(self, data_type: str) -> dict | None:
        gen = self._generation()
        raw = self._redis.get(keys.policy(gen, data_type)) if gen else None
        return orjson.loads(raw) if raw else None

    def _generation(self) -> str | None:
        gen = self._redis.get(keys.CURRENT)
        return gen.decode() if gen else None  # None: no registry has finished a build yet


class AuditClient:
    """The audit store and serving stats behind the gateway's /v1/audit and /stats."""

    def __init__(self, client: redis.Redis):
        self._redis = client

    def audit(self, request_id: str) -> dict | None:
        raw = self._redis.get(keys.audit(request_id))
        if raw is None:
            return None
        record = orjson.loads(raw)
        record["scores"] += [orjson.loads(s) for s in self._redis.lrange(keys.late(request_id), 0, -1)]
        return record

    def by_record(self, record_id: str, limit: int = 1000) -> list[dict]:
        """Every request for this record, oldest first, with the model version that answered it."""
        request_ids = self._redis.zrange(keys.record(record_id), 0, limit - 1)
        raws = self._redis.mget([keys.audit(rid.decode()) for rid in request_ids]) if request_ids else []
        out = []
        for raw in filter(None, raws):
            r = orjson.loads(raw)
            out.append({"request_id": r["request"]["request_id"], "enqueued_at_us": r["request"]["enqueued_at_us"],
                        "model": r["decision"]["model"], "reason": r["decision"]["reason"]})
        return out

    def model_stats(self, name: str) -> dict[str, dict]:
        versions: dict[str, dict] = {}
        for field, value in self._redis.hgetall(keys.model_stats(name)).items():
            version, counter = field.decode().rsplit("|", 1)
            versions.setdefault(version, dict.fromkeys(COUNTERS, 0))[counter] = int(value)
        for version, stats in versions.items():
            latencies = [float(v) for v in self._redis.lrange(keys.model_latency(name, version), 0, -1)]
            compared = stats.pop("compared")
            agreed = stats.pop("agreed")
            stats["agreement"] = round(agreed / compared, 4) if compared else None
            stats["latency_ms"] = latency_summary(latencies)
        return versions

    def data_type_stats(self, data_type: str) -> dict:
        """Every answer per reason, timeouts and errors included, and their latency."""
        reasons = {k.decode(): int(v) for k, v in self._redis.hgetall(keys.data_type_stats(data_type)).items()}
        latencies = [float(v) for v in self._redis.lrange(keys.data_type_latency(data_type), 0, -1)]
        return {"answers": sum(reasons.values()), "reasons": reasons, "latency_ms": latency_summary(latencies)}


class ReplayClient:
    """Replay jobs, as the registry keeps them (registry/replays.py)."""

    def __init__(self, client: redis.Redis):
        self._redis = client

    def get(self, replay_id: str) -> dict | None:
        raw = self._redis.get(keys.replay(replay_id))
        return orjson.loads(raw) if raw else None

    def for_model(self, name: str) -> dict[str, list[dict]]:
        """Each version's replays, newest first, as a model's listing shows them."""
        ids = {k.decode(): v.decode() for k, v in self._redis.hgetall(keys.replays_of(name)).items()}
        raws = self._redis.mget([keys.replay(i) for i in ids]) if ids else []
        jobs = sorted((orjson.loads(r) for r in raws if r), key=lambda j: -j.get("created_at_us", 0))
        by_version: dict[str, list[dict]] = {}
        for job in jobs:
            by_version.setdefault(ids[job["replay_id"]], []).append(replay_summary(job))
        return by_version


def replay_summary(job: dict) -> dict:
    """A replay as a model's listing shows it."""
    report = job.get("report") or {}
    return {"replay_id": job["replay_id"], "status": job["status"], "reason": job.get("reason", ""),
            "rows": report.get("rows"), "agreement": report.get("agreement"),
            "created_at_us": job.get("created_at_us"), "url": f"/v1/replays/{job['replay_id']}"}
