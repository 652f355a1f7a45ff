"""The rendezvous's Kafka adapter: decode, call the core, publish its answers.

Offsets are committed only up to the oldest message still needed (offsets.py), and
every answer is claimed in Redis before it is published (claims.py, publisher.py). While Redis is
away (a restart: docs/decisions/017-redis-restart.md) the loop waits for it, so an
answer is neither published unclaimed nor dropped."""
from __future__ import annotations

import logging
import queue
import threading

import redis
from confluent_kafka import Consumer

from common import codec, topics
from common.clock import now_us
from common.follow import STATE_DECODERS, StateFollower
from common.kafka import Consumed, KafkaProducer, consumer_config
from common.settings import InfraSettings
from common.stream import ConsumerLoop, DeadLetters
from rendezvous.catalog import Catalog
from rendezvous.claims import Claims, PatientClaims
from rendezvous.core import Absorbed, Answered, Effect, LateScore, Rejected, RendezvousCore
from rendezvous.membership import GroupMembership
from rendezvous.metrics import RendezvousMetrics
from rendezvous.offsets import OffsetTracker
from rendezvous.publisher import AnswerPublisher
from rendezvous.settings import RendezvousSettings

log = logging.getLogger(__name__)
DECODERS = {topics.REQUESTS_PREFIX: codec.decode_request, topics.SCORES: codec.decode_score}


class RendezvousService:
    def __init__(self, infra: InfraSettings, settings: RendezvousSettings, redis_client: redis.Redis):
        self._infra, self._settings = infra, settings
        self._core = RendezvousCore(Catalog(), early_limit=settings.early_score_limit,
                                    early_ttl_us=settings.early_score_ttl_s * 1_000_000,
                                    answered_limit=settings.answered_limit,
                                    answered_ttl_us=settings.answered_ttl_s * 1_000_000)
        self.metrics = RendezvousMetrics(self._core, unpaired=lambda: self._membership.unpaired())
        self.metrics_registry = self.metrics.registry  # served by common.entrypoint
        self._stopping = threading.Event()
        self._claims = PatientClaims(Claims(redis_client, settings.claim_ttl_s), self._stopping)
        self._producer = KafkaProducer(infra)
        self._publisher = AnswerPublisher(self._producer, self._claims)
        self._offsets = OffsetTracker()
        self._score_sources: dict[str, list[Consumed]] = {}
        self._state_updates: queue.SimpleQueue[Consumed] = queue.SimpleQueue()
        self._follower = StateFollower(infra, STATE_DECODERS, self._state_updates.put, self._producer,
                                       "rendezvous-state")
        # The group's range assignor keeps request and score partitions of one number together.
        self._consumer = Consumer(consumer_config(infra, settings.group_id, **{"auto.offset.reset": "earliest"}))
        self._membership = GroupMembership(self._consumer, settings.unpaired_grace_s, self._offsets.forget)
        self._dead_letters = DeadLetters(self._producer, "rendezvous")
        self._loop = ConsumerLoop(self._consumer, DECODERS, self._on_batch, self._dead_letters,
                                  batch_size=settings.batch_size, store_offsets=False,
                                  tick=self._on_tick, next_poll_timeout=self._until_next_timer)

    def run(self) -> None:
        self._follower.start()
        if not self._follower.wait_caught_up(60):
            log.warning("state topics not caught up after 60 s; serving with what was read")
        self._apply_state_updates()
        self._membership.follow(self._core.catalog.data_types())  # scores at least, even before any model
        self._publisher.partitions = self._producer.partition_counts(10) or {}
        try:
            self._loop.run()
        finally:
            self._follower.stop()
            self._producer.close()

    def stop(self) -> None:
        self._stopping.set()
        self._loop.stop()

    def consuming(self) -> set[str]:
        """The topics this instance holds partitions of now."""
        return self._membership.consuming()

    # Loop callbacks ----------------------------------------------------------------
    def _on_batch(self, records: list[Consumed]) -> None:
        self._apply_state_updates()
        now = now_us()
        outcomes: list[Effect] = []
        for r in records:
            tp = (r.topic, r.partition)
            self._offsets.seen(tp, r.offset)
            self._offsets.hold(tp, r.offset)
            if r.topic == topics.SCORES:
                scored = self._core.on_score(r.value, now, r)
                if not any(isinstance(o, (LateScore, Rejected)) and o.source is r for o in scored):
                    # held in a mailbox or the early buffer until its request is answered
                    self._score_sources.setdefault(r.value.request_id, []).append(r)
                outcomes.extend(scored)
            else:
                outcomes.extend(self._core.on_request(r.value, now, r))
        self._emit(outcomes)

    def _on_tick(self) -> None:
        self._apply_state_updates()
        self._emit(self._core.on_tick(now_us()))
        self._claims.confirm_delivered()
        self._membership.check_copartitioned()
        for topic, partition, offset in self._offsets.advanced():
            self._loop.store(topic, partition, offset)

    def _until_next_timer(self) -> float:
        wake = self._core.next_wake_us()
        return 0.05 if wake is None else max(0.0, (wake - now_us()) / 1e6)

    # Outputs -----------------------------------------------------------------------
    def _emit(self, outcomes: list[Effect]) -> None:
        answered = [o for o in outcomes if isinstance(o, Answered)]
        if answered:
            self._publish(answered)
        late, late_scores = [], []
        for o in outcomes:
            if isinstance(o, Rejected):
                self._dead_letters.send(o.source, o.reason)
                self._release(o.source)
                self._score_sources.pop(o.source.value.request_id, None)
            elif isinstance(o, LateScore):
                late.append((o.score.request_id, o.source.raw))
                late_scores.append(o.score)
                self._release(o.source)
            elif isinstance(o, Absorbed) and o.source is not None and o.source.topic != topics.SCORES:
                self._release(o.source)  # a redelivered request: nothing more to do
        # Recorded for audit and stats; a late score never changes the answer already given.
        self._publisher.produce_spread(topics.LATE_SCORES, late)
        if late_scores:
            self.metrics.record_late(late_scores)

    def _publish(self, answered: list[Answered]) -> None:
        self.metrics.record_answers(self._publisher.publish(answered))
        for rid, outcome in {o.decision.answer.request_id: o for o in answered}.items():
            self._release(outcome.source)
            for score_record in self._score_sources.pop(rid, ()):
                self._release(score_record)

    def _release(self, record: Consumed | None) -> None:
        if record is not None:
            self._offsets.release((record.topic, record.partition), record.offset)

    def _apply_state_updates(self) -> None:
        catalog = self._core.catalog
        while not self._state_updates.empty():  # checked first: an Empty raised per poll costs more
            record = self._state_updates.get_nowait()
            apply = {topics.MODELS: catalog.add_model, topics.MODEL_STATUS: catalog.set_status,
                     topics.POLICIES: catalog.set_policy}[record.topic]
            apply(record.value)
            if record.topic == topics.MODELS:
                self._membership.follow(catalog.data_types())
