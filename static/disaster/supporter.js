// The supporter's phone during a disaster: safety check-ins (安否確認), offline first.
// The list of people and every tap are kept on the phone; taps wait in an IndexedDB queue
// and are sent in order whenever the server can be reached, each with the Idempotency-Key
// it was given when it was made, so a resend never counts twice. Every message is put in
// the page as text, never as HTML; the CSP forbids inline code, so all of it lives here.
import { connect, newKey, problemLines, send, signIn, signOut } from "../lib/api.js";
import { japanTime } from "../lib/dates.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { say } from "../lib/i18n.js";



// localStorage, not sessionStorage: the supporter must survive a reload with no signal.
const KEY_AUTH = "rainbownet-disaster-auth";
const KEY_EVENTS = "rainbownet-disaster-events";
const KEY_EVENT = "rainbownet-disaster-event";
const KEY_PEOPLE = "rainbownet-disaster-people";
const RETRY_MS = 15000;
const SIGNED_OUT = new Error("signed out");

const STATUS = {
  safe: { ja: "安全確認済み", en: "Confirmed safe" },
  needs_attention: { ja: "要確認", en: "Needs check" },
  not_yet: { ja: "未確認", en: "Not yet checked" },
};

const state = {
  events: [],
  event: null,
  people: [],
  pending: [], // queue items, oldest first
  errors: {}, // person id → why the server refused the last check-in
  refused: [], // {event_id, person_id, line}: refused check-ins, listed once their card is gone
  sent: {}, // person id → the last check-in sent from this page (see overlaySent)
  lastSend: null, // "ok" | "network" | "server": result of the last request
  sending: false,
  again: false,
};

// --- small helpers -------------------------------------------------------------------



function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch (e) {
    return null;
  }
}

function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    warnStorage("この端末に一覧を保存できません。電波のない場所では表示できないことがあります。");
  }
}

function forget(key) {
  try {
    localStorage.removeItem(key);
  } catch (e) {
    /* nothing stored */
  }
}

function warnStorage(text) {
  const box = $("storage-warning");
  box.textContent = say(text);
  box.hidden = false;
}

// Reports are read in Japan whatever the phone's settings say.
function timeOf(iso) {
  return japanTime(iso, "short");
}

// --- the queue: IndexedDB, with a memory fallback so a tap is never refused ------------

function idbQueue() {
  const opened = new Promise((resolve, reject) => {
    const req = indexedDB.open("rainbownet-disaster", 1);
    // seq (auto-increment) keeps insertion order: items are sent oldest first.
    req.onupgradeneeded = () => req.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  // Resolves only when the transaction has committed, so "queued" means "on disk".
  function run(mode, work) {
    return opened.then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction("queue", mode);
      const request = work(tx.objectStore("queue"));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    }));
  }
  return {
    ready: opened,
    all: () => run("readonly", (s) => s.getAll()),
    add: (item) => run("readwrite", (s) => s.add(item)),
    remove: (seq) => run("readwrite", (s) => s.delete(seq)),
    clear: () => run("readwrite", (s) => s.clear()),
  };
}

function memoryQueue() {
  let items = [];
  let next = 1;
  return {
    ready: Promise.resolve(),
    all: async () => items.slice(),
    add: async (item) => { item.seq = next++; items.push(item); return item.seq; },
    remove: async (seq) => { items = items.filter((i) => i.seq !== seq); },
    clear: async () => { items = []; },
  };
}

let queue = null;

async function openQueue() {
  try {
    queue = idbQueue();
    await queue.ready;
  } catch (e) {
    queue = memoryQueue();
    warnStorage("この端末では未送信の記録を保存できません。電波が戻るまでこの画面を閉じないでください。");
  }
}

async function reloadPending() {
  state.pending = await queue.all();
  renderCounter();
}

// The newest unsent check-in for a person in the current event, if any.
function pendingFor(personId) {
  let found = null;
  for (const item of state.pending) {
    if (state.event && item.event_id === state.event.id && item.body.person_id === personId) found = item;
  }
  return found;
}

// --- tokens and requests ---------------------------------------------------------------

// Every request goes through here, so the indicator always shows the last result.
async function watched(method, path, options) {
  let resp;
  try {
    resp = await send(method, path, options);
  } catch (e) {
    setLastSend("network");
    throw e;
  }
  setLastSend(resp.status >= 500 || resp.status === 429 ? "server" : "ok");
  return resp;
}

function call(method, path, body, headers, token) {
  return watched(method, path, { json: body, headers: headers, token: token });
}

// The session (stored pair, shared by this page's tabs in localStorage; one refresh
// across tabs; one retry) and its requests: lib/api.js.
const api = connect({
  storage: localStorage,
  key: KEY_AUTH,
  signedOutError: SIGNED_OUT,
  signOutWhenMissing: false,
  signedOut: () => signedOut(),
  send: watched,
});
const { session, tokens, getAll } = api;

// A request with the bearer token; on 401 one refresh and one retry, then sign out.
function authorized(method, path, body, headers) {
  return api.authorized(method, path, { json: body, headers: headers });
}

// The problem (RFC 9457) as one line, Japanese when the server gave it.
async function problemText(resp) {
  return (await problemLines(resp)).join(" / ");
}

// --- the status bar --------------------------------------------------------------------

function renderCounter() {
  const n = String(state.pending.length);
  $("queue-count-n").textContent = n;
  $("queue-count").classList.toggle("has-pending", state.pending.length > 0);
}

function setLastSend(result) {
  state.lastSend = result;
  renderNet();
}

// navigator.onLine=false is reliable; true only means "some network", so the result of
// the last request decides whether the server is really reachable.
function renderNet() {
  const node = $("net-status");
  let key = "online";
  if (navigator.onLine === false) key = "offline";
  else if (state.lastSend === "network") key = "unreachable";
  else if (state.lastSend === "server") key = "busy";
  const text = {
    online: ["オンライン", "Online"],
    offline: ["オフライン（電波なし）", "Offline"],
    unreachable: ["サーバーに接続できません", "Server unreachable"],
    busy: ["サーバー混雑中・あとで再送します", "Server busy, will retry"],
  }[key];
  node.dataset.state = key;
  bilingual(node, text[0], text[1]);
}

// --- the list of people ----------------------------------------------------------------

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

function applyFilter() {
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

function renderPeople() {
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

function renderPerson(personId) {
  const person = state.people.find((p) => p.id === personId);
  const card = $("person-" + personId);
  if (person && card) updateCard(card, person);
  renderProgress();
}

function listStatus(text) {
  $("list-status").textContent = say(text);
}

// --- events ----------------------------------------------------------------------------

function isOpen(event) {
  return event.status ? event.status === "open" : !event.closed_at;
}

// The list of people (names, addresses, phones) stays on the phone only while it is
// needed: it goes at logout, when the session ends, and when its event is seen closed.
// The queued check-ins stay: what was observed before the close may still be sent.
function forgetPeople() {
  [KEY_EVENTS, KEY_EVENT, KEY_PEOPLE].forEach(forget);
  state.events = [];
  state.event = null;
  state.people = [];
  state.sent = {};
  state.errors = {};
  renderPeople();
}

// After state.events changed: the saved list and choice of an event no longer open go.
function forgetClosed() {
  const open = new Set(state.events.filter(isOpen).map((e) => e.id));
  const cached = load(KEY_PEOPLE);
  if (cached && !open.has(cached.event_id)) forget(KEY_PEOPLE);
  if (load(KEY_EVENT) && !open.has(load(KEY_EVENT))) forget(KEY_EVENT);
}

// The server refused a check-in because its event is closed: treat the event so now.
function eventClosed(eventId) {
  state.events.forEach((e) => { if (e.id === eventId) e.status = "closed"; });
  save(KEY_EVENTS, state.events);
  forgetClosed();
  chooseEvent();
  showCachedPeople();
}

// The newest open event, unless the supporter picked another open one before.
function chooseEvent() {
  const open = state.events.filter(isOpen).sort((a, b) => String(b.started_at).localeCompare(String(a.started_at)));
  const wanted = load(KEY_EVENT);
  state.event = open.find((e) => e.id === wanted) || open[0] || null;
  const select = $("event-select");
  select.textContent = "";
  open.forEach((e) => {
    const option = el("option", null, e.name + "（" + timeOf(e.started_at) + "〜）");
    option.value = e.id;
    select.appendChild(option);
  });
  if (state.event) select.value = state.event.id;
  $("event-picker").hidden = open.length < 2;
  const title = $("event-name");
  if (state.event) title.textContent = state.event.name;
  else bilingual(title, "発生中の災害はありません", "No open event");
}

function showCachedPeople() {
  const cached = load(KEY_PEOPLE);
  if (state.event && cached && cached.event_id === state.event.id) {
    state.people = cached.items || [];
    renderPeople();
    listStatus("保存済みの一覧（" + timeOf(cached.fetched_at) + " 取得）");
  } else {
    state.people = [];
    renderPeople();
  }
}

async function refreshFromServer() {
  if (!tokens()) return;
  try {
    state.events = await getAll("/api/v1/disaster/events");
    save(KEY_EVENTS, state.events);
    forgetClosed();
    chooseEvent();
    if (!state.event) { state.people = []; renderPeople(); listStatus(""); return; }
    const eventId = state.event.id;
    const people = await getAll("/api/v1/disaster/events/" + enc(eventId) + "/people");
    if (!state.event || state.event.id !== eventId) return; // switched meanwhile
    overlaySent(people, eventId);
    state.people = people;
    const fetched = new Date().toISOString();
    save(KEY_PEOPLE, { event_id: eventId, fetched_at: fetched, items: people });
    renderPeople();
    listStatus("最新の一覧（" + timeOf(fetched) + " 取得）");
  } catch (e) {
    if (e === SIGNED_OUT) return;
    // Offline or refused: keep showing what the phone has.
    const cached = load(KEY_PEOPLE);
    const when = cached ? "（" + timeOf(cached.fetched_at) + " 取得）" : "";
    listStatus(e instanceof TypeError
      ? "電波がないため保存済みの一覧を表示しています" + when
      : "一覧を更新できませんでした：" + e.message);
  }
}

// --- recording and sending check-ins ---------------------------------------------------

// Stored first, shown at once, sent after: a tap survives a dead battery or no signal.
async function record(personId, status, note, undoing) {
  if (!state.event) return;
  if (!undoing) offerUndo(personId, status);
  const body = { person_id: personId, status: status, observed_at: new Date().toISOString() };
  if (note) body.note = note;
  delete state.errors[personId];
  await queue.add({ key: newKey(), event_id: state.event.id, body: body });
  await reloadPending();
  renderPerson(personId);
  flush();
}

// --- undo: a wrong tap is put right by a new check-in with what the card showed before ---
const UNDO_MS = 8000;
let undoTimer = null;

function shownStatus(personId) {
  const item = pendingFor(personId);
  if (item) return { status: item.body.status, note: item.body.note || null };
  const person = state.people.find((p) => p.id === personId);
  return { status: (person && person.status) || "not_yet", note: (person && person.note) || null };
}

function offerUndo(personId, status) {
  const before = shownStatus(personId);
  const person = state.people.find((p) => p.id === personId);
  clearTimeout(undoTimer);
  $("undo-text").textContent = (person ? person.name + "さん：" : "") + STATUS[status].ja + "にしました";
  const button = $("undo-button");
  button.onclick = () => {
    hideUndo();
    // A new observation, so the record keeps both taps and HQ sees the correction.
    record(personId, before.status, before.note, true);
  };
  $("undo-bar").hidden = false;
  undoTimer = setTimeout(hideUndo, UNDO_MS);
}

function hideUndo() {
  clearTimeout(undoTimer);
  $("undo-bar").hidden = true;
}

// A check-in the server accepted, on top of a copy of the person: unless the copy
// already knows a later observation (someone else's, or this one), it now shows it.
function overlay(person, item) {
  if (!person || (person.checked_at && Date.parse(person.checked_at) >= Date.parse(item.body.observed_at))) return;
  person.status = item.body.status;
  person.note = item.body.note || null;
  person.checked_at = item.body.observed_at;
}

// A list fetched while the queue was being sent may predate what was just sent.
function overlaySent(people, eventId) {
  people.forEach((person) => {
    const item = state.sent[person.id];
    if (item && item.event_id === eventId) overlay(person, item);
  });
}

function applySent(item) {
  state.sent[item.body.person_id] = item;
  state.refused = state.refused.filter((r) => r.person_id !== item.body.person_id || r.event_id !== item.event_id);
  overlay(state.people.find((p) => p.id === item.body.person_id), item);
  const cached = load(KEY_PEOPLE);
  if (cached && cached.event_id === item.event_id) {
    cached.items = state.people;
    save(KEY_PEOPLE, cached);
  }
}

// "sent", "rejected" (remove it, say why on the card), "retry" (keep it), "auth" (keep it).
async function sendOne(item) {
  let resp;
  try {
    const path = "/api/v1/disaster/events/" + enc(item.event_id) + "/checkins";
    resp = await authorized("POST", path, item.body, { "idempotency-key": item.key });
  } catch (e) {
    return e === SIGNED_OUT ? "auth" : "retry";
  }
  if (resp.ok) return "sent";
  if (resp.status === 429 || resp.status >= 500) return "retry";
  const problem = await resp.clone().json().catch(() => null);
  refuse(item, await problemText(resp));
  if (problem && problem.type === "/problems/event-closed") eventClosed(item.event_id);
  return "rejected";
}

// A refused check-in says why on its card; once there is no card (its event closed and its
// list went), in the list of check-ins not sent, which stays until logout (in memory only)
// so that the supporter can tell HQ some other way.
function refuse(item, why) {
  const id = item.body.person_id;
  const person = state.people.find((p) => p.id === id);
  const status = STATUS[item.body.status] ? STATUS[item.body.status].ja : item.body.status;
  state.errors[id] = why;
  state.refused.push({
    event_id: item.event_id, person_id: id,
    line: (person ? person.name : "台帳ID " + id) + "：" + status + "（" + timeOf(item.body.observed_at) + "）" +
      (item.body.note ? " " + item.body.note : "") + " — " + why,
  });
  renderRefused();
}

function renderRefused() {
  const shown = state.refused.filter((r) => !$("person-" + r.person_id));
  const list = $("not-sent-list");
  if (!list) return; // an older cached page without the list
  list.textContent = "";
  shown.forEach((r) => list.appendChild(el("li", null, r.line)));
  $("not-sent").hidden = shown.length === 0;
}

// One at a time, oldest first; stops at the first item that must wait.
async function sendQueue() {
  if (!tokens() || navigator.onLine === false) return;
  let sent = 0;
  for (;;) {
    await reloadPending();
    const item = state.pending[0];
    if (!item) {
      // The queue drained: say so, so that the supporter knows HQ has them.
      if (sent) $("sent-status").textContent = sent + "件送信しました（" + timeOf(new Date().toISOString()) + "）";
      return;
    }
    const outcome = await sendOne(item);
    if (outcome === "retry" || outcome === "auth") return;
    if (outcome === "sent") { applySent(item); sent += 1; }
    await queue.remove(item.seq);
    await reloadPending();
    renderPerson(item.body.person_id);
  }
}

// Never two senders at once: a second call while sending asks for one more pass.
async function flush() {
  if (!queue) return;
  if (state.sending) { state.again = true; return; }
  state.sending = true;
  try {
    do {
      state.again = false;
      await sendQueue();
    } while (state.again);
  } catch (e) {
    // IndexedDB failures: the items stay queued; the timer tries again.
  } finally {
    state.sending = false;
  }
}

// Send what waits first, then fetch the list, so the list has the answers just sent.
async function sync() {
  await flush();
  await refreshFromServer();
}

// --- signing in and out ----------------------------------------------------------------

function showSignin(message) {
  $("signin").hidden = false;
  $("work").hidden = true;
  $("login-status").textContent = say(message || "");
}

function showWork() {
  $("signin").hidden = true;
  $("work").hidden = false;
}

// The session is over: forget the tokens and the people, keep the queue for the next login.
function signedOut() {
  forget(KEY_AUTH);
  forgetPeople();
  const n = state.pending.length;
  showSignin("ログインの有効期限が切れました。もう一度ログインしてください。" +
    (n ? "未送信の " + n + " 件はこの端末に残っており、ログイン後に送信します。" : ""));
}

async function login(event) {
  event.preventDefault();
  $("login-status").textContent = say("確認しています…");
  let refused;
  try {
    refused = await signIn(api);
  } catch (e) {
    $("login-status").textContent = say("電波がないためログインできません。");
    return;
  }
  if (refused) { $("login-status").textContent = refused.join(" / "); return; }
  $("login-status").textContent = "";
  showWork();
  showCachedPeople();
  await sync();
}

// Logging out deletes the people's data from this phone; unsent check-ins go too, so ask.
async function logout() {
  await reloadPending().catch(() => {}); // other tabs of this page share the queue
  const n = state.pending.length;
  if (n && !window.confirm("未送信の安否確認が " + n + " 件あります。ログアウトすると送信されずに消えます。よろしいですか？")) return;
  signOut(api);
  state.refused = [];
  forgetPeople();
  await queue.clear();
  await reloadPending();
  showSignin("ログアウトしました。");
}

// Another tab of this page signed in or out (a rotation needs nothing: the new pair is
// in localStorage already, and every request reads it there).
function onStorage(event) {
  if (event.key !== KEY_AUTH && event.key !== null) return;
  const signedIn = !!tokens();
  if (!signedIn && !$("work").hidden) {
    forgetPeople();
    reloadPending();
    showSignin("別の画面でログアウトしたか、ログインの有効期限が切れました。");
  } else if (signedIn && $("work").hidden) {
    $("login-status").textContent = "";
    showWork();
    state.events = load(KEY_EVENTS) || [];
    chooseEvent();
    showCachedPeople();
    sync();
  }
}

// --- wiring ----------------------------------------------------------------------------

function onPeopleClick(event) {
  const button = event.target.closest("button.choice[data-status]");
  if (!button) return;
  const card = button.closest("article.person");
  const form = card.querySelector(".note-form");
  if (button.dataset.status === "needs_attention") {
    form.hidden = false;
    form.querySelector("textarea").focus();
    return;
  }
  form.hidden = true;
  record(card.dataset.person, button.dataset.status, null);
}

function onNoteSubmit(event) {
  event.preventDefault();
  const form = event.target;
  const card = form.closest("article.person");
  const area = form.querySelector("textarea");
  const note = area.value.trim();
  form.querySelector(".field-error").hidden = !!note;
  if (!note) { area.focus(); return; }
  area.value = "";
  form.hidden = true;
  record(card.dataset.person, "needs_attention", note);
}

function onEventPicked() {
  save(KEY_EVENT, $("event-select").value);
  chooseEvent();
  showCachedPeople();
  refreshFromServer();
}

// The page works without the service worker; it only makes the shell load offline.
function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/app/disaster/sw.js", { scope: "/app/disaster/" }).catch(() => {
    /* no offline shell (e.g. plain http): the page still works while it stays open */
  });
}

async function start() {
  renderNet();
  await openQueue();
  await reloadPending();
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("reload").addEventListener("click", sync);
  $("only-not-yet").addEventListener("change", applyFilter);
  $("people-filter").addEventListener("input", applyFilter);
  $("event-select").addEventListener("change", onEventPicked);
  $("people").addEventListener("click", onPeopleClick);
  $("people").addEventListener("submit", onNoteSubmit);
  window.addEventListener("online", () => { renderNet(); sync(); });
  window.addEventListener("offline", renderNet);
  window.addEventListener("storage", onStorage);
  setInterval(flush, RETRY_MS);
  registerServiceWorker();
  if (!tokens()) { forgetPeople(); showSignin(); return; }
  // Signed in before: show what the phone has at once, then ask the server.
  state.events = load(KEY_EVENTS) || [];
  chooseEvent();
  showWork();
  showCachedPeople();
  await sync();
}

start();
