"""`python -m loadtest.chaos`: run the fault matrix, one fresh platform per fault.

    python -m loadtest.chaos --faults redis,gateway --rate 100 --duration 60 --out chaos-results

Writes OUT/<fault>/result.json for each fault, OUT/results.json and OUT/table.md, and
exits 1 if any fault broke the contract (lost, duplicate or unexpected answers, or a
check of its own)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

from loadtest.chaos.faults import all_faults, slug
from loadtest.chaos.runner import RunSettings, run_fault
from loadtest.chaos.table import table


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", metavar="NAME,...", default="",
                        help="faults to run, by any part of their names (default: all; --list shows them)")
    parser.add_argument("--cheap", action="store_true", help="only the faults cheap enough for `make test`")
    parser.add_argument("--rate", type=float, metavar="R",
                        help="open-loop requests/s (default: half the capacity measured on each fresh platform)")
    parser.add_argument("--duration", type=float, default=60.0, metavar="S", help="seconds of load per fault")
    parser.add_argument("--inject-after", type=float, default=20.0, metavar="S",
                        help="seconds into the load when the fault is injected")
    parser.add_argument("--out", default=f"chaos-results/{time.strftime('%Y%m%d-%H%M%S')}", metavar="DIR")
    parser.add_argument("--list", action="store_true", help="list the faults and exit")
    return parser.parse_args(argv)


def chosen(args: argparse.Namespace) -> list:
    faults = [f for f in all_faults() if f.cheap or not args.cheap]
    wanted = [w.strip().lower() for w in args.faults.split(",") if w.strip()]
    picked = [f for f in faults if not wanted or any(w in slug(f) for w in wanted)]
    if wanted and not picked:
        raise SystemExit(f"no fault matches {args.faults!r}; the faults: {', '.join(slug(f) for f in faults)}")
    return picked


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    faults = chosen(args)
    if args.list:
        print("\n".join(f"{slug(f):<50} {f.name}" for f in faults))
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = RunSettings(out, args.rate, args.duration, args.inject_after)
    started, results = time.monotonic(), []
    for number, fault in enumerate(faults, 1):
        print(f"[chaos] {number}/{len(faults)} ", end="", flush=True)
        results.append(run_fault(fault, settings, say=lambda line: print(f"[chaos] {line}", flush=True)))
        print(f"[chaos] {'pass' if results[-1]['passed'] else 'FAIL: ' + '; '.join(results[-1]['problems'])}",
              flush=True)
    elapsed = time.monotonic() - started
    (out / "results.json").write_bytes(orjson.dumps({"elapsed_s": round(elapsed, 1), "results": results},
                                                    option=orjson.OPT_INDENT_2))
    (out / "table.md").write_text(table(results))
    print(table(results))
    print(f"[chaos] {len(results)} faults in {elapsed / 60:.1f} min; results in {out}")
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
