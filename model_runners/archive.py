"""Unpack an untrusted SavedModel archive (.tar, .tar.gz/.tgz or .zip) without letting it
write outside its directory, plant links or devices, or fill the disk.

Sizes are counted on the bytes actually written, not taken from the headers, which
the archive's author controls. Only plain files and directories are created."""
from __future__ import annotations

import io
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from typing import BinaryIO

from model_runners.runtimes.base import ModelLoadError

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 1024 ** 3
CHUNK_BYTES = 1024 * 1024
SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")


class _Budget:
    """What is left of the entry count and the byte cap while extracting."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.entries_left, self.bytes_left, self.max_bytes = max_entries, max_bytes, max_bytes

    def take_entry(self, name: str) -> None:
        self.entries_left -= 1
        if self.entries_left < 0:
            raise ModelLoadError(f"archive has more than the allowed number of entries (at {name!r})")

    def take_bytes(self, name: str, count: int) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0:
            raise ModelLoadError(f"archive unpacks to more than {self.max_bytes} bytes (at {name!r})")


def safe_target(dest_dir: str, name: str) -> str:
    """Where an entry goes, or ModelLoadError if its name could escape dest_dir."""
    parts = name.replace("\\", "/").split("/")  # a backslash is a separator to Windows-made zips
    if name.startswith(("/", "\\")) or (parts and len(parts[0]) == 2 and parts[0][1] == ":"):
        raise ModelLoadError(f"archive entry {name!r} has an absolute path")
    if ".." in parts:
        raise ModelLoadError(f"archive entry {name!r} has a '..' component")
    target = os.path.join(dest_dir, *[p for p in parts if p not in ("", ".")])
    root = os.path.realpath(dest_dir)
    if os.path.realpath(target) != root and not os.path.realpath(target).startswith(root + os.sep):
        raise ModelLoadError(f"archive entry {name!r} resolves outside the model directory")
    return target


def copy_capped(source: BinaryIO, target: str, name: str, budget: _Budget) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    # O_NOFOLLOW: never write through a link, even one this code did not create.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK_BYTES):
            budget.take_bytes(name, len(chunk))
            out.write(chunk)


def extract_tar(data: bytes, dest_dir: str, budget: _Budget) -> None:
    # Stream mode ("r|*") reads each member once, in order: no seeking back through a gzip bomb.
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|*") as archive:
        for member in archive:
            budget.take_entry(member.name)
            target = safe_target(dest_dir, member.name)
            if member.isdir():
                os.makedirs(target, exist_ok=True)
            elif member.isreg():
                if member.size > budget.max_bytes:
                    raise ModelLoadError(f"archive entry {member.name!r} is larger than {budget.max_bytes} bytes")
                copy_capped(archive.extractfile(member), target, member.name, budget)
            else:
                raise ModelLoadError(f"archive entry {member.name!r} is a link or device; only files "
                                     "and directories are accepted")


def extract_zip(data: bytes, dest_dir: str, budget: _Budget) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            budget.take_entry(info.filename)
            target = safe_target(dest_dir, info.filename)
            kind = stat.S_IFMT(info.external_attr >> 16)  # a Unix file type, when a Unix tool made it
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise ModelLoadError(f"archive entry {info.filename!r} is a link or device; only files "
                                     "and directories are accepted")
            if info.is_dir():
                os.makedirs(target, exist_ok=True)
                continue
            if info.file_size > budget.max_bytes:
                raise ModelLoadError(f"archive entry {info.filename!r} is larger than {budget.max_bytes} bytes")
            with archive.open(info) as source:
                copy_capped(source, target, info.filename, budget)


def find_saved_model(dest_dir: str) -> str:
    """The directory holding saved_model.pb: the top level, or exactly one directory down."""
    if any(os.path.isfile(os.path.join(dest_dir, f)) for f in SAVED_MODEL_FILES):
        return dest_dir
    found = [os.path.join(dest_dir, d) for d in sorted(os.listdir(dest_dir))
             if any(os.path.isfile(os.path.join(dest_dir, d, f)) for f in SAVED_MODEL_FILES)]
    if len(found) != 1:
        where = "no directory" if not found else f"{len(found)} directories"
        raise ModelLoadError(f"archive must hold one SavedModel (saved_model.pb at the top level or one "
                             f"directory down); found {where}")
    return found[0]


def unpack_savedmodel(data: bytes, dest_dir: str, *, max_entries: int = MAX_ENTRIES,
                      max_total_bytes: int = MAX_TOTAL_BYTES) -> str:
    """Unpack a SavedModel archive into dest_dir and return the SavedModel's directory."""
    budget = _Budget(max_entries, max_total_bytes)
    try:
        if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            extract_zip(data, dest_dir, budget)
        else:
            extract_tar(data, dest_dir, budget)
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
            ValueError, RuntimeError) as exc:  # RuntimeError: an encrypted or oddly compressed zip
        raise ModelLoadError(f"not a readable .tar, .tar.gz or .zip SavedModel archive: {exc}") from exc
    return find_saved_model(dest_dir)
