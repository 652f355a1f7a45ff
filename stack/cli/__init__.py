"""`rvs`, the platform's command line (also `python -m stack`): models, policies,
predictions, audit, stats and replays through the gateway's HTTP API, and `rvs up`.

Tables by default, `--json` for scripts, exit codes that say what failed
(exit_codes.py), and shell completion (`rvs --install-completion`)."""
from __future__ import annotations

from typing import Annotated

import httpx
import typer

from stack.cli import audit, models, policies, predict, replay, stats, up
from stack.cli.exit_codes import epilog
from stack.cli.gateway import Gateway

HELP = "Rendezvous serving: publish models, set policies, predict, audit, and run the platform."


def build_app(transport: httpx.BaseTransport | None = None) -> typer.Typer:
    """The `rvs` command; tests pass an httpx transport to stand in for the gateway."""
    # Tracebacks never show local variables: they would print the tokens.
    app = typer.Typer(name="rvs", help=HELP, epilog=epilog(), no_args_is_help=True,
                      pretty_exceptions_show_locals=False, context_settings={"help_option_names": ["-h", "--help"]})

    @app.callback()
    def connect(ctx: typer.Context,
                url: Annotated[str, typer.Option(envvar="RVS_URL", help="The gateway.")] = "http://127.0.0.1:8000",
                admin_token: Annotated[str, typer.Option(envvar="ADMIN_TOKEN", show_default=False,
                                                         help="For writes: publish, role, policies set, replay.")]
                = "",
                audit_token: Annotated[str, typer.Option(envvar="AUDIT_TOKEN", show_default=False,
                                                         help="For audit and stats reads (else the admin token).")]
                = "",
                timeout: Annotated[float, typer.Option(help="Seconds to wait for each HTTP answer.")] = 30.0) -> None:
        gateway = Gateway(url, admin_token, audit_token, timeout, transport)
        ctx.obj = gateway
        ctx.call_on_close(gateway.close)

    app.add_typer(models.app, name="models")
    app.add_typer(policies.app, name="policies")
    app.add_typer(stats.app, name="stats")
    app.command()(predict.predict)
    app.command()(audit.audit)
    app.command()(replay.replay)
    app.command()(up.up)
    return app


def main(argv: list[str] | None = None) -> None:
    """The `rvs` console script."""
    build_app()(args=argv, prog_name="rvs")
