"""``python -m loadtest.legs``: where one request's time goes, leg by leg, read from
the audit records of requests sent one at a time.

    python -m loadtest.legs --base-url http://127.0.0.1:8000 --token "$AUDIT_TOKEN"

For each gap between requests (none, 50 ms, 300 ms: back to back, and idle) it sends
--requests requests, then reads each one's audit record and prints the median of:

    gateway -> runner      enqueued at the gateway -> taken by the winning model's runner
    runner                 the runner's queue and scoring
    runner -> decided      the score's produce, the broker hop, the rendezvous's decision
    decided -> client      claim in Redis, the answer's produce and hop, the gateway's reply
    total                  as the client saw it

Timestamps come from different processes on one machine's clock; on several machines,
their clocks' skew is in the legs. Requests carry the record id ``loadtest-legs``."""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import httpx

LEGS = ("gateway -> runner", "runner", "runner -> decided", "decided -> client", "total")


def legs_of(record: dict, sent_s: float, received_s: float) -> dict[str, float] | None:
    """One audit record -> its legs in ms; None for a request no model won (a 504)."""
    winner = (record.get("decision") or {}).get("model")
    score = next((s for s in record.get("scores", []) if s["model"] == winner), None)
    if winner is None or score is None or not score.get("runner"):
        return None
    enqueued, decided = record["request"]["enqueued_at_us"], record["decision"]["decided_at_us"]
    runner = score["runner"]
    return {"gateway -> runner": (runner["queued_us"] - enqueued) / 1000,
            "runner": (runner["finished_us"] - runner["queued_us"]) / 1000,
            "runner -> decided": (decided - runner["finished_us"]) / 1000,
            "decided -> client": received_s * 1000 - decided / 1000,
            "total": (received_s - sent_s) * 1000}


def measure(client: httpx.Client, data_type: str, features: list[float], gap_s: float, count: int,
            token: str) -> list[dict[str, float]]:
    sent = []
    for _ in range(count):
        started = time.time()
        response = client.post(f"/v1/predict/{data_type}", json={"features": features, "record_id": "loadtest-legs"})
        sent.append((response.json().get("request_id"), started, time.time()))
        time.sleep(gap_s)
    time.sleep(1.0)  # the audit writer is a consumer too
    found = []
    for request_id, started, received in sent:
        record = client.get(f"/v1/audit/{request_id}", headers={"Authorization": f"Bearer {token}"})
        if record.status_code == 200 and (legs := legs_of(record.json(), started, received)):
            found.append(legs)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.legs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="AUDIT_TOKEN or ADMIN_TOKEN: the legs come from audit records")
    parser.add_argument("--data-type", default="iris")
    parser.add_argument("--features", type=float, nargs="+", default=[5.1, 3.5, 1.4, 0.2])
    parser.add_argument("--requests", type=int, default=25, help="per gap (default 25)")
    parser.add_argument("--gaps-ms", type=float, nargs="+", default=[0, 50, 300])
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be between 1 and 10000")
    print(f"{'gap':>8}  " + "  ".join(f"{leg:>17}" for leg in LEGS) + "   (medians, ms)")
    with httpx.Client(base_url=args.base_url, timeout=10) as client:
        for gap_ms in args.gaps_ms:
            found = measure(client, args.data_type, args.features, gap_ms / 1000, args.requests, args.token)
            if not found:
                print(f"{gap_ms:>6.0f}ms  no answered request had an audit record", file=sys.stderr)
                return 1
            print(f"{gap_ms:>6.0f}ms  " + "  ".join(f"{statistics.median(x[leg] for x in found):>17.2f}"
                                                     for leg in LEGS) + f"   ({len(found)} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
