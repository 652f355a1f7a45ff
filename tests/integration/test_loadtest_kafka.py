"""The Kafka transport of the load tool against the real broker, with a fake
"platform": a thread that reads the request topic and answers each request on
its return address, and misbehaves on purpose (a duplicate answer, an answer for
an id nobody sent, a timeout answer, a request left unanswered)."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer

from common import codec, topics
from common.domain import Answer, ModelRef, Output, Reason
from common.kafka import KafkaProducer, assign_all, consumer_config, ensure_topics, fetch_batch
from loadtest.config import RunConfig
from loadtest.kafka_transport import KafkaTransport
from loadtest.ledger import LedgerWriter, read_ledger
from loadtest.ledger_check import check_entries
from loadtest.live import LiveStats
from loadtest.runner import LoadRunner

pytestmark = pytest.mark.timeout(90)

ROOT = Path(__file__).resolve().parents[2]
MODEL = ModelRef("fake-model", "1")


class FakePlatform:
    """Answers every request on its reply_to topic. ``misbehave(index, request)``
    returns what to do with the index-th request: "answer", "duplicate", "timeout",
    "silent" or "stranger" (answer it, and also answer an id nobody sent)."""

    def __init__(self, infra, data_type: str, misbehave=lambda index, request: "answer"):
        self.infra, self.data_type, self.misbehave = infra, data_type, misbehave
        self.seen: list[str] = []
        self.answers_sent = 0
        self._stop = threading.Event()
        ensure_topics(infra, [topics.requests_topic(data_type)])
        self._consumer = Consumer(consumer_config(infra, None))
        assign_all(self._consumer, [topics.requests_topic(data_type)], OFFSET_BEGINNING)
        self._producer = KafkaProducer(infra)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)
        self._producer.close()
        self._consumer.close()

    def _answer(self, request, correlation_id: str, reason: Reason = Reason.FIRST) -> None:
        timed_out = reason is Reason.TIMEOUT
        answer = Answer(request_id=correlation_id, correlation_id=correlation_id, data_type=request.data_type,
                        policy="first", reason=reason, output=Output("" if timed_out else "0", (1.0, 0.0, 0.0)),
                        model=None if timed_out else MODEL, record_id=request.record_id)
        self._producer.produce(request.reply_to.topic, codec.encode_answer(answer), key=correlation_id)
        self.answers_sent += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            for msg in fetch_batch(self._consumer, 256, 0.05):
                if msg.error():
                    continue
                request = codec.decode_request(msg.value())
                action = self.misbehave(len(self.seen), request)
                self.seen.append(request.request_id)
                if action == "silent":
                    continue
                reason = Reason.TIMEOUT if action == "timeout" else Reason.FIRST
                self._answer(request, request.reply_to.correlation_id, reason)
                if action == "duplicate":
                    self._answer(request, request.reply_to.correlation_id, reason)
                if action == "stranger":
                    self._answer(request, "never-sent-by-anyone")


def test_cli_over_kafka_dedupes_a_duplicate_answer(infra, unique, tmp_path):
    data_type = f"lt-{unique}"
    out = tmp_path / "run"
    with FakePlatform(infra, data_type, lambda i, r: "duplicate" if i == 5 else "answer") as platform:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PARTITIONS": "2"}
        done = subprocess.run(
            [sys.executable, "-m", "loadtest", "--transport", "kafka", "--bootstrap", infra.kafka_bootstrap,
             "--data-type", data_type, "--rate", "50", "--duration", "1", "--timeout", "5",
             "--known-versions", "fake-model:1", "--quiet", "--out", str(out)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        time.sleep(0.2)
    assert done.returncode == 0, done.stderr
    result = orjson.loads((out / "result.json").read_bytes())
    check = result["ledger_check"]
    assert check["passed"], check
    assert check["sent"] == check["answers"] == 50 == len(platform.seen)
    assert platform.answers_sent == 51  # the platform did answer one request twice...
    assert check["duplicate"] == 0 and check["lost"] == 0 and check["unexpected"] == 0  # ...the client deduped
    assert check["wrong_version"] == 0 and check["by_status"] == {"ok": 50}
    assert result["reasons"] == {"first": 50} and result["config"]["base_url"] == f"kafka://{infra.kafka_bootstrap}"
    assert "duplicate_dropped" in done.stderr  # the transport says what it dropped
    assert not Path(str(out / "ledger.jsonl") + ".unexpected.jsonl").exists()


def test_unexpected_timeout_and_silence_reach_the_ledger(infra, unique, tmp_path, monkeypatch):
    monkeypatch.setenv("PARTITIONS", "2")
    data_type = f"lt-{unique}"
    actions = {0: "stranger", 1: "timeout", 2: "silent", 3: "duplicate"}
    ledger_path = tmp_path / "ledger.jsonl"
    config = RunConfig(mode="closed", concurrency=2, max_requests=20, duration_s=10, timeout_s=1.0,
                       base_url=f"kafka://{infra.kafka_bootstrap}", data_type=data_type, transport="kafka",
                       deadline_ms=100, out_dir=tmp_path, ledger_path=ledger_path, progress=False)

    async def drive(transport: KafkaTransport, ledger: LedgerWriter) -> None:
        await transport.open()
        try:
            await LoadRunner(config, transport, ledger, LiveStats()).run()
        finally:
            await transport.close()

    with FakePlatform(infra, data_type, lambda i, r: actions.get(i, "answer")) as platform:
        transport = KafkaTransport(config)
        ledger = LedgerWriter(ledger_path, time.time() - time.perf_counter())
        transport.bind_ledger(ledger.write_line)
        try:
            asyncio.run(drive(transport, ledger))
        finally:
            ledger.close()
    entries = read_ledger(ledger_path)
    check = check_entries(entries, 1000.0, frozenset({("fake-model", "1")}))
    assert len(platform.seen) == check["sent"] == 20
    assert check["unexpected"] == 1 and check["examples"]["unexpected"] == ["never-sent-by-anyone"]
    assert check["lost"] == 1 and check["examples"]["lost"] == [platform.seen[2]]  # the silent one
    assert check["duplicate"] == 0 and check["wrong_version"] == 0
    # 17 plain answers, the deduped one, and the stranger's one-sided line; one timeout answer; one silence.
    assert check["by_status"] == {"ok": 19, "timeout": 1, "error": 1} and check["answers"] == 21
    assert sorted(check["failures"]) == ["lost", "unexpected"]
    assert transport.counters["duplicate_dropped"] == 1 and transport.counters["unexpected"] == 1
    timeout_line = next(e for e in entries if e.get("client_id") == platform.seen[1])
    assert timeout_line["reason"] == "timeout" and timeout_line["model_name"] is None
    sent_lines = [e for e in entries if e.get("sent_at")]
    assert all(e["request_id"] == e["client_id"] for e in sent_lines if e["status"] != "error")


def test_unknown_data_type_is_a_404_rejection(infra, unique, tmp_path):
    config = RunConfig(base_url=f"kafka://{infra.kafka_bootstrap}", data_type=f"nothing-{unique}",
                       ledger_path=tmp_path / "ledger.jsonl", timeout_s=2.0)

    async def one():
        from loadtest.transport import Record
        transport = KafkaTransport(config)
        await transport.open()
        try:
            return await transport.send(Record("c1", config.data_type, [1.0, 2.0, 3.0, 4.0]))
        finally:
            await transport.close()

    outcome = asyncio.run(one())
    assert outcome.status == 404 and "no topic requests.nothing-" in outcome.error
