"""The rendezvous service on the real broker and Redis: one answer per request at
its return address, even when scores are duplicated, early or late; poison and
unknown versions are dead-lettered."""
import threading
import time

import pytest
import redis

from common import codec, topics
from common.clock import now_us
from common.descriptors import DataTypePolicy, ModelDescriptor, ModelStatus, ModelState
from common.domain import Features, ModelRef, Output, Reason, Request, ReturnAddress, Role, Score
from common.kafka import KafkaProducer, ensure_topics
from helpers import read_topic
from rendezvous.adapter import RendezvousService
from rendezvous.settings import RendezvousSettings

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def world(infra, unique):
    data_type = f"dt{unique}"
    champ, back = ModelRef(f"champ{unique}", "1"), ModelRef(f"back{unique}", "1")
    reply = topics.replies_topic(unique)
    ensure_topics(infra, [*topics.CORE_TOPICS, topics.requests_topic(data_type), reply])
    producer = KafkaProducer(infra)
    for ref, role in ((champ, Role.SERVE), (back, Role.BACKSTOP)):
        producer.produce(topics.MODELS, codec.encode_descriptor(
            ModelDescriptor(ref.name, ref.version, data_type, "onnx", role)), key=str(ref))
        producer.produce(topics.MODEL_STATUS, codec.encode_status(
            ModelStatus(ref, data_type, ModelState.READY)), key=str(ref))
    producer.produce(topics.POLICIES, codec.encode_policy(DataTypePolicy(
        data_type, "deadline", {"preferred": champ.name, "backstop": back.name, "deadline_ms": "300"})),
        key=data_type)
    producer.flush()
    service = RendezvousService(infra, RendezvousSettings(group_id=f"rv-{unique}"),
                                redis.Redis.from_url(infra.redis_url))
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while topics.requests_topic(data_type) not in service.consuming() and time.monotonic() < deadline:
        time.sleep(0.1)  # joined the group: requests are not read after their deadline
    yield data_type, champ, back, reply, producer
    service.stop()
    thread.join(15)
    producer.close()


def send_request(producer, data_type, reply, rid):
    request = Request(rid, data_type, Features((1.0,)), ReturnAddress(reply, rid), now_us())
    producer.produce(topics.requests_topic(data_type), codec.encode_request(request), key=rid)


def send_score(producer, data_type, ref, rid, label):
    producer.produce(topics.SCORES, codec.encode_score(Score(rid, data_type, ref, Output(label))), key=rid)


def test_one_answer_per_request_whatever_the_order_of_scores(infra, unique, world):
    data_type, champ, back, reply, producer = world
    send_score(producer, data_type, champ, "early", "e")        # before its request
    send_request(producer, data_type, reply, "early")
    send_request(producer, data_type, reply, "dup")
    send_score(producer, data_type, back, "dup", "b")
    send_score(producer, data_type, back, "dup", "b")            # duplicated
    send_score(producer, data_type, champ, "dup", "c")
    send_score(producer, data_type, champ, "dup", "c")
    send_request(producer, data_type, reply, "slow")
    send_score(producer, data_type, back, "slow", "b")           # the champion never answers
    send_score(producer, data_type, ModelRef("nobody", "9"), "dup", "x")  # unknown version
    producer.produce(topics.SCORES, b"\x01\x02 not a score", key="poison")
    producer.flush()
    answers = read_topic(infra, reply, codec.decode_answer, 4, timeout=20)
    by_id = {a.request_id: a for a in answers}
    assert len(answers) == 3 and set(by_id) == {"early", "dup", "slow"}
    assert (by_id["early"].reason, by_id["early"].output.label) == (Reason.PREFERRED, "e")
    assert by_id["dup"].model == champ
    assert (by_id["slow"].reason, by_id["slow"].model, by_id["slow"].late) == (Reason.BACKSTOP, back, (champ,))
    send_score(producer, data_type, champ, "slow", "late")  # after the answer: recorded, not answered
    producer.flush()
    assert len(read_topic(infra, reply, codec.decode_answer, 4, timeout=3)) == 3
    letters = read_topic(infra, topics.DEAD_LETTERS, codec.decode_dead_letter, 2, timeout=10,
                         match=lambda d: d.origin_topic == topics.SCORES and (b"nobody" in d.payload or d.key == b"poison"))
    assert len(letters) == 2
    decisions = read_topic(infra, topics.DECISIONS, codec.decode_decision, 3, timeout=10,
                           match=lambda d: d.request.data_type == data_type)
    assert {d.request.request_id for d in decisions} == {"early", "dup", "slow"}
