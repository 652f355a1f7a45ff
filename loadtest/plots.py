"""PNG plots of a run, for people: latency over time and the latency histogram.

Uses matplotlib's object API with the Agg canvas (no display, no global pyplot
state), so it works on headless machines and inside tests.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

# Plain numbers ("0.5", "2", "20") on log axes instead of 5x10^-1 notation; minor
# ticks are labelled only at 2x and 5x so the labels do not run into each other.
PLAIN_NUMBERS = FuncFormatter(lambda value, _position: f"{value:g}")
PLAIN_2_AND_5 = FuncFormatter(
    lambda value, _position: f"{value:g}" if round(value / 10 ** math.floor(math.log10(value))) in (2, 5) else ""
)


def _new_axes(title: str):
    figure = Figure(figsize=(10, 5.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    return figure, axes


def plot_latency_over_time(per_second: list[dict], warmup_s: float, path: Path, subtitle: str) -> Path:
    """p50 and p99 per 1-second bucket of scheduled send time, with the send rate."""
    figure, axes = _new_axes(f"Latency over time\n{subtitle}")
    handles = []
    if per_second:
        seconds = [bucket["second"] + 0.5 for bucket in per_second]  # bucket centres
        handles += axes.plot(seconds, [b["p50"] for b in per_second], marker="o", label="p50 latency")
        handles += axes.plot(seconds, [b["p99"] for b in per_second], marker="o", label="p99 latency")
        rate_axes = axes.twinx()
        handles += rate_axes.step(seconds, [b["count"] for b in per_second], where="mid", color="grey",
                                  alpha=0.6, label="requests answered, by send second (right axis)")
        rate_axes.set_ylabel("requests per second")
        rate_axes.set_ylim(bottom=0)
    else:
        axes.text(0.5, 0.5, "no answers", transform=axes.transAxes, ha="center")
    if warmup_s > 0:
        handles.append(axes.axvspan(0, warmup_s, color="grey", alpha=0.15, label="warmup (not in stats)"))
    axes.set_xlabel("scheduled send time (seconds since start)")
    axes.set_ylabel("latency (ms)")
    axes.set_ylim(bottom=0)
    if handles:  # one legend below the plot, so it never hides a line
        figure.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    figure.savefig(path)
    return path


def plot_latency_histogram(latencies_ms: list[float], summary: dict, path: Path, subtitle: str) -> Path:
    """Histogram on log-spaced bins (log x axis), with p50/p99/p99.9 marked."""
    figure, axes = _new_axes(f"Latency distribution\n{subtitle}")
    positive = [value for value in latencies_ms if value > 0]
    if positive:
        low, high = min(positive), max(positive)
        high = max(high, low * 1.01)  # one distinct value still needs a bin width
        bins = np.logspace(np.log10(low), np.log10(high), 60)
        axes.hist(positive, bins=bins, color="tab:blue", alpha=0.8)
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(PLAIN_NUMBERS)
        axes.xaxis.set_minor_formatter(PLAIN_2_AND_5)
        for key, colour in (("p50", "tab:green"), ("p99", "tab:orange"), ("p99.9", "tab:red")):
            if summary.get(key):
                axes.axvline(summary[key], color=colour, linestyle="--", label=f"{key} = {summary[key]:.2f} ms")
        axes.legend(loc="upper right")
    else:
        axes.text(0.5, 0.5, "no answers", transform=axes.transAxes, ha="center")
    axes.set_xlabel("latency (ms, log scale)")
    axes.set_ylabel("requests")
    figure.savefig(path)
    return path
