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
                                               "the request partitions.")] = 1,
       brokers: Annotated[int, typer.Option(min=1, max=5, metavar="N", help="Kafka brokers on loopback: 1, or a "
                                            "KRaft cluster whose topics have replication factor 3 and "
                                            "min.insync.replicas 2 (3 or more).")] = 1,
       ray_worker_nodes: Annotated[int, typer.Option(min=0, max=4, metavar="N", help="Ray worker nodes on this "
                                                     "machine besides a Ray head; the demo models get one replica "
                                                     "per node.")] = 0) -> None:
    """Run the whole platform in the foreground on the embedded default (broker, Redis, Ray, services)."""
    from stack.up import run

    raise typer.Exit(run(demo=not no_demo, run_dir=run_dir, gateways=gateways, rendezvous=rendezvous,
                         brokers=brokers, ray_worker_nodes=ray_worker_nodes))
