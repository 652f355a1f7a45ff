"""A file-path artifact location is read only when its real path (every '..' and
symlink followed) lies under MODEL_DIR; with MODEL_DIR unset, no file location is read."""
from __future__ import annotations

import hashlib
import os
from dataclasses import replace

import pytest

from model_runners.artifacts import artifact_bytes
from model_runners.runtimes.base import ModelLoadError
from tests.model_factory import descriptor

pytestmark = pytest.mark.timeout(10)
MODEL = b"model bytes"


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """MODEL_DIR with one model in it, and a secret next to it, outside."""
    model_dir, outside = tmp_path / "models", tmp_path / "outside"
    model_dir.mkdir()
    outside.mkdir()
    (model_dir / "m.onnx").write_bytes(MODEL)
    (outside / "secret").write_bytes(b"not yours")
    monkeypatch.setenv("MODEL_DIR", str(model_dir))
    return model_dir, outside


def located(location: str):
    return replace(descriptor("onnx", location=location), sha256=hashlib.sha256(MODEL).hexdigest())


@pytest.mark.parametrize("form", ["{dir}/m.onnx", "file://{dir}/m.onnx", "{dir}/./sub/../m.onnx"])
def test_a_file_inside_model_dir_is_read(dirs, form):
    model_dir, _ = dirs
    (model_dir / "sub").mkdir()
    assert artifact_bytes(located(form.format(dir=model_dir))) == MODEL


def test_a_symlink_that_stays_inside_model_dir_is_read(dirs):
    model_dir, _ = dirs
    os.symlink(model_dir / "m.onnx", model_dir / "current.onnx")
    assert artifact_bytes(located(str(model_dir / "current.onnx"))) == MODEL


def test_a_model_dir_that_is_itself_a_symlink_works(tmp_path, dirs, monkeypatch):
    model_dir, _ = dirs
    os.symlink(model_dir, tmp_path / "models-link")
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "models-link"))
    assert artifact_bytes(located(str(tmp_path / "models-link" / "m.onnx"))) == MODEL


@pytest.mark.parametrize("form", ["{dir}/../outside/secret", "file://{dir}/../outside/secret", "/etc/passwd"])
def test_a_dot_dot_escape_or_a_path_elsewhere_is_refused(dirs, form):
    model_dir, _ = dirs
    location = form.format(dir=model_dir)
    with pytest.raises(ModelLoadError, match="outside MODEL_DIR") as caught:
        artifact_bytes(located(location))
    assert location.removeprefix("file://") in caught.value.message
    assert os.path.realpath(model_dir) in caught.value.message


def test_a_sibling_directory_sharing_the_prefix_is_refused(tmp_path, dirs):
    model_dir, _ = dirs
    sibling = tmp_path / "models-evil"  # starts with MODEL_DIR's path, but is not under it
    sibling.mkdir()
    (sibling / "m.onnx").write_bytes(MODEL)
    with pytest.raises(ModelLoadError, match="outside MODEL_DIR"):
        artifact_bytes(located(str(sibling / "m.onnx")))


def test_a_symlink_pointing_outside_is_refused(dirs):
    model_dir, outside = dirs
    os.symlink(outside / "secret", model_dir / "innocent.onnx")
    with pytest.raises(ModelLoadError, match="outside MODEL_DIR") as caught:
        artifact_bytes(located(str(model_dir / "innocent.onnx")))
    assert os.path.realpath(outside / "secret") in caught.value.message  # the real path: the operator sees why


def test_a_symlinked_directory_pointing_outside_is_refused(dirs):
    model_dir, outside = dirs
    os.symlink(outside, model_dir / "shared")
    with pytest.raises(ModelLoadError, match="outside MODEL_DIR"):
        artifact_bytes(located(str(model_dir / "shared" / "secret")))


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_without_model_dir_every_file_location_is_refused(tmp_path, monkeypatch, value):
    (tmp_path / "m.onnx").write_bytes(MODEL)
    if value is None:
        monkeypatch.delenv("MODEL_DIR", raising=False)
    else:
        monkeypatch.setenv("MODEL_DIR", value)
    with pytest.raises(ModelLoadError, match="set MODEL_DIR") as caught:
        artifact_bytes(located(str(tmp_path / "m.onnx")))
    assert str(tmp_path / "m.onnx") in caught.value.message


def test_a_missing_file_inside_model_dir_is_unreachable(dirs):
    model_dir, _ = dirs
    with pytest.raises(ModelLoadError, match="artifact location unreachable"):
        artifact_bytes(located(str(model_dir / "nope.onnx")))


def test_inline_bytes_need_no_model_dir(monkeypatch):
    monkeypatch.delenv("MODEL_DIR", raising=False)
    assert artifact_bytes(descriptor("onnx", MODEL)) == MODEL
