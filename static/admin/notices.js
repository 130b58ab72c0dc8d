// The administration page: notices and events (お知らせ・イベント) for the residents' pages.
import { ApiError, problemOf } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { loadList } from "../lib/list.js";
import { api, dateTime, failure, getList, show } from "./base.js";
import { townNames } from "./choices.js";

const NOTICE_STATE = { scheduled: "掲載前", published: "掲載中", ended: "掲載終了" };
const NOTICE_FIELDS = ["municipality_code", "kind", "title", "event_date", "body", "publish_from", "publish_until"];
// The notice being corrected (its id), or null when the form publishes a new one.
let editingNotice = null;

// Times are stored in UTC; the form's datetime-local fields are Japan time.
function japanLocal(iso) {
  const at = Date.parse(iso || "");
  return Number.isNaN(at) ? "" : new Date(at + 9 * 3600 * 1000).toISOString().slice(0, 16);
}

// Staff see their town's notices, those not yet shown and those ended too, to correct them.
export function loadNotices() {
  const town = $("n-municipality_code").value;
  const status = $("notices-status");
  return loadList({
    show: (line) => { status.textContent = line; },
    fetch: () => getList("/api/v1/public/managed-notices" + (town ? "?municipality=" + encodeURIComponent(town) : "")),
    render: (items) => {
      const list = $("notice-list");
      list.textContent = "";
      for (const n of items) list.appendChild(noticeItem(n));
    },
    empty: "お知らせ・イベントはありません。",
    failed: (e) => (e instanceof ApiError ? e.lines.join(" ") : "読み込めませんでした。"),
  });
}

function noticeItem(n) {
  const item = el("li", "invitation");
  const head = el("p");
  head.append(el("strong", null, n.title), " ", el("span", "muted", n.kind === "event" ? "イベント" : "お知らせ"),
    " ", el("span", "state state-" + n.state, NOTICE_STATE[n.state] || n.state));
  item.append(head, el("p", "muted", [townNames[n.municipality_code] || "", n.event_date ? "開催 " + dateOnly(n.event_date) : "",
    n.publish_from ? "掲載 " + dateTime(n.publish_from) : "", n.publish_until ? "終了 " + dateTime(n.publish_until) : ""].filter(Boolean).join("・")));
  const edit = el("button", "button secondary", "修正する");
  edit.type = "button";
  edit.setAttribute("aria-label", "「" + n.title + "」を修正する");
  edit.addEventListener("click", () => editNotice(n));
  item.appendChild(edit);
  if (n.state !== "ended") {
    const withdraw = el("button", "button secondary", "掲載をやめる");
    withdraw.type = "button";
    withdraw.setAttribute("aria-label", "「" + n.title + "」の掲載をやめる");
    withdraw.addEventListener("click", () => withdrawNotice(n));
    item.append(" ", withdraw);
  }
  return item;
}

function dateOnly(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? Number(m[1]) + "年" + Number(m[2]) + "月" + Number(m[3]) + "日" : iso;
}

// The form takes the notice's values; saving corrects it in place (its town stays).
function editNotice(n) {
  editingNotice = n.id;
  for (const f of NOTICE_FIELDS) {
    const value = f === "publish_from" || f === "publish_until" ? japanLocal(n[f]) : (n[f] || "");
    $("n-" + f).value = value;
  }
  $("n-municipality_code").disabled = true;
  $("notice-submit").textContent = "修正を保存する";
  $("notice-cancel").hidden = false;
  show("notice-result", ["「" + n.title + "」を修正しています。"], true);
  $("n-title").focus();
}

function stopEditing() {
  editingNotice = null;
  const town = $("n-municipality_code").value;
  $("notice-form").reset();
  $("n-municipality_code").value = town;
  $("n-municipality_code").disabled = false;
  $("notice-submit").textContent = "掲載する";
  $("notice-cancel").hidden = true;
}

export function cancelNotice() {
  stopEditing();
  show("notice-result", [], true);
}

// A wrong date or a cancelled event comes down at once, not at its end date.
async function withdrawNotice(n) {
  if (!window.confirm("「" + n.title + "」の掲載をやめます。住民向けのページからすぐに消えます。よろしいですか？")) return;
  try {
    const res = await api("DELETE", "/api/v1/public/notices/" + encodeURIComponent(n.id));
    show("notice-result", res.ok ? ["「" + n.title + "」の掲載をやめました。"] : problemOf(res.json, res.status), res.ok);
    if (res.ok && editingNotice === n.id) stopEditing();
    loadNotices();
  } catch (e) {
    failure("notice-result", e);
  }
}

export async function saveNotice(event) {
  event.preventDefault();
  const body = {};
  for (const f of NOTICE_FIELDS) {
    const v = $("n-" + f).value.trim();
    if (v !== "") body[f] = v;
  }
  body.body = body.body || "";
  const editing = editingNotice;
  try {
    const res = editing
      ? await api("PUT", "/api/v1/public/notices/" + encodeURIComponent(editing), { body: JSON.stringify(body) })
      : await api("POST", "/api/v1/public/notices", { body: JSON.stringify(body) });
    show("notice-result", res.ok ? [editing ? "修正しました。住民向けのページにすぐ反映されます。" : "掲載しました。"] : problemOf(res.json, res.status), res.ok);
    if (res.ok) {
      if (editing) stopEditing();
      loadNotices();
    }
  } catch (e) {
    failure("notice-result", e);
  }
}
