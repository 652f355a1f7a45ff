"""`rvs predict DATA_TYPE VALUES...`: one quick prediction, shown with its decision: the
label and probabilities, the model version that answered and why, and what every other
model did (answered in time, errored, or late). Needs no token, like POST /v1/predict."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from stack.cli.completion import complete_data_types
from stack.cli.exit_codes import ExitCode
from stack.cli.gateway import CliFailure, failure
from stack.cli.output import JsonFlag, guarded, model, ms, pairs, show, table

# 502 (every model errored) and 504 (none answered in time) are answers with a decision
# to show, not outages: they print like a 200 and exit FAILED.
ANSWERED_WITHOUT_OUTPUT = (502, 504)


@guarded
def predict(ctx: typer.Context,
            data_type: Annotated[str, typer.Argument(help="The data type, e.g. iris.",
                                                     autocompletion=complete_data_types)],
            values: Annotated[list[float] | None, typer.Argument(
                help="Feature values in the model's input order (put -- before the first if it is negative).")] = None,
            feature: Annotated[list[str] | None, typer.Option(
                "--feature", "-f", help="A feature by name, name=value, repeatable, instead of VALUES.")] = None,
            record_id: Annotated[str | None, typer.Option(help="Your own key for the record, for audit.")] = None,
            deadline_ms: Annotated[int | None, typer.Option(help="Answer within this many ms.")] = None,
            as_json: JsonFlag = False) -> None:
    """Score one record with every model of a data type and show the official answer."""
    body = {"features": features(values, feature)}
    if record_id:
        body["record_id"] = record_id
    if deadline_ms:
        body["deadline_ms"] = deadline_ms
    response = ctx.obj.request("POST", f"/v1/predict/{data_type}", json=body)
    if response.status_code >= 400 and response.status_code not in ANSWERED_WITHOUT_OUTPUT:
        raise failure(response)
    answer = response.json()
    show(answer, as_json, lambda console: print_answer(answer, console))
    if response.status_code in ANSWERED_WITHOUT_OUTPUT:
        raise CliFailure(ExitCode.FAILED, f"HTTP {response.status_code}: {answer.get('error', answer['reason'])}")


def features(values: list[float] | None, named: list[str] | None) -> list[float] | dict[str, float]:
    if bool(values) == bool(named):
        raise typer.BadParameter("give the feature values in order, or each one with --feature name=value",
                                 param_hint="VALUES / --feature")
    if values:
        return values
    out = {}
    for item in named:
        name, _, value = item.partition("=")
        try:
            number = float(value)  # a missing "=" leaves value empty, which fails here too
        except ValueError:
            number = None
        if number is None or not name.strip():
            raise typer.BadParameter(f"{item!r} is not name=number", param_hint="--feature")
        out[name.strip()] = number
    return out


def print_answer(answer: dict, console: Console) -> None:
    output = answer.get("output") or {}
    console.print(pairs(f"Answer for {answer['data_type']}", [
        ("label", output.get("label")), ("probabilities", ", ".join(f"{v:.3f}" for v in output.get("values", []))),
        ("model", model(answer.get("model"))), ("policy", answer.get("policy")), ("reason", answer.get("reason")),
        ("latency ms", answer.get("latency_ms")), ("waited ms", answer.get("waited_ms")),
        ("request id", answer["request_id"]), ("record id", answer.get("record_id"))]))
    rows = [[model(a["model"]), "answered", ms(a["latency_ms"]), ""] for a in answer.get("answered", [])]
    rows += [[model(e["model"]), "errored", ms(e["latency_ms"]), e["error"]] for e in answer.get("errored", [])]
    rows += [[model(m), "late", None, ""] for m in answer.get("late", [])]
    if rows:
        console.print(table("Every model", ["model", "outcome", "latency ms", "error"], rows, right={"latency ms"}))
