// The HQ screen: the 要確認 list (継続支援リスト once the event is closed).
import { $, bilingual, el } from "../../lib/dom.js";
import { say } from "../../lib/i18n.js";
import { timeOf } from "./base.js";
import { asCards, cellRow } from "./tables.js";

// 要確認 rows this page has shown; a row not among them (after the first drawing) is new.
export const seenAttention = { ready: false, keys: new Set() };

export function renderAttention(items, closed) {
  bilingual($("attention-title"), closed ? "継続支援リスト" : "要確認の方", closed ? "Follow-up list" : "Needs check");
  const box = $("attention-list");
  box.textContent = "";
  if (!items.length) { box.appendChild(el("p", null, say("要確認の方はいません。"))); return; }
  const table = el("table", "attention");
  const head = el("thead");
  // The reporter's name came with their token when they reported (older reports: the id).
  head.appendChild(cellRow("th", ["氏名", "地区", "住所", "電話", "状況", "確認時刻", "報告者"], []));
  table.appendChild(head);
  const body = el("tbody");
  items.forEach((a) => {
    const row = attentionRow(a);
    const key = a.person_id + "@" + a.observed_at;
    if (seenAttention.ready && !seenAttention.keys.has(key)) {
      row.classList.add("is-new");
      row.querySelector("td.name").prepend(el("span", "new-badge", "新着"), " ");
    }
    body.appendChild(row);
  });
  items.forEach((a) => seenAttention.keys.add(a.person_id + "@" + a.observed_at));
  seenAttention.ready = true;
  table.appendChild(body);
  const wrap = el("div", "table-wrap");
  wrap.appendChild(asCards(table));
  box.appendChild(wrap);
}

function attentionRow(a) {
  const tr = el("tr");
  tr.dataset.person = a.person_id;
  // The person's district, never districtName(a): a person's own `name` would win there.
  // Names, places and notes are the register's and the supporters' words: shown as written.
  const asWritten = (node) => { node.translate = false; return node; };
  tr.append(asWritten(el("td", "name", a.name)), asWritten(el("td", null, a.district_name || a.district_code || "—")),
    asWritten(el("td", null, a.address || "—")));
  const phone = el("td");
  if (a.phone) {
    const link = el("a", null, a.phone);
    link.href = "tel:" + a.phone.replace(/[^0-9+]/g, "");
    phone.appendChild(link);
  } else phone.textContent = "—";
  tr.append(phone, asWritten(el("td", "note", a.note || "—")), el("td", null, timeOf(a.observed_at, true)),
    asWritten(el("td", null, a.reported_by_name || a.reported_by || "—")));
  return tr;
}
