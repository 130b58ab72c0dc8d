// Administration of the resource map through the public API, and for a signed-in account
// the invitation of staff (organization admins), the usage figures and bulk registration
// (municipal staff, sysadmins). The session lives in this tab's sessionStorage and is
// refreshed like the other clients' (static/lib/session.js), so a long afternoon of edits does
// not end at the access token's 10 minutes. Every message is put in the page as text,
// never as HTML.
import { connect, problemOf } from "../lib/api.js";
import { japanTime } from "../lib/dates.js";
import { $, bilingual, el, filenameFrom, showBox } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";

const townNames = {}; // municipality code → name
const categoryNames = {};
const SIGNED_OUT = new Error("signed out");

// The session (stored pair, one refresh across tabs, one retry): lib/api.js.
const { session } = connect({
  storage: window.sessionStorage,
  key: "rainbownet-admin-auth",
  signedOut: () => {
    session.clear();
    $("token-status").textContent = "ログインが切れたか、トークンが違います。もう一度ログインしてください。";
    me = null;
    applyAccount();
    $("signin").scrollIntoView();
  },
  signedOutError: SIGNED_OUT,
  // Looking around the page before signing in is no expired session.
  signOutWhenMissing: false,
});

// --- requests -------------------------------------------------------------------------

// A request with the session's token, refreshed once on a 401. → {ok, status, json, resp}
async function api(method, path, { body, contentType, cache } = {}) {
  const resp = await session.withRetry((token) => fetch(path, {
    method,
    headers: { authorization: "Bearer " + token, "content-type": contentType || "application/json" },
    body,
    cache: cache || "no-store",
  }));
  const text = await resp.text();
  let json = {};
  try { json = text ? JSON.parse(text) : {}; } catch (e) { json = { title: "HTTP " + resp.status }; }
  return { ok: resp.ok, status: resp.status, json, resp };
}

// The same for an upload with a progress bar: XMLHttpRequest reports upload progress,
// fetch does not. → {ok, status, json}
function upload(path, file, progress) {
  return session.withRetry((token) => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("authorization", "Bearer " + token);
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch (e) { json = null; }
      resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status, json });
    };
    xhr.onerror = () => reject(new Error("network"));
    xhr.send(file);
  }));
}

async function publicJson(path, cache) {
  const resp = await fetch(path, { cache: cache || "default" });
  return resp.json();
}

// What a failed request says to the person: signed out is shown by the session already.
function failure(target, error) {
  if (error === SIGNED_OUT) return;
  show(target, ["送信できませんでした。通信状態を確認してください。"], false);
}

// --- drawing --------------------------------------------------------------------------



function show(target, lines, ok) {
  showBox($(target), lines, ok);
}

function fillSelect(id, items, value, label) {
  const select = $(id);
  select.textContent = "";
  for (const item of items) {
    const option = el("option", null, label(item));
    option.value = value(item);
    select.appendChild(option);
  }
}

// Japan time, as the staff read it.
function dateTime(iso) {
  return japanTime(iso, "minute");
}

// A row of an administrator's table: its cells as text, then its action buttons.
function tableRow(texts, actions) {
  const row = el("tr");
  for (const text of texts) row.appendChild(el("td", null, text));
  const cell = el("td");
  for (const a of actions) {
    const button = el("button", "button secondary", a.text);
    button.type = "button";
    button.setAttribute("aria-label", a.label);
    button.addEventListener("click", a.onClick);
    cell.appendChild(button);
  }
  row.appendChild(cell);
  return row;
}

// --- the lists every section picks from -----------------------------------------------

const TOWN_SELECTS = ["import-municipality", "r-municipality_code", "n-municipality_code", "patients-municipality"];

async function loadLists() {
  const [towns, categories, vocabulary] = await Promise.all([
    publicJson("/api/v1/public/municipalities"),
    publicJson("/api/v1/public/categories"),
    publicJson("/api/v1/public/vocabulary"),
  ]);
  for (const id of TOWN_SELECTS) {
    fillSelect(id, towns.items, (m) => m.code, (m) => m.name + "（" + m.code + "）");
    $(id).querySelectorAll("option").forEach((option) => { option.translate = false; }); // names stay names
  }
  for (const m of towns.items) {
    townNames[m.code] = m.name;
    const option = Object.assign(el("option", null, m.name + "（" + m.code + "）"), { value: m.code });
    option.translate = false; // a town's name is a name
    $("usage-municipality").appendChild(option);
  }
  const categoryName = (c) => pick(c.name_ja, c.name_en);
  fillSelect("r-category", categories.items.filter((c) => c.parent), (c) => c.code, categoryName);
  for (const c of categories.items) categoryNames[c.code] = categoryName(c);
  fillSelect("w-categories", categories.items, (c) => c.code, (c) => (c.parent ? "　" : "") + categoryName(c));
  const hazards = $("r-hazards");
  for (const h of vocabulary.hazards || []) {
    const label = el("label", "check");
    const input = el("input");
    input.type = "checkbox";
    input.name = "hazards";
    input.value = h.code;
    label.append(input, el("span", "check-text", h.ja));
    hazards.appendChild(label);
  }
}

// --- signing in -------------------------------------------------------------------------

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = JSON.stringify({ email: $("login-email").value, password: $("login-password").value, totp: $("login-totp").value });
  $("login-password").value = "";
  $("login-totp").value = "";
  try {
    const resp = await fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = await resp.json();
    if (!resp.ok) { $("token-status").textContent = problemOf(json, resp.status).join(" "); return; }
    session.store(json);
    $("token-status").textContent = "ログインしました。";
    await loadAccount();
  } catch (e) {
    $("token-status").textContent = "サーバーに接続できません。";
  }
});

// The bootstrap token has no refresh: when it is refused the page asks again.
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  session.store({ access_token: $("token").value, refresh_token: null });
  $("token").value = "";
  $("token-status").textContent = "トークンを設定しました。";
  loadAccount();
});

// --- open data and bulk registration --------------------------------------------------

$("import-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("import-file").files[0];
  if (!file) return;
  const progress = $("import-progress");
  progress.hidden = false;
  progress.value = 0;
  try {
    const res = await upload("/api/v1/public/imports?municipality=" + encodeURIComponent($("import-municipality").value), file, progress);
    progress.value = 100;
    const report = res.json;
    if (!report) { show("import-result", ["応答を読めませんでした。"], false); return; }
    if (res.status !== 200) { show("import-result", problemOf(report, res.status), false); return; }
    const lines = [report.dataset_label + "：新規 " + report.imported + " 件、更新 " + report.updated +
      " 件、変更なし " + report.unchanged + " 件、取り込めなかった行 " + report.rejected + " 件"];
    if (report.detected_by && report.detected_by.length) lines.push("判定に使った列：" + report.detected_by.join("・"));
    for (const e of report.errors) lines.push(e.line + " 行目：" + pick(e.reason_ja, e.reason));
    for (const w of report.warnings || []) lines.push(w.line + " 行目（取り込み済み）：" + pick(w.reason_ja, w.reason));
    show("import-result", lines, report.rejected === 0);
    searchManaged();
  } catch (e) {
    failure("import-result", e);
  }
});

// Bulk patient registration from the care-certification export (municipal staff).
$("patients-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("patients-file").files[0];
  if (!file) return;
  show("patients-result", ["取り込み中…"], true);
  try {
    const res = await api("POST", "/api/v1/patients/imports?municipality=" + encodeURIComponent($("patients-municipality").value),
      { body: file, contentType: "text/csv" });
    if (!res.ok) { show("patients-result", problemOf(res.json, res.status), false); return; }
    const r = res.json;
    const lines = ["登録 " + r.registered + "件・変更なし " + r.unchanged + "件・同意なし " + r.without_consent + "件・エラー " + r.rejected + "件"];
    for (const e of r.errors || []) lines.push(e.line + "行目：" + (pick(e.reason_ja, e.reason)));
    show("patients-result", lines, r.rejected === 0);
  } catch (e) {
    failure("patients-result", e);
  }
});

// --- one resource: load, edit, save -----------------------------------------------------

const fields = ["name", "name_kana", "municipality_code", "category", "address", "lat", "lng", "phone",
  "website", "target", "fee", "description", "status"];
const flags = ["wheelchair", "accessible_toilet", "parking", "shelter"];
// What the server computes or keeps about a resource; the rest of a loaded resource is
// sent back as it was, so that saving the form never drops a field it does not show.
const derived = ["id", "url", "category_name", "category_name_en", "schema_type", "schedule_text",
  "source", "created_at", "updated_at", "municipality_name", "district", "matched", "distance_m"];
let loaded = {};

const keep = (resource) => Object.fromEntries(Object.entries(resource).filter(([k]) => !derived.includes(k)));
const blank = (v) => (v === null || v === undefined ? "" : v);

function fillResourceForm(r) {
  for (const f of fields) $("r-" + f).value = blank(r[f]);
  for (const f of flags) $("r-" + f).value = r[f] === true ? "true" : r[f] === false ? "false" : "";
  $("r-capacity").value = blank(r.capacity);
  for (const box of document.querySelectorAll("#r-hazards input")) box.checked = (r.hazards || []).includes(box.value);
  scheduleRows(r.schedule || []);
}

function editing(resource) {
  const line = $("resource-editing");
  line.hidden = !resource;
  line.textContent = resource ? "編集中：" + resource.name + "（" + STATUS[resource.status] + "）" : "";
}

async function openResource(id) {
  if (!id) {
    loaded = {};
    $("resource-id").value = "";
    $("resource-form").reset();
    scheduleRows([]);
    editing(null);
    return;
  }
  try {
    const res = await api("GET", "/api/v1/public/resources/" + encodeURIComponent(id));
    if (!res.ok) { show("resource-result", problemOf(res.json, res.status), false); return; }
    $("resource-id").value = res.json.id;
    loaded = keep(res.json);
    fillResourceForm(res.json);
    editing(res.json);
    show("resource-result", ["読み込みました：" + res.json.name], true);
    $("r-name").focus();
  } catch (e) {
    failure("resource-result", e);
  }
}

$("resource-load").addEventListener("submit", (event) => {
  event.preventDefault();
  openResource($("resource-id").value.trim());
});

$("resource-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = $("resource-id").value.trim();
  const body = id ? { ...loaded } : {};
  // An emptied field is cleared (null), not left as it was.
  for (const f of fields) { const v = $("r-" + f).value.trim(); body[f] = v === "" ? null : v; }
  for (const f of ["lat", "lng"]) if (body[f] !== null) body[f] = Number(body[f]);
  for (const f of flags) { const v = $("r-" + f).value; body[f] = v === "" ? null : v === "true"; }
  const capacity = $("r-capacity").value.trim();
  body.capacity = capacity === "" ? null : Number(capacity);
  body.hazards = [...document.querySelectorAll("#r-hazards input:checked")].map((b) => b.value);
  if (body.status === null) delete body.status;
  body.schedule = scheduleValue();
  try {
    const res = await api(id ? "PUT" : "POST", "/api/v1/public/resources" + (id ? "/" + encodeURIComponent(id) : ""),
      { body: JSON.stringify(body) });
    if (!res.ok) { show("resource-result", problemOf(res.json, res.status), false); return; }
    $("resource-id").value = res.json.id;
    loaded = keep(res.json);
    editing(res.json);
    show("resource-result", ["保存しました：" + res.json.name], true);
    searchManaged();
  } catch (e) {
    failure("resource-result", e);
  }
});

// --- the resources this account keeps: find one to edit --------------------------------

const STATUS = { draft: "下書き", published: "公開", closed: "終了" };
let managedCursor = null;

function managedQuery(cursor) {
  const params = new URLSearchParams();
  const town = $("managed-municipality").value;
  if (town) params.set("municipality", town);
  const q = $("managed-q").value.trim();
  if (q) params.set("q", q);
  if ($("managed-status").value) params.set("status", $("managed-status").value);
  if (cursor) params.set("cursor", cursor);
  return "/api/v1/public/managed-resources?" + params;
}

function managedItem(r) {
  const item = el("li", "managed");
  item.dataset.id = r.id;
  const text = el("div", "managed-text");
  const head = el("p");
  head.append(el("strong", null, r.name), " ", el("span", "state state-" + r.status, STATUS[r.status] || r.status));
  text.append(head, el("p", "muted", [categoryNames[r.category] || r.category_name, townNames[r.municipality_code] || r.municipality_code,
    r.address || "", "更新 " + dateTime(r.updated_at)].filter(Boolean).join("・")));
  const button = el("button", "button secondary", "編集");
  button.type = "button";
  button.setAttribute("aria-label", r.name + "を編集");
  button.addEventListener("click", async () => {
    await openResource(r.id);
    $("resource-form").scrollIntoView();
  });
  item.append(text, button);
  return item;
}

async function searchManaged(more) {
  if (!me && !session.tokens()) return;
  const status = $("managed-status-line");
  status.textContent = "探しています…";
  try {
    const res = await api("GET", managedQuery(more ? managedCursor : null));
    if (!res.ok) { status.textContent = problemOf(res.json, res.status).join(" "); return; }
    const list = $("managed-list");
    if (!more) list.textContent = "";
    for (const r of res.json.items) list.appendChild(managedItem(r));
    managedCursor = res.json.next_cursor;
    $("managed-more").hidden = !managedCursor;
    const shown = list.children.length;
    status.textContent = shown ? shown + "件" + (managedCursor ? "（続きがあります）" : "") : "見つかりませんでした。";
  } catch (e) {
    status.textContent = e === SIGNED_OUT ? "" : "読み込めませんでした。";
  }
}

$("managed-form").addEventListener("submit", (event) => {
  event.preventDefault();
  searchManaged(false);
});
$("managed-more").addEventListener("click", () => searchManaged(true));

// Staff keep their own town; sysadmins and the bootstrap token pick one or the region.
function applyManaged() {
  const box = $("managed-box");
  const mayList = !!session.tokens() && (!me || hasRole("sysadmin") || hasRole("municipal_staff"));
  box.hidden = !mayList;
  if (!mayList) return;
  const region = !me || hasRole("sysadmin");
  const select = $("managed-municipality");
  const codes = region ? Object.keys(townNames) : [me.organization && me.organization.municipality_code].filter(Boolean);
  fillSelect("managed-municipality", (region ? [""] : []).concat(codes), (c) => c, (c) => (c ? (townNames[c] || c) + "（" + c + "）" : "地域全体"));
  $("managed-municipality-box").hidden = !region;
  if (!region && codes[0]) select.value = codes[0];
  searchManaged(false);
}

// --- the network's municipalities (sysadmins): list and edit ---------------------------

const townFields = ["name", "name_kana", "name_en", "prefecture", "lat", "lng"];
// Administrators see their own edits at once: revalidate instead of the public cache.
async function loadTowns() {
  const data = await publicJson("/api/v1/public/municipalities", "no-cache");
  const body = document.querySelector("#town-table tbody");
  body.textContent = "";
  for (const t of data.items) {
    body.appendChild(tableRow([t.code, t.name, t.name_kana, t.prefecture || "", t.lat + ", " + t.lng], [{
      text: "編集", label: t.name + "を編集",
      onClick: () => {
        $("t-code").value = t.code;
        for (const f of townFields) $("t-" + f).value = blank(t[f]);
        $("t-name").focus();
      },
    }]));
  }
}

$("town-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(townFields.map((f) => [f, $("t-" + f).value.trim()]));
  body.lat = Number(body.lat);
  body.lng = Number(body.lng);
  const code = $("t-code").value.trim();
  try {
    const res = await api("PUT", "/api/v1/public/municipalities/" + encodeURIComponent(code), { body: JSON.stringify(body) });
    if (!res.ok) { show("town-result", problemOf(res.json, res.status), false); return; }
    show("town-result", [(res.status === 201 ? "登録しました：" : "更新しました：") + res.json.name + "（" + res.json.code + "）"], true);
    loadTowns();
  } catch (e) {
    failure("town-result", e);
  }
});

// --- the search dictionary (sysadmins): list, set, remove ------------------------------

async function loadWords() {
  const data = await publicJson("/api/v1/public/search-words", "no-cache");
  const body = document.querySelector("#word-table tbody");
  body.textContent = "";
  for (const w of data.items) {
    const categories = w.categories.map((c) => categoryNames[c] || c).join("、");
    body.appendChild(tableRow([w.word, categories, w.alternatives.join(" ")], [{
      text: "編集", label: "「" + w.word + "」を編集",
      onClick: () => {
        $("w-word").value = w.word;
        $("w-alternatives").value = w.alternatives.join(" ");
        for (const o of $("w-categories").options) o.selected = w.categories.includes(o.value);
        $("w-word").focus();
      },
    }, {
      text: "削除", label: "「" + w.word + "」を削除",
      onClick: async () => {
        if (!window.confirm("「" + w.word + "」を検索のことばから削除しますか？")) return;
        try {
          const res = await api("DELETE", "/api/v1/public/search-words/" + encodeURIComponent(w.word));
          if (!res.ok) { show("word-result", problemOf(res.json, res.status), false); return; }
          show("word-result", ["削除しました：" + w.word], true);
          loadWords();
        } catch (e) {
          failure("word-result", e);
        }
      },
    }]));
  }
}

$("word-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const word = $("w-word").value.trim();
  const body = {
    categories: [...$("w-categories").options].filter((o) => o.selected).map((o) => o.value),
    alternatives: $("w-alternatives").value.split(/[\s　]+/).filter(Boolean),
  };
  try {
    const res = await api("PUT", "/api/v1/public/search-words/" + encodeURIComponent(word), { body: JSON.stringify(body) });
    if (!res.ok) { show("word-result", problemOf(res.json, res.status), false); return; }
    show("word-result", ["保存しました：" + res.json.word], true);
    loadWords();
  } catch (e) {
    failure("word-result", e);
  }
});

// --- notices and events -------------------------------------------------------------------

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
async function loadNotices() {
  const town = $("n-municipality_code").value;
  const status = $("notices-status");
  try {
    const res = await api("GET", "/api/v1/public/managed-notices" + (town ? "?municipality=" + encodeURIComponent(town) : ""));
    if (!res.ok) { status.textContent = problemOf(res.json, res.status).join(" "); return; }
    const list = $("notice-list");
    list.textContent = "";
    for (const n of res.json.items || []) {
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
      list.appendChild(item);
    }
    status.textContent = list.children.length ? "" : "お知らせ・イベントはありません。";
  } catch (e) {
    status.textContent = "読み込めませんでした。";
  }
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
$("notice-cancel").addEventListener("click", () => { stopEditing(); show("notice-result", [], true); });

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

$("n-municipality_code").addEventListener("change", loadNotices);

$("notice-form").addEventListener("submit", async (event) => {
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
});

// --- the signed-in account: what this page offers it ---------------------------------
//
// Inviting staff needs an organization admin (or sysadmin); the usage figures need
// municipal staff (their own town) or a sysadmin (the region or any town). The bootstrap
// token is no account: both sections stay hidden for it.

const PROFESSION = {
  physician: "医師", nurse: "看護師", pharmacist: "薬剤師", dentist: "歯科医師",
  care_manager: "介護支援専門員", care_worker: "介護職員", therapist: "リハビリ専門職",
  social_worker: "社会福祉士・相談員", municipal_staff: "市町職員",
};
const ROLE = {
  professional: "専門職", org_admin: "事業所の管理者", municipal_staff: "市町の職員",
  disaster_hq: "災害対策本部", sysadmin: "システム管理者",
};
let me = null;

const hasRole = (role) => !!me && (me.roles || []).includes(role);

async function loadAccount() {
  const auth = session.tokens();
  if (!auth) { me = null; applyAccount(); return; }
  const whoAmI = (token) => fetch("/api/v1/auth/me", { headers: { authorization: "Bearer " + token }, cache: "no-store" });
  try {
    // The bootstrap token (no refresh token) is no account: its 401 here ends nothing.
    const resp = auth.refresh_token ? await session.withRetry(whoAmI) : await whoAmI(auth.access_token);
    me = resp.ok ? await resp.json() : null;
    applyAccount();
  } catch (e) {
    me = null;
    if (e !== SIGNED_OUT) {
      $("account-status").hidden = false;
      $("account-status").textContent = say("サーバーに接続できません。");
    }
    applyAccount();
  }
}

function applyAccount() {
  const status = $("account-status");
  const inviter = hasRole("org_admin") || hasRole("sysadmin");
  const counter = hasRole("municipal_staff") || hasRole("sysadmin");
  $("invite-section").hidden = !inviter;
  $("usage-section").hidden = !counter;
  $("patients-section").hidden = !counter;
  $("words-section").hidden = !hasRole("sysadmin");
  $("towns-section").hidden = !hasRole("sysadmin");
  if (hasRole("sysadmin")) { loadWords(); loadTowns(); }
  applyManaged();
  if (!me) { status.hidden = true; status.textContent = ""; return; }
  status.hidden = false;
  status.textContent = "";
  status.append("ログイン中：", el("strong", null, me.name), "（" + (me.organization ? me.organization.name : "") + "） ",
    (me.roles || []).map((r) => ROLE[r] || r).join("・"));
  if (!inviter && !counter) {
    status.append(el("br"), "職員の招待は事業所の管理者が、利用状況は市町の職員が使えます。");
  }
  $("invite-org-box").hidden = !hasRole("sysadmin");
  $("usage-municipality-box").hidden = !hasRole("sysadmin");
  if (inviter) loadInvitations();
  if (counter) loadUsage();
}

// --- the schedule picker: rows of 毎週 (weekdays) or 毎月 (第N/最終 weekday), with times ---
// It writes the resource's `schedule` rules (functions/core/src/resources/schedule.rs).
const DAYS = [["mon", "月"], ["tue", "火"], ["wed", "水"], ["thu", "木"], ["fri", "金"], ["sat", "土"], ["sun", "日"]];
const WEEKS = [["1", "第1"], ["2", "第2"], ["3", "第3"], ["4", "第4"], ["5", "第5"], ["-1", "最終"]];
let scheduleSeq = 0;
let controlSeq = 0;

// A control with its label beside it (for=id: the label's name is its text alone).
function labelled(text, control) {
  const box = el("span", "inline");
  control.id = control.id || "schedule-control-" + (++controlSeq);
  const label = el("label", null, text);
  label.htmlFor = control.id;
  box.append(label, control);
  return box;
}

function selectOf(options, value) {
  const select = el("select");
  for (const [code, text] of options) select.appendChild(Object.assign(el("option", null, text), { value: code }));
  if (value !== undefined) select.value = String(value);
  return select;
}

function timeInput(value) {
  const input = el("input");
  input.type = "time";
  input.value = value || "";
  return input;
}

// As the portal writes it (functions/core/src/resources/schedule.rs describe_ja):
// 「月曜〜水曜・金曜」, three or more days in a row as a span.
function weekdayRuns(days) {
  const order = DAYS.map((d) => d[0]);
  const idx = [...new Set(days.map((d) => order.indexOf(d)).filter((i) => i >= 0))].sort((a, b) => a - b);
  const name = (i) => DAYS[i][1] + "曜";
  const parts = [];
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    if (j - i >= 2) parts.push(name(idx[i]) + "〜" + name(idx[j]));
    else for (let k = i; k <= j; k++) parts.push(name(idx[k]));
    i = j + 1;
  }
  return parts.join("・");
}

function scheduleText(rule) {
  const day = (code) => (DAYS.find((x) => x[0] === code) || [code, code])[1];
  const times = (rule.start || "--:--") + "〜" + (rule.end || "--:--");
  if (rule.freq === "weekly") {
    if (!rule.days.length) return "毎週 （曜日を選んでください） " + times;
    return (rule.days.length === 7 ? "毎日" : "毎週 " + weekdayRuns(rule.days)) + " " + times;
  }
  const week = WEEKS.find((w) => w[0] === String(rule.week));
  return "毎月 " + (week ? week[1] : "") + day(rule.day) + "曜 " + times;
}

function scheduleRow(rule) {
  const n = ++scheduleSeq;
  const row = el("li", "schedule-row");
  const freq = selectOf([["weekly", "毎週"], ["monthly", "毎月"]], rule.freq || "weekly");
  const days = el("fieldset", "days");
  days.appendChild(el("legend", null, "曜日"));
  for (const [code, name] of DAYS) {
    const box = el("input");
    box.type = "checkbox";
    box.value = code;
    box.id = "schedule-" + n + "-" + code;
    box.checked = (rule.days || []).includes(code);
    const label = el("label", "day", name);
    label.htmlFor = box.id;
    days.append(box, label);
  }
  const week = selectOf(WEEKS, rule.week !== undefined ? rule.week : 1);
  const day = selectOf(DAYS.map(([code, name]) => [code, name + "曜"]), rule.day || "mon");
  const monthly = el("p", "monthly");
  monthly.append(labelled("週", week), labelled("曜日", day));
  const start = timeInput(rule.start);
  const end = timeInput(rule.end);
  const times = el("p", "times");
  times.append(labelled("開始", start), labelled("終了", end));
  const preview = el("p", "schedule-preview");
  preview.setAttribute("aria-live", "polite");
  const remove = el("button", "secondary small", "この日時を削除");
  remove.type = "button";
  remove.addEventListener("click", () => row.remove());
  row.append(labelled("くり返し", freq), days, monthly, times, preview, remove);
  row.ruleOf = () => {
    const base = { freq: freq.value, start: start.value, end: end.value };
    if (freq.value === "weekly") {
      base.days = [...days.querySelectorAll("input")].filter((b) => b.checked).map((b) => b.value);
    } else {
      base.week = Number(week.value);
      base.day = day.value;
    }
    return base;
  };
  const refresh = () => {
    days.hidden = freq.value !== "weekly";
    monthly.hidden = freq.value === "weekly";
    preview.textContent = scheduleText(row.ruleOf());
  };
  row.addEventListener("change", refresh);
  row.addEventListener("input", refresh);
  refresh();
  return row;
}

function scheduleRows(rules) {
  const list = $("schedule-rows");
  list.textContent = "";
  for (const rule of rules) list.appendChild(scheduleRow(rule));
}

const scheduleValue = () => [...$("schedule-rows").children].map((row) => row.ruleOf());

$("schedule-add").addEventListener("click", () => {
  const row = scheduleRow({ freq: "weekly", days: [], start: "10:00", end: "11:30" });
  $("schedule-rows").appendChild(row);
  row.querySelector("select").focus();
});

// --- inviting staff ----------------------------------------------------------------------

function clearFieldErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

const INVITE_FIELDS = {
  "#/email": "invite-email", "#/name": "invite-name", "#/profession": "invite-profession",
  "#/roles": "invite-roles", "#/organization_id": "invite-organization",
};

// Each field error under its field; the rest (and a summary) in the box.
function showInviteProblem(status, problem) {
  const form = $("invite-form");
  const rest = [];
  let first = null;
  let placed = 0;
  for (const e of problem.errors || []) {
    const id = INVITE_FIELDS[e.pointer];
    const line = id && $(id + "-error");
    if (!line) { rest.push((e.pointer || "").replace("#/", "") + "：" + (pick(e.detail_ja, e.detail))); continue; }
    line.textContent = pick(e.detail_ja, e.detail);
    line.hidden = false;
    const input = id === "invite-roles" ? form.querySelector("input[name=roles]") : $(id);
    input.setAttribute("aria-invalid", "true");
    first = first || input;
    placed += 1;
  }
  if (!(problem.errors || []).length) {
    rest.push(status === 403
      ? "この権限では招待できません（事業所の管理者は専門職・事業所の管理者を、市町の権限は市町の組織でのみ付けられます）。"
      : (pick(problem.detail_ja, problem.detail) || problem.title || "HTTP " + status));
  }
  if (placed) rest.unshift("入力内容を確認してください（" + placed + "項目）。");
  show("invite-errors", rest, false);
  if (first) first.focus();
}

$("invite-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = $("invite-form");
  clearFieldErrors(form);
  $("invite-errors").hidden = true;
  const body = {
    email: $("invite-email").value.trim(),
    name: $("invite-name").value.trim(),
    profession: $("invite-profession").value,
    roles: [...form.querySelectorAll("input[name=roles]:checked")].map((b) => b.value),
  };
  const org = $("invite-organization").value.trim();
  if (org && hasRole("sysadmin")) body.organization_id = org;
  $("invite-submit").disabled = true;
  try {
    const res = await api("POST", "/api/v1/auth/invitations", { body: JSON.stringify(body) });
    if (!res.ok) { showInviteProblem(res.status, res.json || {}); return; }
    const inv = res.json;
    form.reset();
    $("invite-result-who").textContent = inv.name;
    $("invite-url").value = inv.accept_url;
    $("invite-copy-status").textContent = "";
    $("invite-expires").textContent = "有効期限 " + dateTime(inv.expires_at) + "（" + inv.email + "）";
    $("invite-result").hidden = false;
    $("invite-url").focus();
    $("invite-url").select();
    loadInvitations();
  } catch (e) {
    if (e !== SIGNED_OUT) show("invite-errors", ["送信できませんでした。通信状態を確認してください。"], false);
  } finally {
    $("invite-submit").disabled = false;
  }
});

$("invite-copy").addEventListener("click", async () => {
  const input = $("invite-url");
  const fallback = () => {
    input.focus();
    input.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    $("invite-copy-status").textContent = say(ok ? "コピーしました。" : "URLを選択しました。長押しまたは Ctrl+C でコピーしてください。");
  };
  if (!navigator.clipboard || !navigator.clipboard.writeText) { fallback(); return; }
  try {
    await navigator.clipboard.writeText(input.value);
    $("invite-copy-status").textContent = say("コピーしました。");
  } catch (e) {
    fallback();
  }
});

function invitationState(inv) {
  if (inv.accepted_at) return { code: "accepted", text: "登録済み（" + dateTime(inv.accepted_at) + "）", en: "Accepted" };
  if (Date.parse(inv.expires_at) < Date.now()) return { code: "expired", text: "期限切れ（" + dateTime(inv.expires_at) + "）", en: "Expired" };
  return { code: "pending", text: "招待中（期限 " + dateTime(inv.expires_at) + "）", en: "Pending" };
}

async function loadInvitations() {
  const status = $("invitations-status");
  status.textContent = say("読み込んでいます…");
  try {
    const res = await api("GET", "/api/v1/auth/invitations");
    if (!res.ok) { status.textContent = problemOf(res.json, res.status).join(" "); return; }
    const list = $("invitation-list");
    list.textContent = "";
    for (const inv of res.json.items || []) {
      const item = el("li", "invitation");
      item.dataset.id = inv.id;
      const st = invitationState(inv);
      item.dataset.state = st.code;
      const head = el("p", "invitation-head");
      head.append(el("strong", null, inv.name), " ", el("span", "muted", inv.email));
      const badge = bilingual(el("span", "state state-" + st.code), st.text, st.en);
      item.append(head, el("p", "invitation-meta",
        (PROFESSION[inv.profession] || inv.profession) + "・" + (inv.roles || []).map((r) => ROLE[r] || r).join("・")), badge);
      list.appendChild(item);
    }
    status.textContent = list.children.length ? "" : say("まだ招待はありません。");
  } catch (e) {
    status.textContent = e === SIGNED_OUT ? "" : say("読み込めませんでした。");
  }
}
$("invitations-reload").addEventListener("click", loadInvitations);

// --- usage (利用状況) --------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
const TOTALS = [
  ["organizations", "事業所", "Organizations"],
  ["professionals", "専門職", "Professionals"],
  ["patients", "登録患者", "Patients"],
  ["patients_consent_revoked", "同意撤回", "Consent revoked"],
  ["resources_published", "公開中の地域資源", "Resources published"],
  ["posts", "投稿", "Posts"],
  ["projects", "プロジェクト", "Projects"],
  ["messages", "メッセージ", "Messages"],
];
const MONTH_COLUMNS = ["professionals_joined", "patients_registered", "posts", "vitals", "active_professionals"];

function svgNode(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function usageQuery() {
  const town = hasRole("sysadmin") ? $("usage-municipality").value : "";
  return town ? "?municipality=" + encodeURIComponent(town) : "";
}

async function loadUsage() {
  const status = $("usage-status");
  status.textContent = say("集計しています…");
  try {
    const res = await api("GET", "/api/v1/care/usage" + usageQuery());
    if (!res.ok) { status.textContent = problemOf(res.json, res.status).join(" "); $("usage-report").hidden = true; return; }
    renderUsage(res.json);
    status.textContent = "";
  } catch (e) {
    status.textContent = e === SIGNED_OUT ? "" : say("読み込めませんでした。");
  }
}

function renderUsage(u) {
  $("usage-report").hidden = false;
  const scope = u.municipality_code ? (townNames[u.municipality_code] || "") + "（" + u.municipality_code + "）" : "地域全体";
  $("usage-scope").textContent = scope + "・" + dateTime(u.generated_at) + " 集計";
  const totals = $("usage-totals");
  totals.textContent = "";
  for (const [key, ja, english] of TOTALS) {
    const item = el("li", "figure");
    item.dataset.key = key;
    const value = u.totals ? u.totals[key] : null;
    const label = bilingual(el("span", "figure-label"), ja, english);
    item.append(el("span", "figure-value", value === null || value === undefined ? "—" : Number(value).toLocaleString("ja-JP")), label);
    totals.appendChild(item);
  }
  const body = $("usage-table").querySelector("tbody");
  body.textContent = "";
  for (const m of u.months || []) {
    const row = el("tr");
    row.dataset.month = m.month;
    row.appendChild(el("th", null, m.month)).scope = "row";
    for (const c of MONTH_COLUMNS) row.appendChild(el("td", "num", String(m[c])));
    body.appendChild(row);
  }
  drawChart(u.months || []);
}

// Posts per month as bars, each with its count above it and its month below.
function drawChart(months) {
  const chart = $("usage-chart");
  for (const n of [...chart.childNodes]) if (n.nodeName !== "title") n.remove();
  const left = 8, right = 352, top = 22, bottom = 160;
  const max = Math.max(1, ...months.map((m) => m.posts));
  const slot = (right - left) / Math.max(1, months.length);
  chart.appendChild(svgNode("line", { x1: left, y1: bottom, x2: right, y2: bottom, class: "axis" }));
  months.forEach((m, i) => {
    const h = (bottom - top) * m.posts / max;
    const x = left + i * slot + slot * 0.15;
    const middle = (x + slot * 0.35).toFixed(1);
    const bar = svgNode("rect", { x: x.toFixed(1), y: (bottom - h).toFixed(1), width: (slot * 0.7).toFixed(1), height: h.toFixed(1), class: "bar" });
    bar.appendChild(svgNode("title", {}, m.month + "：投稿 " + m.posts + "件"));
    chart.appendChild(bar);
    chart.appendChild(svgNode("text", { x: middle, y: (bottom - h - 4).toFixed(1), "text-anchor": "middle", class: "bar-value" }, String(m.posts)));
    chart.appendChild(svgNode("text", { x: middle, y: bottom + 16, "text-anchor": "middle", class: "bar-label" }, Number(m.month.slice(5)) + "月"));
    if (i === 0 || m.month.slice(5) === "01") {
      chart.appendChild(svgNode("text", { x: middle, y: bottom + 30, "text-anchor": "middle", class: "bar-year" }, m.month.slice(0, 4)));
    }
  });
}

$("usage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadUsage();
});


// The CSV needs the bearer token: fetched here and handed over as a file.
$("usage-csv").addEventListener("click", async () => {
  const town = usageQuery();
  $("usage-csv").disabled = true;
  try {
    const resp = await session.withRetry((token) => fetch("/api/v1/care/usage.csv" + town, { headers: { authorization: "Bearer " + token }, cache: "no-store" }));
    if (!resp.ok) { $("usage-status").textContent = problemOf(await resp.json()).join(" "); return; }
    const blob = await resp.blob();
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = filenameFrom(resp.headers.get("content-disposition")) ||
      "利用状況_" + (town ? town.replace(/\D/g, "") : "地域全体") + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    // Revoke later: the download reads the Blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (e) {
    if (e !== SIGNED_OUT) $("usage-status").textContent = say("ダウンロードできませんでした。");
  } finally {
    $("usage-csv").disabled = false;
  }
});

$("token-status").textContent = session.tokens() ? "ログイン済みです。" : "";
loadLists().then(loadNotices).then(loadAccount);
