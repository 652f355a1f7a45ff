"""The model descriptor as a publisher writes it (JSON), validated at the door, and
turned into the domain descriptor that goes on the models topic."""
from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from common.clock import now_us
from common.descriptors import FORMATS, ModelDescriptor, Resources, SchemaField
from common.domain import Role
from common.errors import PlatformError
from common.topics import valid_data_type

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


class PublishError(PlatformError):
    status_code = 422


class FieldInput(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    type: str = Field("float", max_length=32)


class QualityInput(BaseModel):
    metric: str = Field("", max_length=64)
    value: float = 0.0


class ResourcesInput(BaseModel):
    num_cpus: float = Field(0.25, gt=0, le=64)
    num_gpus: float = Field(0.0, ge=0, le=8)
    replicas: int = Field(1, ge=1, le=32)


class DescriptorInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    version: str
    data_type: str
    format: str = Field(description=f"One of {', '.join(FORMATS)}; a SavedModel travels as a .tar.gz or .zip.")
    role: Role = Role.SERVE
    description: str = Field("", max_length=2000)
    location: str = Field("", max_length=2000, description="A file path or allow-listed URL, instead of a file.")
    sha256: str = Field("", pattern=r"^([0-9a-fA-F]{64})?$")
    input_schema: list[FieldInput] = Field(default_factory=list, max_length=4096)
    output_schema: list[FieldInput] = Field(default_factory=list, max_length=4096)
    quality: QualityInput = QualityInput()
    resources: ResourcesInput = ResourcesInput()

    @field_validator("name", "version")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return value

    @field_validator("data_type")
    @classmethod
    def _safe_data_type(cls, value: str) -> str:
        if not valid_data_type(value):
            raise ValueError("use 1-63 lower-case letters, digits, '_' or '-' (it names a topic)")
        return value

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in FORMATS:
            raise ValueError(f"unsupported format {value!r}; supported: {', '.join(FORMATS)}")
        return value

    def to_descriptor(self, data: bytes | None) -> ModelDescriptor:
        """Check what can be checked at the door; the runner's validation does the rest."""
        if bool(data) == bool(self.location):
            raise PublishError("send the model as a file part or give a location, not both and not neither")
        if data:
            if data.startswith(PICKLE_MAGIC):
                raise PublishError("this is a Python pickle; pickled models are never loaded")
            digest = hashlib.sha256(data).hexdigest()
            if self.sha256 and self.sha256.lower() != digest:
                raise PublishError(f"sha256 mismatch: descriptor says {self.sha256}, the file is {digest}")
        return ModelDescriptor(
            name=self.name, version=self.version, data_type=self.data_type, format=self.format, role=self.role,
            description=self.description, inline_bytes=data or b"", location=self.location,
            sha256=hashlib.sha256(data).hexdigest() if data else self.sha256.lower(),
            input_schema=tuple(SchemaField(f.name, f.type) for f in self.input_schema),
            output_schema=tuple(SchemaField(f.name, f.type) for f in self.output_schema),
            quality_metric=self.quality.metric, quality=self.quality.value, created_at_us=now_us(),
            resources=Resources(self.resources.num_cpus, self.resources.num_gpus, self.resources.replicas))
