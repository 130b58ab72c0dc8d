// The HQ screen: signing in and out, and opening the screen for the account.
import { signIn, signOut } from "../../lib/api.js";
import { $, el } from "../../lib/dom.js";
import { say } from "../../lib/i18n.js";
import { api, getJson, isHq, isStaff, reportError, showSignin, state, tokens } from "./base.js";
import { loadEvents } from "./events.js";
import { loadDistrictChoices } from "./register.js";
import { clearReport, loadReport } from "./report.js";

const REFRESH_MS = 10000;

export async function login(event) {
  event.preventDefault();
  let refused;
  try {
    refused = await signIn(api);
  } catch (e) {
    $("login-status").textContent = say("サーバーに接続できません。");
    return;
  }
  if (refused) { $("login-status").textContent = refused.join(" / "); return; }
  await startHq();
}

export async function logout() {
  signOut(api);
  state.event = null;
  clearReport();
  showSignin("ログアウトしました。");
}

// Names of the towns for captions; public data, no token. Codes alone if it fails.
async function loadTowns() {
  try {
    const resp = await fetch("/api/v1/public/municipalities");
    const json = await resp.json();
    (json.items || []).forEach((m) => { state.towns[m.code] = m.name; });
  } catch (e) {
    /* captions fall back to the code */
  }
}

// Towns are picked by name, not typed as codes: the declaration's checkboxes (the HQ's own
// town ticked) and the register's list (its own town chosen).
function fillTownPickers() {
  const own = state.me && state.me.organization && state.me.organization.municipality_code;
  const codes = Object.keys(state.towns);
  if (own && !codes.includes(own)) codes.unshift(own);
  const box = $("declare-municipalities");
  box.querySelectorAll("label").forEach((label) => label.remove());
  for (const code of codes) {
    const label = el("label", "check");
    const input = el("input");
    input.type = "checkbox";
    input.name = "municipality";
    input.value = code;
    input.checked = code === own;
    label.append(input, el("span", null, (state.towns[code] || code) + "（" + code + "）"));
    box.append(label);
  }
  const select = $("register-municipality");
  select.textContent = "";
  for (const code of codes) {
    const option = el("option", null, (state.towns[code] || code) + "（" + code + "）");
    option.value = code;
    select.append(option);
  }
  if (own) select.value = own;
}

async function loadMe() {
  try {
    state.me = await getJson("/api/v1/auth/me");
  } catch (e) {
    reportError(e);
    return;
  }
  $("declare").hidden = !isHq();
  $("register").hidden = !isStaff();
  $("teams").hidden = !isStaff();
}

export async function startHq() {
  $("signin").hidden = true;
  $("hq").hidden = false;
  await Promise.all([loadMe(), loadTowns()]);
  fillTownPickers();
  if (!tokens()) return;
  if (isStaff()) loadDistrictChoices();
  await loadEvents();
  if (!state.timer) {
    // Skip while the tab is hidden; the next visible tick catches up.
    state.timer = setInterval(() => { if (!document.hidden) loadReport(); }, REFRESH_MS);
  }
}
