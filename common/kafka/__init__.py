"""The one Kafka wrapper every service uses: librdkafka settings built in one place
(config), a producer (producer), topic creation (admin), and assign()-style reading
and batched fetches (reading). The poll -> decode -> handle -> store-offset loop with
dead-letter routing built on it is in common/stream.py. Nothing here talks to the
network on import or in a constructor's first line.

Callers import from `common.kafka`; the modules behind it are its own layout."""
from common.kafka.admin import ensure_topics, in_sync_replicas, partition_leaders, topic_config
from common.kafka.config import base_config, consumer_config, group_settings, producer_config
from common.kafka.producer import KafkaProducer
from common.kafka.reading import (
    BatchHandler,
    Consumed,
    Decoder,
    assign_all,
    end_offset,
    end_offsets,
    fetch_batch,
)

__all__ = ["BatchHandler", "Consumed", "Decoder", "KafkaProducer", "assign_all", "base_config", "consumer_config",
           "end_offset", "end_offsets", "ensure_topics", "fetch_batch", "group_settings", "in_sync_replicas",
           "partition_leaders", "producer_config", "topic_config"]
