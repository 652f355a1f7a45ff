"""The supervisor's side of the replicas' metrics: every REPLICA_SCRAPE_S it asks each
live replica for its figures through Ray, and picks up the answers on later rounds of
its loop, so a slow or dead replica never holds the loop up. What a scrape of the
supervisor's /metrics serves is the last answer of each replica still running."""
from __future__ import annotations

import time

from model_runners import ray_host
from model_runners.metrics import REPLICA_SCRAPE_S

ReplicaKey = tuple[str, int]  # (model version's key, replica number)


class ReplicaScrapes:
    def __init__(self, interval_s: float = REPLICA_SCRAPE_S):
        self._interval_s = interval_s
        self._next_ask = 0.0
        self._asked: dict[ReplicaKey, object] = {}  # replica -> the pending answer's ref
        self._latest: dict[ReplicaKey, tuple[dict, bytes]] = {}  # replica -> (labels, text)
        self._labels: dict[ReplicaKey, dict] = {}

    def refresh(self, replicas: dict[ReplicaKey, tuple[dict, ray_host.ReplicaHandle]]) -> None:
        """Called from the supervisor's loop with every replica now running."""
        for key, text in ray_host.metrics_answers(self._asked).items():
            del self._asked[key]
            if text is not None and key in replicas:
                self._latest[key] = (replicas[key][0], text)
        gone = [key for key in self._latest if key not in replicas]
        for key in gone:
            del self._latest[key]
        now = time.monotonic()
        if now < self._next_ask:
            return
        self._next_ask = now + self._interval_s
        for key, (_labels, handle) in replicas.items():
            if key not in self._asked:  # a replica still busy with the last question isn't asked twice
                self._asked[key] = ray_host.ask_metrics(handle)

    def latest(self) -> list[tuple[dict, bytes]]:
        """Read by the metrics server's thread: a copy, taken in one step."""
        return list(self._latest.values())
