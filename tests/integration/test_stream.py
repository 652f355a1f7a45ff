"""The consume loop on the real broker: poison goes to the dead-letter topic once,
with its origin, and good traffic keeps flowing."""
import threading

import pytest
from confluent_kafka import Consumer

from common import codec, topics
from common.domain import Features, Request, ReturnAddress
from common.kafka import KafkaProducer, consumer_config, ensure_topics
from common.stream import ConsumerLoop, DeadLetters
from helpers import read_topic, wait_until

pytestmark = pytest.mark.timeout(90)


def test_poison_is_dead_lettered_and_good_messages_flow(infra, unique):
    topic = f"requests.stream{unique}"
    ensure_topics(infra, [topic, topics.DEAD_LETTERS])
    producer = KafkaProducer(infra)
    good = [Request(f"{unique}-{i}", "x", Features((1.0,)), ReturnAddress("t", "c"), 1) for i in range(3)]
    seen = []
    consumer = Consumer(consumer_config(infra, f"g-{unique}", **{"auto.offset.reset": "earliest"}))
    consumer.subscribe([topic])
    loop = ConsumerLoop(consumer, {topics.REQUESTS_PREFIX: codec.decode_request},
                        lambda records: seen.extend(r.value.request_id for r in records),
                        DeadLetters(producer, "test"))
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        producer.produce(topic, codec.encode_request(good[0]), key="a")
        producer.produce(topic, b"\x08\xff\xff garbage", key="poison")
        for request in good[1:]:
            producer.produce(topic, codec.encode_request(request), key="b")
        producer.flush()
        assert wait_until(lambda: len(seen) == 3), seen
        assert seen == [r.request_id for r in good]
        letters = read_topic(infra, topics.DEAD_LETTERS, codec.decode_dead_letter, 1,
                             match=lambda d: d.origin_topic == topic)
        assert len(letters) == 1
        assert (letters[0].origin_offset, letters[0].key, letters[0].consumer) == (1, b"poison", "test")
        assert "Request" in letters[0].error
    finally:
        loop.stop()
        thread.join(10)
        producer.close()
