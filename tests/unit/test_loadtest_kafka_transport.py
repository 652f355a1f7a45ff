"""The Kafka transport's pure parts: where the broker is, the wire request, the
outcome of an answer, and which answers are delivered, dropped or unexpected."""

from __future__ import annotations

import pytest

from common import codec
from common.domain import Answer, ModelRef, Output, Reason
from loadtest.cli_args import config_from_args, run_parser
from loadtest.kafka_transport import AnswerBook, bootstrap_from, build_request, outcome_from_answer, unexpected_line
from loadtest.ledger_check import check_entries
from loadtest.transport import TRANSPORTS, Record

pytestmark = pytest.mark.timeout(30)


def answer(correlation_id="c1", reason=Reason.PREFERRED, model=ModelRef("iris-forest", "3")) -> Answer:
    return Answer(request_id=correlation_id, correlation_id=correlation_id, data_type="iris", policy="deadline",
                  reason=reason, output=Output("1", (0.1, 0.9)), model=model)


def test_bootstrap_from_a_kafka_url_else_the_environment():
    assert bootstrap_from("kafka://10.0.0.1:9093") == "10.0.0.1:9093"
    assert bootstrap_from("kafka://a:1,b:2") == "a:1,b:2"
    assert bootstrap_from("http://127.0.0.1:8000", {"KAFKA_BOOTSTRAP": "k:9"}) == "k:9"
    assert bootstrap_from("http://127.0.0.1:8000", {}) == "127.0.0.1:9092"
    with pytest.raises(ValueError):
        bootstrap_from("kafka://")


def test_the_cli_carries_bootstrap_as_a_kafka_url(tmp_path):
    parser = run_parser()
    config = config_from_args(parser.parse_args(["--transport", "kafka", "--bootstrap", "h:1", "--out", str(tmp_path)]))
    assert config.transport == "kafka" and config.base_url == "kafka://h:1"
    with pytest.raises(ValueError, match="--bootstrap is for --transport kafka"):
        config_from_args(parser.parse_args(["--bootstrap", "h:1", "--out", str(tmp_path)]))
    assert TRANSPORTS["kafka"] == "loadtest.kafka_transport:KafkaTransport"


def test_the_wire_request_carries_the_client_id_and_a_return_address():
    request = build_request(Record("id-1", "iris", [5.1, 3.5, 1.4, 0.2], 200), "replies.me", 123)
    decoded = codec.decode_request(codec.encode_request(request))  # the platform's own validation passes
    assert decoded.request_id == decoded.record_id == decoded.reply_to.correlation_id == "id-1"
    assert decoded.reply_to.topic == "replies.me" and decoded.deadline_ms == 200
    assert decoded.input.values == (5.1, 3.5, 1.4, 0.2) and decoded.enqueued_at_us == 123
    named = build_request(Record("id-2", "iris", {"sepal_length": 5}), "replies.me", 1)
    assert named.input.named == {"sepal_length": 5.0} and named.deadline_ms == 0


def test_outcomes_map_to_ok_and_timeout():
    ok = outcome_from_answer(answer(), 1.0, 1.5)
    assert (ok.status, ok.model_name, ok.model_version, ok.reason, ok.error) == \
        ("ok", "iris-forest", "3", "preferred", None)
    timed_out = outcome_from_answer(answer(reason=Reason.TIMEOUT, model=None), 1.0, 1.2)
    assert (timed_out.status, timed_out.model_name, timed_out.reason) == ("timeout", None, "timeout")
    assert timed_out.latency_ms == pytest.approx(200.0)
    failed = outcome_from_answer(answer(reason=Reason.ERROR, model=None), 1.0, 1.1)
    assert (failed.status, failed.reason, failed.error) == ("model-error", "error", "every model answered with an error")


def test_answer_book_delivers_once_and_tells_the_rest_apart():
    book = AnswerBook()
    book.expect("a", "future-a")
    book.expect("b", "future-b")
    assert book.classify("a") == "deliver"
    assert book.classify("a") == "duplicate"
    book.give_up("b")  # the client timed out on b
    assert book.classify("b") == "after_give_up"
    assert book.classify("b") == "duplicate"
    assert book.classify("zzz") == "unexpected"
    assert book.classify("zzz") == "unexpected"  # never sent: unexpected every time


def test_an_unexpected_line_is_counted_by_the_ledger_check():
    sent = {"client_id": "mine", "sent_at": 1.0, "scheduled_at": 1.0, "status": "ok", "request_id": "mine",
            "latency_ms": 2.0, "service_ms": 2.0, "answered_at": 1.002}
    line = unexpected_line(answer("stranger"), "iris", 5.0)
    assert "sent_at" not in line and "scheduled_at" not in line and line["client_id"] == "stranger"
    check = check_entries([sent, line], 1000.0)
    assert check["unexpected"] == 1 and check["duplicate"] == 0 and check["lost"] == 0
    assert check["failures"] == ["unexpected"]
