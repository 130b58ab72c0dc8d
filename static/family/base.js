// The family page's shared ground: the family session (its own key in localStorage, never
// the professional's), the page's state, the views, and how failures and times are said.
import { ApiError, connect } from "../lib/api.js";
import { JST } from "../lib/dates.js";
import { $, el, showBox } from "../lib/dom.js";
import { english, pick } from "../lib/i18n.js";
import { byCode } from "../lib/vocabulary.js";

// A family member's tokens live apart from a professional's (rainbownet-care-auth, in
// sessionStorage): a family tablet that a nurse also signs in on never mixes the two. In
// localStorage, so that an older person is not asked for the passkey every time the page
// is opened again; 「ログアウト」 removes them.
export const KEY_AUTH = "rainbownet-family-auth";
export const SIGNED_OUT = new Error("signed out");
export const VIEWS = ["join-view", "signin-view", "home-view", "questionnaire-view"];
export const RELATION = byCode("relations", (t) => pick(t.ja, t.en));
export const CATEGORY = byCode("post_categories", (t) => pick(t.ja, t.en));

export const state = {
  me: null, // GET /api/v1/auth/me: { kind: "family", id, name, relation, patient: { id, name } }
  joinCode: null, // the invitation's code while #join=… is open
  busy: false, // a passkey ceremony is under way
};

// What the page does when the session ends (family.js hands it over: it knows every view).
let onSignedOut = () => {};
export function whenSignedOut(work) {
  onSignedOut = work;
}

export const api = connect({
  storage: window.localStorage,
  key: KEY_AUTH,
  signedOutError: SIGNED_OUT,
  signedOut: () => onSignedOut(),
  busy: "ただいま混み合っています。少し待ってから、もう一度お試しください。",
});

export function patientPath(suffix) {
  return "/api/v1/patients/" + encodeURIComponent(state.me.patient.id) + (suffix || "");
}

export function showOnly(id) {
  $("loading").hidden = true;
  VIEWS.forEach((v) => { $(v).hidden = v !== id; });
}

// Lines in a box (errors), or none to hide it.
export function showLines(id, lines, ok) {
  showBox($(id), lines || [], ok);
}

export function setText(id, text) {
  $(id).textContent = text || "";
}

// Readable words for a failed request (null: the session ended, the sign-in screen says so).
export function failure(e) {
  if (e === SIGNED_OUT) return null;
  if (e instanceof ApiError) return e.lines;
  if (e instanceof TypeError) return [OFFLINE];
  return [e && e.message ? e.message : String(e)];
}

export const OFFLINE = "インターネットにつながっていないようです。電波のよい所で、もう一度お試しください。";

// Names and people's own words are shown as written, in either language.
export function asWritten(node) {
  node.translate = false;
  return node;
}

// --- times, as a person in Japan reads them --------------------------------------------

const dayOf = (date) => new Intl.DateTimeFormat("en-CA", { timeZone: JST, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
const locale = () => (english() ? "en-GB" : "ja-JP");

// 「今日 午前9:30」「昨日 午後3:00」「12月5日(金) 午後3:00」, always in Japan time.
export function when(iso) {
  const date = new Date(iso);
  if (!iso || isNaN(date)) return iso ? String(iso) : "";
  const time = date.toLocaleTimeString(locale(), { timeZone: JST, hour: "numeric", minute: "2-digit", hour12: true });
  const day = dayOf(date);
  if (day === dayOf(new Date())) return pick("今日 ", "Today ") + time;
  if (day === dayOf(new Date(Date.now() - 86400000))) return pick("昨日 ", "Yesterday ") + time;
  const parts = { timeZone: JST, month: "long", day: "numeric", weekday: "short" };
  if (day.slice(0, 4) !== dayOf(new Date()).slice(0, 4)) parts.year = "numeric";
  return date.toLocaleDateString(locale(), parts) + " " + time;
}

// A day as a heading: 「今日」「昨日」「12月5日（土）」 (another year: 「2025年12月5日（金）」).
export function dayLabel(iso) {
  const date = new Date(iso);
  if (isNaN(date)) return "";
  const day = dayOf(date);
  if (day === dayOf(new Date())) return pick("今日", "Today");
  if (day === dayOf(new Date(Date.now() - 86400000))) return pick("昨日", "Yesterday");
  const otherYear = day.slice(0, 4) !== dayOf(new Date()).slice(0, 4);
  if (english()) {
    const parts = { timeZone: JST, weekday: "short", day: "numeric", month: "long" };
    if (otherYear) parts.year = "numeric";
    return date.toLocaleDateString("en-GB", parts);
  }
  const weekday = date.toLocaleDateString("ja-JP", { timeZone: JST, weekday: "short" });
  const [year, month, dayOfMonth] = day.split("-").map(Number);
  return (otherYear ? year + "年" : "") + month + "月" + dayOfMonth + "日（" + weekday + "）";
}

// The time of day alone: 「午前9:30」, "9:30 am".
export function timeLabel(iso) {
  const date = new Date(iso);
  if (isNaN(date)) return "";
  return date.toLocaleTimeString(locale(), { timeZone: JST, hour: "numeric", minute: "2-digit", hour12: true });
}

// The day in Japan ("2026-12-07"): lines of one day go under one heading.
export function dayKey(iso) {
  const date = new Date(iso);
  return isNaN(date) ? "" : dayOf(date);
}

export function isToday(iso) {
  const date = new Date(iso);
  return !isNaN(date) && dayOf(date) === dayOf(new Date());
}

// Now in Japan as datetime-local wants it: "2026-12-07T07:30".
export function nowLocal() {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: JST, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date());
  const v = (t) => (parts.find((p) => p.type === t) || {}).value;
  return v("year") + "-" + v("month") + "-" + v("day") + "T" + v("hour") + ":" + v("minute");
}

// Full-width digits from a Japanese keyboard count as digits; anything else is NaN.
export function numberOf(text) {
  const half = String(text || "").trim().replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  return /^\d{1,3}$/.test(half) ? Number(half) : NaN;
}

// A small badge: a word in a box, never colour alone.
export function badge(text, className) {
  return el("span", "badge" + (className ? " " + className : ""), text);
}
