// Administration of the resource map through the public API, and for a signed-in account
// the invitation of staff (organization admins), the usage figures and bulk registration
// (municipal staff, sysadmins), and the questionnaires of a town or an organization
// (municipal staff, organization admins). The session lives in this tab's sessionStorage
// and is refreshed like the other clients' (static/lib/session.js), so a long afternoon of
// edits does not end at the access token's 10 minutes. Every message is put in the page as
// text, never as HTML.
//
// This module starts the page and wires every section's events (each section is a module
// beside it; the session, the account and the shared helpers are base.js).
import { $ } from "../lib/dom.js";
import { loadAccount, signedOut } from "./account.js";
import { session, whenSignedOut } from "./base.js";
import { loadLists } from "./choices.js";
import { importPatients, importResources } from "./imports.js";
import { copyInviteUrl, invite, loadInvitations } from "./invitations.js";
import { cancelNotice, loadNotices, saveNotice } from "./notices.js";
import { addQuestion, onEditorClick, onEditorInput, saveQuestionnaire } from "./questionnaire-editor.js";
import { closePreview, copyPreview, setUpQuestionnaires } from "./questionnaires.js";
import { findManaged, openTyped, saveResource, searchManaged } from "./resources.js";
import { addScheduleRow } from "./schedule.js";
import { login, useToken } from "./signin.js";
import { saveTown } from "./towns.js";
import { downloadUsage, showUsage } from "./usage.js";
import { saveWord } from "./words.js";

function start() {
  whenSignedOut(signedOut);
  $("login-form").addEventListener("submit", login);
  $("token-form").addEventListener("submit", useToken);
  $("import-form").addEventListener("submit", importResources);
  $("patients-form").addEventListener("submit", importPatients);
  $("resource-load").addEventListener("submit", openTyped);
  $("resource-form").addEventListener("submit", saveResource);
  $("managed-form").addEventListener("submit", findManaged);
  $("managed-more").addEventListener("click", () => searchManaged(true));
  $("town-form").addEventListener("submit", saveTown);
  $("word-form").addEventListener("submit", saveWord);
  $("notice-cancel").addEventListener("click", cancelNotice);
  $("n-municipality_code").addEventListener("change", loadNotices);
  $("notice-form").addEventListener("submit", saveNotice);
  $("schedule-add").addEventListener("click", addScheduleRow);
  $("invite-form").addEventListener("submit", invite);
  $("invite-copy").addEventListener("click", copyInviteUrl);
  $("invitations-reload").addEventListener("click", loadInvitations);
  $("usage-form").addEventListener("submit", showUsage);
  $("usage-csv").addEventListener("click", downloadUsage);
  setUpQuestionnaires();
  $("q-editor").addEventListener("submit", saveQuestionnaire);
  $("q-add").addEventListener("click", addQuestion);
  $("q-items").addEventListener("input", onEditorInput);
  $("q-items").addEventListener("change", onEditorInput);
  $("q-items").addEventListener("click", onEditorClick);
  $("q-preview-close").addEventListener("click", closePreview);
  $("q-preview-copy").addEventListener("click", copyPreview);
  $("token-status").textContent = session.tokens() ? "ログイン済みです。" : "";
  loadLists().then(loadNotices).then(loadAccount);
}

start();
