"""Replays on the real parts: recorded decisions on a real broker, the candidate in
its own actor on a real local Ray, the job and its report on the replays topic, and the
registry's view rebuilt from that topic in a real Redis."""
from collections import Counter

import pytest
import redis

from common import codec, topics
from common.clock import now_us
from common.follow import StateFollower
from common.kafka import KafkaProducer, ensure_topics
from helpers import read_topic, wait_until
from replay.spec import ReplaySpec, JobStatus, decode_job, new_job
from registry.client import ReplayClient
from registry.replays import ReplayViews
from replay.worker import ReplayWorker
from tests import model_factory as mf
from tests.replay_factory import decision

pytestmark = pytest.mark.timeout(240)


def known_rows():
    """(features, official label, the candidate's label) of iris rows the candidate
    (sklearn's logistic regression as ONNX, labels "0", "1", "2") labels with confidence
    above 0.9, so its answers are known from sklearn without a float doubt. Every fourth
    official label is shifted to the next class, so agreement and confusion are not trivial."""
    X, y = mf.iris()
    model = mf.iris_logreg()
    confident = [i for i, p in enumerate(model.predict_proba(X)) if p.max() > 0.9][::3]
    return [(tuple(X[i]), str((y[i] + (n % 4 == 0)) % 3), str(model.predict(X[i:i + 1])[0]))
            for n, i in enumerate(confident)]


@pytest.fixture
def recorded(infra, unique):
    """A fresh decisions topic holding known decisions of data type iris<unique>, and one
    decision of another data type, which a replay must skip."""
    data_type, topic = f"iris{unique}", f"decisions-{unique}"
    ensure_topics(infra, [*topics.CORE_TOPICS, topic])
    rows = known_rows()
    producer = KafkaProducer(infra)
    start = now_us()
    for i, (features, official, _) in enumerate(rows):
        d = decision(i, official, "0", data_type=data_type, enqueued_us=start + i, features=features)
        producer.produce(topic, codec.encode_decision(d), key=d.request.request_id)
    other = decision(999, "0", "0", data_type=f"other{unique}", enqueued_us=start)
    producer.produce(topic, codec.encode_decision(other), key="r999")
    producer.flush()
    yield data_type, topic, rows, start, producer
    producer.close()


def publish_candidate(producer, data_type: str, name: str, data: bytes) -> None:
    d = mf.descriptor("onnx", data, name=name)
    d = type(d)(**{**{f: getattr(d, f) for f in d.__dataclass_fields__}, "data_type": data_type, "version": "2"})
    producer.produce(topics.MODELS, codec.encode_descriptor(d), key=d.key)


def finished(infra, replay_id: str, timeout: float = 150):
    found = read_topic(infra, topics.REPLAYS, decode_job, 1, timeout=timeout,
                       match=lambda j: j.replay_id == replay_id and j.finished)
    assert found, f"replay {replay_id} did not finish"
    return found[0]


def test_a_replay_reports_exact_agreement_and_confusion_and_fails_clearly(infra, unique, ray_local, recorded):
    data_type, topic, rows, start, producer = recorded
    name = f"cand{unique}"
    publish_candidate(producer, data_type, name, mf.onnx_iris())
    publish_candidate(producer, data_type, f"broken{unique}", mf.truncated_onnx())
    until = now_us() + 1_000_000
    jobs = {
        "good": new_job(ReplaySpec(data_type, name, "2", since_us=start, until_us=until, rate=1000, batch=7), now_us()),
        "broken": new_job(ReplaySpec(data_type, f"broken{unique}", "2", since_us=start, until_us=until), now_us()),
        "empty": new_job(ReplaySpec(data_type, name, "2", since_us=until + 10**9, until_us=until + 2 * 10**9), now_us()),
        "unknown": new_job(ReplaySpec(data_type, f"nobody{unique}", "2", since_us=start, until_us=until), now_us()),
    }
    for job in jobs.values():
        producer.produce(topics.REPLAYS, job.encode(), key=job.replay_id)
    producer.flush()
    worker = ReplayWorker(infra, producer, decisions_topic=topic)
    worker.start()
    try:
        good = finished(infra, jobs["good"].replay_id)
        broken = finished(infra, jobs["broken"].replay_id)
        empty = finished(infra, jobs["empty"].replay_id)
        unknown = finished(infra, jobs["unknown"].replay_id)
    finally:
        worker.stop()

    assert good.status is JobStatus.DONE, good.reason
    report = good.report
    agreed = sum(official == predicted for _, official, predicted in rows)
    assert (len(rows), agreed) == (35, 26)  # sklearn's answers, stated: the data set and model are fixed
    assert (report["rows"], report["compared"], report["agreed"]) == (len(rows), len(rows), agreed)
    assert report["agreement"] == round(agreed / len(rows), 4)
    expected = Counter((predicted, official) for _, official, predicted in rows)
    assert report["confusion"] == {c: {o: n for (c2, o), n in sorted(expected.items()) if c2 == c}
                                   for c in sorted({c for c, _ in expected})}
    assert report["confusion"] == {"0": {"0": 12, "1": 5}, "1": {"1": 6, "2": 2}, "2": {"0": 2, "2": 8}}
    assert report["errors"]["count"] == 0 and report["latency_ms"]["candidate"]["window"] == len(rows)
    assert good.done == len(rows) + 1  # the other data type's decision was read, and skipped

    assert broken.status is JobStatus.FAILED and broken.reason.startswith("the candidate failed to load")
    assert empty.status is JobStatus.FAILED and "no recorded decisions" in empty.reason
    assert unknown.status is JobStatus.FAILED and f"no model nobody{unique}:2" in unknown.reason

    # Replays are data: a registry started afresh rebuilds every report from the topic.
    client = redis.Redis.from_url(infra.redis_url)
    views, replays = ReplayViews(client), ReplayClient(client)
    follower = StateFollower(infra, {topics.REPLAYS: decode_job}, lambda r: views.apply(r.value), producer, "test")
    follower.start()
    try:
        assert follower.wait_caught_up(30)
        assert wait_until(lambda: (replays.get(good.replay_id) or {}).get("status") == "done", timeout=10)
    finally:
        follower.stop()
    assert replays.get(good.replay_id)["report"]["agreement"] == report["agreement"]
    listed = replays.for_model(name)["2"]
    assert {j["replay_id"]: j["status"] for j in listed} == {
        jobs["good"].replay_id: "done", jobs["empty"].replay_id: "failed"}


def test_a_replay_killed_midway_restarts_and_writes_nothing_live(infra, unique, ray_local, recorded):
    data_type, topic, rows, start, producer = recorded
    name = f"slow{unique}"
    publish_candidate(producer, data_type, name, mf.onnx_iris())
    job = new_job(ReplaySpec(data_type, name, "2", since_us=start, until_us=now_us() + 1_000_000, rate=5, batch=5),
                  now_us())
    producer.produce(topics.REPLAYS, job.encode(), key=job.replay_id)
    producer.flush()
    first = ReplayWorker(infra, producer, decisions_topic=topic)
    first.start()
    try:
        midway = read_topic(infra, topics.REPLAYS, decode_job, 1, timeout=120,
                            match=lambda j: j.replay_id == job.replay_id and j.status is JobStatus.RUNNING and j.done > 0)
        assert midway, "the replay never reported progress"
    finally:
        first.stop()  # the worker goes away mid-job, as when its supervisor is stopped
    records = read_topic(infra, topics.REPLAYS, decode_job, 1000, timeout=3, match=lambda j: j.replay_id == job.replay_id)
    assert not records[-1].finished and records[-1].attempt == 1

    second = ReplayWorker(infra, producer, decisions_topic=topic)
    second.start()
    try:
        done = finished(infra, job.replay_id)
    finally:
        second.stop()
    assert done.status is JobStatus.DONE and done.attempt == 2
    assert done.report["rows"] == len(rows)  # started over from the first row: nothing counted twice
    # Nothing live was written: no score from the candidate, and the recorded range is untouched.
    assert read_topic(infra, topics.SCORES, codec.decode_score, 1, timeout=3, match=lambda s: s.model.name == name) == []
    assert len(read_topic(infra, topic, codec.decode_decision, 1000, timeout=3)) == len(rows) + 1
