"""How every command prints: rich tables for people by default, the gateway's JSON with
--json for scripts, and errors on stderr with the exit code that says what failed.
Progress goes to stderr too, so stdout holds only the result."""
from __future__ import annotations

import functools
import json
from datetime import datetime, timezone
from typing import Annotated, Any, Callable

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from stack.cli.gateway import CliFailure

JsonFlag = Annotated[bool, typer.Option("--json", help="Print the gateway's JSON instead of tables, for scripts.")]


def stdout() -> Console:
    return Console(highlight=False)  # made per call: it writes to whatever sys.stdout is then


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def show(body: Any, as_json: bool, render: Callable[[Console], None]) -> None:
    """The result: JSON as the gateway sent it with --json, else rendered for people."""
    if as_json:
        typer.echo(json.dumps(body, indent=2))
    else:
        render(stdout())


def guarded(command: Callable) -> Callable:
    """Turn a CliFailure into its message on stderr (and the body on stdout with --json)
    and its exit code. functools.wraps keeps the signature typer reads the options from."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CliFailure as failed:
            if kwargs.get("as_json") and failed.body is not None:
                typer.echo(json.dumps(failed.body, indent=2))
            stderr().print(f"[bold red]error:[/bold red] {escape(failed.message)}", soft_wrap=True)
            raise typer.Exit(int(failed.code)) from None
    return run


def pairs(title: str, rows: list[tuple[str, Any]]) -> Table:
    """A two-column table of names and values: one object at a glance."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for name, value in rows:
        table.add_row(name, cell(value))
    return table


def table(title: str, columns: list[str], rows: list[list[Any]], right: set[str] = frozenset()) -> Table:
    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column, justify="right" if column in right else "left")
    for row in rows:
        out.add_row(*(cell(v) for v in row))
    return out


def cell(value: Any) -> str | Text:
    """A value as a table shows it: '-' for nothing, floats kept short, markup escaped."""
    if isinstance(value, Text):  # already styled by the caller
        return value
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "-"
    return escape(str(value))


def model(ref: dict | None) -> str | None:
    return f"{ref['name']}:{ref['version']}" if ref else None


def pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}%"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def when(us: int | None) -> str | None:
    """Microseconds since the epoch, as a UTC time a person reads."""
    if not us:
        return None
    return datetime.fromtimestamp(us / 1e6, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
