// The supporter's page: the open events, the one chosen, and its list of people from the
// server or, with no signal, as the phone kept it.
import { $, bilingual, el, enc } from "../../lib/dom.js";
import { forget, getAll, KEY_EVENT, KEY_EVENTS, KEY_PEOPLE, load, save, SIGNED_OUT, state, timeOf, tokens } from "./base.js";
import { listStatus, renderPeople } from "./people.js";
import { overlaySent } from "./queue.js";

function isOpen(event) {
  return event.status ? event.status === "open" : !event.closed_at;
}

// The list of people (names, addresses, phones) stays on the phone only while it is
// needed: it goes at logout, when the session ends, and when its event is seen closed.
// The queued check-ins stay: what was observed before the close may still be sent.
export function forgetPeople() {
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
export function eventClosed(eventId) {
  state.events.forEach((e) => { if (e.id === eventId) e.status = "closed"; });
  save(KEY_EVENTS, state.events);
  forgetClosed();
  chooseEvent();
  showCachedPeople();
}

// The newest open event, unless the supporter picked another open one before.
export function chooseEvent() {
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

export function showCachedPeople() {
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

export async function refreshFromServer() {
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
