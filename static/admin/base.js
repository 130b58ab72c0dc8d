// The administration page's shared ground: the session (static/lib/api.js) and its
// requests, the signed-in account, and the small drawing helpers every section uses.
import { ApiError, connect, problemOf } from "../lib/api.js";
import { japanTime } from "../lib/dates.js";
import { $, el, showBox } from "../lib/dom.js";
import { byCode } from "../lib/vocabulary.js";

export const SIGNED_OUT = new Error("signed out");

// The account signed in (GET /api/v1/auth/me); null with none, or with the bootstrap token.
export const state = { me: null };
export const hasRole = (role) => !!state.me && (state.me.roles || []).includes(role);
// Roles and professions by their Japanese label (lib/vocabulary.js); lang.js gives the English.
export const ROLE = byCode("roles", (t) => t.ja);
export const PROFESSION = byCode("professions", (t) => t.ja);

// The session's end redraws every section, and every section imports this module:
// main.js hands over what the end does (account.js signedOut).
let onSignedOut = () => {};
export function whenSignedOut(work) {
  onSignedOut = work;
}

// The session (stored pair, one refresh across tabs, one retry): lib/api.js.
export const { session } = connect({
  storage: window.sessionStorage,
  key: "rainbownet-admin-auth",
  signedOut: () => onSignedOut(),
  signedOutError: SIGNED_OUT,
  // Looking around the page before signing in is no expired session.
  signOutWhenMissing: false,
});

// --- requests -------------------------------------------------------------------------

// A request with the session's token, refreshed once on a 401. → {ok, status, json, resp}
export async function api(method, path, { body, contentType, cache } = {}) {
  const resp = await session.withRetry((token) => fetch(path, {
    method,
    headers: { authorization: "Bearer " + token, "content-type": contentType || "application/json" },
    body,
    cache: cache || "no-store",
  }));
  const text = await resp.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { title: "HTTP " + resp.status }; }
  return { ok: resp.ok, status: resp.status, json, resp };
}

// The same for an upload with a progress bar: XMLHttpRequest reports upload progress,
// fetch does not. → {ok, status, json}
export function upload(path, file, progress) {
  return session.withRetry((token) => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("authorization", "Bearer " + token);
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch (e) { json = null; }
      resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, json });
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(file);
  }));
}

export async function publicJson(path, cache) {
  const resp = await fetch(path, { cache: cache || "default" });
  return resp.json();
}

// A list's answer (its JSON), or an ApiError with the problem's lines (lib/list.js).
export async function getList(path) {
  const res = await api("GET", path);
  if (!res.ok) throw new ApiError(problemOf(res.json, res.status));
  return res.json;
}

// What a failed request says to the person: signed out is shown by the session already.
export function failure(target, error) {
  if (error === SIGNED_OUT) return;
  show(target, ["送信できませんでした。通信状態を確認してください。"], false);
}

// --- drawing --------------------------------------------------------------------------

export function show(target, lines, ok) {
  showBox($(target), lines, ok);
}

export function fillSelect(id, items, value, label) {
  const select = $(id);
  select.textContent = "";
  for (const item of items) {
    const option = el("option", null, label(item));
    option.value = value(item);
    select.appendChild(option);
  }
}

// Japan time, as the staff read it.
export function dateTime(iso) {
  return japanTime(iso, "minute");
}

// A row of an administrator's table: its cells as text, then its action buttons.
export function tableRow(texts, actions) {
  const row = el("tr");
  for (const text of texts) row.appendChild(el("td", null, text));
  const cell = el("td");
  for (const a of actions) {
    const button = el("button", "button secondary", a.text);
    button.type = "button";
    button.setAttribute("aria-label", a.label);
    button.addEventListener("click", a.onClick);
    cell.appendChild(button);
  }
  row.appendChild(cell);
  return row;
}

// A value as a form field shows it: nothing for none.
export const blank = (v) => (v === null || v === undefined ? "" : v);
