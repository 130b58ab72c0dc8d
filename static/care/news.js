// The care client: news while the page is open.
import { $ } from "../lib/dom.js";
import { authorized, state, tokens } from "./base.js";
import { refreshCounts } from "./menu.js";

// GET /api/v1/care/updates answers counts only (no text), with an ETag: a poll that finds
// nothing new is a bodiless 304. A timeline on screen remembers how many posts and
// comments it showed; more on the server is 「新着 N件」, loaded when the person asks.
export const POLL_MS = 15000;
export const live = { etag: null, data: null, seen: {}, busy: false };

export function activityOf(id) {
  const p = live.data && (live.data.patients || []).find((x) => x.id === id);
  return p ? (p.posts || 0) + (p.comments || 0) : null;
}

export async function pollUpdates(force) {
  if (live.busy || !tokens() || !state.me || document.visibilityState !== "visible") return;
  live.busy = true;
  try {
    const headers = live.etag && !force ? { "if-none-match": live.etag } : {};
    const resp = await authorized("GET", "/api/v1/care/updates", { headers: headers });
    if (resp.status === 304 || !resp.ok) return;
    const first = live.data === null;
    live.etag = resp.headers.get("etag");
    live.data = await resp.json();
    Object.keys(live.seen).forEach((id) => { if (live.seen[id] === null) live.seen[id] = activityOf(id); });
    if (!first) refreshCounts(null);
    showNews();
  } catch (e) {
    // A hint only: the lists show their own errors when opened.
  } finally {
    live.busy = false;
  }
}

// The timeline of `id` was just loaded: what the server has now is what it shows.
export function baseline(id) {
  live.seen[id] = null;
  $("timeline-news").hidden = true;
  pollUpdates(true);
}

export function showNews() {
  const id = state.patientId;
  const now = id ? activityOf(id) : null;
  const seen = id ? live.seen[id] : null;
  const n = now !== null && typeof seen === "number" ? now - seen : 0;
  $("timeline-news-count").textContent = String(n);
  $("timeline-news").hidden = !(n > 0);
}
