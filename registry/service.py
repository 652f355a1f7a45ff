"""The registry service materializes the models, model-status and policies topics
into Redis (store.py). Replaying the topics from the start rebuilds it."""
from __future__ import annotations

import logging
import threading

import redis

from common import codec, topics
from common.follow import StateFollower
from common.kafka import KafkaProducer, Record
from common.settings import InfraSettings
from registry.store import RegistryStore

log = logging.getLogger(__name__)

DECODERS = {topics.MODELS: codec.decode_descriptor, topics.MODEL_STATUS: codec.decode_status,
            topics.POLICIES: codec.decode_policy}


class RegistryService:
    def __init__(self, infra: InfraSettings, redis_client: redis.Redis):
        self.store = RegistryStore(redis_client)
        self._producer = KafkaProducer(infra)
        self._follower = StateFollower(infra, DECODERS, self._apply, self._producer, "registry")
        self._stop = threading.Event()

    def _apply(self, record: Record) -> None:
        if record.topic == topics.MODELS:
            self.store.apply_descriptor(record.value, record.raw)
        elif record.topic == topics.MODEL_STATUS:
            self.store.apply_status(record.value)
        else:
            self.store.apply_policy(record.value)

    def run(self) -> None:
        self.store.reset()
        self._follower.start()
        self._stop.wait()
        self._follower.stop()
        self._producer.close()

    def stop(self) -> None:
        self._stop.set()
