// The console's entry point: the token form, the poll loop (every ~2 s, one poll at a
// time) that redraws the tables and charts, and the audit and policy forms.
import { call, token } from "./api.js";
import { search } from "./audit.js";
import { LineChart } from "./chart.js";
import { el, showResult } from "./dom.js";
import { updateLive } from "./live.js";
import { dataTypesOf, renderDataTypes, renderModels } from "./models.js";
import { currentPolicy, loadPolicySchemas, setPolicy, showParams } from "./policy.js";
import { CHARTS } from "./series.js";

const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);
const charts = Object.fromEntries([...document.querySelectorAll("figure.chart")].map(
  (figure) => [figure.dataset.chart, new LineChart(figure, CHARTS[figure.dataset.chart])]));
let schemas = {};  // {policy name: Params schema}
let policyFormStarted = false;  // the policy form was filled with the first data type's policy

async function poll() {
  const started = Date.now();
  try {
    const { models } = await call("GET", "/v1/models");
    const dataTypes = dataTypesOf(models);
    const policies = Object.fromEntries(await Promise.all(dataTypes.map(
      async (dt) => [dt, await currentPolicy(dt).catch((err) => ({ error: err.message }))])));
    renderDataTypes($("data-types").tBodies[0], models, policies);
    renderModels($("models").tBodies[0], models, $("admin-result"));
    $("data-type-names").replaceChildren(...dataTypes.map((dt) => el("option", { value: dt })));
    if (!policyFormStarted && dataTypes.length) {  // once: later polls leave the user's typing alone
      policyFormStarted = true;
      $("policy-data-type").value ||= dataTypes[0];
      if (Object.keys(schemas).length) loadCurrentPolicy();
    }
    await updateStats(models, dataTypes);
    showResult($("poll-state"), true, `updated ${new Date().toLocaleTimeString()}`);
  } catch (err) {
    showResult($("poll-state"), false, err.message);
  }
  setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started)));
}

async function updateStats(models, dataTypes) {
  if (!token.get()) {
    $("live-note").textContent = "(the charts and the canary table need the audit or the admin token)";
    return;
  }
  await updateLive(models, dataTypes, charts, $("stats-width").value, $("canary"));
  $("live-note").textContent = `(every ${POLL_MS / 1000} s)`;
}

function showTokenState() {
  $("token-state").textContent = token.get() ? "token set, kept in this tab only" : "no token: models and policies only";
}

$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token.set($("token-input").value.trim());
  $("token-input").value = "";
  showTokenState();
});
$("token-forget").addEventListener("click", () => { token.set(""); showTokenState(); });

$("audit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  search($("audit-query").value, $("audit-result"));
});

$("policy-name").addEventListener("change", () => showParams($("policy-params"), schemas[$("policy-name").value]));
// The form starts from the policy in force, so a change is an edit of what is there.
async function loadCurrentPolicy() {
  try {
    const policy = await currentPolicy($("policy-data-type").value);
    $("policy-name").value = policy.policy;
    showParams($("policy-params"), schemas[policy.policy], policy.params);
    showResult($("policy-result"), true, `loaded the policy in force for ${policy.data_type}`);
  } catch (err) {
    showResult($("policy-result"), false, err.message);
  }
}
$("policy-load").addEventListener("click", loadCurrentPolicy);
$("policy-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setPolicy($("policy-data-type").value, $("policy-name").value, $("policy-params"), $("policy-result"));
});

loadPolicySchemas().then((loaded) => {
  schemas = loaded;
  $("policy-name").replaceChildren(...Object.keys(schemas).map((name) => el("option", { value: name }, name)));
  showParams($("policy-params"), Object.values(schemas)[0]);
  if (policyFormStarted) loadCurrentPolicy();
}).catch((err) => showResult($("policy-result"), false, `policies unavailable: ${err.message}`));

showTokenState();
poll();
