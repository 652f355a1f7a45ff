"""The registry service:
- materializes the models, model-status and policies topics into Redis (store.py):
  each start replays them into a new generation, which readers see only once it is
  complete; and the replays topic, whose jobs it keeps by id and by model (replays.py);
- writes the audit store and serving stats from the decisions and late-scores
  topics (audit.py), in a consumer group, idempotently;
- measures every consumer group's lag for its /metrics (metrics.py)."""
from __future__ import annotations

import logging
import threading

import redis
from confluent_kafka import Consumer

from common import codec, topics
from common.follow import STATE_DECODERS, StateFollower
from common.group_lag import GroupLagMonitor
from common.kafka import Consumed, KafkaProducer, consumer_config
from common.settings import InfraSettings
from common.stream import ConsumerLoop, DeadLetters
from registry.audit import AuditStore
from registry.client import RegistryClient
from registry.metrics import RegistryMetrics
from registry.settings import RegistrySettings
from registry.store import RegistryStore
from replay.spec import decode_job
from registry.replays import ReplayViews

log = logging.getLogger(__name__)
STATE_CATCH_UP_S = 60
GENERATION_CHECK_S = 5.0
REBUILD_EXIT = 3

# The registry follows the replays topic too: it keeps each replay job's newest record.
REGISTRY_STATE = {**STATE_DECODERS, topics.REPLAYS: decode_job}
AUDIT_DECODERS = {topics.DECISIONS: codec.decode_decision, topics.LATE_SCORES: codec.decode_score}


class RegistryService:
    def __init__(self, infra: InfraSettings, settings: RegistrySettings, redis_client: redis.Redis):
        self.store = RegistryStore(redis_client)
        self.audit = AuditStore(redis_client, settings.audit_retention_s)
        self.replays = ReplayViews(redis_client)
        self._producer = KafkaProducer(infra)
        self._follower = StateFollower(infra, REGISTRY_STATE, self._apply_state, self._producer, "registry")
        # Audit is off the answer's path: the broker holds its fetch until 64 KiB or 100 ms
        # have gathered, so under load it reads in few, large batches.
        consumer = Consumer(consumer_config(infra, settings.audit_group_id, **{
            "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100, "fetch.min.bytes": 65536}))
        consumer.subscribe(list(AUDIT_DECODERS))
        self._audit_loop = ConsumerLoop(consumer, AUDIT_DECODERS, self._apply_audit,
                                        DeadLetters(self._producer, "registry-audit"), batch_size=1000)
        self._stop = threading.Event()
        self._lag = GroupLagMonitor(infra, settings.lag_interval_s)
        self.metrics = RegistryMetrics(RegistryClient(redis_client), self._lag)
        self.metrics_registry = self.metrics.registry  # served by common.entrypoint

    def _apply_state(self, record: Consumed) -> None:
        if record.topic == topics.MODELS:
            self.store.apply_descriptor(record.value, record.raw)
        elif record.topic == topics.MODEL_STATUS:
            self.store.apply_status(record.value)
        elif record.topic == topics.REPLAYS:
            self.replays.apply(record.value)
        else:
            self.store.apply_policy(record.value)

    def _apply_audit(self, records: list[Consumed]) -> None:
        decisions = [r.value for r in records if r.topic == topics.DECISIONS]
        late = [r.value for r in records if r.topic == topics.LATE_SCORES]
        if decisions:
            self.audit.record_decisions(decisions)
        if late:
            self.audit.record_late(late)
        self.metrics.audit_records.add({("decision",): len(decisions), ("late_score",): len(late)})

    def run(self) -> None:
        self._follower.start()
        if not self._follower.wait_caught_up(STATE_CATCH_UP_S):
            log.warning("state topics not caught up after %d s; publishing what was read", STATE_CATCH_UP_S)
        self.store.publish()  # readers move from the previous generation to this one
        audit_thread = threading.Thread(target=self._audit_loop.run, name="audit", daemon=True)
        audit_thread.start()
        self._lag.start()
        lost = self._watch_generation()
        self._lag.stop()
        self._audit_loop.stop()
        audit_thread.join(10)
        self._follower.stop()
        self._producer.close()
        if lost:  # `stack up` (or any supervisor) starts it again, and a start rebuilds from the topics
            raise SystemExit(REBUILD_EXIT)

    def _watch_generation(self) -> bool:
        """Wait for stop(); True, at once, if Redis has lost the registry's read model
        (docs/decisions/017-redis-restart.md). Readers would find no models, so the
        gateway would refuse every data type: better to exit and be rebuilt."""
        while not self._stop.wait(GENERATION_CHECK_S):
            if self.store.lost():
                log.error("redis has lost the registry's state (generation %s); exiting to rebuild it "
                          "from the topics", self.store.generation)
                return True
        return False

    def stop(self) -> None:
        self._stop.set()
