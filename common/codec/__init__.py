"""The one place that turns wire messages (protobuf, proto/serving.proto) into
domain types and back: the serving path's messages (serving.py), the control
plane's (control.py), and what they share (fields.py). Decoding validates required
fields and raises WireError, which the Kafka wrapper turns into a dead letter.

Callers use `from common import codec` and `codec.encode_request(...)`."""
from common.codec.control import (
    decode_dead_letter,
    decode_descriptor,
    decode_policy,
    decode_status,
    encode_dead_letter,
    encode_descriptor,
    encode_policy,
    encode_status,
)
from common.codec.serving import (
    answer_from_wire,
    answer_to_wire,
    decode_answer,
    decode_decision,
    decode_request,
    decode_score,
    encode_answer,
    encode_decision,
    encode_request,
    encode_score,
    request_from_wire,
    request_to_wire,
    score_from_wire,
    score_to_wire,
)

__all__ = ["answer_from_wire", "answer_to_wire", "decode_answer", "decode_dead_letter", "decode_decision",
           "decode_descriptor", "decode_policy", "decode_request", "decode_score", "decode_status",
           "encode_answer", "encode_dead_letter", "encode_decision", "encode_descriptor", "encode_policy",
           "encode_request", "encode_score", "encode_status", "request_from_wire", "request_to_wire",
           "score_from_wire", "score_to_wire"]
