// The supporter's page's shared ground: what the phone keeps (its keys in localStorage),
// the page's state, the session (static/lib/api.js) with every request watched for the
// status bar, and the status bar itself.
import { connect, problemLines, send } from "../../lib/api.js";
import { japanTime } from "../../lib/dates.js";
import { $, bilingual } from "../../lib/dom.js";
import { say } from "../../lib/i18n.js";
import { byCode } from "../../lib/vocabulary.js";

// localStorage, not sessionStorage: the supporter must survive a reload with no signal.
export const KEY_AUTH = "rainbownet-disaster-auth";
export const KEY_EVENTS = "rainbownet-disaster-events";
export const KEY_EVENT = "rainbownet-disaster-event";
export const KEY_PEOPLE = "rainbownet-disaster-people";
export const SIGNED_OUT = new Error("signed out");

// A check-in's status → { ja, en }, in the order of the card's buttons (lib/vocabulary.js).
export const STATUS = byCode("checkin_statuses");

export const state = {
  events: [],
  event: null,
  people: [],
  pending: [], // queue items, oldest first
  errors: {}, // person id → why the server refused the last check-in
  refused: [], // {event_id, person_id, line}: refused check-ins, listed once their card is gone
  sent: {}, // person id → the last check-in sent from this page (see overlaySent)
  lastSend: null, // "ok" | "network" | "server": result of the last request
  sending: false,
  again: false,
};

// --- small helpers -------------------------------------------------------------------

export function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch (e) {
    return null;
  }
}

export function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    warnStorage("この端末に一覧を保存できません。電波のない場所では表示できないことがあります。");
  }
}

export function forget(key) {
  try {
    localStorage.removeItem(key);
  } catch (e) {
    /* nothing stored */
  }
}

export function warnStorage(text) {
  const box = $("storage-warning");
  box.textContent = say(text);
  box.hidden = false;
}

// Reports are read in Japan whatever the phone's settings say.
export function timeOf(iso) {
  return japanTime(iso, "short");
}

// --- tokens and requests ---------------------------------------------------------------

// Every request goes through here, so the indicator always shows the last result.
async function watched(method, path, options) {
  let resp;
  try {
    resp = await send(method, path, options);
  } catch (e) {
    setLastSend("network");
    throw e;
  }
  setLastSend(resp.status >= 500 || resp.status === 429 ? "server" : "ok");
  return resp;
}

// Its end forgets the people drawn on the page, and every module imports this one:
// main.js hands over what the end does (signin.js signedOut).
let onSignedOut = () => {};
export function whenSignedOut(work) {
  onSignedOut = work;
}

// The session (stored pair, shared by this page's tabs in localStorage; one refresh
// across tabs; one retry) and its requests: lib/api.js.
export const api = connect({
  storage: localStorage,
  key: KEY_AUTH,
  signedOutError: SIGNED_OUT,
  signOutWhenMissing: false,
  signedOut: () => onSignedOut(),
  send: watched,
});
export const { session, tokens, getAll } = api;

// A request with the bearer token; on 401 one refresh and one retry, then sign out.
export function authorized(method, path, body, headers) {
  return api.authorized(method, path, { json: body, headers: headers });
}

// The problem (RFC 9457) as one line, Japanese when the server gave it.
export async function problemText(resp) {
  return (await problemLines(resp)).join(" / ");
}

// --- the status bar --------------------------------------------------------------------

export function renderCounter() {
  const n = String(state.pending.length);
  $("queue-count-n").textContent = n;
  $("queue-count").classList.toggle("has-pending", state.pending.length > 0);
}

function setLastSend(result) {
  state.lastSend = result;
  renderNet();
}

// navigator.onLine=false is reliable; true only means "some network", so the result of
// the last request decides whether the server is really reachable.
export function renderNet() {
  const node = $("net-status");
  let key = "online";
  if (navigator.onLine === false) key = "offline";
  else if (state.lastSend === "network") key = "unreachable";
  else if (state.lastSend === "server") key = "busy";
  const text = {
    online: ["オンライン", "Online"],
    offline: ["オフライン（電波なし）", "Offline"],
    unreachable: ["サーバーに接続できません", "Server unreachable"],
    busy: ["サーバー混雑中・あとで再送します", "Server busy, will retry"],
  }[key];
  node.dataset.state = key;
  bilingual(node, text[0], text[1]);
}
