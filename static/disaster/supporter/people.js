// The supporter's page: the list of people, one card each, with the buttons of a check-in.
import { $, bilingual, el } from "../../lib/dom.js";
import { say } from "../../lib/i18n.js";
import { state, STATUS, timeOf } from "./base.js";
import { pendingFor } from "./queue.js";

function addFact(dl, ja, field) {
  dl.appendChild(el("dt", null, ja));
  const dd = el("dd");
  dd.dataset.field = field;
  dd.translate = false; // the register's words, shown as written in either language
  dl.appendChild(dd);
}

function choiceButton(status) {
  const button = el("button", "choice choice-" + status.replace("_", "-"));
  button.type = "button";
  button.dataset.status = status;
  bilingual(button, STATUS[status].ja, STATUS[status].en);
  return button;
}

// The note form for 要確認: hidden until that button is tapped; a note is required.
function noteForm(id) {
  const form = el("form", "note-form");
  form.noValidate = true;
  form.hidden = true;
  const label = el("label");
  label.htmlFor = "note-" + id;
  bilingual(label, "状況（必須）", "What is needed (required)");
  const area = el("textarea");
  area.id = "note-" + id;
  area.rows = 3;
  area.maxLength = 1000;
  const problem = el("p", "field-error", say("状況を入力してください"));
  problem.hidden = true;
  const send = el("button", "choice choice-send", "送信");
  send.type = "submit";
  form.append(label, area, problem, send);
  return form;
}

// The card's fixed structure; updateCard fills it, so a refresh never loses a note being typed.
function buildCard(id) {
  const card = el("article", "person");
  card.id = "person-" + id;
  card.dataset.person = id;
  const name = el("h3", "person-name");
  const kana = el("p", "kana");
  name.translate = false;
  kana.translate = false;
  const facts = el("dl", "facts");
  addFact(facts, "地区", "district");
  addFact(facts, "住所", "address");
  addFact(facts, "電話", "phone");
  addFact(facts, "支援理由", "reasons");
  // The individual evacuation plan and whom to call: what a supporter needs at the door.
  addFact(facts, "避難先", "site");
  addFact(facts, "経路", "route");
  addFact(facts, "避難支援者", "plan_supporter");
  addFact(facts, "緊急連絡先", "emergency");
  const status = el("p", "status-line");
  status.append(el("span", "badge"), el("span", "pending-badge", say("未送信")), el("span", "checked-at muted"));
  const error = el("p", "card-error");
  error.setAttribute("role", "alert");
  const choices = el("div", "choices");
  Object.keys(STATUS).forEach((s) => choices.appendChild(choiceButton(s)));
  card.append(name, kana, facts, status, error, choices, noteForm(id));
  return card;
}

function setField(card, field, text) {
  card.querySelector('[data-field="' + field + '"]').textContent = text || "—";
}

function setPhone(card, phone, field, label) {
  const dd = card.querySelector('[data-field="' + (field || "phone") + '"]');
  dd.textContent = "";
  if (!phone && !label) { dd.textContent = "—"; return; }
  if (label) dd.appendChild(el("span", null, label + " "));
  if (!phone) return;
  const link = el("a", "tel", phone);
  link.href = "tel:" + phone.replace(/[^0-9+]/g, "");
  dd.appendChild(link);
}

function updateCard(card, person) {
  const pending = pendingFor(person.id);
  const given = pending ? pending.body.status : person.status;
  const status = STATUS[given] ? given : "not_yet";
  card.querySelector(".person-name").textContent = person.name;
  card.querySelector(".kana").textContent = person.name_kana || "";
  setField(card, "district", person.district_name || person.district_code);
  setField(card, "address", person.address);
  setPhone(card, person.phone);
  setField(card, "reasons", (person.reasons || []).join("、"));
  const plan = person.plan || {};
  setField(card, "site", plan.site);
  setField(card, "route", plan.route);
  setField(card, "plan_supporter", plan.supporter);
  setPhone(card, person.emergency_contact_phone, "emergency", person.emergency_contact_name);
  const badge = card.querySelector(".badge");
  badge.className = "badge status-" + status.replace("_", "-");
  bilingual(badge, STATUS[status].ja, STATUS[status].en);
  card.dataset.status = status;
  card.classList.toggle("is-pending", !!pending);
  card.querySelector(".pending-badge").hidden = !pending;
  const when = pending ? pending.body.observed_at : person.checked_at;
  card.querySelector(".checked-at").textContent = when ? timeOf(when) : "";
  const error = card.querySelector(".card-error");
  error.textContent = state.errors[person.id] || "";
  error.hidden = !state.errors[person.id];
  // Pressed: the answer last given, by anyone; nothing pressed before the first answer.
  const answered = !!pending || !!person.checked_at;
  card.querySelectorAll("button.choice[data-status]").forEach((b) => {
    b.setAttribute("aria-pressed", String(answered && b.dataset.status === status));
  });
}

// What is left to do, and a way to find one person in a long list.
function renderProgress() {
  const total = state.people.length;
  const answered = state.people.filter((p) => p.checked_at || pendingFor(p.id)).length;
  $("progress").textContent = total ? "確認済み " + answered + "人 ／ " + total + "人（未確認 " + (total - answered) + "人）" : "";
}

export function applyFilter() {
  const onlyNotYet = $("only-not-yet").checked;
  const words = $("people-filter").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  state.people.forEach((p) => {
    const card = $("person-" + p.id);
    if (!card) return;
    const text = [p.name, p.name_kana, p.address, p.district_name].join(" ").toLowerCase();
    const answered = !!(p.checked_at || pendingFor(p.id));
    card.hidden = (onlyNotYet && answered) || !words.every((w) => text.indexOf(w) >= 0);
  });
}

export function renderPeople() {
  const box = $("people");
  const wanted = new Set(state.people.map((p) => "person-" + p.id));
  Array.from(box.children).forEach((c) => { if (!wanted.has(c.id)) c.remove(); });
  state.people.forEach((person, i) => {
    const card = $("person-" + person.id) || buildCard(person.id);
    updateCard(card, person);
    // Move only when out of place: moving a node blurs a note being typed.
    if (box.children[i] !== card) box.insertBefore(card, box.children[i] || null);
  });
  if (state.people.length === 0 && state.event) {
    box.textContent = "";
    box.appendChild(el("p", "notice", say("担当の方はいません。本部に確認してください。")));
  }
  renderRefused();
  renderProgress();
  applyFilter();
}

export function renderPerson(personId) {
  const person = state.people.find((p) => p.id === personId);
  const card = $("person-" + personId);
  if (person && card) updateCard(card, person);
  renderProgress();
}

export function listStatus(text) {
  $("list-status").textContent = say(text);
}

// A refused check-in says why on its card; once there is no card (its event closed and its
// list went), in the list of check-ins not sent, which stays until logout (in memory only)
// so that the supporter can tell HQ some other way.
export function renderRefused() {
  const shown = state.refused.filter((r) => !$("person-" + r.person_id));
  const list = $("not-sent-list");
  if (!list) return; // an older cached page without the list
  list.textContent = "";
  shown.forEach((r) => list.appendChild(el("li", null, r.line)));
  $("not-sent").hidden = shown.length === 0;
}
