"""`rvs replay ...`: ask the gateway for a replay, follow it with a progress bar, and
print its report as tables. It goes through the admin API, so it is authorized like
any other caller and runs the same job as POST /v1/replays."""
from __future__ import annotations

import argparse
import json
import os
import time

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def add_parser(sub) -> None:
    replay = sub.add_parser("replay", help="score recorded traffic with a model version and report how it would have done")
    replay.add_argument("--url", default=os.environ.get("RVS_URL", "http://127.0.0.1:8000"), help="gateway URL (RVS_URL)")
    replay.add_argument("--token", default=os.environ.get("ADMIN_TOKEN", ""), help="admin token (ADMIN_TOKEN)")
    replay.add_argument("--data-type", required=True)
    replay.add_argument("--model", required=True)
    replay.add_argument("--version", required=True)
    replay.add_argument("--since", help="a duration ago (90s, 30m, 1h, 2d) or an ISO-8601 time")
    replay.add_argument("--until", help="same forms as --since; default: now")
    replay.add_argument("--offsets", help="instead of times: partition:start-end,... of the decisions topic")
    replay.add_argument("--rate", type=int, help="rows a second at most (default 200)")
    replay.add_argument("--json", action="store_true", help="print the report as JSON instead of tables")


def body(args: argparse.Namespace) -> dict:
    out = {"data_type": args.data_type, "model": args.model, "version": args.version}
    for key in ("since", "until", "rate"):
        if getattr(args, key) is not None:
            out[key] = getattr(args, key)
    if args.offsets:
        out["offsets"] = {p: [int(x) for x in span.split("-", 1)]
                          for p, span in (item.split(":", 1) for item in args.offsets.split(","))}
    return out


def run(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    with httpx.Client(base_url=args.url, headers=headers, timeout=30) as client:
        response = client.post("/v1/replays", json=body(args))
        if response.status_code != 202:
            console.print(f"[red]error: HTTP {response.status_code}[/red] {response.json().get('error', response.text)}")
            return 1
        job = follow(client, response.json()["replay_id"], console)
    if args.json:
        console.print_json(json.dumps(job))
    elif job["status"] == "done":
        print_report(job["report"], console)
    if job["status"] != "done":
        console.print(f"[red]replay {job['replay_id']} {job['status']}[/red]: {job.get('reason', '')}")
        return 1
    return 0


def follow(client: httpx.Client, replay_id: str, console: Console) -> dict:
    columns = (TextColumn("replay {task.fields[status]}"), BarColumn(), TextColumn("{task.completed}/{task.total} decisions"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("replay", total=None, status="requested")
        while True:
            job = client.get(f"/v1/replays/{replay_id}").json()
            progress.update(task, completed=job.get("done", 0), total=job.get("total") or None, status=job.get("status"))
            if job.get("status") in ("done", "failed"):
                return job
            time.sleep(0.5)


def print_report(report: dict, console: Console) -> None:
    candidate = report["candidate"]
    summary = Table(title=f"Replay of {candidate['name']}:{candidate['version']}")
    for column in ("rows", "compared", "agreement", "errors", "seconds"):
        summary.add_column(column, justify="right")
    summary.add_row(str(report["rows"]), str(report["compared"]), _pct(report["agreement"]),
                    str(report["errors"]["count"]), str(report.get("seconds", "")))
    console.print(summary)
    console.print(_confusion(report["confusion"]))
    models = Table(title="Agreement and scoring latency (ms) by model")
    for column in ("model", "agreement with candidate", "p50", "p99"):
        models.add_column(column)
    latency = report["latency_ms"]
    models.add_row("candidate", "", _ms(latency["candidate"]["p50"]), _ms(latency["candidate"]["p99"]))
    for ref, stats in report["models"].items():
        live = latency["live"].get(ref, {})
        models.add_row(ref, _pct(stats["agreement"]), _ms(live.get("p50")), _ms(live.get("p99")))
    console.print(models)
    policies = Table(title="Had the candidate been serving")
    for column in ("policy", "candidate's answer", "answer changed", "reasons"):
        policies.add_column(column)
    for name, outcome in report["policies"].items():
        policies.add_row(name, _pct(outcome["candidate_won_share"]), _pct(outcome["answer_changed_share"]),
                         ", ".join(f"{k} {v}" for k, v in outcome["reasons"].items()))
    console.print(policies)


def _confusion(confusion: dict) -> Table:
    official = sorted({label for row in confusion.values() for label in row})
    table = Table(title="Confusion: candidate (rows), official (columns)")
    table.add_column("candidate \\ official")
    for label in official:
        table.add_column(label, justify="right")
    for label, row in sorted(confusion.items()):
        table.add_row(label, *(str(row.get(o, 0)) for o in official))
    return table


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
