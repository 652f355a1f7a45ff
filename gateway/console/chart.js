// A line chart drawn as SVG: one line per series over a shared time axis (window
// starts), broken where a value is missing. Small and dependency-free on purpose (no
// chart library, no CDN). The figure carries its newest window's values in data-latest,
// that window's start in data-newest, and its state in data-state ("ok", or
// "unavailable" with the reason drawn instead of the lines): what a test can read.
import { el, svg } from "./dom.js";

const PALETTE = ["#2364aa", "#e4572e", "#3da35d", "#8e44ad", "#f3a712", "#17becf", "#7f7f7f", "#bc5090"];
const W = 320, H = 130, LEFT = 44, BOTTOM = 16, TOP = 8;

export class LineChart {
  constructor(figure, { title, unit }) {
    Object.assign(this, { figure, title, unit });
    this.show([], {});
  }

  // times: window starts (s since the epoch), oldest first; lines: {series name:
  // [value or null per time]}.
  show(times, lines) {
    const latest = Object.fromEntries(Object.entries(lines).map(([name, values]) => [name, values[values.length - 1]])
      .filter(([, value]) => value !== null && value !== undefined));
    Object.assign(this.figure.dataset, { state: "ok", latest: JSON.stringify(latest), points: String(times.length),
                                         newest: String(times[times.length - 1] ?? "") });
    this.draw(times, lines, null);
  }

  // The series could not be read: say so on the chart, rather than draw a stale or
  // made-up line.
  unavailable(reason) {
    Object.assign(this.figure.dataset, { state: "unavailable", latest: "{}", points: "0", newest: "" });
    this.draw([], {}, reason);
  }

  draw(times, lines, reason) {
    const all = Object.values(lines).flat().filter((v) => v !== null);
    const top = niceCeiling(Math.max(0, ...all));
    const x = (i) => LEFT + (i * (W - LEFT - 8)) / Math.max(times.length - 1, 1);
    const y = (v) => H - BOTTOM - ((H - BOTTOM - TOP) * v) / top;
    const drawn = Object.entries(lines).flatMap(([name, values], index) => {
      const colour = PALETTE[index % PALETTE.length];
      return runs(values).map((run) => (run.length === 1  // a window between two gaps: a dot
        ? svg("circle", { cx: x(run[0]).toFixed(1), cy: y(values[run[0]]).toFixed(1), r: 1.5, fill: colour, "data-series": name })
        : svg("polyline", { points: run.map((i) => `${x(i).toFixed(1)},${y(values[i]).toFixed(1)}`).join(" "),
                            fill: "none", stroke: colour, "stroke-width": 1.5, "data-series": name })));
    });
    const clock = (t) => new Date(t * 1000).toLocaleTimeString();
    const axis = svg("g", { class: "axis" },
      svg("line", { x1: LEFT, y1: y(0), x2: W - 4, y2: y(0) }), svg("line", { x1: LEFT, y1: TOP, x2: LEFT, y2: y(0) }),
      svg("text", { x: LEFT - 4, y: TOP + 8, "text-anchor": "end" }, formatTick(top)),
      svg("text", { x: LEFT - 4, y: y(0), "text-anchor": "end" }, "0"),
      times.length ? svg("text", { x: LEFT, y: H - 2 }, clock(times[0])) : null,
      times.length ? svg("text", { x: W - 4, y: H - 2, "text-anchor": "end" }, `${clock(times[times.length - 1])} (filling)`) : null,
      reason ? svg("text", { x: (LEFT + W) / 2, y: H / 2, "text-anchor": "middle", class: "unavailable" }, reason) : null);
    const legend = el("ul", { class: "legend" }, Object.keys(lines).map((name, index) => {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = PALETTE[index % PALETTE.length];  // CSSOM, allowed by the CSP's style-src
      return el("li", {}, swatch, name);
    }));
    this.figure.replaceChildren(el("figcaption", {}, `${this.title} `, el("span", { class: "muted" }, this.unit)),
      svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": this.title }, axis, ...drawn),
      legend);
  }
}

// The indexes of each unbroken run of values.
function runs(values) {
  const found = [];
  values.forEach((v, i) => {
    if (v === null) return;
    if (i > 0 && values[i - 1] !== null) found[found.length - 1].push(i);
    else found.push([i]);
  });
  return found;
}

// 1, 2 or 5 times a power of ten, at least the value: a y axis that reads well.
function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((c) => c >= value);
}

function formatTick(value) {
  return value >= 10 ? String(Math.round(value)) : String(Number(value.toPrecision(2)));
}
