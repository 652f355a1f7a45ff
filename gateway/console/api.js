// Every call the console makes to the gateway's JSON API goes through call(): the
// token rides in the Authorization header, never in a URL, and an error comes back
// as the gateway wrote it ({"error": ..., "detail": [...]}) with its HTTP status.

const TOKEN_KEY = "rvs-console-token";

// sessionStorage: the token lives as long as this tab, is never sent anywhere but
// this origin's API, and is gone when the tab closes.
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || "",
  set: (value) => value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    const detail = ((body && body.detail) || []).map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
    const what = (body && body.error) || "no JSON answer";
    super(status ? `HTTP ${status}: ${what}${detail ? ` (${detail})` : ""}` : what);
    this.status = status;
  }
}

export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (token.get()) headers.Authorization = `Bearer ${token.get()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, cache: "no-store",
                                   body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, { error: `the gateway could not be reached (${err.message})` });
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

// A path segment from data (a model name, a request id), escaped.
export const seg = encodeURIComponent;
