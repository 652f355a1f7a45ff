"""What `rvs` exits with, so a script can tell what failed without reading the text.

One table for the code, `rvs --help` and the README (a unit test checks the README
lists every code). HTTP statuses map here, in one place; a command that needs another
meaning for a status (a prediction's 502/504 is an answer, not an outage) says so."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2  # click's own code for a bad command line; kept so the shell convention holds
    NOT_FOUND = 3
    UNAUTHORIZED = 4
    REFUSED = 5
    UNAVAILABLE = 6
    TIMED_OUT = 7


MEANINGS = {
    ExitCode.OK: "it worked",
    ExitCode.FAILED: "the platform answered, and the thing asked for failed: no model answered a prediction "
                     "(or every one errored), a version failed to load, a replay failed",
    ExitCode.USAGE: "a bad command line: an unknown option, a missing argument, a value of the wrong kind",
    ExitCode.NOT_FOUND: "no such model, version, policy, audit record or replay (HTTP 404)",
    ExitCode.UNAUTHORIZED: "no token, or a wrong one (HTTP 401/403): set ADMIN_TOKEN or AUDIT_TOKEN",
    ExitCode.REFUSED: "the gateway refused the input: invalid (HTTP 400/413/422) or a conflict such as a "
                      "republished version with other bytes (HTTP 409)",
    ExitCode.UNAVAILABLE: "the gateway could not be reached, or is overloaded or failing (HTTP 429, 5xx)",
    ExitCode.TIMED_OUT: "gave up waiting: --wait ran past --wait-timeout",
}


def for_status(status: int) -> ExitCode:
    """The exit code for an HTTP error status from the gateway."""
    if status == 404:
        return ExitCode.NOT_FOUND
    if status in (401, 403):
        return ExitCode.UNAUTHORIZED
    if 400 <= status < 500 and status != 429:  # 400, 409, 413, 422: what was sent
        return ExitCode.REFUSED
    return ExitCode.UNAVAILABLE


def epilog() -> str:
    """The exit codes as `rvs --help` shows them."""
    return "Exit codes: " + "; ".join(f"{code.value} {code.name.lower().replace('_', ' ')}" for code in ExitCode)
