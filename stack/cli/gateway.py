"""The CLI's one way to the platform: the gateway's HTTP API, with the right token for
each call, and every failure turned into a CliFailure that carries its exit code."""
from __future__ import annotations

from typing import Literal

import httpx

from stack.cli.exit_codes import ExitCode, for_status

Auth = Literal["admin", "audit"] | None
# Where a 401/403 points the user: the token the call needs, and its variable.
TOKEN_HINTS = {"admin": "set ADMIN_TOKEN (or --admin-token)",
               "audit": "set AUDIT_TOKEN or ADMIN_TOKEN (or --audit-token)"}


class CliFailure(Exception):
    """Something went wrong that the user should be told about, with the exit code that
    says what, and the gateway's JSON body when there is one (printed with --json)."""

    def __init__(self, code: ExitCode, message: str, body: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.body = code, message, body


class Gateway:
    """The gateway at `url`. No connection is made until the first call."""

    def __init__(self, url: str, admin_token: str = "", audit_token: str = "", timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None):
        self.url = url.rstrip("/")
        self._tokens = {"admin": admin_token, "audit": audit_token or admin_token}
        self._timeout, self._transport = timeout, transport
        self._client: httpx.Client | None = None

    def request(self, method: str, path: str, auth: Auth = None, **kwargs) -> httpx.Response:
        """Send one request; only an unreachable gateway raises (UNAVAILABLE)."""
        token = self._tokens.get(auth or "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return self._http().request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise CliFailure(ExitCode.UNAVAILABLE,
                             f"the gateway at {self.url} did not answer in {self._timeout:g} s") from None
        except httpx.TransportError as exc:
            raise CliFailure(ExitCode.UNAVAILABLE, f"cannot reach the gateway at {self.url} ({exc}); "
                                                   "is it running? (rvs up, or set RVS_URL)") from None

    def call(self, method: str, path: str, auth: Auth = None, **kwargs) -> dict:
        """Send one request and return its JSON body; an HTTP error raises its CliFailure."""
        response = self.request(method, path, auth, **kwargs)
        if response.status_code >= 400:
            raise failure(response, auth)
        return response.json()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=self._timeout, transport=self._transport)
        return self._client


def failure(response: httpx.Response, auth: Auth = None) -> CliFailure:
    """The CliFailure for an HTTP error: the gateway's own message, and what to do about a token."""
    body = _json_or_none(response)
    message = str(body.get("error")) if body and body.get("error") else response.text.strip()[:300]
    for problem in (body or {}).get("detail") or []:  # a 422 names each bad field
        if isinstance(problem, dict):
            where = ".".join(str(p) for p in problem.get("loc", ()) if p != "body")
            message += f"\n  {where}: {problem.get('msg', '')}"
    code = for_status(response.status_code)
    if code is ExitCode.UNAUTHORIZED and auth:
        message += f"; {TOKEN_HINTS[auth]}"
    return CliFailure(code, f"HTTP {response.status_code}: {message}", body)


def _json_or_none(response: httpx.Response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
