"""The platform's command line: `rvs up`, `rvs models publish|list|role`, `rvs replay` (or `python -m stack ...`)."""
from __future__ import annotations

import argparse
import sys

from stack import models_cli, replay_cli


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="rvs", description="Rendezvous serving platform")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="run the whole platform in the foreground on the embedded default")
    up.add_argument("--no-demo", action="store_true", help="don't train and publish the iris demo models")
    up.add_argument("--run-dir", default=".run", help="where logs go (default .run)")
    up.add_argument("--gateways", type=int, default=1, choices=range(1, 9), metavar="N",
                    help="gateway processes, on GATEWAY_PORT and the ports after it (default 1)")
    up.add_argument("--rendezvous", type=int, default=1, choices=range(1, 9), metavar="N",
                    help="rendezvous instances, sharing the request partitions (default 1)")
    models_cli.add_parser(sub)
    replay_cli.add_parser(sub)
    args = parser.parse_args(argv)
    if args.command == "up":
        from stack.up import run
        sys.exit(run(demo=not args.no_demo, run_dir=args.run_dir, gateways=args.gateways,
                     rendezvous=args.rendezvous))
    if args.command == "replay":
        sys.exit(replay_cli.run(args))
    sys.exit(models_cli.run(args))
