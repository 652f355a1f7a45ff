"""Turn a descriptor's artifact into something local the runtime can load: inline bytes,
a file path under MODEL_DIR or an http(s) URL on an allow-list, size-bounded and checked
against the descriptor's sha256. A TensorFlow artifact is an archive, unpacked to a directory."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.descriptors import ModelDescriptor
from model_runners.archive import unpack_savedmodel
from model_runners.runtimes import runtime_class
from model_runners.runtimes.base import Artifact, ModelLoadError

MAX_ARTIFACT_BYTES = 256 * 1024 * 1024


class ArtifactSettings(BaseSettings):
    """Where runners may read models from. Read from the environment, frozen after."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", protected_namespaces=())

    model_url_allowlist: str = Field("", description="Hosts that http(s) artifact locations may name, "
                                     "comma-separated (MODEL_URL_ALLOWLIST); empty allows none.")
    model_url_timeout_s: float = Field(60.0, gt=0, le=3600, description="Longest a download may take, "
                                       "in seconds (MODEL_URL_TIMEOUT_S).")
    model_dir: str = Field("", description="The directory file-path artifact locations must lie under "
                           "(MODEL_DIR); empty refuses every file location.")

    def allowed_hosts(self) -> set[str]:
        return {h.strip().lower() for h in self.model_url_allowlist.split(",") if h.strip()}


def download(url: str, max_bytes: int, settings: ArtifactSettings | None = None) -> bytes:
    """GET an allow-listed URL, counting bytes as they arrive (Content-Length may lie)."""
    import httpx

    settings = settings or ArtifactSettings()
    host = (urlsplit(url).hostname or "").lower()
    if host not in settings.allowed_hosts():
        raise ModelLoadError(f"artifact host {host!r} is not in MODEL_URL_ALLOWLIST")
    deadline = time.monotonic() + settings.model_url_timeout_s
    chunks, size = [], 0
    try:
        # No redirects (they could lead off the allow-list); no proxies from the environment,
        # so the host checked above is the host connected to.
        with httpx.stream("GET", url, timeout=settings.model_url_timeout_s, follow_redirects=False,
                          trust_env=False) as response:
            if response.status_code != 200:
                raise ModelLoadError(f"artifact location {url} answered HTTP {response.status_code}")
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise ModelLoadError(f"artifact at {url} is larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise ModelLoadError(f"downloading {url} took longer than {settings.model_url_timeout_s:g} s")
                chunks.append(chunk)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:  # a network fault: trying again later may help
        raise ModelLoadError(f"artifact location unreachable: {url}: {type(exc).__name__}: {exc}",
                             retryable=True) from exc
    return b"".join(chunks)


def path_in_model_dir(location_path: str, settings: ArtifactSettings | None = None) -> str:
    """The real path of a file location, if it lies under MODEL_DIR. Anyone who can publish
    a descriptor names the path, so without this a runner would read any file it can
    (an SSH key, another service's secrets), and its load error may quote what it read."""
    settings = settings or ArtifactSettings()
    if not settings.model_dir:
        raise ModelLoadError(f"artifact location {location_path} is a file path, and file locations are "
                             "refused: set MODEL_DIR to the directory models may be read from")
    # realpath follows every symlink and '..', so what is checked is what open() will read.
    model_dir = os.path.realpath(settings.model_dir)
    path = os.path.realpath(location_path)
    if os.path.commonpath([model_dir, path]) != model_dir:
        raise ModelLoadError(f"artifact location {location_path} resolves to {path}, which is outside "
                             f"MODEL_DIR ({model_dir})")
    return path


def read_file(path: str, max_bytes: int) -> bytes:
    try:
        if os.path.getsize(path) > max_bytes:
            raise ModelLoadError(f"artifact at {path} is larger than {max_bytes} bytes")
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise ModelLoadError(f"artifact location unreachable: {exc}") from exc


def artifact_bytes(descriptor: ModelDescriptor, max_bytes: int = MAX_ARTIFACT_BYTES) -> bytes:
    location = descriptor.location
    if descriptor.inline_bytes:
        data = descriptor.inline_bytes
    elif location.startswith(("/", "file://")):
        data = read_file(path_in_model_dir(location.removeprefix("file://")), max_bytes)
    elif location.startswith(("http://", "https://")):
        data = download(location, max_bytes)
    elif location:
        raise ModelLoadError(f"unsupported artifact location {location!r}")
    else:
        raise ModelLoadError("descriptor has neither inline bytes nor a location")
    if len(data) > max_bytes:
        raise ModelLoadError(f"artifact is larger than {max_bytes} bytes")
    digest = hashlib.sha256(data).hexdigest()
    if descriptor.sha256 and descriptor.sha256.lower() != digest:
        raise ModelLoadError(f"sha256 mismatch: descriptor says {descriptor.sha256}, bytes are {digest}")
    return data


def unpack_to_directory(data: bytes, prefix: str, workdir: str | None) -> str:
    """Unpack a SavedModel archive into a fresh private directory that is the model itself,
    so one rmtree cleans up (a SavedModel one directory down is moved up)."""
    root = tempfile.mkdtemp(prefix=prefix, dir=workdir)
    try:
        model_dir = unpack_savedmodel(data, root)
        if model_dir == root:
            return root
        hoisted = tempfile.mkdtemp(prefix=prefix, dir=workdir)
        os.replace(model_dir, hoisted)  # onto an empty directory: allowed by rename(2)
        shutil.rmtree(root)
        return hoisted
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def materialize(descriptor: ModelDescriptor, workdir: str | None = None) -> Artifact:
    """Write the artifact to a private temporary file (a directory, for a format whose
    runtime unpacks an archive) and return where it is. Call release() when the runtime
    has loaded it."""
    unpacks_archive = runtime_class(descriptor.format).unpacks_archive
    data = artifact_bytes(descriptor)
    prefix = f"{descriptor.name}-{descriptor.version}-"
    if unpacks_archive:
        return Artifact(unpack_to_directory(data, prefix, workdir), descriptor)
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=f".{descriptor.format}", dir=workdir)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return Artifact(path, descriptor)


def release(artifact: Artifact) -> None:
    """Remove what materialize() wrote: a file, or a whole unpacked directory."""
    if os.path.isdir(artifact.path) and not os.path.islink(artifact.path):
        shutil.rmtree(artifact.path, ignore_errors=True)
    else:
        try:
            os.unlink(artifact.path)
        except FileNotFoundError:
            pass
