"""A runner replica is a Ray actor that consumes Kafka itself: published as a real
ONNX model, it scores a request produced to its topic with no Ray call per request."""
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from common import codec, topics
from common.clock import now_us
from common.domain import Features, Request, ReturnAddress
from common.kafka import KafkaProducer, ensure_topics
from helpers import read_topic, wait_until
from common.metrics import process_registry
from model_runners import ray_host
from model_runners.metrics import ReplicaFamilies
from model_runners.replica_scrapes import ReplicaScrapes
from stack import demo

pytestmark = pytest.mark.timeout(180)


def test_replica_scores_requests_from_its_topic(infra, unique, ray_local):
    data_type = f"iris{unique}"
    forest, _ = demo.iris_models(version=unique)
    forest = demo.descriptor(forest.name, forest.version, forest.inline_bytes, forest.quality, forest.role,
                             data_type=data_type)
    ensure_topics(infra, [*topics.CORE_TOPICS, topics.requests_topic(data_type)])
    handle = ray_host.start_replica(forest, codec.encode_descriptor(forest), infra.model_dump(), 0)
    assert wait_until(lambda: ray_host.poll_ready(handle)[0], timeout=90)
    assert ray_host.poll_ready(handle) == (True, "")
    producer = KafkaProducer(infra)
    try:
        # The group join takes seconds: keep sending until a score comes back.
        sent = []

        def scored():
            rid = f"{unique}-{len(sent)}"
            sent.append(rid)
            request = Request(rid, data_type, Features(named=dict(zip(demo.FEATURES, (6.7, 3.0, 5.2, 2.3)))),
                              ReturnAddress("unused", rid), now_us())
            producer.produce(topics.requests_topic(data_type), codec.encode_request(request), key=rid)
            producer.flush()
            return read_topic(infra, topics.SCORES, codec.decode_score, 1, timeout=1,
                              match=lambda s: s.data_type == data_type)

        assert wait_until(scored, timeout=60, interval=0.5)
        score = read_topic(infra, topics.SCORES, codec.decode_score, 1, match=lambda s: s.data_type == data_type)[0]
        assert score.ok and score.model == forest.ref and score.output.label == "2"
        check_the_supervisor_collects_its_metrics(handle, forest, len(sent))
    finally:
        producer.close()
        ray_host.stop_replica(handle)


def check_the_supervisor_collects_its_metrics(handle, descriptor, sent: int) -> None:
    """Through Ray, the way the supervisor's /metrics gets them: the replica's scores,
    labelled with its version and number."""
    scrapes = ReplicaScrapes(interval_s=0)
    labels = {"data_type": descriptor.data_type, "model": descriptor.name, "version": descriptor.version,
              "replica": "0"}
    replicas = {(descriptor.key, 0): (labels, handle)}

    def collected():
        scrapes.refresh(replicas)
        return scrapes.latest()

    assert wait_until(collected, timeout=30)
    text = generate_latest(process_registry(ReplicaFamilies([], scrapes.latest))).decode()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    ok = [s for s in families["rvs_runner_scores"].samples if s.labels.get("outcome") == "ok"]
    assert [s.labels for s in ok] == [{**labels, "outcome": "ok"}]
    assert 1 <= ok[0].value <= sent
    sizes = {s.name: s.value for s in families["rvs_runner_batch_size"].samples}
    assert sizes["rvs_runner_batch_size_count"] >= 1
    assert families["rvs_runner_replica_process_resident_memory_bytes"].samples[0].value > 0


def test_a_bad_model_fails_with_a_reason(infra, unique, ray_local):
    forest, _ = demo.iris_models(version=unique)
    broken = demo.descriptor(forest.name, f"bad{unique}", forest.inline_bytes[:100], 0.5, forest.role,
                             data_type=f"iris{unique}")
    ensure_topics(infra, [topics.requests_topic(broken.data_type)])
    handle = ray_host.start_replica(broken, codec.encode_descriptor(broken), infra.model_dump(), 0)
    assert wait_until(lambda: ray_host.poll_ready(handle)[0], timeout=90)
    done, error = ray_host.poll_ready(handle)
    assert done and error, "a truncated model must fail with a reason"
    ray_host.stop_replica(handle)
