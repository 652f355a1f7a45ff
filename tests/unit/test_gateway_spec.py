"""The spec and the code agree, in the places schemathesis found them apart (the whole
check is tests/e2e/test_fuzz.py): one error body for every error, Starlette's own
included; every 422 documented as that body; an Allow header that names every method
of a path; and a predict body refused exactly where its schema says. The app runs
without its lifespan: no broker, no Redis."""
from __future__ import annotations

import pytest

from common.settings import InfraSettings
from gateway.adapter import create_app
from gateway.settings import GatewaySettings
from test_gateway_auth import Client

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(scope="module")
def app():
    settings = GatewaySettings(admin_token="admin-secret-token")
    app = create_app(InfraSettings(), settings)
    app.state.settings = settings
    return app


def test_every_documented_422_is_the_gateway_error_body(app):
    spec = app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "422" in operation["responses"]:
                schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
                assert schema.get("$ref") in ("#/components/schemas/ErrorBody", None), (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_an_unknown_path_gets_the_error_body(app):
    response = Client(app).get("/v1/nothing-here")
    assert response.status_code == 404 and response.json() == {"error": "Not Found"}


def test_a_method_a_path_does_not_take_lists_every_method_it_does(app):
    response = Client(app).request("DELETE", "/v1/data-types/iris/policy")
    assert response.status_code == 405 and response.json() == {"error": "Method Not Allowed"}
    assert {"GET", "PUT"} <= set(response.headers["allow"].split(", "))


@pytest.mark.parametrize("body", [
    {"features": []}, {"features": {}}, {"features": {"": 1.0}}, {"features": ["1.5"]}, {"features": [True]},
    {"features": {"sepal_length": "5.1"}}, {"features": [1.0], "deadline_ms": "50"},
    {"features": [1.0], "deadline_ms": True}, {"features": [1.0], "deadline_ms": 0},
], ids=["empty-list", "empty-map", "empty-name", "string-value", "boolean-value", "string-in-map",
        "string-deadline", "boolean-deadline", "zero-deadline"])
def test_a_predict_body_its_schema_refuses_is_a_422_before_any_lookup(app, body):
    response = Client(app).post("/v1/predict/iris", json=body)
    assert response.status_code == 422 and response.json()["error"] == "invalid request"


def test_the_predict_schema_states_the_bounds_the_code_holds(app):
    body = app.openapi()["paths"]["/v1/predict/{data_type}"]["post"]["requestBody"]["content"]["application/json"]
    as_list, as_map = body["schema"]["properties"]["features"]["anyOf"]
    assert (as_list["minItems"], as_map["minProperties"], as_map["propertyNames"]["minLength"]) == (1, 1, 1)
