"""On the real broker: a member of the rendezvous's group subscribed to other topics
than the rest (the moment after a new data type's publication, made to last) gets the
request partitions without their scores partitions from the broker's range assignor,
and the instance says so in its metric and its log instead of answering with 504s in
silence. Once the members agree again, the assignment is co-partitioned."""
import logging
import threading
import time

import pytest
import redis
from confluent_kafka import Consumer

from common import codec, topics
from common.descriptors import ModelDescriptor
from common.domain import ModelRef, Role
from common.kafka import KafkaProducer, consumer_config, ensure_topics
from rendezvous.adapter import RendezvousService
from rendezvous.settings import RendezvousSettings

pytestmark = pytest.mark.timeout(120)
METRIC = "rvs_unpaired_request_partitions"


def wait_for(condition, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_request_partitions_without_their_scores_partitions_are_reported(infra, unique, caplog):
    data_type, group = f"dt{unique}", f"rv-{unique}"
    ensure_topics(infra, [*topics.CORE_TOPICS, topics.requests_topic(data_type)])
    producer = KafkaProducer(infra)
    ref = ModelRef(f"champ{unique}", "1")
    producer.produce(topics.MODELS, codec.encode_descriptor(
        ModelDescriptor(ref.name, ref.version, data_type, "onnx", Role.SERVE)), key=str(ref))
    producer.flush()
    service = RendezvousService(infra, RendezvousSettings(group_id=group, unpaired_grace_s=2),
                                redis.Redis.from_url(infra.redis_url))
    unpaired = lambda: service.metrics_registry.get_sample_value(METRIC)  # noqa: E731
    service_thread = threading.Thread(target=service.run, daemon=True)
    # A second member that knows no data type yet: it subscribes to the scores alone.
    other = Consumer(consumer_config(infra, group))
    other.subscribe([topics.SCORES])
    stop_other = threading.Event()
    other_thread = threading.Thread(target=lambda: [other.poll(0.1) for _ in iter(stop_other.is_set, True)],
                                    daemon=True)
    caplog.set_level(logging.INFO, logger="rendezvous.adapter")
    try:
        service_thread.start()
        other_thread.start()
        # Range over the scores alone splits them; every request topic goes to the service.
        # (Other tests' data types on the shared models topic add their request topics.)
        assert wait_for(lambda: (unpaired() or 0) >= 1), f"never unpaired: holding {sorted(service._membership.assigned)}"
        assert wait_for(lambda: any("without their scores partitions" in r.getMessage() for r in caplog.records
                                    if r.levelno == logging.ERROR), timeout_s=20)
        stop_other.set()
        other_thread.join(10)
        other.close()  # the members agree again: one member, every partition
        assert wait_for(lambda: unpaired() == 0 and {topics.SCORES, topics.requests_topic(data_type)}
                        <= service.consuming()), sorted(service._membership.assigned)
    finally:
        stop_other.set()
        service.stop()
        service_thread.join(15)
        producer.close()
