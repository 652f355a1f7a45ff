"""Publishing models and policies: every way in (admin API, CLI, demo) ends here,
on the model and policy topics."""
from __future__ import annotations

from common import codec, topics
from common.descriptors import DataTypePolicy, ModelDescriptor
from common.kafka import KafkaProducer
from common.settings import InfraSettings
from common.kafka import ensure_topics


def publish_model(producer: KafkaProducer, infra: InfraSettings, descriptor: ModelDescriptor) -> None:
    # The request topic exists before any runner or client needs it.
    ensure_topics(infra, [topics.requests_topic(descriptor.data_type)])
    producer.produce(topics.MODELS, codec.encode_descriptor(descriptor), key=descriptor.key)


def publish_policy(producer: KafkaProducer, policy: DataTypePolicy) -> None:
    producer.produce(topics.POLICIES, codec.encode_policy(policy), key=policy.data_type)
