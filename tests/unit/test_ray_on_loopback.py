"""The local Ray is put on loopback and given a token of its own before it starts; an
operator's own Ray auth settings win. (The sockets themselves are checked end to end,
in tests/e2e/test_security.py.)"""
from __future__ import annotations

import os

import pytest
from ray._private import ray_constants
from ray._private import worker as ray_worker

from model_runners.ray_cluster import keep_local_ray_on_loopback

pytestmark = pytest.mark.timeout(30)
TOUCHED = ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")


@pytest.fixture
def environ(monkeypatch):
    """A clean slate for the variables the function reads or writes, restored afterwards."""
    for name in TOUCHED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(ray_constants, "ENABLE_RAY_CLUSTER", True)
    return monkeypatch


def test_the_node_address_becomes_loopback(environ):
    environ.setattr(ray_worker, "_global_node", None)  # as before ray.init, even if the suite's Ray is up
    keep_local_ray_on_loopback()
    assert os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"  # Ray's own processes read it at import
    assert ray_constants.ENABLE_RAY_CLUSTER is False  # this process imported Ray before
    from ray._private.services import get_node_ip_address
    assert get_node_ip_address() == "127.0.0.1"


def test_a_fresh_token_for_each_run(environ):
    keep_local_ray_on_loopback()
    first = os.environ.pop("RAY_AUTH_TOKEN")
    keep_local_ray_on_loopback()
    second = os.environ["RAY_AUTH_TOKEN"]
    assert len(first) == len(second) == 64 and first != second
    assert "RAY_AUTH_MODE" not in os.environ  # ray.init() turns token auth on for a new local Ray


@pytest.mark.parametrize("operator, token", [
    ({"RAY_AUTH_TOKEN": "the operator's"}, "the operator's"),
    ({"RAY_AUTH_TOKEN_PATH": "/run/secrets/ray"}, None),
    ({"RAY_AUTH_MODE": "disabled"}, None),
    ({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "the operator's"}, "the operator's"),
], ids=["own-token", "own-token-file", "auth-turned-off", "mode-and-token"])
def test_the_operators_own_settings_win(environ, operator, token):
    for name, value in operator.items():
        environ.setenv(name, value)
    keep_local_ray_on_loopback()
    assert os.environ.get("RAY_AUTH_TOKEN") == token
    assert {name: os.environ[name] for name in operator} == operator
