"""`rvs audit REQUEST_ID` and `rvs audit --record RECORD_ID`: which model version
answered, why, and what every model said. Audit records hold the features of real
requests, so these reads need AUDIT_TOKEN (read-only) or ADMIN_TOKEN."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from stack.cli.output import JsonFlag, guarded, model, pairs, show, table, when


@guarded
def audit(ctx: typer.Context,
          request_id: Annotated[str | None, typer.Argument(help="A request id, as a prediction returned it.")] = None,
          record: Annotated[str | None, typer.Option("--record", help="Instead: every request for your record id.")]
          = None,
          as_json: JsonFlag = False) -> None:
    """The audit record of a request (its input, every score, the decision), or every request for a record id."""
    if (request_id is None) == (record is None):
        raise typer.BadParameter("give a request id, or --record RECORD_ID", param_hint="REQUEST_ID / --record")
    if record is not None:
        body = ctx.obj.call("GET", "/v1/audit", "audit", params={"record_id": record})
        show(body, as_json, lambda console: console.print(record_table(body)))
    else:
        body = ctx.obj.call("GET", f"/v1/audit/{request_id}", "audit")
        show(body, as_json, lambda console: print_audit(body, console))


def print_audit(body: dict, console: Console) -> None:
    request, decision = body["request"], body["decision"]
    given = request.get("input") or {}
    features = given.get("named") or given.get("values")
    output = decision.get("output") or {}
    console.print(pairs(f"Request {request['request_id']}", [
        ("data type", request.get("data_type")), ("record id", request.get("record_id")),
        ("features", features), ("enqueued (UTC)", when(request.get("enqueued_at_us"))),
        ("deadline ms", request.get("deadline_ms"))]))
    console.print(pairs("Decision", [
        ("model", model(decision.get("model"))), ("label", output.get("label")),
        ("policy", decision.get("policy")), ("reason", decision.get("reason")),
        ("waited ms", decision.get("waited_ms")), ("decided (UTC)", when(decision.get("decided_at_us")))]))
    rows = [[model(s["model"]), (s.get("output") or {}).get("label") if not s.get("error") else None,
             s.get("confidence"), s.get("latency_ms"), "late" if s.get("late") else "in time", s.get("error")]
            for s in body.get("scores", [])]
    console.print(table("Scores", ["model", "label", "confidence", "latency ms", "arrived", "error"], rows,
                        right={"confidence", "latency ms"}))


def record_table(body: dict):
    rows = [[r["request_id"], when(r.get("enqueued_at_us")), model(r.get("model")), r.get("reason")]
            for r in body["requests"]]
    return table(f"Requests for record {body['record_id']}", ["request id", "enqueued (UTC)", "model", "reason"], rows)
