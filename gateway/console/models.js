// The data types with their policy, and every model version with its role, status
// and replicas ready, with the admin's role changes (promote, warm, retire).
import { call, seg } from "./api.js";
import { el, showResult } from "./dom.js";

// The role each action publishes (POST /v1/models/{name}/versions/{version}/role).
const ACTIONS = [["Promote", "serve"], ["Warm", "warm"], ["Retire", "retired"]];

export function dataTypesOf(models) {
  return [...new Set(models.map((m) => m.data_type))].sort();
}

// policies: {data type: the policy GET /v1/data-types/{dt}/policy returned, or its error}
export function renderDataTypes(tbody, models, policies) {
  tbody.replaceChildren(...dataTypesOf(models).map((dt) => {
    const policy = policies[dt] || {};
    const live = models.filter((m) => m.data_type === dt && m.role !== "retired");
    const serving = live.filter((m) => m.status === "ready").map((m) => `${m.name}:${m.version} (${m.role})`);
    return el("tr", { "data-data-type": dt }, el("td", {}, dt),
      el("td", { class: "policy" }, policy.policy || el("span", { class: "muted" }, policy.error || "…")),
      el("td", {}, Object.entries(policy.params || {}).map(([k, v]) => `${k}=${v}`).join(", ")),
      el("td", {}, serving.join(", ") || el("span", { class: "error" }, "nothing ready")));
  }));
}

// A role change shows its outcome in `result`; the next poll shows the new role.
export function renderModels(tbody, models, result) {
  tbody.replaceChildren(...models.map((m) => {
    const key = `${m.name}:${m.version}`;
    const buttons = ACTIONS.map(([label, role]) => el("button", {
      type: "button", "data-role": role, disabled: m.role === role,
      on: { click: () => changeRole(m, role, result) } }, label));
    const replicas = m.role === "retired" ? "–" : `${m.replicas_ready ?? 0} / ${m.resources?.replicas ?? "?"}`;
    return el("tr", { "data-model": key, class: m.role === "retired" ? "retired" : "" },
      el("td", {}, m.name), el("td", {}, m.version), el("td", {}, m.data_type), el("td", {}, m.format),
      el("td", { class: `role role-${m.role}` }, m.role),
      el("td", { class: `status status-${m.status}`, title: m.reason || "" }, m.status || "published",
         m.reason ? el("span", { class: "muted" }, ` ${m.reason}`) : null),
      el("td", {}, replicas), el("td", { class: "actions" }, buttons));
  }));
}

async function changeRole(model, role, result) {
  const key = `${model.name}:${model.version}`;
  try {
    await call("POST", `/v1/models/${seg(model.name)}/versions/${seg(model.version)}/role`, { role });
    showResult(result, true, `${key}: role ${role} published; in force within seconds`);
  } catch (err) {
    showResult(result, false, `${key} → ${role} refused: ${err.message}`);
  }
}
