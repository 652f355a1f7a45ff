"""The matrix's results as the markdown table docs/reliability.md shows."""
from __future__ import annotations

HEADER = ("| Fault | Rate (/s) | Requests sent | Lost | Duplicate | Unexpected | Explicit errors "
          "| Recovery to 90% | Verdict |\n|---|---:|---:|---:|---:|---:|---:|---:|---|")


def row(result: dict) -> str:
    check = result.get("check")
    if check is None:
        return f"| {result['fault']} | | | | | | | | not run: {result.get('error', '?')} |"
    recovery = result["recovery"]["recovery_s"]
    recovered = "not within the run" if recovery is None else f"{recovery:g} s"
    verdict = "pass" if result["passed"] else "FAIL: " + "; ".join(result["problems"])
    return (f"| {result['fault']} | {result['rate']:g} | {check['sent']} | {check['lost']} | {check['duplicate']} "
            f"| {check['unexpected']} | {explicit(check)} | {recovered} | {verdict} |")


def explicit(check: dict) -> str:
    """The count, and what it is made of: HTTP statuses, and refused or cut connections."""
    parts = [f"{n}x{status}" for status, n in check["by_status"].items() if status not in ("200", "error")]
    if check.get("connection_errors"):
        parts.append(f"{check['connection_errors']} connections refused or cut")
    return f"{check['explicit_errors']}" + (f" ({', '.join(parts)})" if parts else "")


def table(results: list[dict]) -> str:
    return "\n".join([HEADER, *map(row, results)]) + "\n"
