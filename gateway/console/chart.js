// A line chart drawn as SVG: one line per series over the last `capacity` polls.
// Small and dependency-free on purpose (no chart library, no CDN). The figure carries
// its latest values in data-latest, which is what a test or a script can read.
import { el, svg } from "./dom.js";

const PALETTE = ["#2364aa", "#e4572e", "#3da35d", "#8e44ad", "#f3a712", "#17becf", "#7f7f7f", "#bc5090"];
const W = 320, H = 130, LEFT = 44, BOTTOM = 16, TOP = 8;

export class LineChart {
  constructor(figure, { title, unit }, capacity = 60) {
    Object.assign(this, { figure, title, unit, capacity, points: 0, series: new Map() });
    this.draw();
  }

  // values: {series name: number}; a series missing from one poll has a gap there.
  push(values) {
    for (const name of Object.keys(values)) {
      if (!this.series.has(name)) this.series.set(name, new Array(this.points).fill(null));
    }
    for (const [name, line] of this.series) line.push(values[name] ?? null);
    this.points += 1;
    if (this.points > this.capacity) {
      for (const line of this.series.values()) line.shift();
      this.points = this.capacity;
    }
    this.figure.dataset.latest = JSON.stringify(values);
    this.figure.dataset.points = String(this.points);
    this.draw();
  }

  draw() {
    const all = [...this.series.values()].flat().filter((v) => v !== null);
    const top = niceCeiling(Math.max(0, ...all));
    // The polls so far span the width; past `capacity` the oldest scroll off the left.
    const x = (i) => LEFT + (i * (W - LEFT - 8)) / Math.max(this.points - 1, 1);
    const y = (v) => H - BOTTOM - ((H - BOTTOM - TOP) * v) / top;
    const lines = [...this.series.entries()].flatMap(([name, values], index) => {
      const colour = PALETTE[index % PALETTE.length];
      const points = values.map((v, i) => (v === null ? null : [x(i), y(v)])).filter(Boolean);
      const last = points[points.length - 1];
      return [svg("polyline", { points: points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" "),
                                fill: "none", stroke: colour, "stroke-width": 1.5, "data-series": name }),
              last ? svg("circle", { cx: last[0].toFixed(1), cy: last[1].toFixed(1), r: 2, fill: colour }) : null];
    });
    const axis = svg("g", { class: "axis" },
      svg("line", { x1: LEFT, y1: y(0), x2: W - 4, y2: y(0) }), svg("line", { x1: LEFT, y1: TOP, x2: LEFT, y2: y(0) }),
      svg("text", { x: LEFT - 4, y: TOP + 8, "text-anchor": "end" }, formatTick(top)),
      svg("text", { x: LEFT - 4, y: y(0), "text-anchor": "end" }, "0"),
      svg("text", { x: W - 4, y: H - 2, "text-anchor": "end" }, `the last ${this.points} polls`));
    const legend = el("ul", { class: "legend" }, [...this.series.keys()].map((name, index) => {
      const swatch = el("span", { class: "swatch" });
      swatch.style.background = PALETTE[index % PALETTE.length];  // CSSOM, allowed by the CSP's style-src
      return el("li", {}, swatch, name);
    }));
    this.figure.replaceChildren(el("figcaption", {}, `${this.title} `, el("span", { class: "muted" }, this.unit)),
      svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": this.title }, axis, ...lines.filter(Boolean)),
      legend);
  }
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
