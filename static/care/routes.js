// The care client: routing: #/patients and #/patients/{id}[/{tab}].
import { $ } from "../lib/dom.js";
import { failure, NAV, state, TABS, tokens } from "./base.js";
import { showInvite } from "./invite.js";
import { markNav, refreshCounts } from "./menu.js";
import { openThread, showMessages } from "./messages.js";
import { showSettings } from "./notifications.js";
import { openPatient } from "./patient.js";
import { showPatients } from "./patients.js";
import { openProject, showProjects } from "./projects.js";
import { loadMe, showSignin } from "./signin.js";

export function decoded(part) {
  try { return decodeURIComponent(part); } catch (e) { return part; }
}

// #/patients[/{id}[/{tab}]], #/projects[/{id}], #/messages[/{professional}], #invite={token}
export function parseHash() {
  const raw = location.hash.replace(/^#/, "");
  if (raw.startsWith("invite=")) return { view: "invite", token: decoded(raw.slice(7)) };
  const parts = raw.replace(/^\//, "").split("/").filter(Boolean);
  if (parts[0] === "patients" && parts[1]) {
    return { view: "patient", id: decoded(parts[1]), tab: TABS.indexOf(parts[2]) >= 0 ? parts[2] : "timeline" };
  }
  if (parts[0] === "projects") return parts[1] ? { view: "project", id: decoded(parts[1]) } : { view: "projects" };
  if (parts[0] === "messages") return parts[1] ? { view: "thread", id: decoded(parts[1]) } : { view: "messages" };
  if (parts[0] === "settings") return { view: "settings" };
  return { view: "patients" };
}

export async function route() {
  const where = parseHash();
  // An invitation is accepted without signing in (the invitee has no account yet).
  if (where.view === "invite") { showInvite(where.token); return; }
  if (!tokens()) { showSignin(); return; }
  try {
    if (!state.me) await loadMe();
  } catch (e) {
    const lines = failure(e);
    if (lines) showSignin(lines.join(" / "));
    return;
  }
  $("main-nav").hidden = false;
  markNav(NAV[where.view]);
  if (where.view === "patient") await openPatient(where.id, where.tab);
  else if (where.view === "projects") await showProjects();
  else if (where.view === "project") await openProject(where.id);
  else if (where.view === "messages") await showMessages();
  else if (where.view === "thread") await openThread(where.id);
  else if (where.view === "settings") await showSettings();
  else await showPatients();
  // The badges of the other lists (each list view counts its own as it loads).
  refreshCounts(where.view);
}
