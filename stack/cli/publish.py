"""Publish a model file as a new version, with the upload's progress, and with --wait
follow it until the runners report it `ready` (or `failed`, with the reason).

The upload is the admin API's multipart POST /v1/models; its progress is counted as
httpx reads the file, so the bar moves with the bytes really sent."""
from __future__ import annotations

import enum
import io
import json
import time
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from common.descriptors import FORMATS
from common.domain import Role
from stack.cli.completion import complete_data_types
from stack.cli.exit_codes import ExitCode
from stack.cli.gateway import CliFailure, Gateway
from stack.cli.output import JsonFlag, guarded, pairs, show, stderr

Format = enum.Enum("Format", [(f, f) for f in FORMATS], type=str)  # the runtime registry's formats, and no other
POLL_S = 0.5  # how often --wait asks the registry; the runners report within about a second
Opt = typer.Option


@guarded
def publish(ctx: typer.Context,
            file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                                 help=".onnx, .pmml, or a SavedModel as .tar.gz/.zip")],
            name: Annotated[str, Opt("--name", help="The model's name.")],
            version: Annotated[str, Opt("--version", help="A new version: versions are immutable.")],
            data_type: Annotated[str, Opt("--data-type", help="The data type it scores.",
                                          autocompletion=complete_data_types)],
            model_format: Annotated[Format, Opt("--format", help="The runtime that loads it.")],
            role: Annotated[Role, Opt(help="serve, warm (a canary), backstop, candidate or retired.")] = Role.SERVE,
            description: Annotated[str, Opt(help="What the version is, for people.")] = "",
            inputs: Annotated[str, Opt(help="Input feature names, comma-separated, in order.")] = "",
            quality_metric: Annotated[str, Opt(help="The metric --quality is in, e.g. accuracy.")] = "",
            quality: Annotated[float, Opt(help="Its value; the quality policy can choose by it.")] = 0.0,
            num_cpus: Annotated[float, Opt(help="CPUs each replica reserves on Ray.")] = 0.25,
            num_gpus: Annotated[float, Opt(help="GPUs each replica reserves on Ray.")] = 0.0,
            replicas: Annotated[int, Opt(min=1, help="Runner replicas: Ray actors, each a consumer in the "
                                                    "version's group.")] = 1,
            wait: Annotated[bool, Opt("--wait", help="Wait until the version is ready (exit 1 if it fails).")] = False,
            wait_timeout: Annotated[float, Opt(help="Seconds --wait waits before it gives up (exit 7).")] = 300.0,
            as_json: JsonFlag = False) -> None:
    """Publish a model file as a new version; it loads with no restart."""
    descriptor = {"name": name, "version": version, "data_type": data_type, "format": model_format.value,
                  "role": role.value, "description": description,
                  "input_schema": [{"name": n.strip()} for n in inputs.split(",") if n.strip()],
                  "quality": {"metric": quality_metric, "value": quality},
                  "resources": {"num_cpus": num_cpus, "num_gpus": num_gpus, "replicas": replicas}}
    body = upload(ctx.obj, file, descriptor)
    if wait:
        body = {**body, "version": wait_until_ready(ctx.obj, name, version, wait_timeout)}
    show(body, as_json, lambda console: console.print(pairs("Published", [
        ("model", f"{name}:{version}"), ("role", role.value), ("status", body.get("version", {}).get("status")),
        ("follow it", f"rvs models show {name}")])))


class CountingReader(io.RawIOBase):
    """A file that advances a progress bar by every byte read from it."""

    def __init__(self, file: BinaryIO, advance):
        self._file, self._advance = file, advance

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._advance(len(chunk))
        return chunk

    def fileno(self) -> int:  # lets httpx learn the length without reading the file
        return self._file.fileno()


def upload(gateway: Gateway, file: Path, descriptor: dict) -> dict:
    columns = (TextColumn(f"uploading {file.name}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with file.open("rb") as raw, Progress(*columns, console=stderr(), transient=True) as progress:
        task = progress.add_task("upload", total=file.stat().st_size)
        reader = CountingReader(raw, lambda n: progress.advance(task, n))
        return gateway.call("POST", "/v1/models", "admin", data={"descriptor": json.dumps(descriptor)},
                            files={"file": (file.name, reader)})


def wait_until_ready(gateway: Gateway, name: str, version: str, timeout: float) -> dict:
    """Poll the registry until name:version is ready; failed or retired is FAILED."""
    deadline, seen = time.monotonic() + timeout, {}
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=stderr(), transient=True) as progress:
        task = progress.add_task(f"{name}:{version} published, waiting for the registry")
        while time.monotonic() < deadline:
            response = gateway.request("GET", f"/v1/models/{name}")
            if response.status_code == 200:  # 404 until the registry has read the publication
                seen = next((v for v in response.json()["versions"] if v["version"] == version), None) or {}
            state = seen.get("status")
            if state == "ready":
                return seen
            if state in ("failed", "retired"):
                raise CliFailure(ExitCode.FAILED, f"{name}:{version} is {state}: {seen.get('reason') or '-'}", seen)
            if state:
                progress.update(task, description=f"{name}:{version} {state} {seen.get('reason') or ''}".rstrip())
            time.sleep(POLL_S)
    raise CliFailure(ExitCode.TIMED_OUT, f"{name}:{version} not ready after {timeout:g} s "
                                         f"(last status: {seen.get('status') or 'not yet registered'})", seen or None)
