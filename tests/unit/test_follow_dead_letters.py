"""A follower's dead letters without a broker: the mark decides, and a broker that
can't say what was marked costs a repeated dead letter, never the follower."""
import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from common.follow import DeadLettersOnce
from common.kafka import Consumed

pytestmark = pytest.mark.timeout(10)


class Producer:
    def __init__(self):
        self.sent = []

    def produce(self, topic, value, key=None):
        self.sent.append((topic, key))

    def flush(self, timeout):
        return 0


class Consumer:
    def __init__(self, marked=-1001, fail=False):
        self.marked, self.fail, self.commits = marked, fail, []

    def committed(self, partitions, timeout):
        if self.fail:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))
        return [TopicPartition(p.topic, p.partition, self.marked) for p in partitions]

    def commit(self, offsets, asynchronous):
        if self.fail:
            raise KafkaException(KafkaError(KafkaError._TRANSPORT))
        self.commits.append([(o.topic, o.partition, o.offset) for o in offsets])


POISON = Consumed("models", 0, 5, b"k", None, b"\xff")


@pytest.mark.parametrize("marked, sent", [(-1001, 1), (5, 1), (6, 0), (9, 0)])
def test_a_record_below_the_mark_was_dead_lettered_already(marked, sent):
    producer, consumer = Producer(), Consumer(marked)
    DeadLettersOnce(producer, "registry", consumer).send(POISON, "bad")
    assert len(producer.sent) == sent
    assert consumer.commits == ([[("models", 0, 6)]] if sent else [])


def test_a_broker_that_cannot_say_gets_the_dead_letter_and_the_follower_goes_on():
    producer = Producer()
    DeadLettersOnce(producer, "registry", Consumer(fail=True)).send(POISON, "bad")
    assert producer.sent == [("dead-letters", b"k")]
