"""Topics: creating them with the platform's settings, and reading where their
partitions' leaders and in-sync replicas are."""
from __future__ import annotations

import logging
import time
from typing import Iterable, Mapping

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from common import topics
from common.kafka.config import base_config
from common.settings import InfraSettings

log = logging.getLogger(__name__)


def ensure_topics(infra: InfraSettings, names: Iterable[str], timeout: float = 15.0,
                  configs: Mapping[str, dict[str, str]] | None = None) -> None:
    """Create the topics that don't exist yet. Compacted ones keep the newest record per key;
    `configs` gives others a config of their own (the stats app's changelogs)."""
    admin = AdminClient(base_config(infra))
    existing = set(admin.list_topics(timeout=timeout).topics)
    wanted = [n for n in dict.fromkeys(names) if n not in existing]
    if not wanted:
        return
    new = [NewTopic(n, num_partitions=topics.partition_count(n, infra.partitions),
                    replication_factor=infra.kafka_replication_factor,
                    config={**topic_config(infra, n), **(configs or {}).get(n, {})})
           for n in wanted]
    for name, future in admin.create_topics(new, operation_timeout=timeout).items():
        try:
            future.result(timeout)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        log.info("created topic %s", name)
    _wait_until_listed(admin, wanted, timeout)


def topic_config(infra: InfraSettings, name: str) -> dict[str, str]:
    """A new topic's own settings: compaction for the state topics, and the in-sync
    replicas an acks=all write needs when KAFKA_MIN_INSYNC_REPLICAS is set."""
    config = {"cleanup.policy": "compact"} if name in topics.COMPACTED else {}
    if infra.kafka_min_insync_replicas:
        config["min.insync.replicas"] = str(infra.kafka_min_insync_replicas)
    return config


def partition_leaders(infra: InfraSettings, topic: str, timeout: float = 10.0) -> dict[int, int]:
    """{partition: the node id of its leader} as the cluster's metadata says now."""
    listed = AdminClient(base_config(infra)).list_topics(topic, timeout=timeout).topics
    if topic not in listed or listed[topic].error:
        raise KafkaException(f"topic {topic} not found")
    return {p.id: p.leader for p in listed[topic].partitions.values()}


def in_sync_replicas(infra: InfraSettings, topic: str, timeout: float = 10.0) -> dict[int, list[int]]:
    """{partition: the node ids of its in-sync replicas}."""
    listed = AdminClient(base_config(infra)).list_topics(topic, timeout=timeout).topics
    return {p.id: list(p.isrs) for p in listed[topic].partitions.values()}


def _wait_until_listed(admin: AdminClient, names: list[str], timeout: float) -> None:
    """The controller acknowledges a new topic before every broker's metadata lists it
    and its partitions have leaders; a reader that looks it up at once may not find it."""
    deadline = time.monotonic() + timeout
    while True:
        listed = admin.list_topics(timeout=timeout).topics
        if all(n in listed and listed[n].partitions and not listed[n].error
               and all(p.leader >= 0 for p in listed[n].partitions.values()) for n in names):
            return
        if time.monotonic() > deadline:
            raise KafkaException(f"topics created but not listed after {timeout:.0f} s: {', '.join(names)}")
        time.sleep(0.05)
