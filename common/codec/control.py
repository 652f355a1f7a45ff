"""The control plane's messages: model descriptors, model statuses, data-type
policies and dead letters."""
from __future__ import annotations

from common.codec.fields import ROLE_FROM_WIRE, ROLE_TO_WIRE, parse, ref_from_wire, ref_to_wire
from common.descriptors import DataTypePolicy, ModelDescriptor, ModelState, ModelStatus, Resources, SchemaField
from common.errors import WireError
from common.policies import REGISTRY as POLICY_NAMES
from common.wire import serving_pb2 as pb


def encode_descriptor(d: ModelDescriptor) -> bytes:
    m = pb.ModelDescriptor(
        name=d.name, version=d.version, description=d.description, data_type=d.data_type,
        format=d.format, sha256=d.sha256, created_at_us=d.created_at_us, role=ROLE_TO_WIRE[d.role],
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
    m = parse(pb.ModelDescriptor, data, "name", "version", "data_type", "format")
    if m.role not in ROLE_FROM_WIRE:
        raise WireError(f"ModelDescriptor has unknown role {m.role}")
    res = m.resources
    return ModelDescriptor(
        name=m.name, version=m.version, data_type=m.data_type, format=m.format,
        role=ROLE_FROM_WIRE[m.role], description=m.description, inline_bytes=m.inline_bytes,
        location=m.location, sha256=m.sha256,
        input_schema=tuple(SchemaField(f.name, f.type) for f in m.input_schema),
        output_schema=tuple(SchemaField(f.name, f.type) for f in m.output_schema),
        quality_metric=m.quality.name, quality=m.quality.value, created_at_us=m.created_at_us,
        resources=Resources(num_cpus=res.num_cpus or Resources.num_cpus, num_gpus=res.num_gpus,
                            replicas=res.replicas or 1))


def encode_status(s: ModelStatus) -> bytes:
    return pb.ModelStatus(model=ref_to_wire(s.model), data_type=s.data_type, status=s.status.value,
                          reason=s.reason, replicas_ready=s.replicas_ready,
                          at_us=s.at_us).SerializeToString()


def decode_status(data: bytes) -> ModelStatus:
    m = parse(pb.ModelStatus, data, "model", "status")
    try:
        status = ModelState(m.status)
    except ValueError as exc:
        raise WireError(f"ModelStatus has unknown status {m.status!r}") from exc
    return ModelStatus(ref_from_wire(m.model), m.data_type, status, m.reason, m.replicas_ready, m.at_us)


def encode_policy(p: DataTypePolicy) -> bytes:
    return pb.DataTypePolicy(data_type=p.data_type, policy=p.policy, params=p.params,
                             updated_at_us=p.updated_at_us).SerializeToString()


def decode_policy(data: bytes) -> DataTypePolicy:
    m = parse(pb.DataTypePolicy, data, "data_type", "policy")
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
    return parse(pb.DeadLetter, data, "origin_topic")
