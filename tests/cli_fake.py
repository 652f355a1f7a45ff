"""A stand-in gateway for the CLI's unit tests: httpx.MockTransport answering canned
routes, recording every request the CLI sent. Integration with the real gateway is
tests/e2e/test_cli.py's job."""
from __future__ import annotations

from collections import deque

import httpx
from typer.testing import CliRunner

from stack.cli import build_app

# Wide enough that rich never wraps or cuts a table cell the tests look for.
ENV = {"COLUMNS": "220", "RVS_URL": "http://gateway.test", "ADMIN_TOKEN": "", "AUDIT_TOKEN": ""}


class FakeGateway:
    """Routes by (method, path): each a queue of (status, body); the last one repeats."""

    def __init__(self):
        self.routes: dict[tuple[str, str], deque] = {}
        self.sent: list[httpx.Request] = []
        self.down = False

    def on(self, method: str, path: str, *answers: tuple[int, dict]) -> FakeGateway:
        self.routes[(method, path)] = deque(answers)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("Connection refused", request=request)
        request.read()
        self.sent.append(request)
        answers = self.routes.get((request.method, request.url.path))
        if not answers:
            return httpx.Response(404, json={"error": f"no route {request.method} {request.url.path}"})
        status, body = answers.popleft() if len(answers) > 1 else answers[0]
        return httpx.Response(status, json=body)

    def last(self, method: str, path: str) -> httpx.Request:
        return [r for r in self.sent if r.method == method and r.url.path == path][-1]


def rvs(fake: FakeGateway, *args: str, **env: str):
    """Run `rvs args...` against the fake; the result has exit_code, stdout and stderr."""
    app = build_app(httpx.MockTransport(fake.handle))
    return CliRunner().invoke(app, list(args), env={**ENV, **env}, prog_name="rvs")
