"""Getting an artifact onto local disk safely: SavedModel archives that try to escape
their directory, plant links or devices, or blow up in size are refused with the
offending entry named; http(s) locations work only for allow-listed hosts, capped
and timed, against a local http.server (no other network)."""
from __future__ import annotations

import hashlib
import io
import os
import socket
import tarfile
import threading
import time
import zipfile
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from model_runners.archive import unpack_savedmodel
from model_runners.artifacts import artifact_bytes, materialize, release
from model_runners.runtimes.base import ModelLoadError
from tests.model_factory import descriptor

pytestmark = pytest.mark.timeout(60)
SAVED_MODEL = {"saved_model.pb": b"graph", "variables/variables.index": b"index"}


def tar_bytes(files: dict[str, bytes], *, mode: str = "w:gz", extra=()) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for info in extra:
            archive.addfile(info)
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)  # S_IFLNK
            archive.writestr(info, target)
    return buffer.getvalue()


def special(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


# Unpacking ------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda f: tar_bytes(f), lambda f: tar_bytes(f, mode="w"), zip_bytes],
                         ids=["tgz", "tar", "zip"])
def test_unpacks_a_saved_model_at_the_top_level(tmp_path, make):
    model_dir = unpack_savedmodel(make(SAVED_MODEL), str(tmp_path))
    assert model_dir == str(tmp_path)
    assert (tmp_path / "variables" / "variables.index").read_bytes() == b"index"


def test_finds_a_saved_model_one_directory_down(tmp_path):
    data = tar_bytes({f"export/{name}": body for name, body in SAVED_MODEL.items()})
    assert unpack_savedmodel(data, str(tmp_path)) == str(tmp_path / "export")


@pytest.mark.parametrize("files, fragment", [
    ({"variables/variables.index": b"x"}, "found no directory"),
    ({"a/saved_model.pb": b"x", "b/saved_model.pb": b"x"}, "found 2 directories"),
    ({"a/b/saved_model.pb": b"x"}, "found no directory"),
])
def test_needs_exactly_one_saved_model_near_the_top(tmp_path, files, fragment):
    with pytest.raises(ModelLoadError, match=fragment):
        unpack_savedmodel(tar_bytes(files), str(tmp_path))


@pytest.mark.parametrize("name, fragment", [
    ("/etc/cron.d/evil", "absolute path"),
    ("../evil", "'..' component"),
    ("model/../../evil", "'..' component"),
    ("model\\..\\..\\evil", "'..' component"),
])
@pytest.mark.parametrize("make", [tar_bytes, zip_bytes], ids=["tgz", "zip"])
def test_refuses_names_that_escape(tmp_path, make, name, fragment):
    data = make({**SAVED_MODEL, name: b"evil"})
    with pytest.raises(ModelLoadError, match=fragment) as caught:
        unpack_savedmodel(data, str(tmp_path / "dest"))
    assert repr(name) in str(caught.value)  # the message names the offending entry
    assert not (tmp_path / "evil").exists()


@pytest.mark.parametrize("info", [
    special("variables", tarfile.SYMTYPE, "/etc"),
    special("hard", tarfile.LNKTYPE, "saved_model.pb"),
    special("tty", tarfile.CHRTYPE),
    special("disk", tarfile.BLKTYPE),
    special("pipe", tarfile.FIFOTYPE),
], ids=["symlink", "hardlink", "char-device", "block-device", "fifo"])
def test_refuses_links_and_devices_in_tars(tmp_path, info):
    with pytest.raises(ModelLoadError, match=f"'{info.name}' is a link or device"):
        unpack_savedmodel(tar_bytes(SAVED_MODEL, extra=[info]), str(tmp_path))


def test_refuses_symlinks_in_zips(tmp_path):
    with pytest.raises(ModelLoadError, match="'variables' is a link or device"):
        unpack_savedmodel(zip_bytes(SAVED_MODEL, links={"variables": "/etc"}), str(tmp_path))


@pytest.mark.parametrize("make", [tar_bytes, zip_bytes], ids=["tgz", "zip"])
def test_refuses_too_many_entries(tmp_path, make):
    files = {**SAVED_MODEL, **{f"assets/{i}": b"" for i in range(20)}}
    with pytest.raises(ModelLoadError, match="more than the allowed number of entries"):
        unpack_savedmodel(make(files), str(tmp_path), max_entries=10)


@pytest.mark.parametrize("make", [tar_bytes, zip_bytes], ids=["tgz", "zip"])
def test_counts_the_total_size_while_extracting(tmp_path, make):
    """Each file is under the cap; together they are over it (a compressed bomb of zeros)."""
    files = {**SAVED_MODEL, **{f"assets/{i}": bytes(300_000) for i in range(5)}}
    with pytest.raises(ModelLoadError, match=r"more than 1000000 bytes \(at 'assets/3'\)"):
        unpack_savedmodel(make(files), str(tmp_path), max_total_bytes=1_000_000)


@pytest.mark.parametrize("make", [tar_bytes, zip_bytes], ids=["tgz", "zip"])
def test_refuses_a_single_file_over_the_cap(tmp_path, make):
    with pytest.raises(ModelLoadError, match="'variables/big' is larger than 1000000 bytes"):
        unpack_savedmodel(make({**SAVED_MODEL, "variables/big": bytes(2_000_000)}), str(tmp_path),
                          max_total_bytes=1_000_000)


@pytest.mark.parametrize("data", [b"", b"not an archive at all", tar_bytes(SAVED_MODEL)[:40]],
                         ids=["empty", "garbage", "truncated"])
def test_refuses_what_is_not_an_archive(tmp_path, data):
    with pytest.raises(ModelLoadError, match="not a readable .tar, .tar.gz or .zip"):
        unpack_savedmodel(data, str(tmp_path))


def test_materialize_gives_tensorflow_a_directory_and_release_removes_it(tmp_path):
    data = tar_bytes({f"export/{name}": body for name, body in SAVED_MODEL.items()})
    artifact = materialize(descriptor("tensorflow", data), workdir=str(tmp_path))
    assert os.path.isfile(os.path.join(artifact.path, "saved_model.pb"))
    assert os.listdir(tmp_path) == [os.path.basename(artifact.path)]  # nothing else left behind
    release(artifact)
    assert os.listdir(tmp_path) == []


def test_a_refused_archive_leaves_nothing_behind(tmp_path):
    with pytest.raises(ModelLoadError):
        materialize(descriptor("tensorflow", tar_bytes({**SAVED_MODEL, "../x": b""})), workdir=str(tmp_path))
    assert os.listdir(tmp_path) == []


# http(s) locations -----------------------------------------------------------------
class ModelServer(ThreadingHTTPServer):
    """Serves `body` at every path and counts requests; `redirect` and `delay_s` misbehave."""

    def __init__(self, body: bytes, *, redirect: str = "", delay_s: float = 0.0, length: bool = True):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.body, self.redirect, self.delay_s, self.length, self.requests = body, redirect, delay_s, length, 0


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests += 1
        time.sleep(server.delay_s)
        self.send_response(302 if server.redirect else 200)
        if server.redirect:
            self.send_header("Location", server.redirect)
        if server.length:
            self.send_header("Content-Length", str(len(server.body)))
        self.end_headers()
        self.wfile.write(server.body)

    def log_message(self, *_args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(body: bytes = b"model bytes", **kwargs) -> ModelServer:
        server = ModelServer(body, **kwargs)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def url(server: ModelServer, path: str = "/model.onnx") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_downloads_from_an_allow_listed_host(serve, monkeypatch):
    monkeypatch.setenv("MODEL_URL_ALLOWLIST", "models.example, 127.0.0.1")
    server = serve(b"model bytes")
    d = replace(descriptor("onnx", location=url(server)), sha256=hashlib.sha256(b"model bytes").hexdigest())
    assert artifact_bytes(d) == b"model bytes"
    assert server.requests == 1


@pytest.mark.parametrize("allow, template", [
    ("", "http://127.0.0.1:{port}/m"),
    ("models.example", "http://127.0.0.1:{port}/m"),
    ("127.0.0.1", "http://127.0.0.1@localhost:{port}/m"),  # userinfo that looks like an allowed host
])
def test_refuses_a_host_not_on_the_allow_list_without_connecting(serve, monkeypatch, allow, template):
    monkeypatch.setenv("MODEL_URL_ALLOWLIST", allow)
    server = serve()
    location = template.format(port=server.server_address[1])
    with pytest.raises(ModelLoadError, match="is not in MODEL_URL_ALLOWLIST"):
        artifact_bytes(descriptor("onnx", location=location))
    assert server.requests == 0


def test_an_unreachable_allowed_url_gives_a_clear_reason(monkeypatch):
    monkeypatch.setenv("MODEL_URL_ALLOWLIST", "127.0.0.1")
    with socket.socket() as s:  # a port that was free a moment ago and has no listener now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ModelLoadError, match="artifact location unreachable: .*ConnectError") as caught:
        artifact_bytes(descriptor("onnx", location=f"http://127.0.0.1:{port}/m.onnx"))
    assert caught.value.retryable


@pytest.mark.parametrize("length", [True, False], ids=["with-length", "without-length"])
def test_caps_the_size_while_streaming(serve, monkeypatch, length):
    monkeypatch.setenv("MODEL_URL_ALLOWLIST", "127.0.0.1")
    server = serve(bytes(3_000_000), length=length)
    with pytest.raises(ModelLoadError, match="larger than 1000000 bytes"):
        artifact_bytes(descriptor("onnx", location=url(server)), max_bytes=1_000_000)


def test_does_not_follow_redirects(serve, monkeypatch):
    monkeypatch.setenv("MODEL_URL_ALLOWLIST", "127.0.0.1")
    server = serve(redirect="http://elsewhere.example/model.onnx")
    with pytest.raises(ModelLoadError, match="answered HTTP 302"):
        artifact_bytes(descriptor("onnx", location=url(server)))


def test_a_slow_server_times_out(serve, monkeypatch):
    monkeypatch.setenv("MODEL_URL_ALLOWLIST", "127.0.0.1")
    monkeypatch.setenv("MODEL_URL_TIMEOUT_S", "0.3")
    server = serve(delay_s=1.5)
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match="unreachable: .*Timeout"):
        artifact_bytes(descriptor("onnx", location=url(server)))
    assert time.monotonic() - started < 1.5
