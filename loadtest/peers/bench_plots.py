"""The PNGs BENCHMARKS.md shows: latency against offered rate for every system,
and the platform's throughput and p99 against models per data type and replicas.

matplotlib's object API on the Agg canvas: no display, no global pyplot state."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from loadtest.peers.summary import Point, past_knee

PLAIN_NUMBERS = FuncFormatter(lambda value, _position: f"{value:g}")  # "20", not 2x10^1, on log axes

COLOURS = {"platform": "tab:blue", "baseline": "tab:green", "ray-serve": "tab:red"}


def _figure(width: float = 10, height: float = 5.5, columns: int = 1):
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, columns)
    return figure, axes


def plot_latency_vs_rate(points: list[Point], path: Path, subtitle: str = "") -> Path:
    """p50 (solid) and p99 (dashed) against offered rate, log-log; a cross marks a point past the knee."""
    figure, axes = _figure()
    systems = sorted({p.system for p in points if p.mode == "open"}, key=lambda s: list(COLOURS).index(s)
                     if s in COLOURS else 99)
    for system in systems:
        sweep = sorted((p for p in points if p.mode == "open" and p.system == system), key=lambda p: p.rate)
        colour = COLOURS.get(system)
        for key, style, label in (("p50", "-", "p50"), ("p99", "--", "p99")):
            xs = [p.rate for p in sweep if getattr(p, key)]
            ys = [getattr(p, key) for p in sweep if getattr(p, key)]
            axes.plot(xs, ys, style, marker="o", color=colour, label=f"{system} {label}")
        for p in sweep:
            if past_knee(p) and p.p99:
                axes.plot([p.rate], [p.p99], "x", color="black", markersize=12, markeredgewidth=2)
            if p.rate_held is False and p.p99:
                axes.plot([p.rate], [p.p99], "o", color="grey", markerfacecolor="none", markersize=14)
    if not any(p.mode == "open" and p.p50 and p.p50 > 0 for p in points):
        axes.text(0.5, 0.5, "no open-loop points", transform=axes.transAxes, ha="center")
        figure.savefig(path)
        return path
    axes.plot([], [], "x", color="black", label="past the knee (>5% not official or p99 > 1 s)")
    axes.plot([], [], "o", color="grey", markerfacecolor="none", label="client did not hold the rate (sent late or too few)")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.xaxis.set_major_formatter(PLAIN_NUMBERS)
    axes.yaxis.set_major_formatter(PLAIN_NUMBERS)
    axes.set_xlabel("offered load, open loop (requests per second, log scale)")
    axes.set_ylabel("latency from scheduled send (ms, log scale)")
    axes.set_title("Latency against offered rate: 3 ONNX models per request" + (f"\n{subtitle}" if subtitle else ""))
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    figure.savefig(path)
    return path


def plot_cost_growth(points: list[Point], path: Path, subtitle: str = "") -> Path:
    """Two panels: models per data type (1, 3, 5; one replica each), and replicas per model (3 models)."""
    figure, (by_models, by_replicas) = _figure(12, 5.5, 2)
    closed = [p for p in points if p.system == "platform" and p.mode == "closed" and p.models and p.replicas
              and "Kafka" not in p.label]
    models = sorted((p for p in closed if p.replicas == 1), key=lambda p: p.models)
    replicas = sorted((p for p in closed if p.models == 3), key=lambda p: p.replicas)
    _growth_panel(by_models, [p.models for p in models], models, "models per data type (one replica each)")
    _growth_panel(by_replicas, [p.replicas for p in replicas], replicas, "runner replicas per model (3 models)")
    figure.suptitle("Platform cost growth, closed loop (16 connections)" + (f"\n{subtitle}" if subtitle else ""))
    figure.savefig(path)
    return path


def _growth_panel(axes, xs: list[int], points: list[Point], xlabel: str) -> None:
    if not points:
        axes.text(0.5, 0.5, "not measured", transform=axes.transAxes, ha="center")
        return
    positions = list(range(len(xs)))
    bars = axes.bar(positions, [p.ok_per_s for p in points], color="tab:blue", alpha=0.7,
                    label="official answers/s (left)")
    axes.bar_label(bars, fmt="%.0f")
    axes.set_xticks(positions, [str(x) for x in xs])
    axes.set_xlabel(xlabel)
    axes.set_ylabel("official answers per second")
    axes.set_ylim(bottom=0)
    latency = axes.twinx()
    lines = latency.plot(positions, [p.p99 for p in points], "o-", color="tab:orange", label="p99 ms (right)")
    lines += latency.plot(positions, [p.p50 for p in points], "s--", color="tab:olive", label="p50 ms (right)")
    latency.set_ylabel("latency (ms)")
    latency.set_ylim(bottom=0)
    axes.legend(handles=[bars, *lines], loc="lower left", fontsize="small")
    axes.grid(True, axis="y", alpha=0.3)
