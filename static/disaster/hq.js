// The disaster HQ's screen (災害対策本部): declare and close events, watch the totals per
// district refresh every 10 seconds, see on a map which districts have not reported yet,
// read the 要確認 list with notes, download CSVs and print a report for the mayor. Tokens
// stay in this tab's sessionStorage. Every message is put in the page as text, never as
// HTML; the CSP forbids inline code and styles, so the map is built with createElementNS.
import { ApiError, connect, problemLines, signIn, signOut } from "../lib/api.js";
import { japanTime } from "../lib/dates.js";
import { $, bilingual, el, enc, filenameFrom } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";


const KEY_AUTH = "rainbownet-hq-auth";
const REFRESH_MS = 10000;
const SVG = "http://www.w3.org/2000/svg";
// Event kinds and their labels are the server's (GET /api/v1/public/vocabulary).
let KINDS = {};
async function loadVocabulary() {
  try {
    const resp = await fetch("/api/v1/public/vocabulary");
    if (resp.ok) KINDS = Object.fromEntries((await resp.json()).event_kinds.map((t) => [t.code, t.ja]));
  } catch (e) {
    // Offline: kinds show as codes.
  }
}
const SIGNED_OUT = new Error("signed out");
// Fill of a district by reported share: 0 % red → 100 % green; gray with nobody to check.
// The share of people reported, in five steps of the viridis scale: each step differs in
// lightness, so it reads at a glance and for colour-blind people (red→green did neither).
const STEPS = [
  { below: 0.2, fill: "#440154", label: "0〜19%" },
  { below: 0.4, fill: "#3b528b", label: "20〜39%" },
  { below: 0.6, fill: "#21918c", label: "40〜59%" },
  { below: 0.8, fill: "#5ec962", label: "60〜79%" },
  { below: 1.01, fill: "#fde725", label: "80〜100%" },
];
const GRAY = "#9e9e9e";

const state = { me: null, events: [], event: null, summary: null, towns: {}, loading: false, again: false, timer: null };

// --- small helpers -------------------------------------------------------------------


function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, String(attrs[k])));
  if (text !== undefined) node.textContent = text;
  return node;
}


// Reports go to the mayor in Japan: always Japan time, whatever the PC is set to.
function timeOf(iso, short) {
  return japanTime(iso, short ? "short" : "second", "—");
}

function reportedOf(d) {
  return (d.safe || 0) + (d.needs_attention || 0);
}

// Reported share as a whole percentage, or null when nobody is on the register there.
function shareOf(d) {
  return d.total > 0 ? reportedOf(d) / d.total : null;
}

function percent(d) {
  const share = shareOf(d);
  return share === null ? "—" : Math.round(share * 100) + "%";
}

// A district's name may be missing from the register: its code stands in.
function districtName(d) {
  return d.name || d.district_name || d.code || d.district_code;
}

function townName(code) {
  return state.towns[code] ? state.towns[code] + "（" + code + "）" : code;
}

function setStatus(lines, ok) {
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
const api = connect({
  storage: sessionStorage,
  key: KEY_AUTH,
  signedOutError: SIGNED_OUT,
  signOutWhenMissing: false,
  signedOut: () => signedOut(),
});
const { session, tokens, getJson, getAll } = api;

// The access token lives minutes and the screen stays open for hours: refresh on 401.
function authorized(method, path, body) {
  return api.authorized(method, path, bodyOf(body));
}

function reportError(e) {
  if (e === SIGNED_OUT) return;
  if (e instanceof ApiError) setStatus(e.lines, false);
  else setStatus(["サーバーに接続できません。通信状態を確認してください。"], false);
}

// --- events ----------------------------------------------------------------------------

function isOpen(event) {
  return event.status ? event.status === "open" : !event.closed_at;
}

function eventLabel(e) {
  const kind = KINDS[e.kind] || e.kind;
  return e.name + "（" + kind + "・" + timeOf(e.started_at, true) + "〜" + (isOpen(e) ? "発生中" : "終了") + "）";
}

// The one asked for, else the one shown, else the newest open one, else the newest.
function pickEvent(preferId) {
  const sorted = state.events.slice().sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
  const current = state.event && state.event.id;
  return sorted.find((e) => e.id === preferId) || sorted.find((e) => e.id === current) ||
    sorted.find(isOpen) || sorted[0] || null;
}

function fillEventSelect() {
  const select = $("event-select");
  select.textContent = "";
  state.events.slice().sort((a, b) => String(b.started_at).localeCompare(String(a.started_at))).forEach((e) => {
    const option = el("option", null, eventLabel(e));
    option.value = e.id;
    select.appendChild(option);
  });
  if (state.event) select.value = state.event.id;
}

async function loadEvents(preferId) {
  try {
    state.events = await getAll("/api/v1/disaster/events");
  } catch (e) {
    reportError(e);
    return;
  }
  state.event = pickEvent(preferId);
  fillEventSelect();
  if (!state.event) {
    clearReport();
    setStatus(["発生中の災害はありません。必要なら「災害を宣言する」から宣言してください。"], true);
    return;
  }
  await loadReport();
}

// --- the report ------------------------------------------------------------------------

function clearReport() {
  state.summary = null;
  // Another event: its 要確認 rows are not "new" to this page.
  seenAttention.ready = false;
  seenAttention.keys.clear();
  ["total-total", "total-safe", "total-attention", "total-not-yet"].forEach((id) => { $(id).textContent = "–"; });
  $("generated-at").textContent = "—";
  $("district-tables").textContent = "";
  $("district-map").textContent = "";
  $("unreported-list").textContent = "";
  $("attention-list").textContent = "";
  $("report-title").textContent = "安否確認";
  $("event-state").textContent = "";
  $("close-event").hidden = true;
}

// One load at a time; a request while loading (a new event picked) runs right after.
async function loadReport() {
  if (!state.event) return;
  if (state.loading) { state.again = true; return; }
  state.loading = true;
  state.again = false;
  const id = state.event.id;
  try {
    const base = "/api/v1/disaster/events/" + enc(id);
    const [summary, attention] = await Promise.all([getJson(base + "/summary"), getAll(base + "/attention")]);
    if (!state.event || state.event.id !== id) return; // another event was picked meanwhile
    renderReport(summary, attention);
    setStatus([], true);
  } catch (e) {
    reportError(e);
  } finally {
    state.loading = false;
    if (state.again) loadReport();
  }
}

function renderReport(summary, attention) {
  state.summary = summary;
  if (summary.event) state.event = Object.assign({}, state.event, summary.event);
  const event = state.event;
  const closed = !isOpen(event);
  $("report-title").textContent = "安否確認の状況：" + event.name;
  bilingual($("event-state"), closed ? "終了（" + timeOf(event.closed_at) + "）" : "発生中", closed ? "Closed" : "Open");
  const when = $("generated-at");
  when.textContent = timeOf(summary.generated_at);
  when.dateTime = summary.generated_at || "";
  $("close-event").hidden = closed || !isHq();
  renderTotals(summary.totals || {});
  renderTables(summary.municipalities || []);
  renderMap(summary.municipalities || []);
  renderAttention(attention, closed);
}

function renderTotals(t) {
  $("total-total").textContent = String(t.total ?? 0);
  $("total-safe").textContent = String(t.safe ?? 0);
  $("total-attention").textContent = String(t.needs_attention ?? 0);
  $("total-not-yet").textContent = String(t.not_yet ?? 0);
}

function cellRow(tag, values, numeric) {
  const tr = el("tr");
  values.forEach((v, i) => tr.appendChild(el(tag, numeric[i] ? "num" : null, v)));
  return tr;
}

// Each cell names its column, so that on a phone a row reads as a card (「要確認 2」)
// instead of seven columns one character wide (disaster.css, table.cards).
function asCards(table) {
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

function renderTables(towns) {
  const box = $("district-tables");
  box.textContent = "";
  if (!towns.length) box.appendChild(el("p", "muted", "対象の地区がありません。"));
  towns.forEach((town) => box.appendChild(districtTable(town)));
}

// --- the map of districts: no tile server needed ---------------------------------------

function fillOf(d) {
  const share = shareOf(d);
  if (share === null) return GRAY;
  return STEPS.find((s) => share < s.below).fill;
}

// Equirectangular projection of the districts' bounding box into the drawing, keeping
// the aspect (longitude shrunk by cos(latitude)) and centred.
function projection(points, width, height, pad) {
  const lat0 = points.reduce((s, p) => s + p.lat, 0) / points.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = points.map((p) => p.lng * k);
  const ys = points.map((p) => -p.lat);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const spanX = maxX - minX, spanY = maxY - minY;
  const fits = [spanX > 0 ? (width - 2 * pad) / spanX : Infinity, spanY > 0 ? (height - 2 * pad) / spanY : Infinity];
  const scale = Math.min(fits[0], fits[1]);
  const s = isFinite(scale) ? scale : 0; // one place only: put it in the middle
  const offX = (width - spanX * s) / 2, offY = (height - spanY * s) / 2;
  return (p) => [offX + (p.lng * k - minX) * s, offY + (-p.lat - minY) * s];
}

function allDistricts(towns) {
  const list = [];
  towns.forEach((town) => (town.districts || []).forEach((d) => list.push(Object.assign({ town: town.code }, d))));
  return list;
}

function located(d) {
  return typeof d.lat === "number" && typeof d.lng === "number" && isFinite(d.lat) && isFinite(d.lng);
}

function unreported(d) {
  return d.total > 0 && reportedOf(d) === 0;
}

// Area proportional to the number of people: radius by the square root.
function radiusOf(d, maxTotal) {
  return 10 + 26 * Math.sqrt((d.total || 0) / Math.max(maxTotal, 1));
}

function districtMark(d, x, y, r) {
  const group = svg("g", { class: "district-mark" });
  const circle = svg("circle", {
    class: unreported(d) ? "district unreported" : "district",
    cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1), fill: fillOf(d),
    stroke: unreported(d) ? "#000" : "#fff", "stroke-width": unreported(d) ? 6 : 2,
    "data-code": d.code,
  });
  circle.appendChild(svg("title", {}, districtName(d) + "：報告 " + reportedOf(d) + "/" + d.total + "（" + percent(d) + "）"));
  const label = svg("text", {
    x: x.toFixed(1), y: (y + r + 18).toFixed(1), "text-anchor": "middle", "font-size": 16, "font-weight": 700,
    fill: "#111", stroke: "#fff", "stroke-width": 4, "paint-order": "stroke",
  }, districtName(d) + " " + percent(d));
  group.append(circle, label);
  return group;
}

function renderMap(towns) {
  const box = $("district-map");
  box.textContent = "";
  const districts = allDistricts(towns);
  const placed = districts.filter(located);
  renderUnreported(districts);
  renderNoLocation(districts.filter((d) => !located(d)));
  renderLegend();
  if (!placed.length) {
    box.appendChild(el("p", "muted", say("位置（緯度・経度）のある地区がありません。")));
    return;
  }
  const width = 800, height = 520, pad = 60;
  const map = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "district-map-title", id: "district-map-svg" });
  map.appendChild(svg("title", { id: "district-map-title" }, "地区別の報告状況（色：報告率、太い枠：報告0件、円の大きさ：対象者数）"));
  const at = projection(placed, width, height, pad);
  const maxTotal = Math.max(...placed.map((d) => d.total || 0));
  // Big circles first, so small ones stay visible on top.
  placed.slice().sort((a, b) => (b.total || 0) - (a.total || 0)).forEach((d) => {
    const [x, y] = at(d);
    map.appendChild(districtMark(d, x, y, radiusOf(d, maxTotal)));
  });
  box.appendChild(map);
}

function renderUnreported(districts) {
  const list = $("unreported-list");
  list.textContent = "";
  const missing = districts.filter(unreported);
  if (!missing.length) { list.appendChild(el("li", null, say("ありません"))); return; }
  const towns = new Set(districts.map((d) => d.town));
  missing.forEach((d) => {
    const where = towns.size > 1 ? townName(d.town) + " " : "";
    list.appendChild(el("li", null, where + districtName(d) + "（" + d.code + "）対象者 " + d.total + "人"));
  });
}

function renderNoLocation(districts) {
  const note = $("no-location");
  note.hidden = !districts.length;
  note.textContent = districts.length ? "地図にない地区（位置が未登録か、対象者が3人未満のため位置を伏せています）：" + districts.map(districtName).join("、") : "";
}

function legendItem(box, graphic, text) {
  const item = el("span", "legend-item");
  item.append(graphic, document.createTextNode(" " + text));
  box.appendChild(item);
}

function legendCircle(fill, stroke, width) {
  const s = svg("svg", { viewBox: "0 0 32 32", width: 32, height: 32, "aria-hidden": "true" });
  s.appendChild(svg("circle", { cx: 16, cy: 16, r: 11, fill: fill, stroke: stroke, "stroke-width": width }));
  return s;
}

function renderLegend() {
  const box = $("map-legend");
  if (box.childNodes.length) return; // drawn once; it never changes
  box.appendChild(el("span", "legend-item", "報告率："));
  STEPS.forEach((step) => legendItem(box, legendCircle(step.fill, "#fff", 2), step.label));
  legendItem(box, legendCircle(GRAY, "#fff", 2), "対象者なし");
  legendItem(box, legendCircle(STEPS[0].fill, "#000", 5), "未報告（報告0件）");
  box.appendChild(el("span", "legend-item", "円の大きさ＝対象者数"));
}

// --- the 要確認 list (継続支援リスト once the event is closed) ---------------------------

// 要確認 rows this page has shown; a row not among them (after the first drawing) is new.
const seenAttention = { ready: false, keys: new Set() };

function renderAttention(items, closed) {
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

// --- declaring and closing -------------------------------------------------------------

function isHq() {
  const roles = (state.me && state.me.roles) || [];
  return roles.indexOf("disaster_hq") >= 0 || roles.indexOf("sysadmin") >= 0;
}

function isStaff() {
  const roles = (state.me && state.me.roles) || [];
  return isHq() || roles.indexOf("municipal_staff") >= 0;
}

function showDeclareResult(lines, ok, boxId) {
  const box = $(boxId || "declare-result");
  box.textContent = "";
  box.className = ok ? "notice" : "errors";
  const list = el("ul");
  lines.forEach((line) => list.appendChild(el("li", null, say(line))));
  box.appendChild(list);
}

async function declare(event) {
  event.preventDefault();
  const codes = [...$("declare-municipalities").querySelectorAll("input:checked")].map((box) => box.value);
  if (!codes.length) { showDeclareResult(["対象の市区町村を1つ以上選んでください。"], false); return; }
  const body = { name: $("declare-name").value.trim(), kind: $("declare-kind").value, municipalities: codes };
  try {
    const resp = await authorized("POST", "/api/v1/disaster/events", body);
    if (!resp.ok) { showDeclareResult(await problemLines(resp), false); return; }
    const created = await resp.json();
    showDeclareResult(["宣言しました：" + created.name], true);
    $("declare-name").value = "";
    $("declare").open = false;
    await loadEvents(created.id);
  } catch (e) {
    if (e !== SIGNED_OUT) showDeclareResult(["送信できませんでした。通信状態を確認してください。"], false);
  }
}

// --- the register and support teams (town staff) --------------------------------------

async function importRegister(event) {
  event.preventDefault();
  const file = $("register-file").files[0];
  const town = $("register-municipality").value;
  if (!file) return;
  try {
    const resp = await authorized("POST", "/api/v1/disaster/register/imports?municipality=" + enc(town), file);
    if (!resp.ok) { showDeclareResult(await problemLines(resp), false, "register-result"); return; }
    const r = await resp.json();
    const lines = ["新規 " + r.imported + "件・更新 " + r.updated + "件・変更なし " + r.unchanged + "件・エラー " + r.rejected + "件（地区 " + r.districts + "）"];
    (r.errors || []).forEach((e) => lines.push(e.line + "行目：" + (pick(e.reason_ja, e.reason))));
    showDeclareResult(lines, r.rejected === 0, "register-result");
    loadDistrictChoices();
    await loadReport();
  } catch (e) {
    if (e !== SIGNED_OUT) showDeclareResult(["送信できませんでした。通信状態を確認してください。"], false, "register-result");
  }
}

function listOf(text) {
  return text.split(/[\s,、，]+/).filter(Boolean);
}

// Team members are found in the care network's directory (same origin, same token) by
// name or organization; nobody types an id.
const chosen = new Map();

function personLabel(p) {
  return p.name + "（" + p.organization + "）";
}

function renderChosen() {
  const list = $("team-chosen");
  list.replaceChildren();
  chosen.forEach((person, id) => {
    const item = document.createElement("li");
    item.append(personLabel(person) + " ");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "外す";
    remove.setAttribute("aria-label", person.name + " を外す");
    remove.addEventListener("click", () => { chosen.delete(id); renderChosen(); });
    item.append(remove);
    list.append(item);
  });
}

async function searchMembers() {
  const q = $("team-search").value.trim();
  const list = $("team-search-results");
  list.replaceChildren();
  if (!q) return;
  try {
    const resp = await authorized("GET", "/api/v1/care/professionals?q=" + enc(q));
    if (!resp.ok) { showDeclareResult(await problemLines(resp), false, "team-result"); return; }
    const found = (await resp.json()).items;
    if (found.length === 0) {
      const none = document.createElement("li");
      none.textContent = "見つかりませんでした。 No one found.";
      list.append(none);
    }
    found.forEach((person) => {
      const item = document.createElement("li");
      const add = document.createElement("button");
      add.type = "button";
      add.className = "pick";
      add.textContent = "＋ " + personLabel(person);
      add.addEventListener("click", () => { chosen.set(person.id, person); renderChosen(); });
      item.append(add);
      list.append(item);
    });
  } catch (e) {
    if (e !== SIGNED_OUT) showDeclareResult(["検索できませんでした。通信状態を確認してください。"], false, "team-result");
  }
}

async function createTeam(event) {
  event.preventDefault();
  const town = state.me && state.me.organization && state.me.organization.municipality_code;
  const body = { municipality_code: town, name: $("team-name").value.trim(), members: Array.from(chosen.keys()) };
  if (body.members.length === 0) {
    showDeclareResult(["メンバーを1人以上選んでください。 Choose at least one member."], false, "team-result");
    return;
  }
  try {
    const resp = await authorized("POST", "/api/v1/disaster/teams", body);
    if (!resp.ok) { showDeclareResult(await problemLines(resp), false, "team-result"); return; }
    const team = await resp.json();
    const lines = ["登録しました：" + team.name];
    let ok = true;
    for (const district of listOf($("team-districts").value)) {
      const assigned = await authorized("POST", "/api/v1/disaster/teams/" + enc(team.id) + "/assignments", { district_code: district });
      if (assigned.ok) lines.push("地区 " + district + " を担当");
      else { ok = false; lines.push("地区 " + district + "：" + (await problemLines(assigned)).join(" ")); }
    }
    showDeclareResult(lines, ok, "team-result");
    chosen.clear();
    renderChosen();
  } catch (e) {
    if (e !== SIGNED_OUT) showDeclareResult(["送信できませんでした。通信状態を確認してください。"], false, "team-result");
  }
}

async function closeEvent() {
  const event = state.event;
  if (!event || !window.confirm("「" + event.name + "」を終了しますか？ 終了後、要確認の方は継続支援リストになります。")) return;
  try {
    const resp = await authorized("POST", "/api/v1/disaster/events/" + enc(event.id) + "/close");
    if (!resp.ok) { setStatus(await problemLines(resp), false); return; }
    await loadEvents(event.id);
  } catch (e) {
    reportError(e);
  }
}

// --- CSV downloads: the API needs the bearer token, so fetch and hand over a Blob ------


async function download(suffix, label) {
  const event = state.event;
  if (!event) return;
  try {
    const resp = await authorized("GET", "/api/v1/disaster/events/" + enc(event.id) + "/" + suffix);
    if (!resp.ok) { setStatus(await problemLines(resp), false); return; }
    const blob = await resp.blob();
    const safeName = event.name.replace(/[\\/:*?"<>|\s]+/g, "_");
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = filenameFrom(resp.headers.get("content-disposition")) || "安否確認_" + label + "_" + safeName + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    // Revoke later: the download reads the Blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (e) {
    reportError(e);
  }
}

// --- signing in and out ----------------------------------------------------------------

function showSignin(message) {
  $("signin").hidden = false;
  $("hq").hidden = true;
  $("login-status").textContent = message || "";
  if (state.timer) { clearInterval(state.timer); state.timer = null; }
}

function signedOut() {
  session.clear();
  showSignin("ログインの有効期限が切れました。もう一度ログインしてください。");
}

async function login(event) {
  event.preventDefault();
  let refused;
  try {
    refused = await signIn(api);
  } catch (e) {
    $("login-status").textContent = say("サーバーに接続できません。");
    return;
  }
  if (refused) { $("login-status").textContent = refused.join(" / "); return; }
  await startHq();
}

async function logout() {
  signOut(api);
  state.event = null;
  clearReport();
  showSignin("ログアウトしました。");
}

// Names of the towns for captions; public data, no token. Codes alone if it fails.
async function loadTowns() {
  try {
    const resp = await fetch("/api/v1/public/municipalities");
    const json = await resp.json();
    (json.items || []).forEach((m) => { state.towns[m.code] = m.name; });
  } catch (e) {
    /* captions fall back to the code */
  }
}

// Towns are picked by name, not typed as codes: the declaration's checkboxes (the HQ's own
// town ticked) and the register's list (its own town chosen).
function fillTownPickers() {
  const own = state.me && state.me.organization && state.me.organization.municipality_code;
  const codes = Object.keys(state.towns);
  if (own && !codes.includes(own)) codes.unshift(own);
  const box = $("declare-municipalities");
  box.querySelectorAll("label").forEach((label) => label.remove());
  for (const code of codes) {
    const label = el("label", "check");
    const input = el("input");
    input.type = "checkbox";
    input.name = "municipality";
    input.value = code;
    input.checked = code === own;
    label.append(input, el("span", null, (state.towns[code] || code) + "（" + code + "）"));
    box.append(label);
  }
  const select = $("register-municipality");
  select.textContent = "";
  for (const code of codes) {
    const option = el("option", null, (state.towns[code] || code) + "（" + code + "）");
    option.value = code;
    select.append(option);
  }
  if (own) select.value = own;
}

// The district codes a team may be given: those of the town's register, each offered
// by its name and how many people live there (GET /api/v1/disaster/districts).
async function loadDistrictChoices() {
  const list = $("district-codes");
  try {
    const data = await getJson("/api/v1/disaster/districts");
    list.textContent = "";
    for (const d of data.items || []) {
      const option = el("option", null, d.name + "（" + d.people + "人）");
      option.value = d.code;
      list.append(option);
    }
  } catch (e) {
    if (e !== SIGNED_OUT) reportError(e);
  }
}

async function loadMe() {
  try {
    state.me = await getJson("/api/v1/auth/me");
  } catch (e) {
    reportError(e);
    return;
  }
  $("declare").hidden = !isHq();
  $("register").hidden = !isStaff();
  $("teams").hidden = !isStaff();
}

async function startHq() {
  $("signin").hidden = true;
  $("hq").hidden = false;
  await Promise.all([loadMe(), loadTowns()]);
  fillTownPickers();
  if (!tokens()) return;
  if (isStaff()) loadDistrictChoices();
  await loadEvents();
  if (!state.timer) {
    // Skip while the tab is hidden; the next visible tick catches up.
    state.timer = setInterval(() => { if (!document.hidden) loadReport(); }, REFRESH_MS);
  }
}

function start() {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("refresh").addEventListener("click", () => loadEvents());
  $("print").addEventListener("click", () => window.print());
  $("close-event").addEventListener("click", closeEvent);
  $("declare-form").addEventListener("submit", declare);
  $("register-form").addEventListener("submit", importRegister);
  $("team-form").addEventListener("submit", createTeam);
  $("team-search-go").addEventListener("click", searchMembers);
  $("team-search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); searchMembers(); }
  });
  $("download-summary").addEventListener("click", () => download("summary.csv", "集計"));
  $("download-checkins").addEventListener("click", () => download("checkins.csv", "全履歴"));
  $("event-select").addEventListener("change", () => {
    state.event = state.events.find((e) => e.id === $("event-select").value) || null;
    clearReport(); // never show one event's numbers under another's name
    loadReport();
  });
  loadVocabulary().then(() => {
    if (tokens()) startHq();
    else showSignin();
  });
}

start();
