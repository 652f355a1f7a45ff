"""The replays as the registry keeps them in Redis, rebuilt from the compacted
`replays` topic whenever the registry starts, so a report outlives any restart that
the topic outlives. The registry writes it; the gateway reads it.

Keys:
  rv:replay:{replay_id}    JSON: the newest job record (spec, status, progress, report)
  rv:replays:{model name}  hash replay_id -> version
"""
from __future__ import annotations

import orjson
import redis

from replay.spec import ReplayJob

JOB = "rv:replay:{}"
BY_MODEL = "rv:replays:{}"


def summary(job: dict) -> dict:
    """A replay as a model's listing shows it."""
    report = job.get("report") or {}
    return {"replay_id": job["replay_id"], "status": job["status"], "reason": job.get("reason", ""),
            "rows": report.get("rows"), "agreement": report.get("agreement"),
            "created_at_us": job.get("created_at_us"), "url": f"/v1/replays/{job['replay_id']}"}


class ReplayViews:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def apply(self, job: ReplayJob) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(JOB.format(job.replay_id), job.encode())
        pipe.hset(BY_MODEL.format(job.spec.model), job.replay_id, job.spec.version)
        pipe.execute()

    def get(self, replay_id: str) -> dict | None:
        raw = self._redis.get(JOB.format(replay_id))
        return orjson.loads(raw) if raw else None

    def for_model(self, name: str) -> dict[str, list[dict]]:
        """Each version's replays, newest first."""
        ids = {k.decode(): v.decode() for k, v in self._redis.hgetall(BY_MODEL.format(name)).items()}
        raws = self._redis.mget([JOB.format(i) for i in ids]) if ids else []
        jobs = sorted((orjson.loads(r) for r in raws if r), key=lambda j: -j.get("created_at_us", 0))
        by_version: dict[str, list[dict]] = {}
        for job in jobs:
            by_version.setdefault(ids[job["replay_id"]], []).append(summary(job))
        return by_version
