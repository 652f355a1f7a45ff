"""Command-line arguments of ``python -m loadtest`` and ``python -m loadtest check``."""

from __future__ import annotations

import argparse
from pathlib import Path

import orjson

from loadtest.config import RunConfig, default_out_dir, parse_known_versions
from loadtest.transport import TRANSPORTS

RUN_DESCRIPTION = """\
Drive load at the serving platform's predict API and check that no answer was
lost, duplicated or unexpected.

Modes:
  open    a fixed arrival rate (--rate): requests are launched on schedule
          whatever the server does, so queueing shows up as latency; latency
          is measured from each request's *scheduled* send time, so a stall
          cannot hide itself by delaying the requests that would have seen it
          (no coordinated omission).  At most --max-in-flight requests wait at
          once; requests beyond that are counted as "shed by client".
  closed  --concurrency clients, each sending its next request as soon as the
          previous one answered; throughput is whatever the server allows.

Outputs (in --out): ledger.jsonl (one line per request sent) and result.json
(config, totals, throughput, latency percentiles and per second, errors,
reasons, whether an open loop held its rate, and the ledger check).
Progress is printed to stderr once a second.

Exit status: 0 when the ledger check passes, 1 when it finds lost, duplicate,
unexpected or wrong-version answers (unless --no-fail), 2 on bad arguments.
"""

RUN_EPILOG = "Check an existing ledger: python -m loadtest check LEDGER (see its --help)."


def transport_name(value: str) -> str:
    if value not in TRANSPORTS:
        raise argparse.ArgumentTypeError(
            f"unknown transport {value!r}; valid transports: {', '.join(sorted(TRANSPORTS))}"
        )
    return value


def features_json(value: str) -> tuple:
    """One sample (a list of numbers or a {name: value} object) or a list of samples."""
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"--features is not JSON: {exc}") from None
    if isinstance(parsed, list) and parsed and all(isinstance(s, (list, dict)) for s in parsed):
        return tuple(parsed)
    if isinstance(parsed, (list, dict)) and parsed:
        return (parsed,)
    raise argparse.ArgumentTypeError("--features must be a list of numbers, an object, or a list of those")


def add_check_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grace-ms", type=float, metavar="MS", default=1000.0,
                        help="an answer later than the request's deadline_ms plus this is 'late' (default 1000)")
    parser.add_argument("--known-versions", metavar="NAME:VER,...",
                        help="models allowed to give official answers; others count as wrong_version")
    parser.add_argument("--no-fail", action="store_true",
                        help="exit 0 even when the ledger check finds problems")


def run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=RUN_DESCRIPTION,
                                     epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_load_options(parser.add_argument_group("load shape"))
    add_target_options(parser.add_argument_group("target"))
    output = parser.add_argument_group("output")
    output.add_argument("--out", metavar="DIR", help="result directory (default loadtest-results/<timestamp>/)")
    output.add_argument("--ledger", metavar="PATH", help="ledger path (default OUT/ledger.jsonl)")
    output.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    add_check_options(parser.add_argument_group("ledger check"))
    return parser


def add_load_options(group) -> None:
    group.add_argument("--mode", choices=("open", "closed"), default="open",
                       help="open or closed loop (default open)")
    group.add_argument("--rate", type=float, metavar="R", default=100.0,
                       help="open loop: requests per second (default 100)")
    group.add_argument("--concurrency", type=int, metavar="N", default=8,
                       help="closed loop: number of clients (default 8)")
    group.add_argument("--duration", type=float, metavar="SECONDS", default=10.0,
                       help="seconds of sending, warmup included; the run always ends after this "
                            "plus at most --timeout for the last answers (default 10)")
    group.add_argument("--requests", type=int, metavar="N", help="stop after sending this many requests")
    group.add_argument("--warmup", type=float, metavar="SECONDS", default=0.0,
                       help="requests scheduled in the first SECONDS are left out of the stats (default 0)")
    group.add_argument("--max-in-flight", type=int, metavar="N", default=1024,
                       help="open loop: most requests awaiting an answer; more are shed by the client "
                            "(default 1024)")


def add_target_options(group) -> None:
    group.add_argument("--base-url", metavar="URL[,URL...]", default="http://127.0.0.1:8000",
                       help="platform URL; several gateways of one platform, comma-separated, are taken "
                            "in turn (default %(default)s)")
    group.add_argument("--data-type", metavar="NAME", default="iris", help="data type to score (default iris)")
    group.add_argument("--transport", type=transport_name, metavar="NAME", default="http",
                       help=f"how to reach the platform: {', '.join(sorted(TRANSPORTS))} (default http)")
    group.add_argument("--bootstrap", metavar="HOST:PORT",
                       help="--transport kafka: the broker's bootstrap servers (default: $KAFKA_BOOTSTRAP, "
                            "else 127.0.0.1:9092); carried as the base URL kafka://HOST:PORT")
    group.add_argument("--features", type=features_json, metavar="JSON",
                       help='JSON input: [5.1,3.5,1.4,0.2], {"name": value}, or a list of samples to cycle '
                            "(default: six Iris rows)")
    group.add_argument("--deadline-ms", type=int, metavar="MS",
                       help="deadline_ms sent with each request (default: none, the policy's)")
    group.add_argument("--timeout", type=float, metavar="SECONDS", default=10.0,
                       help="seconds the client waits for an answer before counting an error (default 10)")
    group.add_argument("--connections", type=int, metavar="N",
                       help="connection pool size (default: --concurrency, or --max-in-flight in open loop)")


def check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loadtest check",
        description="Check a ledger written by a run: lost, duplicate, unexpected and wrong-version "
                    "answers, counts per status and reason, and latency percentiles. Exits 1 on problems.")
    parser.add_argument("ledger", metavar="LEDGER", help="path of a ledger.jsonl")
    parser.add_argument("--json", action="store_true", help="print the full check result as JSON")
    add_check_options(parser)
    return parser


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Raises ValueError with a readable message on inconsistent settings."""
    out_dir = default_out_dir() if args.out is None else Path(args.out)
    ledger_path = out_dir / "ledger.jsonl" if args.ledger is None else Path(args.ledger)
    optional = {"features": args.features} if args.features else {}
    base_url = args.base_url
    if getattr(args, "bootstrap", None):
        if args.transport != "kafka":
            raise ValueError("--bootstrap is for --transport kafka")
        base_url = f"kafka://{args.bootstrap}"
    return RunConfig(
        mode=args.mode, rate=args.rate, concurrency=args.concurrency, duration_s=args.duration,
        warmup_s=args.warmup, max_requests=args.requests, max_in_flight=args.max_in_flight,
        connections=args.connections, timeout_s=args.timeout, base_url=base_url,
        data_type=args.data_type, transport=args.transport, deadline_ms=args.deadline_ms,
        out_dir=out_dir, ledger_path=ledger_path, grace_ms=args.grace_ms,
        known_versions=parse_known_versions(args.known_versions), progress=not args.quiet,
        **optional,
    )
