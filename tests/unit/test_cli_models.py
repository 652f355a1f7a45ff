"""rvs models: tables by default, the gateway's JSON with --json, the upload and --wait,
and exit codes that say what failed, against a stand-in gateway (httpx.MockTransport)."""
import json

import pytest

from common.descriptors import FORMATS
from stack.cli import publish
from stack.cli.exit_codes import ExitCode
from tests.cli_fake import FakeGateway, rvs

pytestmark = pytest.mark.timeout(20)


def version(v="1", status="ready", role="serve", **more):
    return {"name": "iris-forest", "version": v, "data_type": "iris", "format": "onnx", "role": role,
            "status": status, "reason": "", "replicas_ready": 1 if status == "ready" else 0,
            "resources": {"num_cpus": 0.25, "num_gpus": 0.0, "replicas": 1}, **more}


MODELS = {"models": [version("1"), version("2", status="failed", role="warm", reason="bad onnx")]}


def test_list_is_a_table_with_role_status_and_replicas():
    result = rvs(FakeGateway().on("GET", "/v1/models", (200, MODELS)), "models", "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    row_1 = next(line for line in lines if "iris-forest" in line and " 1 " in line)
    assert "serve" in row_1 and "ready" in row_1 and "1/1" in row_1
    assert any("failed" in line and "bad onnx" in line and "0/1" in line for line in lines)
    assert "{" not in result.stdout  # not raw JSON


def test_list_with_json_prints_the_gateways_body_for_scripts():
    result = rvs(FakeGateway().on("GET", "/v1/models", (200, MODELS)), "models", "list", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == MODELS


def test_list_keeps_one_data_type_when_asked():
    models = {"models": [*MODELS["models"], {**version("1"), "name": "cat-net", "data_type": "pets"}]}
    result = rvs(FakeGateway().on("GET", "/v1/models", (200, models)), "models", "list", "--data-type", "pets",
                 "--json")
    assert result.exit_code == 0 and [m["name"] for m in json.loads(result.stdout)["models"]] == ["cat-net"]


def test_an_unreachable_gateway_exits_unavailable_and_says_where_it_looked():
    fake = FakeGateway()
    fake.down = True
    result = rvs(fake, "models", "list")
    assert result.exit_code == ExitCode.UNAVAILABLE == 6
    assert "cannot reach the gateway at http://gateway.test" in result.stderr and result.stdout == ""


def test_show_of_an_unknown_model_exits_not_found_with_the_gateways_message():
    fake = FakeGateway().on("GET", "/v1/models/nope", (404, {"error": "no model named 'nope'"}))
    result = rvs(fake, "models", "show", "nope")
    assert result.exit_code == ExitCode.NOT_FOUND == 3 and "no model named 'nope'" in result.stderr


def test_show_prints_versions_history_and_replays():
    body = {"name": "iris-forest", "versions": [version("1")],
            "history": [{"version": "1", "event": "status ready", "reason": "", "at_us": 1_764_600_000_000_000}],
            "replays": {"1": [{"replay_id": "r-1", "status": "done", "rows": 30, "agreement": 0.9,
                               "created_at_us": 1_764_600_000_000_000}]}}
    result = rvs(FakeGateway().on("GET", "/v1/models/iris-forest", (200, body)), "models", "show", "iris-forest")
    assert result.exit_code == 0, result.output
    assert "status ready" in result.stdout and "2025-12-01 14:40:00.000Z" in result.stdout
    assert "r-1" in result.stdout and "90.0%" in result.stdout


def test_role_needs_the_admin_token_and_says_which_to_set():
    fake = FakeGateway().on("POST", "/v1/models/iris-forest/versions/2/role",
                            (401, {"error": "admin API: send Authorization: Bearer <ADMIN_TOKEN>"}))
    result = rvs(fake, "models", "role", "iris-forest", "2", "serve")
    assert result.exit_code == ExitCode.UNAUTHORIZED == 4 and "set ADMIN_TOKEN" in result.stderr
    assert "authorization" not in fake.last("POST", "/v1/models/iris-forest/versions/2/role").headers


def test_role_sends_the_role_with_the_admin_token():
    fake = FakeGateway().on("POST", "/v1/models/iris-forest/versions/2/role",
                            (202, {"model": "iris-forest:2", "role": "serve"}))
    result = rvs(fake, "models", "role", "iris-forest", "2", "serve", ADMIN_TOKEN="s3cret")
    assert result.exit_code == 0 and "iris-forest:2 is now serve" in result.stdout
    sent = fake.last("POST", "/v1/models/iris-forest/versions/2/role")
    assert sent.headers["authorization"] == "Bearer s3cret" and json.loads(sent.content) == {"role": "serve"}


def test_a_role_that_does_not_exist_is_a_usage_error():
    assert rvs(FakeGateway(), "models", "role", "iris-forest", "2", "boss").exit_code == ExitCode.USAGE == 2


def publish_args(path, *more):
    return ["models", "publish", str(path), "--name", "iris-forest", "--version", "2", "--data-type", "iris",
            "--format", "onnx", "--inputs", "a, b", *more]


ACCEPTED = (202, {"published": version("2"), "status_url": "/v1/models/iris-forest"})


def test_publish_uploads_the_file_and_its_descriptor(tmp_path):
    model = tmp_path / "forest.onnx"
    model.write_bytes(b"\x08\x07onnx-bytes" * 1000)
    fake = FakeGateway().on("POST", "/v1/models", ACCEPTED)
    result = rvs(fake, *publish_args(model, "--role", "warm"), ADMIN_TOKEN="s3cret")
    assert result.exit_code == 0, result.output
    sent = fake.last("POST", "/v1/models")
    assert model.read_bytes() in sent.content and sent.headers["authorization"] == "Bearer s3cret"
    descriptor = sent.content.split(b'name="descriptor"\r\n\r\n', 1)[1].split(b"\r\n--", 1)[0]
    assert json.loads(descriptor)["input_schema"] == [{"name": "a"}, {"name": "b"}]
    assert json.loads(descriptor)["role"] == "warm" and "iris-forest:2" in result.stdout


def test_the_upload_reader_counts_every_byte(tmp_path):
    model = tmp_path / "m.onnx"
    model.write_bytes(bytes(200_000))
    counted = []
    with model.open("rb") as raw:
        reader = publish.CountingReader(raw, counted.append)
        while reader.read(65536):
            pass
    assert sum(counted) == 200_000


def test_publish_wait_follows_the_version_until_ready(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "POLL_S", 0)
    (model := tmp_path / "m.onnx").write_bytes(b"x")
    fake = FakeGateway().on("POST", "/v1/models", ACCEPTED).on(
        "GET", "/v1/models/iris-forest", (404, {"error": "not yet"}),
        (200, {"versions": [version("2", status="loading")]}), (200, {"versions": [version("2")]}))
    result = rvs(fake, *publish_args(model, "--wait", "--json"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"]["status"] == "ready"
    assert len([r for r in fake.sent if r.method == "GET"]) == 3


def test_publish_wait_exits_failed_with_the_runners_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "POLL_S", 0)
    (model := tmp_path / "m.onnx").write_bytes(b"x")
    fake = FakeGateway().on("POST", "/v1/models", ACCEPTED).on(
        "GET", "/v1/models/iris-forest", (200, {"versions": [version("2", status="failed", reason="not ONNX")]}))
    result = rvs(fake, *publish_args(model, "--wait"))
    assert result.exit_code == ExitCode.FAILED == 1 and "iris-forest:2 is failed: not ONNX" in result.stderr


def test_publish_wait_gives_up_after_its_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "POLL_S", 0.01)
    (model := tmp_path / "m.onnx").write_bytes(b"x")
    fake = FakeGateway().on("POST", "/v1/models", ACCEPTED).on(
        "GET", "/v1/models/iris-forest", (200, {"versions": [version("2", status="loading")]}))
    result = rvs(fake, *publish_args(model, "--wait", "--wait-timeout", "0.1"))
    assert result.exit_code == ExitCode.TIMED_OUT == 7 and "last status: loading" in result.stderr


def test_a_republished_version_with_other_bytes_is_refused(tmp_path):
    (model := tmp_path / "m.onnx").write_bytes(b"x")
    fake = FakeGateway().on("POST", "/v1/models", (409, {"error": "iris-forest:2 is already published"}))
    result = rvs(fake, *publish_args(model))
    assert result.exit_code == ExitCode.REFUSED == 5 and "already published" in result.stderr


def test_publish_offers_every_registered_format_and_nothing_else(tmp_path):
    (model := tmp_path / "m.onnx").write_bytes(b"x")
    assert tuple(f.value for f in publish.Format) == FORMATS
    result = rvs(FakeGateway(), "models", "publish", str(model), "--name", "m", "--version", "1",
                 "--data-type", "iris", "--format", "sklearn")
    assert result.exit_code == ExitCode.USAGE and "sklearn" in result.output
