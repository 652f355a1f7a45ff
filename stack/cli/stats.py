"""`rvs stats model NAME` and `rvs stats data-type DATA_TYPE`: how each version of a
model is doing, and how a data type's answers were decided. Needs AUDIT_TOKEN or
ADMIN_TOKEN, like the rest of the audit API."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from stack.cli.completion import complete_data_types, complete_model_names
from stack.cli.output import JsonFlag, guarded, ms, pct, show, table

app = typer.Typer(help="Serving stats per model version and per data type.", no_args_is_help=True)


@app.command("model")
@guarded
def model_stats(ctx: typer.Context,
                name: Annotated[str, typer.Argument(help="The model's name.", autocompletion=complete_model_names)],
                as_json: JsonFlag = False) -> None:
    """Per version: requests scored, wins, late scores, errors, agreement with the official answer, latency."""
    body = ctx.obj.call("GET", f"/v1/models/{name}/stats", "audit")
    show(body, as_json, lambda console: console.print(versions_table(body)))


@app.command("data-type")
@guarded
def data_type_stats(ctx: typer.Context,
                    data_type: Annotated[str, typer.Argument(help="The data type.",
                                                             autocompletion=complete_data_types)],
                    as_json: JsonFlag = False) -> None:
    """Every answer per reason (timeouts and errors too), and answer latency."""
    body = ctx.obj.call("GET", f"/v1/data-types/{data_type}/stats", "audit")
    show(body, as_json, lambda console: print_data_type(body, console))


def versions_table(body: dict):
    columns = ["version", "scored", "wins", "late", "errors", "agreement", "p50 ms", "p99 ms"]
    rows = [[version, s.get("count"), s.get("wins"), s.get("late"), s.get("errors"), pct(s.get("agreement")),
             ms(s["latency_ms"].get("p50")), ms(s["latency_ms"].get("p99"))]
            for version, s in sorted(body["versions"].items())]
    return table(f"Stats of {body['name']}", columns, rows, right=set(columns) - {"version"})


def print_data_type(body: dict, console: Console) -> None:
    answers, latency = body.get("answers", 0), body.get("latency_ms") or {}
    rows = [[reason, count, pct(count / answers if answers else None)]
            for reason, count in sorted(body.get("reasons", {}).items(), key=lambda kv: -kv[1])]
    console.print(table(f"Answers for {body['data_type']}: {answers}", ["reason", "answers", "share"], rows,
                        right={"answers", "share"}))
    columns = ["p50", "p99", "mean", "max", "samples"]
    row = [ms(latency.get("p50")), ms(latency.get("p99")), ms(latency.get("mean")), ms(latency.get("max")),
           latency.get("window")]
    console.print(table("Answer latency (ms), latest window", columns, [row], right=set(columns)))
