"""`rvs replay ...`: ask the gateway for a replay, follow it with a progress bar, and
print its report as tables. It goes through the admin API, so it is authorized like
any other caller and runs the same job as POST /v1/replays."""
from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stack.cli.completion import complete_data_types, complete_model_names
from stack.cli.exit_codes import ExitCode
from stack.cli.gateway import CliFailure, Gateway
from stack.cli.output import JsonFlag, guarded, ms, pct, show, stderr

Opt = typer.Option
POLL_S = 0.5  # how often the progress bar asks how far the replay got


@guarded
def replay(ctx: typer.Context,
           data_type: Annotated[str, Opt("--data-type", autocompletion=complete_data_types)],
           model: Annotated[str, Opt("--model", autocompletion=complete_model_names)],
           version: Annotated[str, Opt("--version")],
           since: Annotated[str | None, Opt(help="A duration ago (90s, 30m, 1h, 2d) or an ISO-8601 time.")] = None,
           until: Annotated[str | None, Opt(help="Same forms as --since; default: now.")] = None,
           offsets: Annotated[str | None, Opt(help="Instead of times: partition:start-end,... of the decisions "
                                                   "topic.")] = None,
           rate: Annotated[int | None, Opt(help="Rows a second at most (default 200).")] = None,
           as_json: JsonFlag = False) -> None:
    """Score recorded traffic with a model version and report how it would have done."""
    args = SimpleNamespace(data_type=data_type, model=model, version=version, since=since, until=until,
                           offsets=offsets, rate=rate)
    asked = ctx.obj.call("POST", "/v1/replays", "admin", json=body(args))
    job = follow(ctx.obj, asked["replay_id"], stderr())
    show(job, as_json, lambda console: print_report(job["report"], console) if job["status"] == "done" else None)
    if job["status"] != "done":
        raise CliFailure(ExitCode.FAILED, f"replay {job['replay_id']} {job['status']}: {job.get('reason', '')}")


def body(args) -> dict:
    """The POST /v1/replays body: only what was given, so the gateway's defaults apply."""
    out = {"data_type": args.data_type, "model": args.model, "version": args.version}
    for key in ("since", "until", "rate"):
        if getattr(args, key) is not None:
            out[key] = getattr(args, key)
    if args.offsets:
        try:
            out["offsets"] = {p: [int(x) for x in span.split("-", 1)]
                              for p, span in (item.split(":", 1) for item in args.offsets.split(","))}
        except ValueError:
            raise typer.BadParameter(f"{args.offsets!r} is not partition:start-end,...",
                                     param_hint="--offsets") from None
    return out


def follow(gateway: Gateway, replay_id: str, console: Console) -> dict:
    columns = (TextColumn("replay {task.fields[status]}"), BarColumn(),
               TextColumn("{task.completed}/{task.total} decisions"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("replay", total=None, status="requested")
        while True:
            job = gateway.call("GET", f"/v1/replays/{replay_id}", "audit")
            progress.update(task, completed=job.get("done", 0), total=job.get("total") or None,
                            status=job.get("status"))
            if job.get("status") in ("done", "failed"):
                return job
            time.sleep(POLL_S)


def print_report(report: dict, console: Console) -> None:
    candidate = report["candidate"]
    summary = Table(title=f"Replay of {candidate['name']}:{candidate['version']}")
    for column in ("rows", "compared", "agreement", "errors", "seconds"):
        summary.add_column(column, justify="right")
    summary.add_row(str(report["rows"]), str(report["compared"]), pct(report["agreement"]),
                    str(report["errors"]["count"]), str(report.get("seconds", "")))
    console.print(summary)
    console.print(_confusion(report["confusion"]))
    models = Table(title="Agreement and scoring latency (ms) by model")
    for column in ("model", "agreement with candidate", "p50", "p99"):
        models.add_column(column)
    latency = report["latency_ms"]
    models.add_row("candidate", "", ms(latency["candidate"]["p50"]), ms(latency["candidate"]["p99"]))
    for ref, stats in report["models"].items():
        live = latency["live"].get(ref, {})
        models.add_row(ref, pct(stats["agreement"]), ms(live.get("p50")), ms(live.get("p99")))
    console.print(models)
    policies = Table(title="Had the candidate been serving")
    for column in ("policy", "candidate's answer", "answer changed", "reasons"):
        policies.add_column(column)
    for name, outcome in report["policies"].items():
        policies.add_row(name, pct(outcome["candidate_won_share"]), pct(outcome["answer_changed_share"]),
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

