// The supporter's page: signing in and out, here or in another tab of this page.
import { signIn, signOut } from "../../lib/api.js";
import { $ } from "../../lib/dom.js";
import { say } from "../../lib/i18n.js";
import { api, forget, KEY_AUTH, KEY_EVENTS, load, state, tokens } from "./base.js";
import { sync } from "./checkins.js";
import { chooseEvent, forgetPeople, showCachedPeople } from "./events.js";
import { queue, reloadPending } from "./queue.js";

export function showSignin(message) {
  $("signin").hidden = false;
  $("work").hidden = true;
  $("login-status").textContent = say(message || "");
}

export function showWork() {
  $("signin").hidden = true;
  $("work").hidden = false;
}

// The session is over: forget the tokens and the people, keep the queue for the next login.
export function signedOut() {
  forget(KEY_AUTH);
  forgetPeople();
  const n = state.pending.length;
  showSignin("ログインの有効期限が切れました。もう一度ログインしてください。" +
    (n ? "未送信の " + n + " 件はこの端末に残っており、ログイン後に送信します。" : ""));
}

export async function login(event) {
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
export async function logout() {
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
export function onStorage(event) {
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
