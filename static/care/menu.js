// The care client: the menu and its unread badges.
import { $ } from "../lib/dom.js";
import { loadList } from "../lib/list.js";
import { failure, getJson, setText, state, tokens } from "./base.js";

export function markNav(current) {
  Object.keys(state.counts).forEach((k) => {
    const link = $("nav-" + k);
    if (k === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
}

export function unreadOf(items) {
  return (items || []).reduce((n, x) => n + (Number(x.unread) || 0), 0);
}

export function setCount(kind, n) {
  state.counts[kind] = n;
  const link = $("nav-" + kind);
  link.querySelector(".nav-count").textContent = String(n);
  link.querySelector(".nav-badge").hidden = !n;
}

// The lists behind the badges; the answer to the latest request of each wins.
export const COUNTED = {
  patients: ["/api/v1/patients", "patients"],
  projects: ["/api/v1/care/projects", "projects"],
  messages: ["/api/v1/care/messages", "conversations"],
};
export const countSeq = { patients: 0, projects: 0, messages: 0 };

// How each list view draws its list again: the views count with this module, so they
// are above it, and main.js hands their drawing down.
const redraw = {};
export function redrawWith(lists) {
  Object.assign(redraw, lists);
}

export function refreshCounts(view) {
  if (!tokens() || !state.me) return Promise.resolve();
  const jobs = Object.keys(COUNTED).filter((k) => k !== view).map((k) => {
    const mine = ++countSeq[k];
    const [path, key] = COUNTED[k];
    return getJson(path).then((json) => {
      if (mine !== countSeq[k] || !state.me) return;
      state[key] = json.items || [];
      setCount(k, unreadOf(state[key]));
      // A list on the screen shows the same numbers as its badge.
      if (redraw[k] && !$(k + "-view").hidden) redraw[k]();
    });
  });
  // Badges are a hint: a failure here is shown where the list itself is opened.
  return Promise.allSettled(jobs);
}

// A list view has just loaded its own list: that answer is the newest.
export function countedHere(kind, items) {
  countSeq[kind] += 1;
  setCount(kind, unreadOf(items));
}

// A list view loads its list (one of COUNTED) into the page, and its badge with it.
export function loadCounted(kind, statusId, empty, render) {
  const [path, key] = COUNTED[kind];
  return loadList({
    show: (line) => setText(statusId, line),
    loading: "読み込んでいます…",
    fetch: () => getJson(path),
    render: (items) => {
      state[key] = items;
      countedHere(kind, items);
      render();
    },
    empty: empty,
    failed: (e) => {
      const lines = failure(e);
      return lines && lines.join(" / ");
    },
  });
}
