// The chart data layer, in one place: the windowed stats endpoints' series
// (GET /v1/data-types/{dt}/stats/windows: answers and latency per tumbling window;
// GET /v1/models/{name}/stats/windows: per version wins, late, errors per window)
// turned into what the charts plot: one value per window, on a time axis of window
// starts. Nothing is computed across polls: each poll's answer is the whole series.

// Window widths the endpoints take (?width=), in seconds.
export const WIDTHS = { "10s": 10, "60s": 60 };
export const WINDOWS_SHOWN = 60;  // 10 minutes of 10 s windows, an hour of 60 s ones

// What each chart plots, and the unit of its y axis. Counts are divided by the window's
// width, so a 10 s and a 60 s chart read on the same scale.
export const CHARTS = {
  throughput: { title: "Throughput", unit: "answers/s, mean over each window" },
  latency: { title: "Latency", unit: "ms, p50 and p99 of each window" },
  wins: { title: "Wins per model version", unit: "/s, mean over each window" },
  late: { title: "Late scores per model version", unit: "/s, mean over each window" },
  errors: { title: "Errors per model version", unit: "/s, mean over each window" },
};

// The start (s since the epoch) of the window holding `seconds`: the stats app's
// alignment, multiples of the width since the epoch.
export const windowStart = (seconds, width) => Math.floor(seconds / width) * width;

// The shared time axis: the last WINDOWS_SHOWN window starts up to the one now filling.
// The endpoints leave out windows with no answers, so the axis comes from the clock,
// not from the windows: a quiet minute is a run of zeros, not a line that stops.
export function timeAxis(nowMs, width) {
  const newest = windowStart(nowMs / 1000, width);
  return Array.from({ length: WINDOWS_SHOWN }, (_, i) => newest - (WINDOWS_SHOWN - 1 - i) * width);
}

// windows: {dataTypes: {dt: [DataTypeWindow]}, models: {name: {version: [ModelWindow]}}},
// as the endpoints answered (oldest first) -> {times: [window start], charts: {chart:
// {series name: [value or null per time]}}}. A count missing from the series is zero;
// a latency missing is a gap (no answers, no latency).
export function chartSeries(windows, widthName, nowMs) {
  const width = WIDTHS[widthName];
  const times = timeAxis(nowMs, width);
  const perSecond = (count) => count / width;
  const charts = { throughput: {}, latency: {}, wins: {}, late: {}, errors: {} };
  for (const [dt, series] of sorted(windows.dataTypes)) {
    charts.throughput[dt] = along(times, series, (w) => perSecond(w.answers), 0);
    for (const q of ["p50", "p99"]) charts.latency[`${dt} ${q}`] = along(times, series, (w) => w.latency_ms?.[q] ?? null, null);
  }
  for (const [name, versions] of sorted(windows.models)) {
    for (const [version, series] of sorted(versions)) {
      for (const counter of ["wins", "late", "errors"]) {
        charts[counter][`${name}:${version}`] = along(times, series, (w) => perSecond(w[counter]), 0);
      }
    }
  }
  return { times, charts };
}

// By name: the responses arrive in any order, and a line keeps its colour from poll to poll.
const sorted = (object) => Object.entries(object).sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));

// One value per time on the axis: the window starting then, or `missing`. Windows
// older than the axis are left out.
function along(times, series, value, missing) {
  const byStart = new Map(series.map((w) => [w.start, w]));
  return times.map((t) => (byStart.has(t) ? value(byStart.get(t)) : missing));
}
