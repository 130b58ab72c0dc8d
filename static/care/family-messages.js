// The care client: messages from the family (issue #34). A linked family member writes to the
// team from the family page (POST …/family-messages); the team reads them here and answers on
// the timeline with a post shared with the family (the team can not write here: 403).
// Those of the last seven days stand at the top of the patient's page, above the tabs, with
// 「タイムラインで返信する」 (patient.js replyToFamily); all of them, page by page with
// 「もっと見る」, are on the 家族 tab. A push of kind `family_message` opens this page
// (sw.js); the page asks again when a push arrives or it becomes visible (main.js).
import { $, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { asWritten, current, dayTime, failure, getJson, RELATION, setText, state } from "./base.js";

const PAGE = 20;
const RECENT_MS = 7 * 24 * 3600 * 1000;
const AT_TOP = 3; // listed in the box at the top; the rest are on the 家族 tab

// The messages of the patient on screen, newest first. `paged`: an older page was asked for;
// `seq`: which patient's answers still count (another patient opened meanwhile: dropped).
const messages = { items: [], cursor: null, paged: false, loadingOlder: false, loaded: false, seq: 0 };

export function resetFamilyMessages() {
  messages.items = [];
  messages.cursor = null;
  messages.paged = false;
  messages.loadingOlder = false;
  messages.loaded = false;
  messages.seq += 1;
  $("fm-box").hidden = true;
  $("fm-box-list").textContent = "";
  $("fm-list").textContent = "";
  $("fm-more").hidden = true;
  ["fm-box-status", "fm-status"].forEach((i) => setText(i, ""));
}

const newestFirst = (a, b) => Date.parse(b.created_at) - Date.parse(a.created_at);

// The first page again (a refresh keeps the older pages already shown, when they still join
// on), or with `older` the next page.
export async function loadFamilyMessages(older) {
  const id = state.patientId;
  if (!id) return;
  if (older && (messages.loadingOlder || !messages.cursor)) return;
  const seq = messages.seq;
  const mine = () => current(id) && seq === messages.seq;
  if (older) messages.loadingOlder = true;
  if (!messages.loaded) setText("fm-status", "読み込んでいます…");
  try {
    const cursor = older ? "&cursor=" + enc(messages.cursor) : "";
    const page = await getJson("/api/v1/patients/" + enc(id) + "/family-messages?limit=" + PAGE + cursor);
    if (!mine()) return;
    const items = page.items || [];
    const known = new Set(messages.items.map((m) => m.id));
    if (older) {
      messages.items = messages.items.concat(items.filter((m) => !known.has(m.id)));
      messages.cursor = page.next_cursor || null;
      messages.paged = true;
    } else if (messages.paged && items.some((m) => known.has(m.id))) {
      const fresh = new Set(items.map((m) => m.id));
      messages.items = items.concat(messages.items.filter((m) => !fresh.has(m.id)));
    } else {
      messages.items = items;
      messages.cursor = page.next_cursor || null;
      messages.paged = false;
    }
    messages.items.sort(newestFirst);
    messages.loaded = true;
    renderFamilyMessages();
  } catch (e) {
    if (!mine()) return;
    const lines = failure(e);
    if (!lines) return;
    setText("fm-status", lines.join(" / "));
    // The box says it too when it holds messages (they may be out of date now).
    if (!$("fm-box").hidden) setText("fm-box-status", lines.join(" / "));
  } finally {
    if (older && seq === messages.seq) messages.loadingOlder = false;
  }
}

// 「今日 9:30　清須 一郎（子）」 above the text, its line breaks kept.
function card(message) {
  const item = el("li", "fm-item");
  item.dataset.id = message.id;
  const head = el("p", "fm-head");
  const time = el("time", "fm-time", dayTime(message.created_at));
  time.dateTime = message.created_at;
  const who = el("span", "fm-who");
  who.appendChild(asWritten(el("strong", "fm-author", message.author_name || "—")));
  const relation = RELATION[message.relation];
  if (relation) who.append(pick("（" + relation + "）", " (" + relation + ")"));
  head.append(time, " ", who);
  // People's own words: text, never markup (white-space: pre-wrap keeps the lines).
  item.append(head, asWritten(el("p", "fm-body", message.body || "")));
  return item;
}

export function renderFamilyMessages() {
  const id = state.patientId;
  const since = Date.now() - RECENT_MS;
  const recent = messages.items.filter((m) => Date.parse(m.created_at) >= since);
  // A whole first page of the last seven days with more behind it: at least that many.
  const more = recent.length >= PAGE && Boolean(messages.cursor) && !messages.paged;
  const box = $("fm-box");
  box.hidden = recent.length === 0;
  setText("fm-box-title", "ご家族から新しい連絡があります（" + recent.length + (more ? "件以上）" : "件）"));
  const top = $("fm-box-list");
  top.textContent = "";
  recent.slice(0, AT_TOP).forEach((m) => top.appendChild(card(m)));
  const rest = recent.length - Math.min(recent.length, AT_TOP);
  $("fm-box-all").href = "#/patients/" + enc(id) + "/family";
  setText("fm-box-all", rest > 0 ? "ほかの連絡を見る（家族タブ）" : "これまでの連絡を見る（家族タブ）");
  setText("fm-box-status", "");

  const list = $("fm-list");
  list.textContent = "";
  messages.items.forEach((m) => list.appendChild(card(m)));
  $("fm-more").hidden = !messages.cursor;
  setText("fm-status", messages.items.length ? "" : "ご家族からの連絡はまだありません。");
}

// 「もっと見る」: the next page; the first message it brings takes the focus, where the reader
// goes on reading (else the focus stays on the button).
export async function showOlderFamilyMessages() {
  const before = $("fm-list").children.length;
  await loadFamilyMessages(true);
  const first = $("fm-list").children[before];
  if (first) { first.tabIndex = -1; first.focus(); }
}
