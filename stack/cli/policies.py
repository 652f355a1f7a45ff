"""`rvs policies get|set`: the policy each data type's rendezvous applies. Setting one
publishes it to the compacted policies topic (ADMIN_TOKEN); every rendezvous instance
applies it within seconds. The gateway validates the parameters and names a bad one."""
from __future__ import annotations

import enum
from typing import Annotated

import typer

from common.policies import REGISTRY
from stack.cli.completion import complete_data_types
from stack.cli.output import JsonFlag, guarded, pairs, show, when

app = typer.Typer(help="Get or set a data type's policy (deadline, backstop, consensus, quality).",
                  no_args_is_help=True)
PolicyName = enum.Enum("PolicyName", [(name, name) for name in REGISTRY], type=str)
DataType = Annotated[str, typer.Argument(help="The data type, e.g. iris.", autocompletion=complete_data_types)]


@app.command("get")
@guarded
def get_policy(ctx: typer.Context, data_type: DataType, as_json: JsonFlag = False) -> None:
    """The policy in force for a data type, with its parameters (without one: `first`)."""
    body = ctx.obj.call("GET", f"/v1/data-types/{data_type}/policy")
    show(body, as_json, lambda console: console.print(policy_table(body)))


@app.command("set")
@guarded
def set_policy(ctx: typer.Context, data_type: DataType, policy: Annotated[PolicyName, typer.Argument()],
               param: Annotated[list[str] | None, typer.Option(
                   "--param", "-p", help="A parameter as name=value, repeatable: "
                                         "-p preferred=iris-forest -p backstop=iris-logreg -p deadline_ms=50")] = None,
               as_json: JsonFlag = False) -> None:
    """Set a data type's policy; unset parameters keep their defaults."""
    params = dict(parse_param(p) for p in param or [])
    body = ctx.obj.call("PUT", f"/v1/data-types/{data_type}/policy", "admin",
                        json={"policy": policy.value, "params": params})
    show(body, as_json, lambda console: console.print(policy_table(body, title=f"Policy set for {data_type}")))


def parse_param(text: str) -> tuple[str, str]:
    """name=value; values travel as strings and the gateway types them (deadline_ms=50 is an int)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise typer.BadParameter(f"{text!r} is not name=value", param_hint="--param")
    return name.strip(), value.strip()


def policy_table(body: dict, title: str | None = None):
    params = body.get("params") or {}
    rows = [("policy", body["policy"]), *((f"  {k}", v) for k, v in sorted(params.items()))]
    if body.get("updated_at_us"):
        rows.append(("updated (UTC)", when(body["updated_at_us"])))
    return pairs(title or f"Policy of {body['data_type']}", rows)
