"""``python -m loadtest.capacity``: a capacity plan from a benchmark run's measurements
(the tables in docs/scaling.md).

    python -m loadtest.capacity --from-json docs/bench/results.json

Each component's CPU per answer is fitted as a + b x models over the run's closed
loops with 1, 3 and 5 models (HTTP, one runner replica each), and scaled to a target
rate. A Python service is one process on one core (the GIL), kept at most
``--core-use`` busy so that queues stay short; a runner replica likewise. Messages,
bytes and Redis commands per answer come from the code's own counts (see
docs/scaling.md), not from the run.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from loadtest.peers.markdown import growth_points, points_of

SERVICES = {"gateway": "gateway processes", "rendezvous": "rendezvous instances",
            "runner replicas (Ray actors)": "runner replicas (all models)", "registry": "audit writers (registry)"}
# Wire sizes of the iris records (common.codec), plus about 70 B of Kafka record and batch overhead each.
REQUEST_B, SCORE_B, ANSWER_B, RECORD_OVERHEAD_B = 158, 130, 222, 70
# What Redis holds per answer: the audit record's JSON and each late score's (registry/audit_format.py),
# the claim (the answer's bytes) and its published mark, and about 100 B of overhead per key or member.
AUDIT_JSON_B, LATE_JSON_B, KEY_OVERHEAD_B = 809, 262, 100


def fit(points) -> dict[str, tuple[float, float]]:
    """component -> (a, b): CPU ms per answer = a + b x models, least squares."""
    components = {c for p in points for c in p.cpu_ms_per_request}
    fitted = {}
    for component in components:
        xs = [p.models for p in points]
        ys = [p.cpu_ms_per_request.get(component, 0.0) for p in points]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        spread = sum((x - mean_x) ** 2 for x in xs)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 0.0
        slope = max(slope, 0.0)  # no component gets cheaper with more models: a negative slope is noise
        fitted[component] = (mean_y - slope * mean_x, slope)
    return fitted


def traffic(models: int) -> dict[str, float]:
    """Per answer, under the deadline policy with a fast preferred model (the others' scores late)."""
    produced = {"request": 1, "scores": models, "answer": 1, "decision": 1, "late scores": models - 1}
    delivered = models + 1 + models + 1 + 1 + (models - 1)  # request to runners + rendezvous, scores, answer, audit
    decision_b = REQUEST_B + ANSWER_B + SCORE_B  # the decision embeds the scores in at decision time: usually one
    produced_b = REQUEST_B + models * SCORE_B + ANSWER_B + decision_b + (models - 1) * SCORE_B
    return {"messages produced": sum(produced.values()), "messages delivered": delivered,
            "bytes produced": produced_b + sum(produced.values()) * RECORD_OVERHEAD_B,
            # claim + published mark; audit record; record index (zadd, expire); each late score (rpush, expire)
            "redis commands": 2 + 1 + 2 + 2 * (models - 1),
            "audit bytes": AUDIT_JSON_B + (models - 1) * LATE_JSON_B + 3 * KEY_OVERHEAD_B,
            "claim bytes": ANSWER_B + 2 * KEY_OVERHEAD_B}


def plan(fitted: dict, rate: float, models: int, core_use: float, node_cores: int) -> dict[str, str]:
    cpu = {c: max(a + b * models, 0.0) for c, (a, b) in fitted.items()}
    cores = {c: rate * ms / 1000 for c, ms in cpu.items()}
    row = {"CPU ms per answer": f"{sum(cpu.values()):.2f}", "cores in all": f"{sum(cores.values()):,.0f}"}
    for component, name in SERVICES.items():
        row[name] = f"{math.ceil(cores.get(component, 0) / core_use):,}"
    rendezvous = math.ceil(cores.get("rendezvous", 0) / core_use)
    row["partitions per topic"] = f"{2 ** math.ceil(math.log2(max(2 * rendezvous, 2))):,}"  # room to add instances
    row["Ray nodes"] = f"{math.ceil(cores.get('runner replicas (Ray actors)', 0) / node_cores):,} x {node_cores} cores"
    t = traffic(models)
    broker_cores = cores.get("broker (Kafka)", 0)
    row["broker cores (at the measured batch sizes)"] = f"{broker_cores:,.0f}"
    row["brokers (RF 3)"] = f"{max(3, math.ceil(broker_cores / 8)):,}"
    row["into the brokers, replication included"] = f"{rate * t['bytes produced'] * 3 / 1e6:,.0f} MB/s"
    row["messages produced / delivered per s"] = f"{rate * t['messages produced']:,.0f} / {rate * t['messages delivered']:,.0f}"
    row["Redis commands per s"] = f"{rate * t['redis commands']:,.0f}"
    row["Redis memory: audit, per day kept"] = f"{rate * t['audit bytes'] * 86400 / 1e9:,.0f} GB"
    row["Redis memory: claims (kept 1 h)"] = f"{rate * t['claim bytes'] * 3600 / 1e9:,.1f} GB"
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.capacity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-json", type=Path, default=Path("docs/bench/results.json"))
    parser.add_argument("--rates", default="10000,100000")
    parser.add_argument("--models", default="3,10")
    parser.add_argument("--core-use", type=float, default=0.7, help="busiest a one-core process is planned to be")
    parser.add_argument("--node-cores", type=int, default=16)
    args = parser.parse_args(argv)
    by_models, _ = growth_points(points_of(json.loads(args.from_json.read_text())))
    measured = [p for p in by_models if p.cpu_ms_per_request]
    if len(measured) < 2:
        print("the run has fewer than two closed loops with CPU figures over different model counts", file=sys.stderr)
        return 1
    fitted = fit(measured)
    print("CPU ms per answer = a + b x models, fitted over "
          + ", ".join(f"{p.models} model{'s' if p.models > 1 else ''}" for p in measured) + ":")
    for component, (a, b) in sorted(fitted.items(), key=lambda kv: -(kv[1][0] + 3 * kv[1][1])):
        print(f"  {component}: {a:.3f} + {b:.3f} x models")
    columns = [(float(r), int(m)) for r in args.rates.split(",") for m in args.models.split(",")]
    rows = [plan(fitted, r, m, args.core_use, args.node_cores) for r, m in columns]
    print("\n| | " + " | ".join(f"{r:,.0f}/s, {m} models" for r, m in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for key in rows[0]:
        print(f"| {key} | " + " | ".join(row[key] for row in rows) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
