// Canary against champion: per data type, every live version's stats side by side
// (GET /v1/models/{name}/stats): agreement with the official answer, latency, wins,
// late scores and errors. The champion serves; a canary (role warm) scores the same
// traffic without ever answering.
import { el, num } from "./dom.js";

const ORDER = { serve: 0, warm: 1, backstop: 2, candidate: 3 };
const ROWS = [
  ["scored", (s) => s.count ?? 0],
  ["agreement with the official answer", (s) => (s.agreement === null || s.agreement === undefined ? "–" : `${num(s.agreement * 100)} %`)],
  ["latency p50 (ms)", (s) => num(s.latency_ms?.p50, 2)],
  ["latency p99 (ms)", (s) => num(s.latency_ms?.p99, 2)],
  ["wins", (s) => s.wins ?? 0],
  ["late", (s) => s.late ?? 0],
  ["errors", (s) => s.errors ?? 0],
];

// models: GET /v1/models's list; stats: {name: {version: stats}}
export function renderCanary(container, models, stats) {
  const live = models.filter((m) => m.role !== "retired" && m.role in ORDER)
    .sort((a, b) => ORDER[a.role] - ORDER[b.role] || a.name.localeCompare(b.name));
  const byDataType = group(live);
  container.replaceChildren(...[...byDataType.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([dt, versions]) => {
    const columns = versions.map((m) => ({ m, s: stats[m.name]?.[m.version] || {} }));
    return el("table", { class: "canary", "data-data-type": dt },
      el("caption", {}, dt),
      el("thead", {}, el("tr", {}, el("th", {}, ""), columns.map(({ m }) => el("th", { "data-model": `${m.name}:${m.version}` },
        `${m.name}:${m.version}`, el("br"), el("span", { class: `role role-${m.role}` }, label(m.role)))))),
      el("tbody", {}, ROWS.map(([name, value]) => el("tr", {}, el("th", {}, name), columns.map(({ s }) => el("td", {}, value(s)))))));
  }));
}

function label(role) {
  return { serve: "champion (serve)", warm: "canary (warm)" }[role] || role;
}

function group(items) {
  const out = new Map();
  for (const m of items) out.set(m.data_type, [...(out.get(m.data_type) || []), m]);
  return out;
}
