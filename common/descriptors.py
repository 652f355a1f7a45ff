"""Models as data: the descriptor a publisher sends, the status a runner reports,
and the policy a data type is served with."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from common.domain import ModelRef, Role

# The runtime registry: each model format and the runtime class that loads it, by import
# path (common.plugins). It lives here, as plain strings, so that the publishing side
# (admin API, CLI) can check a format without importing a runner or its libraries.
RUNTIMES: dict[str, str] = {
    "onnx": "model_runners.runtimes.onnx:OnnxRuntime",
    "pmml": "model_runners.runtimes.pmml:PmmlRuntime",
    "tensorflow": "model_runners.runtimes.tensorflow:TensorflowRuntime",
}
FORMATS = tuple(RUNTIMES)


class ModelState(str, enum.Enum):
    """Where a model version is in its life on the runners (what ModelStatus reports)."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"
    PENDING = "pending"    # waiting for resources the cluster doesn't have
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class SchemaField:
    name: str
    type: str = "float"


@dataclass(frozen=True, slots=True)
class Resources:
    num_cpus: float = 0.25  # fractional: many replicas share a small machine (docs/facts.md)
    num_gpus: float = 0.0
    replicas: int = 1


@dataclass(frozen=True, slots=True)
class ModelDescriptor:
    name: str
    version: str
    data_type: str
    format: str
    role: Role = Role.SERVE
    description: str = ""
    inline_bytes: bytes = b""
    location: str = ""
    sha256: str = ""
    input_schema: tuple[SchemaField, ...] = ()
    output_schema: tuple[SchemaField, ...] = ()
    quality_metric: str = ""
    quality: float = 0.0
    created_at_us: int = 0
    resources: Resources = Resources()

    @property
    def ref(self) -> ModelRef:
        return ModelRef(self.name, self.version)

    @property
    def key(self) -> str:
        return f"{self.name}:{self.version}"


@dataclass(frozen=True, slots=True)
class ModelStatus:
    model: ModelRef
    data_type: str
    status: ModelState
    reason: str = ""
    replicas_ready: int = 0
    at_us: int = 0


@dataclass(frozen=True, slots=True)
class DataTypePolicy:
    data_type: str
    policy: str
    params: dict[str, str] = field(default_factory=dict)
    updated_at_us: int = 0
