// The administration page: one resource (load, edit, save), and the resources this
// account keeps, to find the one to edit.
import { ApiError, problemOf } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { loadList } from "../lib/list.js";
import { api, blank, dateTime, failure, fillSelect, getList, hasRole, session, show, SIGNED_OUT, state } from "./base.js";
import { categoryNames, townNames } from "./choices.js";
import { scheduleRows, scheduleValue } from "./schedule.js";

const fields = ["name", "name_kana", "municipality_code", "category", "address", "lat", "lng", "phone",
  "website", "target", "fee", "description", "status"];
const flags = ["wheelchair", "accessible_toilet", "parking", "shelter"];
// What the server computes or keeps about a resource; the rest of a loaded resource is
// sent back as it was, so that saving the form never drops a field it does not show.
const derived = ["id", "url", "category_name", "category_name_en", "schema_type", "schedule_text",
  "source", "created_at", "updated_at", "municipality_name", "district", "matched", "distance_m"];
let loaded = {};
const STATUS = { draft: "下書き", published: "公開", closed: "終了" };

const keep = (resource) => Object.fromEntries(Object.entries(resource).filter(([k]) => !derived.includes(k)));

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

export async function openResource(id) {
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

export function openTyped(event) {
  event.preventDefault();
  openResource($("resource-id").value.trim());
}

export async function saveResource(event) {
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
}

// --- the resources this account keeps: find one to edit --------------------------------

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

export async function searchManaged(more) {
  if (!state.me && !session.tokens()) return;
  const status = $("managed-status-line");
  const list = $("managed-list");
  await loadList({
    show: (line) => { status.textContent = line; },
    loading: "探しています…",
    fetch: () => getList(managedQuery(more ? managedCursor : null)),
    render: (items, answer) => {
      if (!more) list.textContent = "";
      for (const r of items) list.appendChild(managedItem(r));
      managedCursor = answer.next_cursor;
      $("managed-more").hidden = !managedCursor;
    },
    summary: () => {
      const shown = list.children.length;
      return shown ? shown + "件" + (managedCursor ? "（続きがあります）" : "") : "見つかりませんでした。";
    },
    failed: (e) => (e instanceof ApiError ? e.lines.join(" ") : e === SIGNED_OUT ? "" : "読み込めませんでした。"),
  });
}

export function findManaged(event) {
  event.preventDefault();
  searchManaged(false);
}

// Staff keep their own town; sysadmins and the bootstrap token pick one or the region.
export function applyManaged() {
  const box = $("managed-box");
  const mayList = !!session.tokens() && (!state.me || hasRole("sysadmin") || hasRole("municipal_staff"));
  box.hidden = !mayList;
  if (!mayList) return;
  const region = !state.me || hasRole("sysadmin");
  const select = $("managed-municipality");
  const codes = region ? Object.keys(townNames) : [state.me.organization && state.me.organization.municipality_code].filter(Boolean);
  fillSelect("managed-municipality", (region ? [""] : []).concat(codes), (c) => c, (c) => (c ? (townNames[c] || c) + "（" + c + "）" : "地域全体"));
  $("managed-municipality-box").hidden = !region;
  if (!region && codes[0]) select.value = codes[0];
  searchManaged(false);
}
