"""`rvs models list|show|role` (and `publish`, in publish.py): the admin API's model
versions as tables. Listing and showing need no token; changing a role needs ADMIN_TOKEN."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from common.domain import Role
from stack.cli import publish
from stack.cli.completion import complete_data_types, complete_model_names
from stack.cli.output import JsonFlag, guarded, pct, show, table, when

app = typer.Typer(help="Publish model versions, list them, show one's history, change a role.",
                  no_args_is_help=True)
app.command()(publish.publish)
ModelName = Annotated[str, typer.Argument(help="The model's name.", autocompletion=complete_model_names)]


@app.command("list")
@guarded
def list_models(ctx: typer.Context,
                data_type: Annotated[str | None, typer.Option(help="Only the versions of this data type.",
                                                              autocompletion=complete_data_types)] = None,
                as_json: JsonFlag = False) -> None:
    """Every model version with its data type, role, status and replicas ready."""
    body = ctx.obj.call("GET", "/v1/models")
    if data_type:
        body = {**body, "models": [m for m in body["models"] if m.get("data_type") == data_type]}
    show(body, as_json, lambda console: console.print(versions_table("Model versions", body["models"])))


@app.command("show")
@guarded
def show_model(ctx: typer.Context, name: ModelName, as_json: JsonFlag = False) -> None:
    """A model's versions, its history of publications, roles and statuses, and its replays."""
    body = ctx.obj.call("GET", f"/v1/models/{name}")
    show(body, as_json, lambda console: print_model(body, console))


@app.command("role")
@guarded
def change_role(ctx: typer.Context, name: ModelName, version: str, role: Role, as_json: JsonFlag = False) -> None:
    """Promote a warm version to serve, make one the backstop, or retire it (in force within seconds)."""
    body = ctx.obj.call("POST", f"/v1/models/{name}/versions/{version}/role", "admin", json={"role": role.value})
    show(body, as_json, lambda console: console.print(f"{body['model']} is now [bold]{body['role']}[/bold]"))


def versions_table(title: str, versions: list[dict]):
    rows = [[m["name"], m["version"], m.get("data_type"), m.get("format"), m.get("role"), status(m),
             replicas(m), m.get("reason")] for m in versions]
    return table(title, ["name", "version", "data type", "format", "role", "status", "replicas ready", "reason"],
                 rows, right={"replicas ready"})


def status(m: dict) -> Text:
    colour = {"ready": "green", "failed": "red", "loading": "yellow", "pending": "yellow"}.get(m.get("status", ""))
    return Text(m.get("status", ""), style=colour or "")


def replicas(m: dict) -> str:
    wanted = (m.get("resources") or {}).get("replicas")
    return f"{m.get('replicas_ready', 0)}/{wanted}" if wanted else str(m.get("replicas_ready", ""))


def print_model(body: dict, console: Console) -> None:
    console.print(versions_table(f"Model {body['name']}", body["versions"]))
    history = [[e.get("version"), e.get("event"), e.get("reason"), when(e.get("at_us"))] for e in body["history"]]
    console.print(table("History", ["version", "event", "reason", "at (UTC)"], history))
    replays = [[version, r["replay_id"], r["status"], r.get("rows"), pct(r.get("agreement")),
                when(r.get("created_at_us"))] for version, runs in body.get("replays", {}).items() for r in runs]
    if replays:
        console.print(table("Replays", ["version", "replay", "status", "rows", "agreement", "asked at (UTC)"],
                            replays, right={"rows", "agreement"}))

