// The disaster HQ's screen (災害対策本部): declare and close events, watch the totals per
// district refresh every 10 seconds, see on a map which districts have not reported yet,
// read the 要確認 list with notes, download CSVs and print a report for the mayor. Tokens
// stay in this tab's sessionStorage. Every message is put in the page as text, never as
// HTML; the CSP forbids inline code and styles, so the map is built with createElementNS.
//
// This module starts the screen and wires its events (each part is a module beside it;
// the state, the session and the shared helpers are base.js).
import { $ } from "../../lib/dom.js";
import { showSignin, state, tokens } from "./base.js";
import { closeEvent, declare, loadEvents } from "./events.js";
import { importRegister } from "./register.js";
import { clearReport, download, loadReport } from "./report.js";
import { login, logout, startHq } from "./signin.js";
import { createTeam, searchMembers } from "./teams.js";

function start() {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("refresh").addEventListener("click", () => loadEvents());
  $("print").addEventListener("click", () => window.print());
  $("close-event").addEventListener("click", closeEvent);
  $("declare-form").addEventListener("submit", declare);
  $("register-form").addEventListener("submit", importRegister);
  $("team-form").addEventListener("submit", createTeam);
  $("team-search-go").addEventListener("click", searchMembers);
  $("team-search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); searchMembers(); }
  });
  $("download-summary").addEventListener("click", () => download("summary.csv", "集計"));
  $("download-checkins").addEventListener("click", () => download("checkins.csv", "全履歴"));
  $("event-select").addEventListener("change", () => {
    state.event = state.events.find((e) => e.id === $("event-select").value) || null;
    clearReport(); // never show one event's numbers under another's name
    loadReport();
  });
  if (tokens()) startHq();
  else showSignin();
}

start();
