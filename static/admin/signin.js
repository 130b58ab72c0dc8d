// The administration page: signing in, with a password or the bootstrap token.
import { problemOf } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { loadAccount } from "./account.js";
import { session } from "./base.js";

export async function login(event) {
  event.preventDefault();
  const body = JSON.stringify({ email: $("login-email").value, password: $("login-password").value, totp: $("login-totp").value });
  $("login-password").value = "";
  $("login-totp").value = "";
  try {
    const resp = await fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = await resp.json();
    if (!resp.ok) { $("token-status").textContent = problemOf(json, resp.status).join(" "); return; }
    session.store(json);
    $("token-status").textContent = "ログインしました。";
    await loadAccount();
  } catch (e) {
    $("token-status").textContent = "サーバーに接続できません。";
  }
}

// The bootstrap token has no refresh: when it is refused the page asks again.
export function useToken(event) {
  event.preventDefault();
  session.store({ access_token: $("token").value, refresh_token: null });
  $("token").value = "";
  $("token-status").textContent = "トークンを設定しました。";
  loadAccount();
}
