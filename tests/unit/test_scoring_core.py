"""The runner core: named features mapped to the schema's order, bad rows become
error scores, and requests past their deadline are skipped."""
import pytest

from common.descriptors import ModelDescriptor, SchemaField
from common.domain import Features, Output, Request, ReturnAddress
from model_runners.runtimes.base import Prediction
from model_runners.core import ScoringCore

pytestmark = pytest.mark.timeout(10)


class EchoRuntime:
    """Stands in for a model: the label is the row it was given."""

    def score_batch(self, rows):
        return [Prediction(Output(",".join(f"{v:g}" for v in row)), 0.5) for row in rows]


def core():
    d = ModelDescriptor("m", "1", "t", "onnx", input_schema=(SchemaField("a"), SchemaField("b")))
    return ScoringCore(d, EchoRuntime())


def request(rid, values=(), named=None, deadline_ms=0, enqueued=1_000_000):
    return Request(rid, "t", Features(tuple(values), named or {}), ReturnAddress("r", rid), enqueued, deadline_ms)


def test_named_features_follow_the_schema_order_and_bad_rows_become_errors():
    scores = core().score([request("1", named={"b": 2.0, "a": 1.0}), request("2", values=(1.0,)),
                           request("3", named={"a": 1.0})], queued_us=1_000_100)
    by_id = {s.request_id: s for s in scores}
    assert by_id["1"].output.label == "1,2" and by_id["1"].ok
    assert "expected 2 features" in by_id["2"].error
    assert "missing features: b" in by_id["3"].error


def test_requests_past_their_deadline_are_skipped():
    scorer = core()
    scores = scorer.score([request("late", values=(1, 2), deadline_ms=10, enqueued=0),
                           request("fresh", values=(1, 2), deadline_ms=10, enqueued=1_000_000),
                           request("no-deadline", values=(1, 2), enqueued=0)], queued_us=1_005_000)
    assert [s.request_id for s in scores] == ["fresh", "no-deadline"]
    assert scorer.skipped_expired == 1
