from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Reason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REASON_UNSPECIFIED: _ClassVar[Reason]
    REASON_PREFERRED: _ClassVar[Reason]
    REASON_BACKSTOP: _ClassVar[Reason]
    REASON_CONSENSUS: _ClassVar[Reason]
    REASON_QUALITY: _ClassVar[Reason]
    REASON_FIRST: _ClassVar[Reason]
    REASON_TIMEOUT: _ClassVar[Reason]
    REASON_ERROR: _ClassVar[Reason]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_SERVE: _ClassVar[Role]
    ROLE_WARM: _ClassVar[Role]
    ROLE_BACKSTOP: _ClassVar[Role]
    ROLE_RETIRED: _ClassVar[Role]
    ROLE_CANDIDATE: _ClassVar[Role]
REASON_UNSPECIFIED: Reason
REASON_PREFERRED: Reason
REASON_BACKSTOP: Reason
REASON_CONSENSUS: Reason
REASON_QUALITY: Reason
REASON_FIRST: Reason
REASON_TIMEOUT: Reason
REASON_ERROR: Reason
ROLE_UNSPECIFIED: Role
ROLE_SERVE: Role
ROLE_WARM: Role
ROLE_BACKSTOP: Role
ROLE_RETIRED: Role
ROLE_CANDIDATE: Role

class ReturnAddress(_message.Message):
    __slots__ = ("topic", "correlation_id")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    topic: str
    correlation_id: str
    def __init__(self, topic: _Optional[str] = ..., correlation_id: _Optional[str] = ...) -> None: ...

class Features(_message.Message):
    __slots__ = ("values", "named")
    class NamedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    VALUES_FIELD_NUMBER: _ClassVar[int]
    NAMED_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    named: _containers.ScalarMap[str, float]
    def __init__(self, values: _Optional[_Iterable[float]] = ..., named: _Optional[_Mapping[str, float]] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ("request_id", "data_type", "record_id", "input", "reply_to", "deadline_ms", "enqueued_at_us")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_MS_FIELD_NUMBER: _ClassVar[int]
    ENQUEUED_AT_US_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    data_type: str
    record_id: str
    input: Features
    reply_to: ReturnAddress
    deadline_ms: int
    enqueued_at_us: int
    def __init__(self, request_id: _Optional[str] = ..., data_type: _Optional[str] = ..., record_id: _Optional[str] = ..., input: _Optional[_Union[Features, _Mapping]] = ..., reply_to: _Optional[_Union[ReturnAddress, _Mapping]] = ..., deadline_ms: _Optional[int] = ..., enqueued_at_us: _Optional[int] = ...) -> None: ...

class ModelRef(_message.Message):
    __slots__ = ("name", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class Output(_message.Message):
    __slots__ = ("label", "values")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    label: str
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, label: _Optional[str] = ..., values: _Optional[_Iterable[float]] = ...) -> None: ...

class Score(_message.Message):
    __slots__ = ("request_id", "data_type", "model", "output", "confidence", "queued_us", "started_us", "finished_us", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    QUEUED_US_FIELD_NUMBER: _ClassVar[int]
    STARTED_US_FIELD_NUMBER: _ClassVar[int]
    FINISHED_US_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    data_type: str
    model: ModelRef
    output: Output
    confidence: float
    queued_us: int
    started_us: int
    finished_us: int
    error: str
    def __init__(self, request_id: _Optional[str] = ..., data_type: _Optional[str] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ..., output: _Optional[_Union[Output, _Mapping]] = ..., confidence: _Optional[float] = ..., queued_us: _Optional[int] = ..., started_us: _Optional[int] = ..., finished_us: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class ModelLatency(_message.Message):
    __slots__ = ("model", "latency_us")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LATENCY_US_FIELD_NUMBER: _ClassVar[int]
    model: ModelRef
    latency_us: int
    def __init__(self, model: _Optional[_Union[ModelRef, _Mapping]] = ..., latency_us: _Optional[int] = ...) -> None: ...

class ModelError(_message.Message):
    __slots__ = ("model", "error", "latency_us")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    LATENCY_US_FIELD_NUMBER: _ClassVar[int]
    model: ModelRef
    error: str
    latency_us: int
    def __init__(self, model: _Optional[_Union[ModelRef, _Mapping]] = ..., error: _Optional[str] = ..., latency_us: _Optional[int] = ...) -> None: ...

class Answer(_message.Message):
    __slots__ = ("request_id", "correlation_id", "data_type", "record_id", "output", "model", "policy", "reason", "answered", "late", "waited_us", "decided_at_us", "errored")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ANSWERED_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    WAITED_US_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_US_FIELD_NUMBER: _ClassVar[int]
    ERRORED_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    correlation_id: str
    data_type: str
    record_id: str
    output: Output
    model: ModelRef
    policy: str
    reason: Reason
    answered: _containers.RepeatedCompositeFieldContainer[ModelLatency]
    late: _containers.RepeatedCompositeFieldContainer[ModelRef]
    waited_us: int
    decided_at_us: int
    errored: _containers.RepeatedCompositeFieldContainer[ModelError]
    def __init__(self, request_id: _Optional[str] = ..., correlation_id: _Optional[str] = ..., data_type: _Optional[str] = ..., record_id: _Optional[str] = ..., output: _Optional[_Union[Output, _Mapping]] = ..., model: _Optional[_Union[ModelRef, _Mapping]] = ..., policy: _Optional[str] = ..., reason: _Optional[_Union[Reason, str]] = ..., answered: _Optional[_Iterable[_Union[ModelLatency, _Mapping]]] = ..., late: _Optional[_Iterable[_Union[ModelRef, _Mapping]]] = ..., waited_us: _Optional[int] = ..., decided_at_us: _Optional[int] = ..., errored: _Optional[_Iterable[_Union[ModelError, _Mapping]]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ("request", "answer", "scores")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ANSWER_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    request: Request
    answer: Answer
    scores: _containers.RepeatedCompositeFieldContainer[Score]
    def __init__(self, request: _Optional[_Union[Request, _Mapping]] = ..., answer: _Optional[_Union[Answer, _Mapping]] = ..., scores: _Optional[_Iterable[_Union[Score, _Mapping]]] = ...) -> None: ...

class Field(_message.Message):
    __slots__ = ("name", "type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class Resources(_message.Message):
    __slots__ = ("num_cpus", "num_gpus", "replicas")
    NUM_CPUS_FIELD_NUMBER: _ClassVar[int]
    NUM_GPUS_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    num_cpus: float
    num_gpus: float
    replicas: int
    def __init__(self, num_cpus: _Optional[float] = ..., num_gpus: _Optional[float] = ..., replicas: _Optional[int] = ...) -> None: ...

class QualityMetric(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: float
    def __init__(self, name: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class ModelDescriptor(_message.Message):
    __slots__ = ("name", "version", "description", "data_type", "format", "inline_bytes", "location", "sha256", "input_schema", "output_schema", "quality", "created_at_us", "role", "resources")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    INLINE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    INPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_US_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    description: str
    data_type: str
    format: str
    inline_bytes: bytes
    location: str
    sha256: str
    input_schema: _containers.RepeatedCompositeFieldContainer[Field]
    output_schema: _containers.RepeatedCompositeFieldContainer[Field]
    quality: QualityMetric
    created_at_us: int
    role: Role
    resources: Resources
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., description: _Optional[str] = ..., data_type: _Optional[str] = ..., format: _Optional[str] = ..., inline_bytes: _Optional[bytes] = ..., location: _Optional[str] = ..., sha256: _Optional[str] = ..., input_schema: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., output_schema: _Optional[_Iterable[_Union[Field, _Mapping]]] = ..., quality: _Optional[_Union[QualityMetric, _Mapping]] = ..., created_at_us: _Optional[int] = ..., role: _Optional[_Union[Role, str]] = ..., resources: _Optional[_Union[Resources, _Mapping]] = ...) -> None: ...

class ModelStatus(_message.Message):
    __slots__ = ("model", "data_type", "status", "reason", "replicas_ready", "at_us")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_READY_FIELD_NUMBER: _ClassVar[int]
    AT_US_FIELD_NUMBER: _ClassVar[int]
    model: ModelRef
    data_type: str
    status: str
    reason: str
    replicas_ready: int
    at_us: int
    def __init__(self, model: _Optional[_Union[ModelRef, _Mapping]] = ..., data_type: _Optional[str] = ..., status: _Optional[str] = ..., reason: _Optional[str] = ..., replicas_ready: _Optional[int] = ..., at_us: _Optional[int] = ...) -> None: ...

class DataTypePolicy(_message.Message):
    __slots__ = ("data_type", "policy", "params", "updated_at_us")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_US_FIELD_NUMBER: _ClassVar[int]
    data_type: str
    policy: str
    params: _containers.ScalarMap[str, str]
    updated_at_us: int
    def __init__(self, data_type: _Optional[str] = ..., policy: _Optional[str] = ..., params: _Optional[_Mapping[str, str]] = ..., updated_at_us: _Optional[int] = ...) -> None: ...

class DeadLetter(_message.Message):
    __slots__ = ("origin_topic", "origin_partition", "origin_offset", "error", "consumer", "key", "payload", "at_us")
    ORIGIN_TOPIC_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_PARTITION_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_OFFSET_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    AT_US_FIELD_NUMBER: _ClassVar[int]
    origin_topic: str
    origin_partition: int
    origin_offset: int
    error: str
    consumer: str
    key: bytes
    payload: bytes
    at_us: int
    def __init__(self, origin_topic: _Optional[str] = ..., origin_partition: _Optional[int] = ..., origin_offset: _Optional[int] = ..., error: _Optional[str] = ..., consumer: _Optional[str] = ..., key: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., at_us: _Optional[int] = ...) -> None: ...
