"""``python -m loadtest``: run a load test, or ``check`` an existing ledger."""

from __future__ import annotations

import asyncio
import sys
import time

import orjson

from loadtest.cli_args import check_parser, config_from_args, run_parser
from loadtest.config import RunConfig, parse_known_versions
from loadtest.ledger import LedgerWriter, read_ledger
from loadtest.ledger_check import check_entries, check_ledger, format_check
from loadtest.live import LiveStats, ProgressDisplay
from loadtest.report import build_result, format_summary, write_result
from loadtest.runner import LoadRunner
from loadtest.transport import load_transport


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check"]:
        return check_command(argv[1:])
    if argv[:1] == ["run"]:
        argv = argv[1:]
    return run_command(argv)


def check_command(argv: list[str]) -> int:
    parser = check_parser()
    args = parser.parse_args(argv)
    try:
        known = parse_known_versions(args.known_versions)
        result = check_ledger(args.ledger, args.grace_ms, known)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() if args.json else format_check(result))
    return 0 if result["passed"] or args.no_fail else 1


def run_command(argv: list[str]) -> int:
    parser = run_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        transport = load_transport(config.transport, config)
    except ValueError as exc:
        parser.error(str(exc))
    config.out_dir.mkdir(parents=True, exist_ok=True)
    stats = LiveStats()
    wall_offset = time.time() - time.perf_counter()  # perf_counter() -> epoch seconds
    ledger = LedgerWriter(config.ledger_path, wall_offset)
    if hasattr(transport, "bind_ledger"):  # unexpected answers belong in the ledger the checker reads
        transport.bind_ledger(ledger.write_line)
    runner = LoadRunner(config, transport, ledger, stats, ProgressDisplay(stats) if config.progress else None)
    try:
        elapsed_s = asyncio.run(_drive(runner, transport))
    finally:
        ledger.close()
    result = report(config, stats, runner.started + wall_offset, elapsed_s)
    print(format_summary(result), file=sys.stderr)
    print(format_check(result["ledger_check"]), file=sys.stderr)
    print(f"results in {config.out_dir}", file=sys.stderr)
    return 0 if result["ledger_check"]["passed"] or args.no_fail else 1


async def _drive(runner: LoadRunner, transport) -> float:
    await transport.open()
    try:
        return await runner.run()
    finally:
        await transport.close()


def report(config: RunConfig, stats: LiveStats, started_wall: float, elapsed_s: float) -> dict:
    """Check the ledger, then write result.json."""
    entries = read_ledger(config.ledger_path)
    check = check_entries(entries, config.grace_ms, config.known_versions)
    result = build_result(config, entries, stats, started_wall, elapsed_s, check)
    write_result(result, config.out_dir)
    return result
