"""The one place that turns wire messages (protobuf, proto/serving.proto) into
domain types and back. Decoding validates required fields and raises WireError,
which the Kafka wrapper turns into a dead letter."""
from __future__ import annotations

from google.protobuf.message import DecodeError

from common.descriptors import (DataTypePolicy, ModelDescriptor, ModelStatus, Resources,
                                SchemaField, ModelState)
from common.domain import (Answer, Decision, Features, ModelError, ModelLatency, ModelRef, Output,
                           Reason, Request, ReturnAddress, Role, Score)
from common.errors import WireError
from common.policies import REGISTRY as POLICY_NAMES
from common.wire import serving_pb2 as pb

_REASON_TO_WIRE = {r: pb.Reason.Value(f"REASON_{r.name}") for r in Reason}
_REASON_FROM_WIRE = {v: k for k, v in _REASON_TO_WIRE.items()}
_ROLE_TO_WIRE = {r: pb.Role.Value(f"ROLE_{r.name}") for r in Role}
_ROLE_FROM_WIRE = {v: k for k, v in _ROLE_TO_WIRE.items()}


def _parse(message_type, data: bytes, *required: str):
    msg = message_type()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, TypeError) as exc:
        raise WireError(f"not a valid {message_type.__name__}: {exc}") from exc
    missing = [name for name in required if not getattr(msg, name)]
    if missing:
        raise WireError(f"{message_type.__name__} lacks {', '.join(missing)}")
    return msg


def _ref(msg: pb.ModelRef) -> ModelRef:
    return ModelRef(msg.name, msg.version)


def _ref_wire(ref: ModelRef) -> pb.ModelRef:
    return pb.ModelRef(name=ref.name, version=ref.version)


def _output(msg: pb.Output) -> Output:
    return Output(msg.label, tuple(msg.values))


def _output_wire(out: Output) -> pb.Output:
    return pb.Output(label=out.label, values=out.values)


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
    m = _parse(pb.Request, data, "request_id", "data_type", "enqueued_at_us")
    if not m.reply_to.topic:
        raise WireError("Request lacks reply_to.topic")
    if not m.input.values and not m.input.named:
        raise WireError("Request has no input features")
    return request_from_wire(m, data)


# Scores --------------------------------------------------------------------------
def score_to_wire(s: Score) -> pb.Score:
    return pb.Score(
        request_id=s.request_id, data_type=s.data_type, model=_ref_wire(s.model),
        output=_output_wire(s.output), confidence=s.confidence, queued_us=s.queued_us,
        started_us=s.started_us, finished_us=s.finished_us, error=s.error)


def score_from_wire(m: pb.Score, wire: bytes = b"") -> Score:
    return Score(
        request_id=m.request_id, data_type=m.data_type, model=_ref(m.model),
        output=_output(m.output), confidence=m.confidence, queued_us=m.queued_us,
        started_us=m.started_us, finished_us=m.finished_us, error=m.error, wire=wire)


def encode_score(s: Score) -> bytes:
    return score_to_wire(s).SerializeToString()


def decode_score(data: bytes) -> Score:
    m = _parse(pb.Score, data, "request_id", "data_type")
    if not m.model.name or not m.model.version:
        raise WireError("Score lacks model name or version")
    if not m.error and not m.output.label and not m.output.values:
        raise WireError("Score has neither an output nor an error")  # a runner always sends one
    return score_from_wire(m, data)


# Answers and decisions -----------------------------------------------------------
def answer_to_wire(a: Answer) -> pb.Answer:
    return pb.Answer(
        request_id=a.request_id, correlation_id=a.correlation_id, data_type=a.data_type,
        record_id=a.record_id, output=_output_wire(a.output),
        model=_ref_wire(a.model) if a.model else None, policy=a.policy,
        reason=_REASON_TO_WIRE[a.reason],
        answered=[pb.ModelLatency(model=_ref_wire(x.model), latency_us=x.latency_us) for x in a.answered],
        late=[_ref_wire(x) for x in a.late], waited_us=a.waited_us, decided_at_us=a.decided_at_us,
        errored=[pb.ModelError(model=_ref_wire(x.model), error=x.error, latency_us=x.latency_us)
                 for x in a.errored])


def answer_from_wire(m: pb.Answer) -> Answer:
    if m.reason not in _REASON_FROM_WIRE:
        raise WireError(f"Answer has unknown reason {m.reason}")
    return Answer(
        request_id=m.request_id, correlation_id=m.correlation_id, data_type=m.data_type,
        record_id=m.record_id, output=_output(m.output),
        model=_ref(m.model) if m.HasField("model") else None, policy=m.policy,
        reason=_REASON_FROM_WIRE[m.reason],
        answered=tuple(ModelLatency(_ref(x.model), x.latency_us) for x in m.answered),
        late=tuple(_ref(x) for x in m.late), waited_us=m.waited_us, decided_at_us=m.decided_at_us,
        errored=tuple(ModelError(_ref(x.model), x.error, x.latency_us) for x in m.errored))


def encode_answer(a: Answer) -> bytes:
    return answer_to_wire(a).SerializeToString()


def decode_answer(data: bytes) -> Answer:
    return answer_from_wire(_parse(pb.Answer, data, "request_id", "reason"))


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
    m = _parse(pb.Decision, data, "request", "answer")
    return Decision(request_from_wire(m.request), answer_from_wire(m.answer),
                    tuple(score_from_wire(s) for s in m.scores))


# Models, statuses and policies ---------------------------------------------------
def encode_descriptor(d: ModelDescriptor) -> bytes:
    m = pb.ModelDescriptor(
        name=d.name, version=d.version, description=d.description, data_type=d.data_type,
        format=d.format, sha256=d.sha256, created_at_us=d.created_at_us, role=_ROLE_TO_WIRE[d.role],
        input_schema=[pb.Field(name=f.name, type=f.type) for f in d.input_schema],
        output_schema=[pb.Field(name=f.name, type=f.type) for f in d.output_schema],
        quality=pb.QualityMetric(name=d.quality_metric, value=d.quality),
        resources=pb.Resources(num_cpus=d.resources.num_cpus, num_gpus=d.resources.num_gpus,
                               replicas=d.resources.replicas))
    if d.location:
        m.location = d.location
    else:
        m.inline_bytes = d.inline_bytes
    return m.SerializeToString()


def decode_descriptor(data: bytes) -> ModelDescriptor:
    m = _parse(pb.ModelDescriptor, data, "name", "version", "data_type", "format")
    if m.role not in _ROLE_FROM_WIRE:
        raise WireError(f"ModelDescriptor has unknown role {m.role}")
    res = m.resources
    return ModelDescriptor(
        name=m.name, version=m.version, data_type=m.data_type, format=m.format,
        role=_ROLE_FROM_WIRE[m.role], description=m.description, inline_bytes=m.inline_bytes,
        location=m.location, sha256=m.sha256,
        input_schema=tuple(SchemaField(f.name, f.type) for f in m.input_schema),
        output_schema=tuple(SchemaField(f.name, f.type) for f in m.output_schema),
        quality_metric=m.quality.name, quality=m.quality.value, created_at_us=m.created_at_us,
        resources=Resources(num_cpus=res.num_cpus or Resources.num_cpus, num_gpus=res.num_gpus,
                            replicas=res.replicas or 1))


def encode_status(s: ModelStatus) -> bytes:
    return pb.ModelStatus(model=_ref_wire(s.model), data_type=s.data_type, status=s.status.value,
                          reason=s.reason, replicas_ready=s.replicas_ready,
                          at_us=s.at_us).SerializeToString()


def decode_status(data: bytes) -> ModelStatus:
    m = _parse(pb.ModelStatus, data, "model", "status")
    try:
        status = ModelState(m.status)
    except ValueError as exc:
        raise WireError(f"ModelStatus has unknown status {m.status!r}") from exc
    return ModelStatus(_ref(m.model), m.data_type, status, m.reason, m.replicas_ready, m.at_us)


def encode_policy(p: DataTypePolicy) -> bytes:
    return pb.DataTypePolicy(data_type=p.data_type, policy=p.policy, params=p.params,
                             updated_at_us=p.updated_at_us).SerializeToString()


def decode_policy(data: bytes) -> DataTypePolicy:
    m = _parse(pb.DataTypePolicy, data, "data_type", "policy")
    if m.policy not in POLICY_NAMES:  # the gateway publishes only known ones; this is another message
        raise WireError(f"DataTypePolicy names unknown policy {m.policy!r}")
    return DataTypePolicy(m.data_type, m.policy, dict(m.params), m.updated_at_us)


def encode_dead_letter(*, topic: str, partition: int, offset: int, error: str, consumer: str,
                       key: bytes | None, payload: bytes | None, at_us: int) -> bytes:
    return pb.DeadLetter(origin_topic=topic, origin_partition=partition, origin_offset=offset,
                         error=error, consumer=consumer, key=key or b"", payload=payload or b"",
                         at_us=at_us).SerializeToString()


def decode_dead_letter(data: bytes) -> pb.DeadLetter:
    # Dead letters are for operators; they keep their wire shape.
    return _parse(pb.DeadLetter, data, "origin_topic")
