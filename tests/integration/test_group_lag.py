"""Consumer lag per group, measured from the real broker's committed offsets and high
watermarks: what the registry's /metrics reports as rvs_consumer_lag."""
import time

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from common.group_lag import lag_of_group, measure_lag
from common.kafka import KafkaProducer, base_config, consumer_config, ensure_topics

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def test_lag_is_what_a_group_has_left_to_read_and_empty_groups_are_left_out(infra, unique):
    topic, group = f"lag-{unique}", f"lag-group-{unique}"
    ensure_topics(infra, [topic])
    producer = KafkaProducer(infra)
    producer.produce_batch(topic, [(None, b"x")] * 10, partition=0)
    producer.flush()
    consumer = Consumer(consumer_config(infra, group, **{"auto.offset.reset": "earliest",
                                                         "enable.auto.commit": False}))
    consumer.subscribe([topic])
    admin = AdminClient(base_config(infra))
    try:
        read = []
        deadline = time.monotonic() + 60
        while len(read) < 4 and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                read.append(msg)
        assert len(read) >= 4
        consumer.commit(offsets=[TopicPartition(topic, 0, 4)], asynchronous=False)
        lag = {}
        while time.monotonic() < deadline and lag.get((group, topic)) != 6:
            lag = measure_lag(admin)
            time.sleep(0.2)
        assert lag[(group, topic)] == 6  # 10 produced, 4 committed
    finally:
        consumer.close()
        producer.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (group, topic) in measure_lag(admin):
        time.sleep(0.2)
    assert (group, topic) not in measure_lag(admin)  # the group is empty now: nobody lags


def test_one_groups_lag_counts_partitions_it_never_committed_from_their_start(infra, unique):
    """What the stats watchdog reads: a worker killed before its first commit has no
    committed offset at all, and everything on its sources is still to read."""
    topic, group = f"lag1-{unique}", f"lag1-group-{unique}"
    ensure_topics(infra, [topic])
    producer = KafkaProducer(infra)
    producer.produce_batch(topic, [(None, b"x")] * 7, partition=0)
    producer.produce_batch(topic, [(None, b"y")] * 3, partition=1 % infra.partitions)
    assert producer.flush() == 0
    producer.close()
    admin = AdminClient(base_config(infra))
    lag, committed = lag_of_group(admin, group, [topic, f"no-such-topic-{unique}"])
    assert lag == 10 and all(offset < 0 for offset in committed)  # none committed
    consumer = Consumer(consumer_config(infra, group))
    try:  # a commit needs no membership: the group's offsets, written as a worker would
        consumer.commit(offsets=[TopicPartition(topic, 0, 5)], asynchronous=False)
    finally:
        consumer.close()
    lag, committed = lag_of_group(admin, group, [topic])
    assert lag == 5 and committed[0] == 5
