// The care client: accepting an invitation (#invite=…): password, then the authenticator's key.
import { ApiError, apiError } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { call, clearFieldErrors, failure, placeErrors, session, setText, showLines, showOnly, state, tokens } from "./base.js";
import { forgetAll, showSignin } from "./signin.js";

export function showInvite(token) {
  showOnly("invite-view");
  $("account").hidden = true;
  $("main-nav").hidden = true;
  document.title = "招待の受け入れ | RainbowNet";
  if (!state.invite || state.invite.token !== token) {
    state.invite = { token: token };
    $("invite-form").reset();
    clearFieldErrors($("invite-form"));
    showLines("invite-errors", []);
    $("invite-step-password").hidden = false;
    $("invite-step-totp").hidden = true;
  }
}

// ABCD EFGH …: four letters at a time, easier to type into an app.
export function groupedSecret(secret) {
  return String(secret).replace(/\s+/g, "").replace(/(.{4})(?=.)/g, "$1 ");
}

export async function acceptInvite(event) {
  event.preventDefault();
  const form = $("invite-form");
  clearFieldErrors(form);
  showLines("invite-errors", []);
  const password = $("invite-password").value;
  const again = $("invite-password2").value;
  const find = (pointer) => {
    if (pointer === "#/password") return { line: $("invite-password-error"), input: $("invite-password") };
    if (pointer === "#/password2") return { line: $("invite-password2-error"), input: $("invite-password2") };
    return null; // #/token and anything else: in the box above the button
  };
  const mine = [];
  if (Array.from(password).length < 12) mine.push({ pointer: "#/password", detail_ja: "パスワードは12文字以上にしてください。" });
  if (password !== again) mine.push({ pointer: "#/password2", detail_ja: "確認のパスワードが一致しません。" });
  if (mine.length) { placeErrors({ errors: mine, lines: [] }, find, $("invite-errors")); return; }
  const token = state.invite && state.invite.token;
  $("invite-submit").disabled = true;
  try {
    const resp = await call("POST", "/api/v1/auth/invitations/accept", { json: { token: token, password: password } });
    if (!resp.ok) throw await apiError(resp);
    const enrolment = await resp.json();
    form.reset();
    state.invite = { token: null, email: enrolment.email };
    // The invitation is spent: its token leaves the address bar and the history.
    history.replaceState(null, "", location.pathname + location.search);
    setText("invite-email", enrolment.email);
    setText("invite-secret", groupedSecret(enrolment.totp_secret));
    setText("invite-uri", enrolment.otpauth_uri);
    $("invite-step-password").hidden = true;
    $("invite-step-totp").hidden = false;
    $("invite-step-totp").querySelector(".notice").focus();
  } catch (e) {
    $("invite-password").value = "";
    $("invite-password2").value = "";
    if (e instanceof ApiError) placeErrors(e, find, $("invite-errors"));
    else {
      const lines = failure(e);
      if (lines) showLines("invite-errors", lines);
    }
  } finally {
    $("invite-submit").disabled = false;
  }
}

export function inviteDone() {
  const email = state.invite && state.invite.email;
  state.invite = null;
  setText("invite-secret", "");
  setText("invite-uri", "");
  setText("invite-email", "");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  // A session of someone else in this tab ends: the new account signs in now.
  if (tokens()) { session.clear(); forgetAll(); }
  showSignin("設定したパスワードと、認証アプリの6桁のコードでログインしてください。");
  if (email) $("login-email").value = email;
  $(email ? "login-password" : "login-email").focus();
}
