"""Render the Grafana dashboard's panels from a real Prometheus into one PNG:
`python -m loadtest.dashboard --prometheus http://127.0.0.1:9090 --minutes 10`.

Each panel's queries are the dashboard JSON's own (docs/grafana/rendezvous-serving.json),
evaluated by Prometheus's query_range API; matplotlib draws them on the dashboard's
grid. It is a rendering of the same data, not a screenshot of Grafana, and says so
under the charts."""
from __future__ import annotations

import argparse
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "docs" / "grafana" / "rendezvous-serving.json"
QueryRange = Callable[[str, float, float, float], list[dict]]  # (expr, start, end, step) -> Prometheus's result
# How each Grafana unit is drawn: (scale, axis label).
UNITS = {"s": (1000.0, "ms"), "reqps": (1.0, "per second"), "ops": (1.0, "per second"), "none": (1.0, "")}


def prometheus_query_range(base_url: str) -> QueryRange:
    def query(expr: str, start: float, end: float, step: float) -> list[dict]:
        response = httpx.get(f"{base_url}/api/v1/query_range", timeout=30,
                             params={"query": expr, "start": start, "end": end, "step": step})
        response.raise_for_status()
        return response.json()["data"]["result"]
    return query


def legend(template: str, labels: dict) -> str:
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), template).strip()


def panel_series(panel: dict, query: QueryRange, start: float, end: float, step: float) -> list[tuple]:
    """(legend, times, values) of every series the panel's queries return."""
    series = []
    for target in panel["targets"]:
        for result in query(target["expr"], start, end, step):
            points = [(float(t), float(v)) for t, v in result["values"] if v not in ("NaN", "+Inf", "-Inf")]
            if points:
                times, values = zip(*points)
                series.append((legend(target.get("legendFormat", ""), result["metric"]), times, values))
    return series


def render(dashboard: dict, query: QueryRange, start: float, end: float, out: Path, note: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = dashboard["panels"]
    rows = max((p["gridPos"]["y"] + p["gridPos"]["h"]) // 8 for p in panels)
    fig, axes = plt.subplots(rows, 2, figsize=(16, 3.4 * rows), squeeze=False)
    step = max(5.0, (end - start) / 240)
    for panel in panels:
        ax = axes[panel["gridPos"]["y"] // 8][panel["gridPos"]["x"] // 12]
        scale, label = UNITS.get(panel["fieldConfig"]["defaults"].get("unit", "none"), (1.0, ""))
        for name, times, values in panel_series(panel, query, start, end, step):
            ax.plot([(t - start) / 60 for t in times], [v * scale for v in values], label=name, linewidth=1.2)
        ax.set_title(panel["title"], fontsize=10, loc="left")
        ax.set_ylabel(label, fontsize=8)
        ax.set_xlabel("minutes", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=6, loc="upper left", ncol=2, framealpha=0.6)
        else:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="grey")
    fig.suptitle(f"{dashboard['title']}: {datetime.fromtimestamp(start, timezone.utc):%Y-%m-%d %H:%M} UTC, "
                 f"{(end - start) / 60:.0f} minutes", fontsize=12)
    fig.text(0.5, 0.005, note, ha="center", fontsize=8, color="dimgrey", wrap=True)
    fig.tight_layout(rect=(0, 0.02, 1, 0.98))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m loadtest.dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090", help="Prometheus's URL")
    parser.add_argument("--minutes", type=float, default=10, help="how far back from now to draw (default 10)")
    parser.add_argument("--dashboard", type=Path, default=DASHBOARD, help="the Grafana dashboard JSON")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "grafana" / "dashboard.png")
    parser.add_argument("--note", default="Rendered with matplotlib by `python -m loadtest.dashboard` from the "
                        "dashboard JSON's own queries, evaluated by Prometheus; not a Grafana screenshot.")
    args = parser.parse_args(argv)
    end = time.time()
    render(orjson.loads(args.dashboard.read_bytes()), prometheus_query_range(args.prometheus),
           end - args.minutes * 60, end, args.out, args.note)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
