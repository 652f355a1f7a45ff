"""Tab completion of model names and data types, from the gateway the user points at
(RVS_URL). Completion runs before any command does, so it reads the URL from the
environment itself, and it gives nothing rather than an error when the gateway is not
there: a shell's Tab key must never hang or print a traceback."""
from __future__ import annotations

import os

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT_S = 1.0


def matching(values: list[str], incomplete: str) -> list[str]:
    return sorted({v for v in values if v.startswith(incomplete)})


def _models() -> list[dict]:
    try:
        response = httpx.get(f"{os.environ.get('RVS_URL', DEFAULT_URL).rstrip('/')}/v1/models", timeout=TIMEOUT_S)
        return response.json().get("models", []) if response.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        return []


def complete_model_names(incomplete: str) -> list[str]:
    return matching([m["name"] for m in _models()], incomplete)


def complete_data_types(incomplete: str) -> list[str]:
    return matching([m["data_type"] for m in _models() if m.get("data_type")], incomplete)
