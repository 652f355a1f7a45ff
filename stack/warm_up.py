"""Warm the demo's data path before `stack up` says READY.

/ready says each part answers; it does not say a request gets through in time. The
first requests on a fresh platform pay one-off costs on every hop: each producer's
first metadata lookup for its topic, the first Redis round trips, Python's lazy
imports, a broker JVM that has compiled nothing yet. On a busy two-core machine that
once took the very first request past the demo's 100 ms deadline, right after READY.
So READY waits until the path has answered on time several times in a row.

The warm-up requests are real ones, so they are audited and counted like any other;
their record id says what they were."""
from __future__ import annotations

import time

import httpx

from stack.output import say

RECORD_ID = "stack-up-warm-up"
IN_A_ROW = 5  # consecutive on-time answers that count as warm


def warm_up(url: str, data_type: str, features: list[float], timeout_s: float = 60.0) -> bool:
    """Send one request at a time until IN_A_ROW in a row are answered with 200. False,
    with what went wrong printed, if that did not happen within timeout_s: the
    platform is up, so `stack up` carries on, but its first answers may be late."""
    started = time.monotonic()
    in_a_row, sent, first_ms, last_problem = 0, 0, None, ""
    with httpx.Client(base_url=url, timeout=10) as client:
        while time.monotonic() - started < timeout_s:
            sent += 1
            try:
                response = client.post(f"/v1/predict/{data_type}", json={"features": features, "record_id": RECORD_ID})
            except httpx.HTTPError as exc:
                response, problem = None, f"{type(exc).__name__}: {exc}"
            if response is not None and response.status_code == 200:
                first_ms = first_ms if first_ms is not None else response.json().get("latency_ms")
                in_a_row += 1
                if in_a_row == IN_A_ROW:
                    say(f"warmed up: {IN_A_ROW} answers in a row after {sent} requests in "
                        f"{time.monotonic() - started:.1f} s (first answer {first_ms} ms)")
                    return True
                continue
            in_a_row = 0
            if response is not None:
                problem = f"{response.status_code}: {error_of(response)}"
            if problem != last_problem:
                say(f"warming up: request {sent} got {problem}")
                last_problem = problem
            time.sleep(0.2)
    say(f"not warmed up after {timeout_s:.0f} s ({sent} requests, last problem: {last_problem or 'none'}); "
        "its first answers may miss their deadline")
    return False


def error_of(response: httpx.Response) -> str:
    """The platform's own error message, or the start of whatever else answered."""
    try:
        body = response.json()
    except ValueError:  # not JSON: a proxy's page, say
        body = None
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else response.text[:200]
