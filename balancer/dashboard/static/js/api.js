// The JSON API, from the page: the same routes any client uses, with the
// signed-in token in X-Auth-Token (doc/source/dashboard.rst).

const TOKEN_KEY = "balancer.dashboard.token";
const TENANT_KEY = "balancer.dashboard.tenant";

export const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  tenant: sessionStorage.getItem(TENANT_KEY),
  authenticated: false,
  user: null,
  operator: false,
};

export function remember(token, tenant) {
  session.token = token;
  session.tenant = tenant;
  for (const [key, value] of [[TOKEN_KEY, token], [TENANT_KEY, tenant]]) {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  }
}

// An error the API answered: {"error": {"code", "title", "message", "field"?}}
export class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || "the server answered " + status);
    this.status = status;
    this.field = error && error.field;
    this.title = error && error.title;
  }
}

export async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (session.token) headers["X-Auth-Token"] = session.token;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, { message: "the server cannot be reached (" + err.message + ")" });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data && data.error);
    if (response.status === 401) window.dispatchEvent(new CustomEvent("balancer:signed-out"));
    throw error;
  }
  return data;
}

export function tenantPath(rest = "") {
  return "/" + encodeURIComponent(session.tenant) + "/loadbalancers" + rest;
}

export const PENDING = ["BUILD", "PENDING_UPDATE", "PENDING_DELETE"];
