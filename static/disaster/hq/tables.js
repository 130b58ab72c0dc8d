// The HQ screen: the tables of districts per town, readable as cards on a phone.
import { $, el } from "../../lib/dom.js";
import { districtName, percent, reportedOf, townName } from "./base.js";

export function cellRow(tag, values, numeric) {
  const tr = el("tr");
  values.forEach((v, i) => tr.appendChild(el(tag, numeric[i] ? "num" : null, v)));
  return tr;
}

// Each cell names its column, so that on a phone a row reads as a card (「要確認 2」)
// instead of seven columns one character wide (disaster.css, table.cards).
export function asCards(table) {
  const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
  table.classList.add("cards");
  table.querySelectorAll("tbody tr, tfoot tr").forEach((tr) => {
    [...tr.children].forEach((cell, i) => { if (names[i]) cell.dataset.label = names[i]; });
  });
  return table;
}

const TABLE_NUMERIC = [false, false, true, true, true, true, true];

function countsOf(d) {
  return [d.total, d.safe, d.needs_attention, d.not_yet, percent(d)];
}

function districtTable(town) {
  const table = el("table");
  table.appendChild(el("caption", null, townName(town.code)));
  const head = el("thead");
  head.appendChild(cellRow("th", ["地区コード", "地区名", "対象者", "安全確認済み", "要確認", "未確認", "報告率"], TABLE_NUMERIC));
  table.appendChild(head);
  const body = el("tbody");
  (town.districts || []).forEach((d) => {
    const row = cellRow("td", [d.code, districtName(d)].concat(countsOf(d)), TABLE_NUMERIC);
    if (d.total > 0 && reportedOf(d) === 0) row.classList.add("unreported");
    body.appendChild(row);
  });
  table.appendChild(body);
  const foot = el("tfoot");
  foot.appendChild(cellRow("td", ["", "計"].concat(countsOf(town.totals || {})), TABLE_NUMERIC));
  table.appendChild(foot);
  const wrap = el("div", "table-wrap");
  wrap.appendChild(asCards(table));
  return wrap;
}

export function renderTables(towns) {
  const box = $("district-tables");
  box.textContent = "";
  if (!towns.length) box.appendChild(el("p", "muted", "対象の地区がありません。"));
  towns.forEach((town) => box.appendChild(districtTable(town)));
}
