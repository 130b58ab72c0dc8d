// The supporter's page: recording check-ins and sending them, oldest first, whenever the
// server can be reached; a wrong tap is put right with one more.
import { newKey } from "../../lib/api.js";
import { $, enc } from "../../lib/dom.js";
import { authorized, KEY_PEOPLE, load, problemText, save, SIGNED_OUT, state, STATUS, timeOf, tokens } from "./base.js";
import { eventClosed, refreshFromServer } from "./events.js";
import { renderPerson, renderRefused } from "./people.js";
import { overlay, pendingFor, queue, reloadPending } from "./queue.js";

// Stored first, shown at once, sent after: a tap survives a dead battery or no signal.
export async function record(personId, status, note, undoing) {
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

// What the server refuses for good: the item is dropped and shown with the reason. Any
// other answer (408 for a body that stalled on a weak signal, 429, 5xx, a proxy's page)
// says nothing about the check-in, so it stays queued for the next try.
const REFUSED = new Set([400, 403, 404, 409, 422]);

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
  if (!REFUSED.has(resp.status)) return "retry";
  const problem = await resp.clone().json().catch(() => null);
  refuse(item, await problemText(resp));
  if (problem && problem.type === "/problems/event-closed") eventClosed(item.event_id);
  return "rejected";
}

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
export async function flush() {
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
export async function sync() {
  await flush();
  await refreshFromServer();
}
