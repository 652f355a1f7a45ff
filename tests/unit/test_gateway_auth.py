"""Audit and stats reads need a token: AUDIT_TOKEN (read-only) or the admin token; 401
without one, 403 with a wrong one, the same JSON error body as every other error, and
both answers in the OpenAPI spec. The audit token opens no admin write. The app runs
without its lifespan (no broker, no Redis): the settings and a fake audit store are
set on app.state by hand."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import ValidationError

from common.settings import InfraSettings
from gateway.adapter import create_app
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.timeout(30)
ADMIN, AUDITOR = "admin-secret-token", "audit-secret-token"
READS = ["/v1/audit/req-1", "/v1/audit?record_id=flower-1", "/v1/models/iris-forest/stats",
         "/v1/data-types/iris/stats"]
READ_ROUTES = [("/v1/audit/{request_id}", "get"), ("/v1/audit", "get"), ("/v1/models/{name}/stats", "get"),
               ("/v1/data-types/{data_type}/stats", "get")]


class FakeAudit:
    """Answers like registry.client.AuditClient, with features in it."""

    def audit(self, request_id):
        return {"request": {"request_id": request_id, "input": {"values": [5.1, 3.5, 1.4, 0.2]}}}

    def by_record(self, record_id):
        return [{"request_id": "req-1"}]

    def model_stats(self, name):
        return {"1": {"count": 3}}

    def data_type_stats(self, data_type):
        return {"answers": 3, "reasons": {"preferred": 3}}


class Client:
    """Plain calls into the ASGI app; httpx's ASGI transport never runs the lifespan."""

    def __init__(self, app):
        self.app = app

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        async def call():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                         base_url="http://gateway") as client:
                return await client.request(method, path, **kwargs)
        return asyncio.run(call())

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)


@pytest.fixture
def client():
    settings = GatewaySettings(admin_token=ADMIN, audit_token=AUDITOR)
    app = create_app(InfraSettings(), settings)
    app.state.settings = settings  # what the lifespan would set
    app.state.audit = FakeAudit()
    return Client(app)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", READS)
def test_a_read_without_a_token_is_401_with_a_json_error(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"error": "audit API: send Authorization: Bearer <AUDIT_TOKEN> or <ADMIN_TOKEN>"}


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("header", ["Bearer ", "Basic YWRtaW46YWRtaW4=", AUDITOR], ids=["empty", "basic", "no-scheme"])
def test_a_read_with_a_malformed_authorization_is_401(client, path, header):
    assert client.get(path, headers={"Authorization": header}).status_code == 401


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("token", ["wrong", AUDITOR[:-1], AUDITOR + "x", "admin-secret-token "])
def test_a_read_with_a_wrong_token_is_403_and_never_echoes_it(client, path, token):
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {"error": "audit API: wrong token"}


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("token", [AUDITOR, ADMIN], ids=["audit-token", "admin-token"])
def test_a_read_with_the_audit_or_the_admin_token_answers(client, path, token):
    response = client.get(path, headers=bearer(token))
    assert response.status_code == 200, response.text


def test_the_audit_token_opens_no_admin_write(client):
    role = client.post("/v1/models/iris-forest/versions/1/role", json={"role": "retired"}, headers=bearer(AUDITOR))
    assert role.status_code == 403 and role.json() == {"error": "admin API: wrong token"}
    policy = client.put("/v1/data-types/iris/policy", json={"policy": "first"}, headers=bearer(AUDITOR))
    assert policy.status_code == 403
    publish = client.post("/v1/models", data={"descriptor": "{}"}, headers=bearer(AUDITOR))
    assert publish.status_code == 403


def test_admin_writes_still_say_what_to_send(client):
    response = client.post("/v1/models/iris-forest/versions/1/role", json={"role": "retired"})
    assert response.status_code == 401
    assert response.json() == {"error": "admin API: send Authorization: Bearer <ADMIN_TOKEN>"}


@pytest.mark.parametrize("path, method", READ_ROUTES)
def test_the_openapi_spec_documents_401_and_403_with_the_error_body(client, path, method):
    responses = client.get("/openapi.json").json()["paths"][path][method]["responses"]
    for status in ("401", "403"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (status, schema)


def test_admin_writes_document_401_and_403_too(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/models", "/v1/models/{name}/versions/{version}/role"):
        assert {"401", "403"} <= set(paths[path]["post"]["responses"]), path


# Settings --------------------------------------------------------------------------
def test_the_audit_token_comes_from_AUDIT_TOKEN(monkeypatch):
    monkeypatch.setenv("AUDIT_TOKEN", "from-the-environment")
    assert GatewaySettings().audit_token == "from-the-environment"


def test_an_unset_audit_token_is_generated_and_differs_from_the_admin_token(monkeypatch):
    monkeypatch.delenv("AUDIT_TOKEN", raising=False)
    monkeypatch.delenv("GATEWAY_AUDIT_TOKEN", raising=False)
    monkeypatch.delenv("ADMIN_TOKEN", raising=False)
    first, second = GatewaySettings(), GatewaySettings()
    assert len(first.audit_token) >= 24 and first.audit_token != second.audit_token
    assert first.audit_token != first.admin_token


@pytest.mark.parametrize("variable", ["AUDIT_TOKEN", "ADMIN_TOKEN"])
def test_an_empty_token_is_refused_at_start_up(monkeypatch, variable):
    monkeypatch.setenv(variable, "")
    with pytest.raises(ValidationError):
        GatewaySettings()


def test_printing_the_settings_shows_no_token():
    settings = GatewaySettings(admin_token=ADMIN, audit_token=AUDITOR)
    assert ADMIN not in repr(settings) and AUDITOR not in repr(settings) and AUDITOR not in str(settings)
