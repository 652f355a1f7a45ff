"""Poison on every topic, on the real broker: each consumer dead-letters each poison
message exactly once, with its origin (topic, partition, offset, consumer), and the good
messages around it are handled. The consumers use the decoders their services use."""
import asyncio
import threading
from dataclasses import replace

import orjson
import pytest
from confluent_kafka import Consumer

from common import codec, topics
from common.descriptors import DataTypePolicy, ModelDescriptor, ModelState, ModelStatus
from common.domain import Answer, Decision, Features, ModelRef, Output, Reason, Request, ReturnAddress, Role, Score
from common.wire import serving_pb2 as pb
from common.follow import StateFollower
from common.kafka import KafkaProducer, consumer_config, ensure_topics
from common.replies import ReplyListener
from common.stream import ConsumerLoop, DeadLetters
from helpers import read_topic, wait_until
from model_runners.adapter import REPLICA_DECODERS
from registry.adapter import AUDIT_DECODERS, REGISTRY_STATE
from rendezvous.adapter import DECODERS as RENDEZVOUS_DECODERS

pytestmark = pytest.mark.timeout(120)

REQUEST = Request("r", "iris", Features((1.0, 2.0)), ReturnAddress("replies.x", "c"), 1)
SCORE = Score("r", "iris", ModelRef("m", "1"), Output("2", (0.1, 0.9)), 0.9, 1, 2, 3)
ANSWER = Answer("r", "c", "iris", "first", Reason.PREFERRED, Output("2"), ModelRef("m", "1"))
DESCRIPTOR = ModelDescriptor("m", "1", "iris", "onnx", Role.WARM, inline_bytes=b"\x00")
STATUS = ModelStatus(ModelRef("m", "1"), "iris", ModelState.READY, "", 1, 9)
POLICY = DataTypePolicy("iris", "first", {"deadline_ms": "100"}, 3)
JOB = {"replay_id": "j", "status": "requested", "created_at_us": 1, "updated_at_us": 1,
       "spec": {"model": "m", "version": "1", "data_type": "iris", "since_us": 1, "until_us": 2}}
HUGE = b"\x0a\xff\xff\xff\xff\x07" + b"x" * 200_000  # a field that claims 2 GiB, then 200 KB of it

# For each kind of topic: a good message (the i-th), the same kind with a required field
# blank, and a message of another kind (the wrong type).
KINDS = {
    "request": (lambda i: codec.encode_request(replace(REQUEST, request_id=f"r{i}")),
                codec.encode_request(replace(REQUEST, request_id="")), codec.encode_score(SCORE)),
    "score": (lambda i: codec.encode_score(replace(SCORE, request_id=f"r{i}")),
              codec.encode_score(replace(SCORE, model=ModelRef("", "1"))), codec.encode_policy(POLICY)),
    "decision": (lambda i: codec.encode_decision(Decision(replace(REQUEST, request_id=f"r{i}"), ANSWER, (SCORE,))),
                 codec.encode_answer(ANSWER), codec.encode_request(REQUEST)),
    "answer": (lambda i: codec.encode_answer(replace(ANSWER, request_id=f"r{i}")),
               codec.encode_answer(replace(ANSWER, request_id="")), codec.encode_request(REQUEST)),
    "descriptor": (lambda i: codec.encode_descriptor(replace(DESCRIPTOR, name=f"m{i}")),
                   codec.encode_descriptor(replace(DESCRIPTOR, format="")), codec.encode_score(SCORE)),
    "status": (lambda i: codec.encode_status(replace(STATUS, model=ModelRef(f"m{i}", "1"))),
               pb.ModelStatus(model=pb.ModelRef(name="m", version="1"), data_type="iris").SerializeToString(),
               codec.encode_descriptor(DESCRIPTOR)),
    "policy": (lambda i: codec.encode_policy(replace(POLICY, data_type=f"dt{i}")),
               codec.encode_policy(replace(POLICY, data_type="")), codec.encode_score(SCORE)),
    "job": (lambda i: orjson.dumps({**JOB, "replay_id": f"j{i}"}),
            orjson.dumps({k: v for k, v in JOB.items() if k != "spec"}), codec.encode_policy(POLICY)),
}


def poison_of(kind: str) -> list[bytes]:
    good, missing, wrong = KINDS[kind]
    return [good(0)[:5], wrong, HUGE, missing]  # truncated, wrong type, huge, a required field missing


def interleave(kind: str, n_good: int = 3) -> tuple[list[bytes], list[int], list[int]]:
    """Good, poison, good, poison...: the messages, the offsets of the poison and of the good."""
    good, poison = [KINDS[kind][0](i) for i in range(n_good + 2)], poison_of(kind)
    messages, bad, fine = [], [], []
    for i, value in enumerate(poison):
        fine.append(len(messages))
        messages.append(good[i])
        bad.append(len(messages))
        messages.append(value)
    fine.append(len(messages))
    messages.append(good[len(poison)])
    return messages, bad, fine


def dead_letters_from(infra, topic, want, timeout=20.0):
    return read_topic(infra, topics.DEAD_LETTERS, codec.decode_dead_letter, want, timeout=timeout,
                      match=lambda d: d.origin_topic == topic)


def check_letters(letters, topic, partition, offsets, consumer):
    assert sorted(d.origin_offset for d in letters) == offsets  # each poison once, none twice
    assert {(d.origin_topic, d.origin_partition, d.consumer) for d in letters} == {(topic, partition, consumer)}
    assert all(d.error for d in letters)


@pytest.mark.parametrize("decoders, kind, topic_key", [
    (RENDEZVOUS_DECODERS, "request", topics.REQUESTS_PREFIX),
    (RENDEZVOUS_DECODERS, "score", topics.SCORES),
    (REPLICA_DECODERS, "request", topics.REQUESTS_PREFIX),
    (AUDIT_DECODERS, "decision", topics.DECISIONS),
    (AUDIT_DECODERS, "score", topics.LATE_SCORES),
], ids=["rendezvous-requests", "rendezvous-scores", "runner-requests", "audit-decisions", "audit-late-scores"])
def test_group_consumers_dead_letter_each_poison_once(infra, unique, decoders, kind, topic_key):
    topic = f"{topics.REQUESTS_PREFIX}poison{unique}" if topic_key == topics.REQUESTS_PREFIX else f"{topic_key}{unique}"
    ensure_topics(infra, [topic, topics.DEAD_LETTERS])
    producer = KafkaProducer(infra)
    messages, bad, fine = interleave(kind)
    seen = []
    consumer = Consumer(consumer_config(infra, f"g-{unique}", **{"auto.offset.reset": "earliest"}))
    consumer.subscribe([topic])
    loop = ConsumerLoop(consumer, {topic if topic_key != topics.REQUESTS_PREFIX else topic_key: decoders[topic_key]},
                        lambda records: seen.extend((r.partition, r.offset) for r in records),
                        DeadLetters(producer, f"consumer-{unique}"))
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        for value in messages:
            producer.produce(topic, value, key="same")  # one key: one partition, offsets in order
        producer.flush()
        assert wait_until(lambda: len(seen) == len(fine)), seen
        partition = seen[0][0]
        assert seen == [(partition, offset) for offset in fine]
        letters = dead_letters_from(infra, topic, len(bad) + 1, timeout=5)
        check_letters(letters, topic, partition, bad, f"consumer-{unique}")
    finally:
        loop.stop()
        thread.join(10)
        producer.close()


STATE_KINDS = {topics.MODELS: "descriptor", topics.MODEL_STATUS: "status", topics.POLICIES: "policy",
               topics.REPLAYS: "job"}


@pytest.mark.parametrize("kind, decoder", [(kind, REGISTRY_STATE[topic]) for topic, kind in STATE_KINDS.items()],
                         ids=list(STATE_KINDS))
def test_every_poison_is_refused_by_its_decoder(kind, decoder):
    # The precondition of the tests below: what they send as poison is poison.
    for value in poison_of(kind):
        with pytest.raises(Exception) as caught:
            decoder(value)
        assert caught.type.__name__ == "WireError"


def follow(infra, producer, topic, decoder, name, started):
    applied = []
    follower = StateFollower(infra, {topic: decoder}, lambda r: applied.append(r.offset), producer, name)
    started.append(follower)  # stopped by the test, pass or fail
    follower.start()
    assert follower.wait_caught_up(30)
    return follower, applied


@pytest.mark.parametrize("state_topic", list(STATE_KINDS))
def test_state_followers_dead_letter_each_poison_once_per_service(infra, unique, state_topic):
    """Followers reread their topics from the start at every start: a restart, and a second
    instance of the service, dead-letter nothing twice; another service does its own once."""
    topic, kind = f"{state_topic}-{unique}", STATE_KINDS[state_topic]
    decoder = REGISTRY_STATE[state_topic]
    ensure_topics(infra, [topic, topics.DEAD_LETTERS])
    producer = KafkaProducer(infra)
    messages, bad, fine = interleave(kind)
    half = len(messages) // 2
    service, started = f"registry-{unique}", []
    try:
        for value in messages[:half]:  # some before the follower starts: read while catching up
            producer.produce(topic, value, key="same")
        producer.flush()
        first, applied = follow(infra, producer, topic, decoder, service, started)
        for value in messages[half:]:  # the rest while it follows live
            producer.produce(topic, value, key="same")
        producer.flush()
        assert wait_until(lambda: len(applied) == len(fine)), applied
        assert applied == fine
        letters = dead_letters_from(infra, topic, len(bad))
        partition = letters[0].origin_partition  # one key, so one partition
        check_letters(letters, topic, partition, bad, service)
        first.stop()  # again below: a no-op

        again, reapplied = follow(infra, producer, topic, decoder, service, started)  # the service restarted
        twin, _ = follow(infra, producer, topic, decoder, service, started)  # and a second instance of it
        other, _ = follow(infra, producer, topic, decoder, f"rendezvous-{unique}", started)  # another service
        assert wait_until(lambda: len(reapplied) == len(fine))
        letters = dead_letters_from(infra, topic, 2 * len(bad) + 1, timeout=5)
        check_letters([d for d in letters if d.consumer == service], topic, partition, bad, service)
        check_letters([d for d in letters if d.consumer != service], topic, partition, bad, f"rendezvous-{unique}")
    finally:
        for follower in started:
            follower.stop()
        producer.close()


def test_a_reply_topic_dead_letters_what_is_not_an_answer(infra, unique):
    topic = topics.replies_topic(f"poison{unique}")
    ensure_topics(infra, [topic, topics.DEAD_LETTERS])
    producer = KafkaProducer(infra)
    messages, bad, fine = interleave("answer")
    delivered = []
    loop = asyncio.new_event_loop()
    listener = ReplyListener(infra, topic, delivered.extend,
                             dead_letters=DeadLetters(producer, f"gateway-{unique}"))
    listener.start(loop)
    try:
        for value in messages:
            producer.produce(topic, value)  # a reply topic has one partition
        producer.flush()

        async def answers_arrive():
            while len(delivered) < len(fine):
                await asyncio.sleep(0.05)

        loop.run_until_complete(asyncio.wait_for(answers_arrive(), 30))
        assert [a.request_id for a in delivered] == [f"r{i}" for i in range(len(fine))]
        check_letters(dead_letters_from(infra, topic, len(bad) + 1, timeout=5), topic, 0, bad, f"gateway-{unique}")
        assert listener.undecodable == len(bad)
    finally:
        listener.stop()
        loop.close()
        producer.close()
