"""The serving path's messages: requests, scores, answers and decision records."""
from __future__ import annotations

from common.codec.fields import (
    REASON_FROM_WIRE,
    REASON_TO_WIRE,
    output_from_wire,
    output_to_wire,
    parse,
    ref_from_wire,
    ref_to_wire,
)
from common.domain import (Answer, Decision, Features, ModelError, ModelLatency, Request, ReturnAddress, Score)
from common.errors import WireError
from common.wire import serving_pb2 as pb


# Requests ------------------------------------------------------------------------
def request_to_wire(r: Request) -> pb.Request:
    return pb.Request(
        request_id=r.request_id, data_type=r.data_type, record_id=r.record_id,
        input=pb.Features(values=r.input.values, named=r.input.named),
        reply_to=pb.ReturnAddress(topic=r.reply_to.topic, correlation_id=r.reply_to.correlation_id),
        deadline_ms=r.deadline_ms, enqueued_at_us=r.enqueued_at_us)


def request_from_wire(m: pb.Request, wire: bytes = b"") -> Request:
    return Request(
        request_id=m.request_id, data_type=m.data_type, record_id=m.record_id,
        input=Features(tuple(m.input.values), dict(m.input.named)),
        reply_to=ReturnAddress(m.reply_to.topic, m.reply_to.correlation_id),
        deadline_ms=m.deadline_ms, enqueued_at_us=m.enqueued_at_us, wire=wire)


def encode_request(r: Request) -> bytes:
    return request_to_wire(r).SerializeToString()


def decode_request(data: bytes) -> Request:
    m = parse(pb.Request, data, "request_id", "data_type", "enqueued_at_us")
    if not m.reply_to.topic:
        raise WireError("Request lacks reply_to.topic")
    if not m.input.values and not m.input.named:
        raise WireError("Request has no input features")
    return request_from_wire(m, data)


# Scores --------------------------------------------------------------------------
def score_to_wire(s: Score) -> pb.Score:
    return pb.Score(
        request_id=s.request_id, data_type=s.data_type, model=ref_to_wire(s.model),
        output=output_to_wire(s.output), confidence=s.confidence, queued_us=s.queued_us,
        started_us=s.started_us, finished_us=s.finished_us, error=s.error)


def score_from_wire(m: pb.Score, wire: bytes = b"") -> Score:
    return Score(
        request_id=m.request_id, data_type=m.data_type, model=ref_from_wire(m.model),
        output=output_from_wire(m.output), confidence=m.confidence, queued_us=m.queued_us,
        started_us=m.started_us, finished_us=m.finished_us, error=m.error, wire=wire)


def encode_score(s: Score) -> bytes:
    return score_to_wire(s).SerializeToString()


def decode_score(data: bytes) -> Score:
    m = parse(pb.Score, data, "request_id", "data_type")
    if not m.model.name or not m.model.version:
        raise WireError("Score lacks model name or version")
    if not m.error and not m.output.label and not m.output.values:
        raise WireError("Score has neither an output nor an error")  # a runner always sends one
    return score_from_wire(m, data)


# Answers and decisions -----------------------------------------------------------
def answer_to_wire(a: Answer) -> pb.Answer:
    return pb.Answer(
        request_id=a.request_id, correlation_id=a.correlation_id, data_type=a.data_type,
        record_id=a.record_id, output=output_to_wire(a.output),
        model=ref_to_wire(a.model) if a.model else None, policy=a.policy,
        reason=REASON_TO_WIRE[a.reason],
        answered=[pb.ModelLatency(model=ref_to_wire(x.model), latency_us=x.latency_us) for x in a.answered],
        late=[ref_to_wire(x) for x in a.late], waited_us=a.waited_us, decided_at_us=a.decided_at_us,
        errored=[pb.ModelError(model=ref_to_wire(x.model), error=x.error, latency_us=x.latency_us)
                 for x in a.errored])


def answer_from_wire(m: pb.Answer) -> Answer:
    if m.reason not in REASON_FROM_WIRE:
        raise WireError(f"Answer has unknown reason {m.reason}")
    return Answer(
        request_id=m.request_id, correlation_id=m.correlation_id, data_type=m.data_type,
        record_id=m.record_id, output=output_from_wire(m.output),
        model=ref_from_wire(m.model) if m.HasField("model") else None, policy=m.policy,
        reason=REASON_FROM_WIRE[m.reason],
        answered=tuple(ModelLatency(ref_from_wire(x.model), x.latency_us) for x in m.answered),
        late=tuple(ref_from_wire(x) for x in m.late), waited_us=m.waited_us, decided_at_us=m.decided_at_us,
        errored=tuple(ModelError(ref_from_wire(x.model), x.error, x.latency_us) for x in m.errored))


def encode_answer(a: Answer) -> bytes:
    return answer_to_wire(a).SerializeToString()


def decode_answer(data: bytes) -> Answer:
    return answer_from_wire(parse(pb.Answer, data, "request_id", "reason"))


def encode_decision(d: Decision, answer: bytes | None = None) -> bytes:
    """`answer`: the answer's bytes if the caller has them already. A request or score
    that came off the wire is embedded as the bytes it arrived as: a protobuf message
    field is its tag, its length and the message's own encoding, so nothing is encoded twice."""
    answer = encode_answer(d.answer) if answer is None else answer
    parts = [_field(1, d.request.wire or encode_request(d.request)), _field(2, answer)]
    parts.extend(_field(3, s.wire or encode_score(s)) for s in d.scores)
    return b"".join(parts)


def _field(number: int, message: bytes) -> bytes:
    """A length-delimited field (wire type 2) holding an encoded message."""
    return _varint(number << 3 | 2) + _varint(len(message)) + message


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_decision(data: bytes) -> Decision:
    m = parse(pb.Decision, data, "request", "answer")
    return Decision(request_from_wire(m.request), answer_from_wire(m.answer),
                    tuple(score_from_wire(s) for s in m.scores))
