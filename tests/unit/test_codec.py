"""The one wire module: every message survives a round trip, and bad bytes raise
WireError (which the consume loop dead-letters) instead of crashing a consumer."""
import pytest

from common import codec
from common.descriptors import DataTypePolicy, ModelDescriptor, ModelStatus, Resources, SchemaField, ModelState
from common.domain import (Answer, Decision, Features, ModelError, ModelLatency, ModelRef, Output, Reason,
                           Request, ReturnAddress, Role, Score)
from common.errors import WireError

pytestmark = pytest.mark.timeout(10)

REQUEST = Request("r1", "iris", Features((1.0, 2.0)), ReturnAddress("replies.a", "c1"), 123, 40, "rec")
SCORE = Score("r1", "iris", ModelRef("m", "1"), Output("2", (0.1, 0.9)), 0.9, 1, 2, 3)
ANSWER = Answer("r1", "c1", "iris", "deadline", Reason.PREFERRED, Output("2", (0.1, 0.9)), ModelRef("m", "1"),
                "rec", (ModelLatency(ModelRef("m", "1"), 900),), (ModelRef("b", "1"),), 5, 6)

ERRORED = Answer("r1", "c1", "iris", "deadline", Reason.ERROR, answered=(ModelLatency(ModelRef("w", "1"), 700),),
                 errored=(ModelError(ModelRef("m", "1"), "boom", 800), ModelError(ModelRef("b", "1"), "bad", 900)))


@pytest.mark.parametrize("value, encode, decode", [
    (REQUEST, codec.encode_request, codec.decode_request),
    (Request("r2", "iris", Features(named={"a": 1.0}), ReturnAddress("t", "c"), 5), codec.encode_request,
     codec.decode_request),
    (SCORE, codec.encode_score, codec.decode_score),
    (Score("r1", "iris", ModelRef("m", "1"), error="boom"), codec.encode_score, codec.decode_score),
    (ANSWER, codec.encode_answer, codec.decode_answer),
    (Answer("r1", "c1", "iris", "first", Reason.TIMEOUT), codec.encode_answer, codec.decode_answer),
    (ERRORED, codec.encode_answer, codec.decode_answer),
    (Decision(REQUEST, ERRORED, (Score("r1", "iris", ModelRef("m", "1"), error="boom"),)), codec.encode_decision,
     codec.decode_decision),
    (Decision(REQUEST, ANSWER, (SCORE,)), codec.encode_decision, codec.decode_decision),
    (ModelDescriptor("m", "1", "iris", "onnx", Role.WARM, "d", b"\x00\x01", "", "ab",
                     (SchemaField("x"),), (SchemaField("y", "string"),), "accuracy", 0.9, 7,
                     Resources(0.5, 1.0, 2)), codec.encode_descriptor, codec.decode_descriptor),
    (ModelStatus(ModelRef("m", "1"), "iris", ModelState.FAILED, "bad bytes", 0, 9), codec.encode_status,
     codec.decode_status),
    (DataTypePolicy("iris", "deadline", {"preferred": "m"}, 3), codec.encode_policy, codec.decode_policy),
], ids=lambda v: type(v).__name__ if not callable(v) else "")
def test_round_trip(value, encode, decode):
    assert decode(encode(value)) == value


@pytest.mark.parametrize("decode", [codec.decode_request, codec.decode_score, codec.decode_answer,
                                    codec.decode_descriptor, codec.decode_policy, codec.decode_status,
                                    codec.decode_decision])
@pytest.mark.parametrize("payload", [b"", b"\xff\xff\xff", codec.encode_request(REQUEST)[:7], b"{json}"],
                         ids=["empty", "garbage", "truncated", "json"])
def test_bad_bytes_raise_wire_error(decode, payload):
    with pytest.raises(WireError):
        decode(payload)


def test_the_wrong_message_type_is_refused():
    # Whether the bytes fail to parse or parse with required fields missing, it's a WireError.
    with pytest.raises(WireError):
        codec.decode_request(codec.encode_score(SCORE))


def test_request_without_input_is_refused():
    bare = Request("r1", "iris", Features(), ReturnAddress("t", "c"), 5)
    with pytest.raises(WireError, match="no input"):
        codec.decode_request(codec.encode_request(bare))


WIRE_KINDS = {
    "request": (codec.encode_request(REQUEST), codec.decode_request),
    "score": (codec.encode_score(SCORE), codec.decode_score),
    "answer": (codec.encode_answer(ANSWER), codec.decode_answer),
    "decision": (codec.encode_decision(Decision(REQUEST, ANSWER, (SCORE,))), codec.decode_decision),
    "descriptor": (codec.encode_descriptor(ModelDescriptor("m", "1", "iris", "onnx", Role.WARM, "d", b"\x00")),
                   codec.decode_descriptor),
    "status": (codec.encode_status(ModelStatus(ModelRef("m", "1"), "iris", ModelState.READY, "", 1, 9)),
               codec.decode_status),
    "policy": (codec.encode_policy(DataTypePolicy("iris", "deadline", {"preferred": "m"}, 3)), codec.decode_policy),
}


@pytest.mark.parametrize("reader, writer", [(r, w) for r in sorted(WIRE_KINDS) for w in sorted(WIRE_KINDS) if r != w])
def test_every_other_message_type_is_refused(reader, writer):
    # Poison of the wrong type on any topic: protobuf parses many of them (field numbers
    # overlap), so each decoder checks what its own messages always carry.
    with pytest.raises(WireError):
        WIRE_KINDS[reader][1](WIRE_KINDS[writer][0])


def test_a_score_with_neither_output_nor_error_is_refused():
    with pytest.raises(WireError, match="neither"):
        codec.decode_score(codec.encode_score(Score("r1", "iris", ModelRef("m", "1"))))


def test_a_policy_of_unknown_name_is_refused():
    with pytest.raises(WireError, match="unknown policy"):
        codec.decode_policy(codec.encode_policy(DataTypePolicy("iris", "nosuch", {}, 3)))
