"""Turn a descriptor's artifact into a local file the runtime can load: inline bytes
or a file path, size-bounded and checked against the descriptor's sha256."""
from __future__ import annotations

import hashlib
import os
import tempfile

from common.descriptors import ModelDescriptor
from model_runners.runtimes.base import Artifact, ModelLoadError

MAX_ARTIFACT_BYTES = 256 * 1024 * 1024


def artifact_bytes(descriptor: ModelDescriptor, max_bytes: int = MAX_ARTIFACT_BYTES) -> bytes:
    if descriptor.inline_bytes:
        data = descriptor.inline_bytes
    elif descriptor.location.startswith(("/", "file://")):
        path = descriptor.location.removeprefix("file://")
        try:
            if os.path.getsize(path) > max_bytes:
                raise ModelLoadError(f"artifact at {path} is larger than {max_bytes} bytes")
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise ModelLoadError(f"artifact location unreachable: {exc}") from exc
    elif descriptor.location:
        raise ModelLoadError(f"unsupported artifact location {descriptor.location!r}")
    else:
        raise ModelLoadError("descriptor has neither inline bytes nor a location")
    if len(data) > max_bytes:
        raise ModelLoadError(f"artifact is larger than {max_bytes} bytes")
    digest = hashlib.sha256(data).hexdigest()
    if descriptor.sha256 and descriptor.sha256.lower() != digest:
        raise ModelLoadError(f"sha256 mismatch: descriptor says {descriptor.sha256}, bytes are {digest}")
    return data


def materialize(descriptor: ModelDescriptor, workdir: str | None = None) -> Artifact:
    """Write the artifact to a private temporary file and return where it is."""
    data = artifact_bytes(descriptor)
    fd, path = tempfile.mkstemp(prefix=f"{descriptor.name}-{descriptor.version}-", suffix=f".{descriptor.format}",
                                dir=workdir)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return Artifact(path, descriptor)
