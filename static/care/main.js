// The professional's client of the care network (多職種連携): my patients, and for each
// patient the timeline (posts and documents with attachments, comments and read receipts),
// the profile, the care team, vitals with charts, and the resources near their home, and
// the family (invitations, posts shared with them, their readings, thresholds and alerts,
// questionnaires and their results, their messages to the team; issue #34); the projects (地域ケア会議・研修・部会)
// and the direct messages between professionals; and the page an invited professional
// opens to choose a password (#invite=…). The tokens stay in this tab's sessionStorage
// only. Every text from the server is put in the page as text, never as HTML; the CSP
// forbids inline code and styles, so all of it lives here and the charts are built with
// createElementNS. Attachments need the bearer token, so they are fetched here and shown
// through data: URLs (the CSP allows img-src 'self' data:).
//
// This module starts the page: it wires every view's events (each view is a module
// beside it; the shared state, helpers and session are base.js; the foundation all four
// clients share is static/lib/).
import { $, enc } from "../lib/dom.js";
import { loadAlerts, onAlertClick } from "./alerts.js";
import { state, whenSignedOut } from "./base.js";
import { attachMentions } from "./comments.js";
import { renderFileList, submitPost } from "./compose.js";
import { picker, pickers } from "./directory.js";
import { closeDocumentPanel, openDocumentPanel, renderDocumentForm, submitDocument, togglePostForm } from "./documents.js";
import { onTimelineClick, onTimelineSubmit } from "./edit-post.js";
import { loadFamilyMessages, showOlderFamilyMessages } from "./family-messages.js";
import { afterPrint, copyFamilyUrl, inviteFamily, onFamilyClick, printInvitation, setUpFamily } from "./family.js";
import { acceptInvite, inviteDone } from "./invite.js";
import { redrawWith } from "./menu.js";
import { loadConversations, loadThread, renderConversations, sendMessage } from "./messages.js";
import { introduce, previewIntroduction, searchNearby, updatePrintLink } from "./nearby.js";
import { POLL_MS, pollUpdates } from "./news.js";
import { pushFailed, pushOff, pushOn, saveNotifySettings } from "./notifications.js";
import { replyToFamily } from "./patient.js";
import { loadPatients, renderPatients } from "./patients.js";
import { addProjectMember, createProject, loadProjectPosts, loadProjects, onProjectMemberClick, renderChosen, renderProjects, submitProjectPost } from "./projects.js";
import { loadRequests, onQuestionnaireClick, onQuestionnaireSubmit, sendQuestionnaire } from "./questionnaires.js";
import { route } from "./routes.js";
import { login, logout, signedOut } from "./signin.js";
import { addMember, onTeamClick } from "./team.js";
import { saveThresholds, setUpThresholds } from "./thresholds.js";
import { loadTimeline, renderTimeline } from "./timeline.js";
import { recordVital } from "./vitals.js";

export function start() {
  whenSignedOut(signedOut);
  redrawWith({ patients: renderPatients, projects: renderProjects, messages: renderConversations });
  $("login-form").addEventListener("submit", async (event) => { if (await login(event)) await route(); });
  $("logout").addEventListener("click", logout);
  $("patients-reload").addEventListener("click", loadPatients);
  $("patient-filter").addEventListener("input", renderPatients);
  $("patient-sort").addEventListener("change", renderPatients);
  $("post-form").addEventListener("submit", submitPost);
  attachMentions($("post-body"));
  $("post-files").addEventListener("change", renderFileList);
  $("timeline-refresh").addEventListener("click", () => { if (state.patientId) loadTimeline(false); });
  $("timeline-more").addEventListener("click", () => loadTimeline(true));
  $("timeline").addEventListener("click", onTimelineClick);
  $("timeline").addEventListener("submit", onTimelineSubmit);
  $("team-list").addEventListener("click", onTeamClick);
  pickers.team = picker($("team-picker"), {
    action: ["チームに追加", "Add"], takenLabel: ["チーム内", "On the team"], onPick: addMember,
    taken: () => new Set(((state.patient && state.patient.team) || []).map((m) => m.id)),
  });
  $("doc-new").addEventListener("click", openDocumentPanel);
  $("post-new").addEventListener("click", () => togglePostForm());
  $("timeline-category").addEventListener("change", renderTimeline);
  $("timeline-filter").addEventListener("input", renderTimeline);
  $("doc-template").addEventListener("change", renderDocumentForm);
  $("doc-form-box").addEventListener("submit", (e) => { e.preventDefault(); submitDocument(e.target.closest("form")); });
  $("doc-form-box").addEventListener("click", (e) => { if (e.target.closest("button[data-cancel]")) closeDocumentPanel(); });
  $("projects-reload").addEventListener("click", loadProjects);
  $("project-form").addEventListener("submit", createProject);
  $("project-chosen").addEventListener("click", (e) => {
    const button = e.target.closest("button[data-unchoose]");
    if (!button) return;
    state.chosen.delete(button.dataset.unchoose);
    renderChosen();
  });
  $("project-new").addEventListener("toggle", renderChosen);
  pickers.project = picker($("project-picker"), {
    action: ["メンバーに加える", "Add"], takenLabel: ["選択済み", "Chosen"],
    onPick: async (entry) => { state.chosen.set(entry.id, entry); renderChosen(); },
    taken: () => new Set(state.chosen.keys()),
  });
  $("project-post-form").addEventListener("submit", submitProjectPost);
  $("project-refresh").addEventListener("click", () => { if (state.projectId) loadProjectPosts(false); });
  $("project-more").addEventListener("click", () => loadProjectPosts(true));
  $("project-members").addEventListener("click", onProjectMemberClick);
  pickers.projectMember = picker($("project-member-picker"), {
    action: ["追加", "Add"], takenLabel: ["メンバー", "Member"], onPick: addProjectMember,
    taken: () => new Set(((state.project && state.project.members) || []).map((m) => m.id)),
  });
  $("messages-reload").addEventListener("click", loadConversations);
  pickers.message = picker($("message-picker"), {
    action: ["メッセージを書く", "Write"], takenLabel: ["", ""],
    onPick: async (entry) => { pickers.message.reset(); $("message-new").open = false; location.hash = "#/messages/" + enc(entry.id); },
  });
  $("message-form").addEventListener("submit", sendMessage);
  $("thread-more").addEventListener("click", () => loadThread(true));
  $("thread-refresh").addEventListener("click", () => { if (state.threadWith) loadThread(false); });
  $("invite-form").addEventListener("submit", acceptInvite);
  $("invite-done").addEventListener("click", inviteDone);
  // News while the page is open: a cheap poll (304 when nothing changed), at once when the
  // page comes back or a push arrives.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    pollUpdates();
    if (state.patientId && state.me) { loadAlerts(); loadFamilyMessages(false); }
    // The family may have answered a questionnaire meanwhile.
    if (state.patientId && state.me && state.loaded.family) loadRequests(true);
  });
  setInterval(pollUpdates, POLL_MS);
  $("timeline-news-show").addEventListener("click", () => { $("timeline-news").hidden = true; loadTimeline(false); });
  $("push-on").addEventListener("click", () => pushOn().catch(pushFailed));
  $("push-off").addEventListener("click", () => pushOff().catch(pushFailed));
  $("notify-form").addEventListener("submit", saveNotifySettings);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      const data = event.data || {};
      if (data.type === "push") {
        pollUpdates();
        // A push says nothing of the patient: the open patient's alerts and the family's
        // messages are asked for.
        if (state.patientId && state.me) { loadAlerts(); loadFamilyMessages(false); }
      }
      // Only our own pages' links (the worker builds them from an id it checked).
      if (data.type === "open" && typeof data.url === "string" && data.url.startsWith("/app/care/#/")) {
        location.hash = data.url.slice("/app/care/".length);
      }
    });
  }
  $("vital-measured-at").addEventListener("input", () => { state.measuredSet = true; });
  $("vital-form").addEventListener("submit", recordVital);
  $("nearby-form").addEventListener("submit", searchNearby);
  // The family (issue #34): invitations, alerts, thresholds.
  setUpFamily();
  setUpThresholds();
  $("family-form").addEventListener("submit", inviteFamily);
  $("family-copy").addEventListener("click", copyFamilyUrl);
  $("family-print-button").addEventListener("click", printInvitation);
  window.addEventListener("afterprint", afterPrint);
  $("family-list").addEventListener("click", onFamilyClick);
  $("q-form").addEventListener("submit", sendQuestionnaire);
  $("questionnaires").addEventListener("click", onQuestionnaireClick);
  $("questionnaires").addEventListener("submit", onQuestionnaireSubmit);
  $("alerts").addEventListener("click", onAlertClick);
  // The family's messages: answered on the timeline, shared with the family.
  const reply = (event) => { if (event.target.closest("button[data-reply-family]")) replyToFamily(); };
  $("fm-box").addEventListener("click", reply);
  $("fm-section").addEventListener("click", reply);
  $("fm-more").addEventListener("click", showOlderFamilyMessages);
  $("threshold-form").addEventListener("submit", saveThresholds);
  $("nearby-list").addEventListener("change", updatePrintLink);
  $("nearby-introduce").addEventListener("click", previewIntroduction);
  $("introduce-dialog").addEventListener("close", () => {
    if ($("introduce-dialog").returnValue === "confirm") introduce();
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
