"""One published model version as the supervisor runs it: its descriptor, where it is
in its life (validating, loading, ready, failed, pending), and its Ray replicas."""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

from common.descriptors import ModelDescriptor, ModelState
from model_runners import ray_host
from model_runners.metrics import REPLICA_LABELS


@dataclass
class Deployment:
    descriptor: ModelDescriptor
    raw: bytes  # the descriptor as published: what each replica is given
    status: ModelState = ModelState.LOADING
    reason: str = ""
    replicas: list = field(default_factory=list)  # ray_host.ReplicaHandle, one per replica index
    validation: Future | None = None  # the subprocess load check, while it runs

    def start_replicas(self, infra_env: dict) -> None:
        self.replicas = [ray_host.start_replica(self.descriptor, self.raw, infra_env, i)
                         for i in range(self.descriptor.resources.replicas)]

    def replace_replica(self, index: int, infra_env: dict) -> None:
        """A replica Ray will not bring back: a new actor in its place, under its index."""
        self.replicas = [ray_host.start_replica(self.descriptor, self.raw, infra_env, index) if h.index == index
                         else h for h in self.replicas]

    def stop_replicas(self) -> None:
        for handle in self.replicas:
            ray_host.stop_replica(handle)
        self.replicas = []

    def replica_labels(self) -> list[tuple[dict[str, str], object]]:
        """(metric labels, handle) of each replica, for the scrape of their /metrics."""
        d = self.descriptor
        return [(dict(zip(REPLICA_LABELS, (d.data_type, d.name, d.version, str(h.index)))), h) for h in self.replicas]
