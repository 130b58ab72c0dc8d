// The HQ screen's shared ground: its state, the session (static/lib/api.js) and its
// requests, the status line, and the small helpers every part of the report uses.
import { ApiError, connect } from "../../lib/api.js";
import { japanTime } from "../../lib/dates.js";
import { $, el } from "../../lib/dom.js";
import { say } from "../../lib/i18n.js";
import { byCode } from "../../lib/vocabulary.js";

const KEY_AUTH = "rainbownet-hq-auth";
export const SVG = "http://www.w3.org/2000/svg";
// Event kinds by their Japanese label (lib/vocabulary.js); lang.js gives the English.
export const KINDS = byCode("event_kinds", (t) => t.ja);
export const SIGNED_OUT = new Error("signed out");

export const state = { me: null, events: [], event: null, summary: null, towns: {}, loading: false, again: false, timer: null };

// --- small helpers -------------------------------------------------------------------

export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, String(attrs[k])));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Reports go to the mayor in Japan: always Japan time, whatever the PC is set to.
export function timeOf(iso, short) {
  return japanTime(iso, short ? "short" : "second", "—");
}

export function reportedOf(d) {
  return (d.safe || 0) + (d.needs_attention || 0);
}

// Reported share as a whole percentage, or null when nobody is on the register there.
export function shareOf(d) {
  return d.total > 0 ? reportedOf(d) / d.total : null;
}

export function percent(d) {
  const share = shareOf(d);
  return share === null ? "—" : Math.round(share * 100) + "%";
}

// A district's name may be missing from the register: its code stands in.
export function districtName(d) {
  return d.name || d.district_name || d.code || d.district_code;
}

export function townName(code) {
  return state.towns[code] ? state.towns[code] + "（" + code + "）" : code;
}

export function setStatus(lines, ok) {
  const box = $("hq-status");
  box.textContent = "";
  if (!lines.length) { box.className = ""; return; }
  box.className = ok ? "notice" : "errors";
  const list = el("ul");
  lines.forEach((line) => list.appendChild(el("li", null, say(line))));
  box.appendChild(list);
}

// --- tokens and requests ---------------------------------------------------------------

// A JSON body, or a register file sent as it is (the server reads UTF-8 or Shift_JIS).
function bodyOf(body) {
  return body instanceof Blob ? { body: body, contentType: "text/csv" } : { json: body };
}

// The session (stored pair, one refresh across tabs, one retry) and its requests: lib/api.js.
export const api = connect({
  storage: sessionStorage,
  key: KEY_AUTH,
  signedOutError: SIGNED_OUT,
  signOutWhenMissing: false,
  signedOut: () => signedOut(),
});
export const { session, tokens, getJson, getAll } = api;

// The access token lives minutes and the screen stays open for hours: refresh on 401.
export function authorized(method, path, body) {
  return api.authorized(method, path, bodyOf(body));
}

export function reportError(e) {
  if (e === SIGNED_OUT) return;
  if (e instanceof ApiError) setStatus(e.lines, false);
  else setStatus(["サーバーに接続できません。通信状態を確認してください。"], false);
}

export function isOpen(event) {
  return event.status ? event.status === "open" : !event.closed_at;
}

export function isHq() {
  const roles = (state.me && state.me.roles) || [];
  return roles.indexOf("disaster_hq") >= 0 || roles.indexOf("sysadmin") >= 0;
}

export function isStaff() {
  const roles = (state.me && state.me.roles) || [];
  return isHq() || roles.indexOf("municipal_staff") >= 0;
}

export function showDeclareResult(lines, ok, boxId) {
  const box = $(boxId || "declare-result");
  box.textContent = "";
  box.className = ok ? "notice" : "errors";
  const list = el("ul");
  lines.forEach((line) => list.appendChild(el("li", null, say(line))));
  box.appendChild(list);
}

// --- signing out -------------------------------------------------------------------------

export function showSignin(message) {
  $("signin").hidden = false;
  $("hq").hidden = true;
  $("login-status").textContent = message || "";
  if (state.timer) { clearInterval(state.timer); state.timer = null; }
}

export function signedOut() {
  session.clear();
  showSignin("ログインの有効期限が切れました。もう一度ログインしてください。");
}
