"""A three-broker KRaft cluster loses the leader of a partition to kill -9 while an
idempotent acks=all producer keeps writing to it: every write is acknowledged, each
is read back exactly once, and the restarted broker rejoins the in-sync replicas."""
import os
import signal
import threading
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from common.kafka import KafkaProducer, ensure_topics, in_sync_replicas, partition_leaders
from common.settings import InfraSettings
from stack import kafka_cluster
from stack.processes import ProcessGroup

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(420)]
MESSAGES = 600


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("kafka-cluster")
    group = ProcessGroup()
    try:
        started = kafka_cluster.start(run_dir / "kafka-3", run_dir / "logs", group, 3)
        yield started, group
    finally:
        group.stop_all()


def test_a_killed_leader_loses_and_duplicates_nothing(cluster):
    started, group = cluster
    factor, min_isr = kafka_cluster.replication(3)
    infra = InfraSettings(kafka_bootstrap=started.bootstrap, kafka_replication_factor=factor,
                          kafka_min_insync_replicas=min_isr)
    topic = f"chaos-{uuid.uuid4().hex[:8]}"
    ensure_topics(infra, [topic])
    check_the_topic_is_replicated(infra, topic)

    delivered, failed = [], []
    producer = KafkaProducer(infra)
    leader = partition_leaders(infra, topic)[0]
    writer = threading.Thread(target=write_steadily, args=(producer, topic, delivered, failed), daemon=True)
    writer.start()
    while len(delivered) < MESSAGES // 3:
        time.sleep(0.05)
    os.kill(group.pid(f"broker-{leader}"), signal.SIGKILL)
    writer.join(240)
    assert not writer.is_alive()
    assert producer.flush(120) == 0
    producer.close()

    assert failed == [] and len(delivered) == MESSAGES
    assert partition_leaders(infra, topic)[0] != leader  # served by another broker meanwhile
    read = read_all(infra, topic)
    assert sorted(read) == sorted(f"m{i}" for i in range(MESSAGES))  # each exactly once

    assert group.restart_if_allowed(f"broker-{leader}")  # what `stack up` does when it sees it dead
    deadline = time.monotonic() + 150
    while len(in_sync_replicas(infra, topic)[0]) < 3 and time.monotonic() < deadline:
        time.sleep(1)
    assert sorted(in_sync_replicas(infra, topic)[0]) == [1, 2, 3]


def check_the_topic_is_replicated(infra: InfraSettings, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": infra.kafka_bootstrap})
    partitions = admin.list_topics(topic, timeout=10).topics[topic].partitions.values()
    assert all(len(p.replicas) == 3 for p in partitions)
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    for _ in range(50):  # the broker asked may not have the new topic's metadata yet
        try:
            config = admin.describe_configs([resource])[resource].result(10)
            break
        except KafkaException:
            time.sleep(0.2)
    assert config["min.insync.replicas"].value == "2"


def write_steadily(producer: KafkaProducer, topic: str, delivered: list, failed: list) -> None:
    """All to partition 0, the one whose leader is killed, about 100 a second."""
    def on_delivery(err, msg):
        (failed if err else delivered).append(msg.value().decode() if not err else str(err))

    for i in range(MESSAGES):
        producer.produce_batch(topic, [(None, f"m{i}".encode())], on_delivery=on_delivery, partition=0)
        time.sleep(0.01)


def read_all(infra: InfraSettings, topic: str) -> list[str]:
    consumer = Consumer({"bootstrap.servers": infra.kafka_bootstrap, "group.id": f"read-{uuid.uuid4().hex}",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values, deadline = [], time.monotonic() + 60
    try:
        while len(values) < MESSAGES + 10 and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                values.append(message.value().decode())
            elif message is None and len(values) >= MESSAGES:
                break
    finally:
        consumer.close()
    return values
