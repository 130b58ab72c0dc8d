// The supporter's phone during a disaster: safety check-ins (安否確認), offline first.
// The list of people and every tap are kept on the phone; taps wait in an IndexedDB queue
// and are sent in order whenever the server can be reached, each with the Idempotency-Key
// it was given when it was made, so a resend never counts twice. Every message is put in
// the page as text, never as HTML; the CSP forbids inline code, so all of it lives here.
//
// This module starts the page and wires its events (each part is a module beside it; the
// keys, the state and the session are base.js). Every module is in the offline shell
// (sw.js): the page must open with no signal.
import { $ } from "../../lib/dom.js";
import { KEY_EVENT, KEY_EVENTS, load, renderNet, save, state, tokens, whenSignedOut } from "./base.js";
import { flush, record, sync } from "./checkins.js";
import { chooseEvent, forgetPeople, refreshFromServer, showCachedPeople } from "./events.js";
import { applyFilter } from "./people.js";
import { openQueue, reloadPending } from "./queue.js";
import { login, logout, onStorage, showSignin, showWork, signedOut } from "./signin.js";

const RETRY_MS = 15000;

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
  whenSignedOut(signedOut);
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
