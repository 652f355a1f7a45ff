"""How an answer looks over HTTP: its status follows the reason, and the models that
answered with an error are listed apart from those that produced an output."""
import pytest

from common.domain import (Answer, Decision, Features, ModelError, ModelLatency, ModelRef, Output, Reason,
                           Request, ReturnAddress, Score)
from gateway.answers import answer_body
from registry.audit_format import decision_record

pytestmark = pytest.mark.timeout(10)
REQUEST = Request("r1", "iris", Features((1.0,)), ReturnAddress("replies.x", "r1"), 0)
CHAMP, BACK = ModelRef("champ", "1"), ModelRef("back", "1")


def answer(reason: Reason, model=None, answered=(), errored=()) -> Answer:
    return Answer("r1", "r1", "iris", "deadline", reason, Output("a") if model else Output(), model,
                  answered=answered, errored=errored)


@pytest.mark.parametrize("reason, model, status, error", [
    pytest.param(Reason.PREFERRED, CHAMP, 200, None, id="official-answer"),
    pytest.param(Reason.TIMEOUT, None, 504, "no model answered by the deadline", id="timeout"),
    pytest.param(Reason.ERROR, None, 502, "every model answered with an error", id="every-model-errored"),
])
def test_status_follows_the_reason(reason, model, status, error):
    code, body = answer_body(REQUEST, answer(reason, model), 1.0)
    assert (code, body["reason"], body.get("error")) == (status, reason.value, error)


def test_errored_models_are_listed_apart_with_their_error():
    _, body = answer_body(REQUEST, answer(Reason.BACKSTOP, BACK, (ModelLatency(BACK, 2_000),),
                                          (ModelError(CHAMP, "boom", 1_000),)), 3.0)
    assert body["answered"] == [{"model": {"name": "back", "version": "1"}, "latency_ms": 2.0}]
    assert body["errored"] == [{"model": {"name": "champ", "version": "1"}, "error": "boom", "latency_ms": 1.0}]


def test_the_audit_record_lists_errored_models_and_keeps_their_latency():
    decided = answer(Reason.ERROR, errored=(ModelError(CHAMP, "boom", 1_000),))
    record = decision_record(Decision(REQUEST, decided, (Score("r1", "iris", CHAMP, error="boom"),)))
    assert record["decision"]["errored"] == [{"model": {"name": "champ", "version": "1"}, "error": "boom"}]
    assert (record["scores"][0]["error"], record["scores"][0]["latency_ms"]) == ("boom", 1.0)
