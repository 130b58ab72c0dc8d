// The care client's shared ground: its constants, the domain's labels (the server's lists,
// static/lib/vocabulary.js), the page's state, small helpers and the session (static/lib/api.js).
import { ApiError, connect, newKey, send } from "../lib/api.js";
import { japanTime, JST } from "../lib/dates.js";
import { $, showBox as showList } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";
import { byCode } from "../lib/vocabulary.js";

export const SVG = "http://www.w3.org/2000/svg";
export const KEY_AUTH = "rainbownet-care-auth";
export const SIGNED_OUT = new Error("signed out");
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_FILES = 10; // per post
export const FILE_TYPES = {
  "image/png": [".png"],
  "image/jpeg": [".jpg", ".jpeg"],
  "image/webp": [".webp"],
  "application/pdf": [".pdf"],
};
export const TABS = ["timeline", "info", "team", "vitals", "nearby", "family"];

// The domain's lists and their labels, code → { ja, en } or code → the label in the
// reader's language (a label composed into a longer text); a code missing reads as itself.
const named = (t) => pick(t.ja, t.en);
export const CATEGORY = byCode("post_categories");
export const PROJECT_KIND = byCode("project_kinds");
export const CARE_LEVEL = byCode("care_levels", named);
export const SEX = byCode("sexes", named);
export const PROFESSION = byCode("professions", named);
export const CONSENT = byCode("consent_methods", named);
export const RELATION = byCode("relations", named);
export const PROJECT_ROLE = { owner: { ja: "主催者", en: "Owner" }, member: { ja: "メンバー", en: "Member" } };
export const VIEWS = ["invite-view", "signin", "patients-view", "patient-view", "projects-view", "project-view", "messages-view", "thread-view", "settings-view"];
export const NAV = { patients: "patients", patient: "patients", projects: "projects", project: "projects", messages: "messages", thread: "messages", settings: "settings" };
// The server's kinds (functions/core/src/care/vitals.rs), with how they are shown.
// `span`: the least height of a chart's y axis, so that 48.2 → 49.0 kg reads as the
// small change it is, not as a cliff.
export const VITALS = [
  { code: "blood_pressure", ja: "血圧", en: "Blood pressure", unit: "mmHg", digits: 0, span: 50 },
  { code: "pulse", ja: "脈拍", en: "Pulse", unit: "回/分", digits: 0, span: 30 },
  { code: "temperature", ja: "体温", en: "Temperature", unit: "℃", digits: 1, span: 2 },
  { code: "spo2", ja: "SpO2", en: "SpO2", unit: "%", digits: 0, span: 8 },
  { code: "weight", ja: "体重", en: "Weight", unit: "kg", digits: 1, span: 6 },
  { code: "respiration", ja: "呼吸数", en: "Respiration", unit: "回/分", digits: 0, span: 12 },
];

export const state = {
  me: null,
  patients: [],
  patientId: null,
  patient: null,
  tab: "timeline",
  posts: [],
  nextCursor: null,
  seenUnread: new Set(), // posts that were unread when this page showed them: 新着
  loaded: {}, // tab → loaded for the current patient
  vitals: [],
  nearby: [],
  nearbyPrintUrl: null,
  categories: null,
  uploads: new Map(), // File → attachment id, so a retry does not upload twice
  draft: null, // { signature, key }: the Idempotency-Key of the post being sent
  measuredSet: false, // the measuring time was typed in (else: now)
  posting: false,
  templates: null, // the document templates (GET /api/v1/care/templates), once
  docDraft: null, // { signature, key } of the document being sent
  introDraft: null, // { signature, key } of the introduction being sent
  counts: { patients: 0, projects: 0, messages: 0 }, // unread, for the menu
  projects: [],
  projectId: null,
  project: null,
  projectPosts: [],
  projectCursor: null,
  projectDraft: null,
  chosen: new Map(), // members picked for a new project: id → directory entry
  conversations: [],
  threadWith: null,
  thread: [], // newest first, as the server pages them
  threadCursor: null,
  messageDraft: null,
  invite: null, // { token } while #invite=… is open; { enrolment } once accepted
  // The patient's family (issue #34): the invitations, and the one just made (its code,
  // URL and QR are shown once); the readings' thresholds and the alerts they raised.
  invitations: [],
  madeInvitation: null,
  thresholds: [],
  alerts: [],
  homeBp: null,
  qRequests: [], // the questionnaires sent to the patient, newest first
};
export const images = new Map(); // "patient/attachment" → Promise of a data: URL

// --- small helpers -------------------------------------------------------------------

// Is `id` still the patient on screen? (An answer for another one is dropped.)
export function current(id) {
  return state.patientId === id;
}

export function showOnly(id) {
  VIEWS.forEach((s) => { $(s).hidden = s !== id; });
}

export function careLevelOf(code) {
  return code ? CARE_LEVEL[code] || code : "";
}

// Folded for search: katakana as hiragana, no spaces, full-width letters as ASCII.
export function folded(text) {
  return String(text || "").normalize("NFKC").replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .replace(/\s+/g, "").toLowerCase();
}

// Names and people's own words: shown as written in either language (translate="no").
export function asWritten(node) {
  node.translate = false;
  return node;
}

export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, String(attrs[k])));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Times are read in Japan whatever the device's settings say.
export function timeOf(iso) {
  return japanTime(iso, "auto");
}

export function shortTime(ms) {
  return japanTime(ms, "short");
}

// 「今日 7:00」「昨日 21:30」「12月3日 7:00」 in Japan time (English: "today 7:00"…), for
// the moments a nurse acts on: an alert's reading, its acknowledgement.
const dayOf = (date) => new Intl.DateTimeFormat("en-CA", { timeZone: JST, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
export function dayTime(iso) {
  const date = new Date(iso);
  if (!iso || isNaN(date)) return iso ? String(iso) : "";
  const time = date.toLocaleTimeString("en-GB", { timeZone: JST, hour: "numeric", minute: "2-digit", hourCycle: "h23" }).replace(/^0(?=\d)/, "");
  const [y, m, d] = dayOf(date).split("-").map(Number);
  if (dayOf(date) === dayOf(new Date())) return pick("今日 ", "today ") + time;
  if (dayOf(date) === dayOf(new Date(Date.now() - 86400000))) return pick("昨日 ", "yesterday ") + time;
  const thisYear = y === Number(dayOf(new Date()).slice(0, 4));
  return (thisYear ? "" : y + pick("年", "/")) + m + pick("月", "/") + d + pick("日 ", " ") + time;
}

export function sizeOf(bytes) {
  if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
  if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
  return bytes + " B";
}

export function distanceOf(m) {
  if (typeof m !== "number") return "";
  return m < 1000 ? "約 " + Math.round(m / 10) * 10 + " m" : "約 " + (m / 1000).toFixed(1) + " km";
}

// Full-width digits from a Japanese keyboard count as digits.
export function numberOf(text) {
  const half = String(text || "").trim()
    .replace(/[０-９．－]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[，,]/g, "");
  if (!/^-?\d+(\.\d+)?$/.test(half)) return NaN;
  return Number(half);
}

export function fixed(value, digits) {
  return Number(value).toFixed(digits);
}

// The Idempotency-Key of a write kept in state[slot]: the same target and content keep
// their key across retries (a lost answer is sent again and written once); anything
// changed gets a new key.
export function draftKey(slot, target, content) {
  const signature = JSON.stringify([target, content]);
  if (!state[slot] || state[slot].signature !== signature) state[slot] = { signature: signature, key: newKey() };
  return state[slot].key;
}

// A list with an older page appended, skipping items already shown.
export function withOlder(list, items) {
  const known = new Set(list.map((x) => x.id));
  return list.concat(items.filter((x) => !known.has(x.id)));
}


export function showLines(id, lines, ok, extra) {
  showList(typeof id === "string" ? $(id) : id, lines, ok, extra);
}

export function setText(id, text) {
  $(id).textContent = say(text || "");
}

// --- tokens and requests ---------------------------------------------------------------

// The session (stored pair, one refresh across tabs, one retry) and its requests: lib/api.js.
// Its end empties every view, and every view imports this module: main.js hands over
// what the end does (signin.js signedOut).
let onSignedOut = () => {};
export function whenSignedOut(work) {
  onSignedOut = work;
}
export const call = send;
export const api = connect({
  storage: sessionStorage,
  key: KEY_AUTH,
  signedOutError: SIGNED_OUT,
  signedOut: () => onSignedOut(),
  busy: "サーバーが混雑しています。しばらくしてからもう一度お試しください。",
});
export const session = api.session;
export const { tokens, authorized, getJson } = api;
export const withRetry = (work) => session.withRetry(work);

export function clearFieldErrors(root) {
  root.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
  root.querySelectorAll("[aria-invalid]").forEach((i) => i.removeAttribute("aria-invalid"));
}

// Each field error next to its field (find: pointer → { line, input } or null), the rest and
// a summary in `box`; the first field in error gets the focus.
export function placeErrors(error, find, box) {
  const rest = [];
  let first = null;
  let placed = 0;
  (error.errors || []).forEach((e) => {
    const text = pick(e.detail_ja, e.detail);
    const slot = find(e.pointer || "");
    if (!slot) { rest.push(text); return; }
    slot.line.textContent = text;
    slot.line.hidden = false;
    if (slot.input) {
      slot.input.setAttribute("aria-invalid", "true");
      if (!first) first = slot.input;
    }
    placed += 1;
  });
  if (!(error.errors || []).length) rest.push(...error.lines);
  if (placed) rest.unshift("入力内容を確認してください（" + placed + "項目）。");
  showBox(box, rest, false);
  if (first) first.focus();
}

// showLines for a box given as an element (its data-extra classes kept).
export function showBox(box, lines, ok) {
  showLines(box, lines, ok, box.dataset.extra);
}

// What to tell the user about a failed request (null: nothing, the login form shows).
export function failure(e) {
  if (e === SIGNED_OUT) return null;
  if (e instanceof ApiError) return e.lines;
  if (e instanceof TypeError) return ["サーバーに接続できません。通信状態を確認してください。"];
  return [e.message || String(e)];
}
