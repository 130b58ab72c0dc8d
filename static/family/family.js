// The family page (患者・家族連携, issue #34): for the patient themself or a family member
// the care team invited. Large type, Japanese first, made for a phone. Three screens:
//   - joining, when the invitation's link is opened (/app/family/#join=CODE: the code rides
//     in the fragment, so no server log keeps it): one button makes a passkey on this phone;
//   - signing in with that passkey, when nobody is signed in on this device;
//   - the record: whose it is, a questionnaire the team sent (問診, first when one waits),
//     「血圧を記録する」, 「ケアチームへの連絡」 (a message to the team, and those sent before),
//     the last seven days' readings, what the team shared (お知らせ), the
//     questionnaires answered, who looked at the record (記録を見た人), and a small settings
//     area (another phone's passkey, sign out);
//   - answering a questionnaire, one question a screen (#questionnaire=ID).
// Every text from the server goes in as text (lib/dom.js), never as HTML; the CSP forbids
// inline code and styles. The family session is its own (base.js): it never touches a
// professional's tokens on the same browser.
import { signOut } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { loadAccess, resetAccess } from "./access.js";
import { api, failure, KEY_AUTH, RELATION, setText, showLines, showOnly, SIGNED_OUT, state, whenSignedOut } from "./base.js";
import { loadMessages, resetMessages, wireMessages } from "./messages.js";
import { loadNews, resetNews } from "./news.js";
import * as passkey from "./passkey.js";
import { followHash, loadQuestionnaires, resetQuestionnaires, wireQuestionnaires } from "./questionnaire.js";
import { addPasskey, loadPasskeys, resetSettings } from "./settings.js";
import { closeForm, loadReadings, openForm, resetVitals, submit, touchTime } from "./vitals.js";

// The parts of the record, each loaded once signed in and emptied when the session ends.
const SECTIONS = [
  { load: () => loadQuestionnaires(), reset: resetQuestionnaires },
  { load: () => loadReadings(), reset: resetVitals },
  { load: () => loadMessages(false), reset: resetMessages },
  { load: () => loadNews(false), reset: resetNews },
  { load: () => loadAccess(false), reset: resetAccess },
  { load: () => {}, reset: resetSettings },
];

// --- the screens --------------------------------------------------------------------------

function joinCode() {
  const fragment = location.hash.replace(/^#/, "");
  if (!fragment) return null;
  const code = new URLSearchParams(fragment).get("join");
  return code && code.trim() ? code.trim() : null;
}

// No passkeys here: say which browsers work, and offer no button that can not work.
function supported(button) {
  const why = passkey.support();
  // Said where the button would be, under the screen's heading and lead.
  $(button).closest("p").before($("unsupported"));
  $("unsupported").hidden = why === "ok";
  $("unsupported-insecure").hidden = why !== "insecure";
  $("unsupported-address").hidden = why !== "address";
  $("unsupported-browsers").hidden = why === "address";
  $(button).hidden = why !== "ok";
  return why === "ok";
}

function showJoin(code) {
  state.joinCode = code;
  forget();
  showOnly("join-view");
  document.title = pick("ケアチームからの招待", "Invitation from the care team") + " | RainbowNet";
  $("join-replaces").hidden = !api.tokens();
  setText("join-status", "");
  showLines("join-errors", []);
  supported("join-button");
}

function showSignin(message, error) {
  forget();
  showOnly("signin-view");
  document.title = pick("ご家族のページ", "Family page") + " | RainbowNet";
  setText("signin-status", error ? "" : message);
  showLines("signin-errors", error ? [message] : []);
  supported("signin-button");
}

async function showHome(welcome) {
  $("unsupported").hidden = true;
  let me;
  try {
    me = await api.getJson("/api/v1/auth/me");
  } catch (e) {
    if (e === SIGNED_OUT) return;
    showOnly(null);
    $("loading").hidden = false;
    setText("loading", (failure(e) || []).join(" ") + pick(" ページを読み込み直してください。", " Please reload the page."));
    return;
  }
  if (!me || me.kind !== "family" || !me.patient) {
    // Not a family member's session: nothing of it belongs on this page.
    signOut(api);
    showSignin("ご家族用のパスキーでログインしてください。", true);
    return;
  }
  state.me = me;
  $("patient-name").textContent = me.patient.name;
  $("my-name").textContent = me.name;
  const relation = RELATION[me.relation];
  setText("my-relation", relation ? pick("（" + relation + "）", " (" + relation + ")") : "");
  document.title = pick(me.patient.name + "さんの記録", me.patient.name + "'s records") + " | RainbowNet";
  showOnly("home-view");
  showLines("home-notice", welcome ? [welcome] : [], true);
  SECTIONS.forEach((s) => s.load());
}

// Nothing of a record stays on the page once the session is over.
function forget() {
  state.me = null;
  $("patient-name").textContent = "";
  $("my-name").textContent = "";
  setText("my-relation", "");
  showLines("home-notice", []);
  SECTIONS.forEach((s) => s.reset());
}

function signedOut() {
  try { api.session.clear(); } catch (e) { /* nothing stored */ }
  showSignin("ログインの有効期限が切れました。もう一度「パスキーでログイン」を押してください。");
}

// --- the ceremonies -----------------------------------------------------------------------

// One passkey ceremony at a time; its button waits, its status says what to do.
async function ceremony(prefix, work) {
  if (state.busy) return;
  state.busy = true;
  $(prefix + "-button").disabled = true;
  showLines(prefix + "-errors", []);
  setText(prefix + "-status", "この端末の画面の案内に従って、指紋・顔・暗証番号で確認してください…");
  try {
    await work();
  } catch (e) {
    setText(prefix + "-status", "");
    showLines(prefix + "-errors", passkey.ceremonyFailure(e, prefix));
  } finally {
    state.busy = false;
    $(prefix + "-button").disabled = false;
  }
}

function joinHere() {
  return ceremony("join", async () => {
    const joined = await passkey.join(state.joinCode);
    // Whoever was signed in on this device before is signed out of it.
    if (api.tokens()) signOut(api);
    api.storeTokens(joined);
    // The code is spent: it leaves the address bar and the history entry.
    history.replaceState(null, "", location.pathname + location.search);
    state.joinCode = null;
    setText("join-status", "");
    await showHome("参加しました。次からは、このページの「パスキーでログイン」から入れます。");
  });
}

function signInHere() {
  return ceremony("signin", async () => {
    const tokens = await passkey.signIn();
    api.storeTokens(tokens);
    setText("signin-status", "");
    await showHome();
  });
}

function logout() {
  signOut(api);
  showSignin("ログアウトしました。");
  $("signin-button").focus();
}

function route() {
  const code = joinCode();
  if (code) showJoin(code);
  else if (api.tokens()) showHome();
  else showSignin("");
}

export function start() {
  whenSignedOut(signedOut);
  $("join-button").addEventListener("click", joinHere);
  $("signin-button").addEventListener("click", signInHere);
  $("bp-open").addEventListener("click", openForm);
  $("bp-cancel").addEventListener("click", closeForm);
  $("bp-form").addEventListener("submit", submit);
  $("bp-at").addEventListener("input", touchTime);
  $("news-more").addEventListener("click", () => loadNews(true));
  $("news-reload").addEventListener("click", () => loadNews(false));
  $("settings").addEventListener("toggle", () => { if ($("settings").open) loadPasskeys(); });
  $("passkey-add").addEventListener("click", addPasskey);
  $("logout").addEventListener("click", logout);
  $("access-more").addEventListener("click", () => loadAccess(true));
  wireQuestionnaires();
  wireMessages();
  // Another tab signed in or out: follow it (localStorage is shared by the tabs).
  window.addEventListener("storage", (event) => {
    if (event.key !== null && event.key !== KEY_AUTH) return;
    if (!api.tokens() && state.me) showSignin("ログアウトしました。");
    else if (api.tokens() && !state.me && !state.busy && !joinCode()) showHome();
  });
  window.addEventListener("hashchange", () => {
    if (joinCode()) showJoin(joinCode());
    else followHash();
  });
  route();
}

start();
