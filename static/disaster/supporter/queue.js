// The supporter's page: the check-ins this phone holds: those waiting to be sent, in an
// IndexedDB queue (in memory where there is none, so that a tap is never refused), and
// those the server accepted, which a list fetched meanwhile may not know yet.
import { renderCounter, state, warnStorage } from "./base.js";

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

export let queue = null;

export async function openQueue() {
  try {
    queue = idbQueue();
    await queue.ready;
  } catch (e) {
    queue = memoryQueue();
    warnStorage("この端末では未送信の記録を保存できません。電波が戻るまでこの画面を閉じないでください。");
  }
}

export async function reloadPending() {
  state.pending = await queue.all();
  renderCounter();
}

// The newest unsent check-in for a person in the current event, if any.
export function pendingFor(personId) {
  let found = null;
  for (const item of state.pending) {
    if (state.event && item.event_id === state.event.id && item.body.person_id === personId) found = item;
  }
  return found;
}

// A check-in the server accepted, on top of a copy of the person: unless the copy
// already knows a later observation (someone else's, or this one), it now shows it.
export function overlay(person, item) {
  if (!person || (person.checked_at && Date.parse(person.checked_at) >= Date.parse(item.body.observed_at))) return;
  person.status = item.body.status;
  person.note = item.body.note || null;
  person.checked_at = item.body.observed_at;
}

// A list fetched while the queue was being sent may predate what was just sent.
export function overlaySent(people, eventId) {
  people.forEach((person) => {
    const item = state.sent[person.id];
    if (item && item.event_id === eventId) overlay(person, item);
  });
}
