"""What every message of the wire shares: parsing with required fields checked
(WireError, which the Kafka loop turns into a dead letter), model references,
outputs, and the enums' wire values."""
from __future__ import annotations

from google.protobuf.message import DecodeError

from common.domain import ModelRef, Output, Reason, Role
from common.errors import WireError
from common.wire import serving_pb2 as pb

REASON_TO_WIRE = {r: pb.Reason.Value(f"REASON_{r.name}") for r in Reason}
REASON_FROM_WIRE = {v: k for k, v in REASON_TO_WIRE.items()}
ROLE_TO_WIRE = {r: pb.Role.Value(f"ROLE_{r.name}") for r in Role}
ROLE_FROM_WIRE = {v: k for k, v in ROLE_TO_WIRE.items()}


def parse(message_type, data: bytes, *required: str):
    msg = message_type()
    try:
        msg.ParseFromString(data)
    except (DecodeError, ValueError, TypeError) as exc:
        raise WireError(f"not a valid {message_type.__name__}: {exc}") from exc
    missing = [name for name in required if not getattr(msg, name)]
    if missing:
        raise WireError(f"{message_type.__name__} lacks {', '.join(missing)}")
    return msg


def ref_from_wire(msg: pb.ModelRef) -> ModelRef:
    return ModelRef(msg.name, msg.version)


def ref_to_wire(ref: ModelRef) -> pb.ModelRef:
    return pb.ModelRef(name=ref.name, version=ref.version)


def output_from_wire(msg: pb.Output) -> Output:
    return Output(msg.label, tuple(msg.values))


def output_to_wire(out: Output) -> pb.Output:
    return pb.Output(label=out.label, values=out.values)
