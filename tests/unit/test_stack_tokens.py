"""`make up` generates each token the operator did not set and prints it once, at
start-up, to the operator's terminal; only the gateway's environment carries the
tokens; a password in REDIS_URL is never printed."""
from __future__ import annotations

import pytest

from stack import infrastructure, services as up

pytestmark = pytest.mark.timeout(10)


def test_unset_tokens_are_generated_and_printed(capsys):
    env = {"ADMIN_TOKEN": "", "PATH": "/bin"}
    up.ensure_tokens(env)
    out = capsys.readouterr().out
    assert env["ADMIN_TOKEN"] and env["AUDIT_TOKEN"] and env["ADMIN_TOKEN"] != env["AUDIT_TOKEN"]
    assert f"admin token (generated; set ADMIN_TOKEN to choose one): {env['ADMIN_TOKEN']}" in out
    assert f"audit token (read-only) (generated; set AUDIT_TOKEN to choose one): {env['AUDIT_TOKEN']}" in out


def test_tokens_the_operator_set_are_kept_and_not_printed(capsys):
    env = {"ADMIN_TOKEN": "chosen-admin", "AUDIT_TOKEN": "chosen-audit"}
    up.ensure_tokens(env)
    out = capsys.readouterr().out
    assert env == {"ADMIN_TOKEN": "chosen-admin", "AUDIT_TOKEN": "chosen-audit"}
    assert "chosen-admin" not in out and "chosen-audit" not in out


@pytest.mark.parametrize("service", [s for s in up.SERVICES if s != "gateway"])
def test_only_the_gateway_gets_the_tokens(service):
    env = {"ADMIN_TOKEN": "a", "AUDIT_TOKEN": "b", "KAFKA_BOOTSTRAP": "127.0.0.1:9092", "MODEL_DIR": "/models"}
    assert up.service_env("gateway", env) == env
    assert up.service_env(service, env) == {"KAFKA_BOOTSTRAP": "127.0.0.1:9092", "MODEL_DIR": "/models"}


@pytest.mark.parametrize("url, shown", [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("redis://:s3cret@cache.internal:6379/0", "redis://***@cache.internal:6379/0"),
    ("rediss://user:s3cret@cache.internal:6380/1", "rediss://***@cache.internal:6380/1"),
    ("redis://cache.internal/0?password=s3cret&db=1", "redis://cache.internal/0?password=***&db=1"),
])
def test_a_redis_password_is_never_printed(url, shown):
    assert infrastructure.without_password(url) == shown
