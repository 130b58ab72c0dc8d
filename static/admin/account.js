// The administration page: the signed-in account, and what this page offers it.
//
// Inviting staff needs an organization admin (or sysadmin); the usage figures need
// municipal staff (their own town) or a sysadmin (the region or any town); questionnaires
// are written by municipal staff (their town's) and org admins (their organization's).
// The bootstrap token is no account: these sections stay hidden for it.
import { $, el } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { loadBackupStatus } from "./backup.js";
import { hasRole, ROLE, session, SIGNED_OUT, state } from "./base.js";
import { loadInvitations } from "./invitations.js";
import { applyQuestionnaires } from "./questionnaires.js";
import { applyManaged } from "./resources.js";
import { loadTowns } from "./towns.js";
import { loadUsage } from "./usage.js";
import { loadWords } from "./words.js";

// The session is over: the page says so and offers what it offers no one.
export function signedOut() {
  session.clear();
  $("token-status").textContent = "ログインが切れたか、トークンが違います。もう一度ログインしてください。";
  state.me = null;
  applyAccount();
  $("signin").scrollIntoView();
}

export async function loadAccount() {
  const auth = session.tokens();
  if (!auth) { state.me = null; applyAccount(); return; }
  const whoAmI = (token) => fetch("/api/v1/auth/me", { headers: { authorization: "Bearer " + token }, cache: "no-store" });
  try {
    // The bootstrap token (no refresh token) is no account: its 401 here ends nothing.
    const resp = auth.refresh_token ? await session.withRetry(whoAmI) : await whoAmI(auth.access_token);
    state.me = resp.ok ? await resp.json() : null;
    applyAccount();
  } catch (e) {
    state.me = null;
    if (e !== SIGNED_OUT) {
      $("account-status").hidden = false;
      $("account-status").textContent = say("サーバーに接続できません。");
    }
    applyAccount();
  }
}

export function applyAccount() {
  const status = $("account-status");
  const inviter = hasRole("org_admin") || hasRole("sysadmin");
  const counter = hasRole("municipal_staff") || hasRole("sysadmin");
  $("invite-section").hidden = !inviter;
  $("usage-section").hidden = !counter;
  $("patients-section").hidden = !counter;
  $("words-section").hidden = !hasRole("sysadmin");
  $("towns-section").hidden = !hasRole("sysadmin");
  $("backup-section").hidden = !hasRole("sysadmin");
  if (hasRole("sysadmin")) { loadWords(); loadTowns(); loadBackupStatus(); }
  applyManaged();
  applyQuestionnaires();
  if (!state.me) { status.hidden = true; status.textContent = ""; return; }
  status.hidden = false;
  status.textContent = "";
  status.append("ログイン中：", el("strong", null, state.me.name), "（" + (state.me.organization ? state.me.organization.name : "") + "） ",
    (state.me.roles || []).map((r) => ROLE[r] || r).join("・"));
  if (!inviter && !counter) {
    status.append(el("br"), "職員の招待は事業所の管理者が、利用状況は市町の職員が使えます。");
  }
  $("invite-org-box").hidden = !hasRole("sysadmin");
  $("usage-municipality-box").hidden = !hasRole("sysadmin");
  if (inviter) loadInvitations();
  if (counter) loadUsage();
}
