"""The stats app on the real broker: decision records and late scores folded into
tumbling windows, read back through the client the gateway uses; then SIGKILL, more
records while it is down, a restart, and windows recovered from their changelogs with
nothing lost and nothing counted twice."""
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from confluent_kafka import ConsumerGroupTopicPartitions
from confluent_kafka.admin import AdminClient
from helpers import wait_until

from common import codec
from common.domain import (
    Answer,
    Decision,
    Features,
    ModelLatency,
    ModelRef,
    Output,
    Reason,
    Request,
    ReturnAddress,
    Score,
)
from common.errors import Unavailable
from common.group_lag import measure_lag
from common.kafka import KafkaProducer, base_config, ensure_topics
from stack import embedded
from stats.client import StatsWindowsClient

pytestmark = pytest.mark.timeout(240)
ROOT = Path(__file__).resolve().parents[2]


def decision(unique: str, index: int, at_us: int) -> Decision:
    rid, a, b = f"r{index}-{unique}", ModelRef(f"m{unique}", "1"), ModelRef(f"m{unique}", "2")
    request = Request(rid, f"dt{unique}", Features((1.0,)), ReturnAddress("replies.x", rid), at_us - 3_000)
    scores = (Score(rid, request.data_type, a, Output("yes")), Score(rid, request.data_type, b, Output("no")))
    answer = Answer(rid, rid, request.data_type, "deadline", Reason.PREFERRED, Output("yes"), a,
                    answered=(ModelLatency(a, 1_000), ModelLatency(b, 2_000)), decided_at_us=at_us)
    return Decision(request, answer, scores)


def publish(infra, topic: str, decisions: list[Decision]) -> None:
    producer = KafkaProducer(infra)
    producer.produce_batch(topic, [(d.request.request_id, codec.encode_decision(d)) for d in decisions])
    assert producer.flush() == 0
    producer.close()


class StatsProcess:
    def __init__(self, infra, unique: str, tmp_path: Path):
        self.port = embedded.free_port()
        self.env = {**os.environ, "KAFKA_BOOTSTRAP": infra.kafka_bootstrap, "PARTITIONS": str(infra.partitions),
                    "METRICS_PORT": "0", "STATS_APP_ID": f"stats-{unique}", "STATS_WEB_PORT": str(self.port),
                    "STATS_DECISIONS_TOPIC": f"decisions-{unique}", "STATS_LATE_SCORES_TOPIC": f"late-{unique}",
                    "STATS_DATA_DIR": str(tmp_path / "stats"), "STATS_BATCH_WAIT_S": "0.2",
                    "PYTHONPATH": str(ROOT)}
        self.log = tmp_path / "stats.log"
        self.proc = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "stats"], cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def read(port: int, call: str, *args):
    async def go():
        client = StatsWindowsClient(f"http://127.0.0.1:{port}")
        try:
            return await getattr(client, call)(*args)
        finally:
            await client.close()
    try:
        return asyncio.run(go())
    except Unavailable:
        return None


def answers(stats: StatsProcess, unique: str, width: str) -> int | None:
    if stats.proc.poll() is not None:
        raise AssertionError(f"the stats app exited:\n{stats.log.read_text()[-3000:]}")
    series = read(stats.port, "data_type", f"dt{unique}", width, 1000)
    return None if series is None else sum(w["answers"] for w in series["windows"])


def committed_everything(infra, unique: str) -> bool:
    """The stats app's group committed an offset for each partition of the decisions
    topic, up to its end."""
    admin, group, topic = AdminClient(base_config(infra)), f"stats-{unique}", f"decisions-{unique}"
    offsets = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(10)
    committed = {tp.partition for tp in offsets.topic_partitions or [] if tp.topic == topic and tp.offset >= 0}
    return len(committed) == infra.partitions and measure_lag(admin).get((group, topic), 0) == 0


def test_windows_survive_sigkill_without_loss_or_double_counting(infra, unique, tmp_path):
    ensure_topics(infra, [f"decisions-{unique}", f"late-{unique}"])
    now_us = int(time.time() * 1e6)
    first = [decision(unique, i, now_us - 30_000_000 + i * 100_000) for i in range(200)]  # spread over 20 s
    publish(infra, f"decisions-{unique}", first)
    late = Score("x", f"dt{unique}", ModelRef(f"m{unique}", "2"), Output("no"), finished_us=now_us)
    producer = KafkaProducer(infra)
    producer.produce(f"late-{unique}", codec.encode_score(late), key="x")
    producer.produce(f"decisions-{unique}", b"\x00not a decision", key="poison")
    producer.flush()
    producer.close()
    stats = StatsProcess(infra, unique, tmp_path)
    stats.start()
    try:
        assert wait_until(lambda: answers(stats, unique, "10s") == 200, timeout=120, interval=0.5), \
            stats.log.read_text()[-3000:]
        assert answers(stats, unique, "60s") == 200
        series = read(stats.port, "data_type", f"dt{unique}", "10s", 1000)["windows"]
        assert len(series) >= 2 and all(w["end"] - w["start"] == 10 for w in series)
        assert [w["start"] for w in series] == sorted(w["start"] for w in series)

        # Killed once its offsets are committed. A worker killed before its first commit
        # sometimes consumed nothing after its restart (faust 0.15.3; 2 runs in about 20,
        # not diagnosed: docs/decisions/016-faust-serving-stats.md); that case is not
        # what this test can prove yet.
        assert wait_until(lambda: committed_everything(infra, unique), timeout=60, interval=0.5)
        stats.kill()  # no flush: whatever it had not written is lost with it
        second = [decision(unique, 1000 + i, now_us + i * 1000) for i in range(150)]
        publish(infra, f"decisions-{unique}", second)
        stats.start()
        assert wait_until(lambda: answers(stats, unique, "10s") == 350, timeout=120, interval=0.5), \
            (answers(stats, unique, "10s"), read(stats.port, "data_type", f"dt{unique}", "10s", 1000))
        time.sleep(3)  # past a commit interval and a batch: anything replayed twice would show by now
        assert answers(stats, unique, "10s") == 350 and answers(stats, unique, "60s") == 350

        models = read(stats.port, "model", f"m{unique}", "60s", 1000)["versions"]
        one, two = models["1"], models["2"]
        assert sum(w["scored"] for w in one) == 350 and sum(w["wins"] for w in one) == 350
        assert sum(w["agreed"] for w in two) == 0 and sum(w["compared"] for w in two) == 350
        assert sum(w["late"] for w in two) == 1
        assert all(w["latency_ms"]["p50"] and 2.0 <= w["latency_ms"]["p50"] <= 2.1 for w in two if w["scored"])
        assert read(stats.port, "model", f"nobody{unique}", "10s", 5)["versions"] == {}
    finally:
        stats.stop()
    assert read(stats.port, "data_type", f"dt{unique}", "10s", 5) is None  # down: the client says unavailable
