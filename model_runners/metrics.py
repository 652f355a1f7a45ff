"""The runners' Prometheus metrics, and how they reach the supervisor's /metrics.

Each replica is a Ray actor, so its own process: it counts scores by outcome, requests
skipped past their deadline, and each micro-batch's scoring time and size
(ReplicaMetrics), once per batch. It serves no port of its own. The supervisor asks
every replica for its figures (Prometheus's text) every REPLICA_SCRAPE_S through Ray,
never waiting for an answer, and its /metrics serves them merged, each replica's
samples labelled with its data type, model, version and replica number
(ReplicaFamilies). Why pull through Ray rather than a port per replica: the supervisor
already reaches every replica wherever Ray placed it, Prometheus needs one target per
supervisor instead of a discovery mechanism for replicas that come and go, and a
restarted replica is picked up without registering anywhere."""
from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable, Sequence

from prometheus_client import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from common.domain import Score
from common.metrics import BATCH_SIZE_BUCKETS, LATENCY_BUCKETS, Buckets, Counts, process_registry
from common.stream import DEAD_LETTERS

REPLICA_SCRAPE_S = 2.0  # how stale a replica's figures may be; Prometheus scrapes every 15 s by default
REPLICA_LABELS = ("data_type", "model", "version", "replica")
PREFIX = "rvs_"  # a replica's families that are passed on (not its Python GC figures)


class ReplicaMetrics:
    """Lives in the replica's process; `text()` is what the supervisor collects."""

    def __init__(self) -> None:
        self.scores = Counts("rvs_runner_scores_total", "Scores produced, by outcome: ok, or error (the model "
                             "or the input failed, and the score carries the error).", ("outcome",))
        self.expired = Counts("rvs_runner_expired_total", "Requests not scored because their deadline had passed "
                              "when their batch came up.", ())
        self.batch_seconds = Buckets("rvs_runner_batch_seconds", "Time to score one micro-batch (the runtime call "
                                     "and the mapping of features around it).", (), LATENCY_BUCKETS)
        self.batch_size = Buckets("rvs_runner_batch_size", "Requests per micro-batch polled.", (), BATCH_SIZE_BUCKETS)
        self.registry = process_registry(self.scores, self.expired, self.batch_seconds, self.batch_size,
                                         DEAD_LETTERS, namespace="rvs_runner_replica")

    def record_batch(self, polled: int, scores: Sequence[Score], seconds: float, expired: int) -> None:
        self.scores.add(Counter(("ok",) if s.ok else ("error",) for s in scores))
        if expired:
            self.expired.inc((), expired)
        self.batch_size.observe((), polled)
        if scores:
            self.batch_seconds.observe((), seconds)

    def text(self) -> bytes:
        return generate_latest(self.registry)


class ReplicaFamilies(Collector):
    """The supervisor's own families (`local`) and every replica's, merged by name: the
    text format allows each family once. `replicas()` returns (labels, text) pairs."""

    def __init__(self, local: Iterable[Collector], replicas: Callable[[], list[tuple[dict, bytes]]]):
        self._local = list(local)
        self._replicas = replicas

    def collect(self) -> Iterable[Metric]:
        families: dict[str, Metric] = {}
        for collector in self._local:
            for family in collector.collect():
                families[family.name] = family
        for labels, text in self._replicas():
            for family in text_string_to_metric_families(text.decode()):
                if not family.name.startswith(PREFIX):
                    continue
                merged = families.get(family.name)
                if merged is None:
                    merged = families[family.name] = Metric(family.name, family.documentation, family.type)
                merged.samples.extend(Sample(s.name, {**s.labels, **labels}, s.value, s.timestamp, s.exemplar)
                                      for s in family.samples)
        yield from families.values()
