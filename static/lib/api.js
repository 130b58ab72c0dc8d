// Requests to the API, for the professional clients: JSON in and out, the bearer token,
// RFC 9457 problems turned into lines a person can read (each field's problem, in the
// reader's language), and the session (lib/session.js) that refreshes the token once on a
// 401 and retries.
import { $ } from "./dom.js";
import { pick } from "./i18n.js";
import * as sessions from "./session.js";

// One request. options: json (a body sent as JSON), body + contentType (sent as it is: a
// CSV file), headers, token.
export function send(method, path, options) {
  const opts = options || {};
  const headers = Object.assign({}, opts.headers || {});
  if (opts.token) headers.authorization = "Bearer " + opts.token;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.json);
  } else if (body !== undefined && opts.contentType) {
    headers["content-type"] = opts.contentType;
  }
  return fetch(path, { method: method, headers: headers, body: body, cache: "no-store" });
}

// An RFC 9457 problem (parsed) as lines of text: each field's problem when there are some
// (the general detail then only says "see errors"), else the detail. With no problem to
// read (an upload whose answer was not JSON), a line saying so, with the status if known.
export function problemOf(p, status) {
  const fields = ((p && p.errors) || []).map((e) => pick(e.detail_ja, e.detail)).filter(Boolean);
  if (fields.length) return fields;
  const said = p && (pick(p.detail_ja, p.detail) || pick(p.title_ja, p.title));
  if (said) return [said];
  return [status ? "処理できませんでした（HTTP " + status + "）" : "エラーが起きました。"];
}

// The same from a response's text (not JSON: a line saying so).
export function problemFromText(status, text) {
  try {
    return problemOf(JSON.parse(text), status);
  } catch (e) {
    return problemOf(null, status);
  }
}

export async function problemLines(resp) {
  let text = "";
  try { text = await resp.text(); } catch (e) { /* no body */ }
  return problemFromText(resp.status, text);
}

// A failed request: its lines, and the problem's field errors ([{ pointer, detail,
// detail_ja }]) to show each beside its field.
export class ApiError extends Error {
  constructor(lines, errors) {
    super(lines.join(" / "));
    this.lines = lines;
    this.errors = errors || [];
  }
}

export async function apiError(resp) {
  let text = "";
  try { text = await resp.text(); } catch (e) { /* no body */ }
  let errors = [];
  try { errors = JSON.parse(text).errors || []; } catch (e) { /* not a problem */ }
  return new ApiError(problemFromText(resp.status, text), Array.isArray(errors) ? errors : []);
}

// A page's session and its authorized requests. options: those of lib/session.js `create`
// (storage, key, signedOut, signedOutError, signOutWhenMissing, busy), and `send` when the
// page watches every request (the supporter's connection indicator).
export function connect(options) {
  const request = options.send || send;
  const session = sessions.create(Object.assign({}, options, {
    refresh: (token) => request("POST", "/api/v1/auth/refresh", { json: { refresh_token: token } }),
  }));
  // A request with the bearer token; on 401 one refresh and one retry, then sign out.
  const authorized = (method, path, opts) =>
    session.withRetry((token) => request(method, path, Object.assign({}, opts || {}, { token: token })));
  async function getJson(path) {
    const resp = await authorized("GET", path);
    if (!resp.ok) throw await apiError(resp);
    return resp.json();
  }
  return {
    session,
    request,
    authorized,
    getJson,
    getAll: (path) => sessions.allPages(getJson, path),
    tokens: () => session.tokens(),
    storeTokens: (json) => session.store(json),
  };
}

// A new Idempotency-Key. crypto.randomUUID exists only in secure contexts (a closed
// municipal network may serve plain http): otherwise a v4 UUID from getRandomValues.
export function newKey() {
  if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
}

// The login form every client has (#login-email, #login-password, #login-totp): sends it,
// empties the secrets and keeps the new pair. → null when signed in, else the lines to show.
// A network failure throws: each page says it in its own words.
export async function signIn(api) {
  const body = {
    email: $("login-email").value.trim(),
    password: $("login-password").value,
    totp: $("login-totp").value.replace(/\s/g, ""),
  };
  const resp = await api.request("POST", "/api/v1/auth/login", { json: body });
  $("login-password").value = "";
  $("login-totp").value = "";
  if (!resp.ok) return problemLines(resp);
  api.storeTokens(await resp.json());
  return null;
}

// Ends the session on this page, and on the server as far as it can be reached (best
// effort: offline, the tokens still die here).
export function signOut(api) {
  const auth = api.tokens();
  if (auth) {
    const json = { refresh_token: auth.refresh_token };
    api.request("POST", "/api/v1/auth/logout", { json: json, token: auth.access_token }).catch(() => {});
  }
  api.session.clear();
}
