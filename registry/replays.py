"""The replay jobs as the registry keeps them in Redis (keys.replay, keys.replays_of),
from the compacted `replays` topic: rewritten in place whenever the registry starts,
so a report outlives any restart that the topic outlives. Readers use
registry/client.py."""
from __future__ import annotations

import redis

from registry import keys
from replay.spec import ReplayJob


class ReplayViews:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def apply(self, job: ReplayJob) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.set(keys.replay(job.replay_id), job.encode())
        pipe.hset(keys.replays_of(job.spec.model), job.replay_id, job.spec.version)
        pipe.execute()
