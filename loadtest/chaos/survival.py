"""What must outlive a kill -9 of Redis (docs/decisions/017-redis-restart.md): the audit
record of every request answered before the kill, and its claim, which keeps a replay
from answering it a second time."""
from __future__ import annotations

import time

import httpx
import redis

from loadtest.chaos.fault import Platform
from loadtest.ledger_check import is_official

SAMPLE = 200  # requests answered before the kill, spread over the run so far
AUDIT_CATCH_UP_S = 30.0  # the registry writes audit records off the answer's path
CLAIM = "rv:claim:{}"  # rendezvous/claims.py's key; loadtest does not import the services


def answered_before(entries: list[dict], injected_at: float) -> list[str]:
    ids = [e["request_id"] for e in entries
           if is_official(e.get("status")) and e.get("request_id") and (e.get("answered_at") or 0) < injected_at]
    step = max(1, len(ids) // SAMPLE)
    return ids[::step][:SAMPLE]


def audit_and_claims_survived(platform: Platform, entries: list[dict], injected_at: float) -> dict:
    sample = answered_before(entries, injected_at)
    missing_audit = _missing_audit(platform, sample)
    client = redis.Redis.from_url(platform.env["REDIS_URL"])
    try:
        missing_claims = [rid for rid in sample if not client.exists(CLAIM.format(rid))]
    finally:
        client.close()
    problems = []
    if not sample:
        problems.append("no request was answered before the kill: nothing to check")
    if missing_audit:
        problems.append(f"{len(missing_audit)} of {len(sample)} audit records from before the kill are gone")
    if missing_claims:
        problems.append(f"{len(missing_claims)} of {len(sample)} claims from before the kill are gone")
    return {"checked_before_kill": len(sample), "audit_missing": len(missing_audit),
            "claims_missing": len(missing_claims), "problems": problems}


def _missing_audit(platform: Platform, request_ids: list[str]) -> list[str]:
    """The ones whose audit record the gateway's audit API does not find, after giving the
    registry time to catch up."""
    headers = {"Authorization": f"Bearer {platform.env['AUDIT_TOKEN']}"}
    missing, deadline = list(request_ids), time.monotonic() + AUDIT_CATCH_UP_S
    with httpx.Client(base_url=platform.url, headers=headers, timeout=10) as client:
        while missing and time.monotonic() < deadline:
            missing = [rid for rid in missing if client.get(f"/v1/audit/{rid}").status_code != 200]
            if missing:
                time.sleep(2)
    return missing
