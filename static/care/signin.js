// The care client: signing in and out.
import { signIn, signOut } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { api, getJson, images, session, setText, showOnly, state } from "./base.js";
import { pickers } from "./directory.js";
import { setCount } from "./menu.js";
import { resetThread } from "./messages.js";
import { live } from "./news.js";
import { resetPatient } from "./patient.js";
import { resetProject, resetProjectForm } from "./projects.js";

export function showSignin(message) {
  showOnly("signin");
  $("account").hidden = true;
  $("main-nav").hidden = true;
  document.title = "多職種連携 | RainbowNet";
  setText("login-status", message || "");
}

// Nothing of a patient stays in the page once the session is over.
export function forgetAll() {
  state.me = null;
  live.etag = null;
  live.data = null;
  live.seen = {};
  state.patients = [];
  resetPatient(null);
  images.clear();
  $("patient-list").textContent = "";
  setText("user-name", "");
  setText("user-org", "");
  state.projects = [];
  state.conversations = [];
  resetProject(null);
  resetThread(null);
  resetProjectForm();
  $("project-list").textContent = "";
  $("conversation-list").textContent = "";
  Object.keys(pickers).forEach((k) => pickers[k].reset());
  Object.keys(state.counts).forEach((k) => setCount(k, 0));
}

export function signedOut() {
  try { session.clear(); } catch (e) { /* nothing stored */ }
  forgetAll();
  showSignin("ログインの有効期限が切れました。もう一度ログインしてください。");
}

// → true once signed in (main.js then routes: the routes are above every view).
export async function login(event) {
  event.preventDefault();
  setText("login-status", "確認しています…");
  let refused;
  try {
    refused = await signIn(api);
  } catch (e) {
    setText("login-status", "サーバーに接続できません。");
    return false;
  }
  if (refused) { setText("login-status", refused.join(" / ")); return false; }
  setText("login-status", "");
  return true;
}

export async function logout() {
  signOut(api);
  forgetAll();
  showSignin("ログアウトしました。");
}

export async function loadMe() {
  state.me = await getJson("/api/v1/auth/me");
  setText("user-name", state.me.name);
  setText("user-org", state.me.organization ? state.me.organization.name : "");
  $("account").hidden = false;
}
