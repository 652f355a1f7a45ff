"""One runner replica: a Kafka consumer in its model version's consumer group that
scores micro-batches and produces scores. A plain class: ray_host.py wraps it in a
Ray actor, so no Ray call sits on the path of a request."""
from __future__ import annotations

import logging
import threading
import time

from confluent_kafka import Consumer

from common import codec, topics
from common.clock import now_us
from common.kafka import Consumed, KafkaProducer, consumer_config, end_offset
from common.settings import InfraSettings
from common.stream import ConsumerLoop, DeadLetters
from model_runners.artifacts import materialize, release
from model_runners.runtimes import create_runtime
from model_runners.core import ScoringCore
from model_runners.metrics import ReplicaMetrics

log = logging.getLogger(__name__)
REPLICA_DECODERS = {topics.REQUESTS_PREFIX: codec.decode_request}  # every request topic a replica may read


def group_id(descriptor) -> str:
    """Replicas of one version share a group, so they split its request partitions."""
    return f"runner.{descriptor.data_type}.{descriptor.name}.{descriptor.version}"


class RunnerReplica:
    def __init__(self, descriptor_bytes: bytes, infra_env: dict, index: int = 0, batch_size: int = 256):
        """Load the model, then start consuming. Raises ModelLoadError on a bad model."""
        self.descriptor = codec.decode_descriptor(descriptor_bytes)
        self.index = index
        infra = InfraSettings(**infra_env)
        artifact = materialize(self.descriptor)
        try:
            runtime = create_runtime(self.descriptor.format, use_gpu=self.descriptor.resources.num_gpus > 0)
            runtime.load(artifact)
        finally:
            release(artifact)  # a file, or a SavedModel's directory
        self._core = ScoringCore(self.descriptor, runtime)
        self._metrics = ReplicaMetrics()
        self._runtime = runtime
        self._producer = KafkaProducer(infra, report_successes=False)
        consumer = Consumer(consumer_config(infra, group_id(self.descriptor)))
        self._assigned = threading.Event()
        self._incremental = infra.kafka_group_protocol == "consumer"
        consumer.subscribe([topics.requests_topic(self.descriptor.data_type)], on_assign=self._on_assign)
        self._loop = ConsumerLoop(consumer, REPLICA_DECODERS, self._score,
                                  DeadLetters(self._producer, group_id(self.descriptor)), batch_size=batch_size)
        self._thread = threading.Thread(target=self._loop.run, name="runner-loop", daemon=True)
        self._thread.start()

    def _score(self, records: list[Consumed]) -> None:
        queued = now_us()
        # A score goes to the partition number its request came from: the rendezvous that
        # owns that request partition owns the same scores partition (co-partitioning), and a
        # poll's scores for one partition are one produce request.
        partition_of = {r.value.request_id: r.partition for r in records}
        by_partition: dict[int, list[tuple[str, bytes]]] = {}
        expired_before, started = self._core.skipped_expired, time.perf_counter()
        scores = self._core.score([r.value for r in records], queued)
        self._metrics.record_batch(len(records), scores, time.perf_counter() - started,
                                   self._core.skipped_expired - expired_before)
        for score in scores:
            by_partition.setdefault(partition_of[score.request_id], []).append(
                (score.request_id, codec.encode_score(score)))
        for partition, scores in by_partition.items():
            self._producer.produce_batch(topics.SCORES, scores, partition=partition)

    def _on_assign(self, consumer: Consumer, partitions: list) -> None:
        """Start where the group left off, or else at the end as it is now, fixed here
        rather than when the first fetch resolves "latest": a request produced after
        this replica reports ready must never fall before its starting point."""
        for tp, done in zip(partitions, consumer.committed(partitions, timeout=10)):
            tp.offset = done.offset if done.offset >= 0 else end_offset(consumer, tp)
        if self._incremental:  # KIP-848 rebalances are incremental; classic (range) ones eager
            consumer.incremental_assign(partitions)
        else:
            consumer.assign(partitions)
        self._assigned.set()

    def wait_assigned(self, timeout_s: float = 60.0) -> bool:
        """Ready means consuming: loaded, and a member of the group with partitions
        (a join takes seconds; requests sent before it would go unscored)."""
        return self._assigned.wait(timeout_s)

    def ping(self) -> bool:
        """The supervisor's health check: answered at all means the process runs and its
        Ray worker serves calls; True means the consume loop is still running too."""
        return self._thread.is_alive()

    def metrics_text(self) -> bytes:
        """This replica's metrics in Prometheus's text format, for the supervisor's /metrics."""
        return self._metrics.text()

    def stop(self) -> None:
        """Finish the batch in hand, commit, leave the group, release the model."""
        self._loop.stop()
        self._thread.join(timeout=10)
        self._producer.close()
        self._runtime.unload()
