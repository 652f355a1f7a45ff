"""The web console's files are served at /console/ with a Content-Security-Policy that
allows no inline script, they are package data (a non-editable install has them), and
the page builds itself without HTML strings. The app runs without its lifespan: serving
static files needs no broker. What the page does is tested in headless Chromium
(tests/e2e/test_console.py)."""
from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

from common.settings import InfraSettings
from gateway.adapter import create_app
from gateway.settings import GatewaySettings
from gateway.web_console import FILES
from tests.unit.test_gateway_auth import Client

pytestmark = pytest.mark.timeout(30)
ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p.name for p in FILES.glob("*.js"))


@pytest.fixture(scope="module")
def client():
    return Client(create_app(InfraSettings(), GatewaySettings(admin_token="a-token", audit_token="b-token")))


def test_console_redirects_to_its_page(client):
    response = client.get("/console")
    assert response.status_code == 308 and response.headers["location"] == "/console/"


@pytest.mark.parametrize("path", ["/console/", "/console/console.css", *(f"/console/{s}" for s in SCRIPTS)])
def test_every_file_is_served_with_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["script-src"] == "'self'" and csp["connect-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    if path.endswith(".js"):
        assert response.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")


def test_the_page_has_no_inline_script_or_style():
    page = (FILES / "index.html").read_text()
    assert re.findall(r"<script\b[^>]*>", page) == ['<script type="module" src="app.js">']
    assert not re.search(r"\son\w+\s*=", page), "an inline event handler, which the CSP would block"
    assert not re.search(r"\sstyle\s*=|<style", page), "an inline style, which the CSP would block"


def test_every_module_import_resolves_to_a_served_file():
    for script in SCRIPTS:
        for imported in re.findall(r'from "\./([\w.]+)"', (FILES / script).read_text()):
            assert (FILES / imported).is_file(), f"{script} imports {imported}, which is not there"


def test_values_become_text_never_markup():
    """dom.el() appends values as text nodes; nothing assigns HTML or evaluates code."""
    for script in SCRIPTS:
        source = (FILES / script).read_text()
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function", source), script


def test_the_token_is_kept_in_session_storage_and_sent_only_as_a_header():
    source = "".join((FILES / s).read_text() for s in SCRIPTS)
    assert "localStorage" not in source and "document.cookie" not in source
    assert "headers.Authorization = `Bearer ${token.get()}`" in (FILES / "api.js").read_text()


def test_the_files_outside_the_console_are_not_reachable(client):
    assert client.get("/console/../adapter.py").status_code == 404
    assert client.get("/console/%2e%2e/adapter.py").status_code == 404


def test_the_console_is_not_in_the_api_spec(client):
    assert not [path for path in client.get("/openapi.json").json()["paths"] if path.startswith("/console")]


def test_every_console_file_is_package_data():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["gateway"]
    files = [f"console/{p.name}" for p in FILES.iterdir()]
    assert files and [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []


def test_the_charts_ask_for_what_the_windows_endpoints_serve():
    """series.js's widths and window count are ones the gateway's windows endpoints
    take, and the charts read those endpoints, not the totals."""
    from typing import get_args

    from gateway import stats_windows_api
    from stats import windows

    series = (FILES / "series.js").read_text()
    widths = dict(re.findall(r'"(\d+s)": (\d+)', re.search(r"export const WIDTHS = \{([^}]*)\}", series).group(1)))
    assert set(widths) == set(get_args(stats_windows_api.Width))
    assert {name: float(seconds) for name, seconds in widths.items()} == windows.WIDTHS
    shown = int(re.search(r"export const WINDOWS_SHOWN = (\d+);", series).group(1))
    assert 1 <= shown <= 1000  # the endpoints' ?limit= range
    live = (FILES / "live.js").read_text()
    assert "/stats/windows?${query}" in live and "limit=${WINDOWS_SHOWN}" in live
    page = (FILES / "index.html").read_text()
    assert set(re.findall(r'<option value="(\d+s)"', page)) == set(widths)
