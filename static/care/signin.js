// The care client: signing in and out.
import { problemLines } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { call, getJson, images, session, setText, state, storeTokens, tokens, VIEWS } from "./base.js";
import { pickers } from "./directory.js";
import { setCount } from "./menu.js";
import { resetThread } from "./messages.js";
import { live } from "./news.js";
import { resetPatient } from "./patient.js";
import { resetProject, resetProjectForm } from "./projects.js";
import { route } from "./routes.js";

export function showOnly(id) {
  VIEWS.forEach((s) => { $(s).hidden = s !== id; });
}

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

export async function login(event) {
  event.preventDefault();
  const body = {
    email: $("login-email").value.trim(),
    password: $("login-password").value,
    totp: $("login-totp").value.replace(/\s/g, ""),
  };
  setText("login-status", "確認しています…");
  let resp;
  try {
    resp = await call("POST", "/api/v1/auth/login", { json: body });
  } catch (e) {
    setText("login-status", "サーバーに接続できません。");
    return;
  }
  $("login-password").value = "";
  $("login-totp").value = "";
  if (!resp.ok) { setText("login-status", (await problemLines(resp)).join(" / ")); return; }
  storeTokens(await resp.json());
  setText("login-status", "");
  await route();
}

export async function logout() {
  const auth = tokens();
  if (auth) {
    // Best effort: the tokens die on the server too.
    call("POST", "/api/v1/auth/logout", { json: { refresh_token: auth.refresh_token }, token: auth.access_token }).catch(() => {});
  }
  session.clear();
  forgetAll();
  showSignin("ログアウトしました。");
}

export async function loadMe() {
  state.me = await getJson("/api/v1/auth/me");
  setText("user-name", state.me.name);
  setText("user-org", state.me.organization ? state.me.organization.name : "");
  $("account").hidden = false;
}
