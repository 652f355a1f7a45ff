"""`rvs up`: run the whole platform in the foreground (what `make up` runs). The stack
itself is imported only when asked for, so the other commands start fast."""
from __future__ import annotations

from typing import Annotated

import typer



def up(no_demo: Annotated[bool, typer.Option("--no-demo", help="Don't train and publish the iris demo models.")]
       = False,
       run_dir: Annotated[str, typer.Option(help="Where logs go.")] = ".run",
       gateways: Annotated[int, typer.Option(min=1, max=8, metavar="N", help="Gateway processes, on GATEWAY_PORT "
                                             "and the ports after it.")] = 1,
       rendezvous: Annotated[int, typer.Option(min=1, max=8, metavar="N", help="Rendezvous instances, sharing "
                                               "the request partitions.")] = 1) -> None:
    """Run the whole platform in the foreground on the embedded default (broker, Redis, Ray, services)."""
    from stack.up import run

    raise typer.Exit(run(demo=not no_demo, run_dir=run_dir, gateways=gateways, rendezvous=rendezvous))
