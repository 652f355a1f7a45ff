// Setting a data type's policy. The policies and their parameters come from the
// gateway's own OpenAPI spec (the PUT body's discriminator), so a policy added to the
// platform shows up here with no change; the gateway validates what is sent.
import { call, seg } from "./api.js";
import { el, showResult } from "./dom.js";

const PATH = "/v1/data-types/{data_type}/policy";

// {policy name: its Params schema}, read from /openapi.json.
export async function loadPolicySchemas() {
  const spec = await call("GET", "/openapi.json");
  const resolve = (ref) => ref.split("/").slice(1).reduce((node, key) => node[key], spec);
  const body = spec.paths[PATH].put.requestBody.content["application/json"].schema;
  return Object.fromEntries(Object.entries(body.discriminator.mapping).map(
    ([name, ref]) => [name, resolve(resolve(ref).properties.params.$ref)]));
}

export function showParams(container, schema, values = {}) {
  container.replaceChildren(...Object.entries(schema.properties).map(([name, field]) => {
    const types = [field.type, ...(field.anyOf || []).map((t) => t.type)];
    const required = (schema.required || []).includes(name);
    const input = field.enum
      ? el("select", { name }, el("option", { value: "" }, "(default)"), field.enum.map((v) => el("option", { value: v }, v)))
      : el("input", { name, type: types.some((t) => t === "integer" || t === "number") ? "number" : "text",
                      step: "any", required, placeholder: field.default ?? "" });
    input.value = values[name] ?? "";
    input.dataset.numeric = String(types.some((t) => t === "integer" || t === "number"));
    return el("label", { title: field.description || "" }, `${name}${required ? " *" : ""} `, input);
  }));
}

// The form's parameters as JSON of the declared types; an empty field keeps the default.
function readParams(container) {
  const params = {};
  for (const input of container.querySelectorAll("[name]")) {
    if (input.value === "") continue;
    params[input.name] = input.dataset.numeric === "true" ? Number(input.value) : input.value;
  }
  return params;
}

export async function setPolicy(dataType, policy, container, result) {
  try {
    const body = await call("PUT", `/v1/data-types/${seg(dataType)}/policy`, { policy, params: readParams(container) });
    const params = Object.entries(body.params).map(([k, v]) => `${k}=${v}`).join(", ");
    showResult(result, true, `${dataType}: ${body.policy} ${params} published; every rendezvous applies it within seconds`);
  } catch (err) {
    showResult(result, false, `policy for ${dataType} refused: ${err.message}`);
  }
}

export async function currentPolicy(dataType) {
  return call("GET", `/v1/data-types/${seg(dataType)}/policy`);
}
