// The audit search: a request id shows that request's decision and every score; a
// record id lists every request for it (GET /v1/audit?record_id=) and opens the newest.
import { call, seg } from "./api.js";
import { el, num } from "./dom.js";

export async function search(query, container) {
  container.replaceChildren(el("p", { class: "muted" }, "searching…"));
  try {
    container.replaceChildren(...await find(query.trim(), container));
  } catch (err) {
    container.replaceChildren(el("p", { class: "result error" }, err.message));
  }
}

async function find(query, container) {
  if (!query) return [el("p", { class: "muted" }, "type a request id or a record id")];
  try {
    return [renderRecord(await call("GET", `/v1/audit/${seg(query)}`))];
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  const { requests } = await call("GET", `/v1/audit?record_id=${seg(query)}`);
  if (!requests.length) return [el("p", { class: "result error" }, `no request or record with id ${query}`)];
  const list = el("ul", { class: "requests" }, requests.map((r) => el("li", {},
    el("button", { type: "button", class: "link", on: { click: () => search(r.request_id, container) } }, r.request_id),
    ` ${new Date(r.enqueued_at_us / 1000).toISOString()} ${r.reason} `,
    r.model ? `${r.model.name}:${r.model.version}` : "no model")));
  const newest = await call("GET", `/v1/audit/${seg(requests[requests.length - 1].request_id)}`);
  return [el("p", {}, `record ${query}: ${requests.length} request(s)`), list, renderRecord(newest)];
}

function renderRecord({ request, decision, scores }) {
  const chosen = decision.model ? `${decision.model.name}:${decision.model.version}` : "no model";
  return el("article", { class: "audit-record", "data-request-id": request.request_id },
    el("h3", {}, `request ${request.request_id}`),
    el("dl", {},
      el("dt", {}, "data type"), el("dd", {}, request.data_type),
      el("dt", {}, "record id"), el("dd", {}, request.record_id ?? "–"),
      el("dt", {}, "input"), el("dd", {}, JSON.stringify(request.input.named && Object.keys(request.input.named).length
        ? request.input.named : request.input.values)),
      el("dt", {}, "decision"), el("dd", { class: "decision" },
        `${decision.policy}: ${decision.reason}, answered by ${chosen}`,
        decision.output ? ` with label ${decision.output.label}` : "", `, after waiting ${num(decision.waited_ms, 2)} ms`),
      decision.late.length ? [el("dt", {}, "late"), el("dd", {}, decision.late.map((m) => `${m.name}:${m.version}`).join(", "))] : null),
    el("table", { class: "scores" },
      el("thead", {}, el("tr", {}, ["model", "version", "label", "values", "latency (ms)", "late", "error"].map((h) => el("th", {}, h)))),
      el("tbody", {}, scores.map((s) => el("tr", { "data-model": `${s.model.name}:${s.model.version}`, class: s.late ? "late" : "" },
        el("td", {}, s.model.name), el("td", {}, s.model.version), el("td", {}, s.output.label),
        el("td", {}, s.output.values.map((v) => num(v, 3)).join(" ")), el("td", {}, num(s.latency_ms, 2)),
        el("td", {}, s.late ? "late" : ""), el("td", { class: "error" }, s.error ?? ""))))));
}
