"""The rendezvous's output side: each answer is claimed in Redis, then published to
its return address, with its decision record for the audit. Only an answer this
instance claimed is published (claims.py): a paused instance that wakes after another
took its partitions answers nothing twice."""
from __future__ import annotations

import functools
import itertools
from typing import Callable

from common import codec, topics
from common.domain import Decision
from common.kafka import KafkaProducer
from rendezvous.claims import PatientClaims
from rendezvous.core import Answered


class AnswerPublisher:
    def __init__(self, producer: KafkaProducer, claims: PatientClaims):
        self._producer = producer
        self._claims = claims
        self._turns = itertools.count()
        self.partitions: dict[str, int] = {}  # topic -> partition count, learnt from the broker at start

    def publish(self, answered: list[Answered]) -> list[Decision]:
        """Claim, then produce, every answer; the decisions this instance claimed (answers
        another instance had claimed are its to publish and count)."""
        by_id = {o.decision.answer.request_id: o for o in answered}
        payloads = [(rid, codec.encode_answer(o.decision.answer)) for rid, o in by_id.items()]
        replies: dict[str, list[tuple[str, bytes, Callable]]] = {}  # reply topic -> its answers
        decisions, claimed = [], []
        for rid, payload in self._claims.claim(payloads):
            decision = by_id[rid].decision
            claimed.append(decision)
            reply_to = decision.request.reply_to
            replies.setdefault(reply_to.topic, []).append(
                (reply_to.correlation_id, payload, functools.partial(self._claims.on_delivered, rid)))
            decisions.append((rid, codec.encode_decision(decision, answer=payload)))
        for topic, answers in replies.items():
            self._producer.produce_batch(topic, [(key, payload) for key, payload, _ in answers],
                                         callbacks=[callback for _, _, callback in answers])
        self.produce_spread(topics.DECISIONS, decisions)
        return claimed

    def produce_spread(self, topic: str, records: list[tuple[str, bytes]]) -> None:
        """A poll's audit records (decisions, late scores) go to one partition, polls taking
        partitions in turn: librdkafka sends one produce request per partition, and the
        audit needs no order by key."""
        count = self.partitions.get(topic)
        turn = next(self._turns)
        self._producer.produce_batch(topic, records, partition=turn % count if count else None)
