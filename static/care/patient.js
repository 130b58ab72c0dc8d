// The care client: one patient: the profile and the care team as drawn, and the tabs; the
// open alerts above them (alerts.js) and the family's recent messages (family-messages.js),
// the family's tab (family.js, with the questionnaires: questionnaires.js) and the
// thresholds on the vitals tab (thresholds.js).
import { ageOf, dateJa } from "../lib/dates.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { english } from "../lib/i18n.js";
import { loadAlerts, resetAlerts } from "./alerts.js";
import { asWritten, careLevelOf, CONSENT, current, failure, getJson, PROFESSION, setText, SEX, showLines, showOnly, state, TABS } from "./base.js";
import { pickers } from "./directory.js";
import { closeDocumentPanel, togglePostForm } from "./documents.js";
import { loadFamilyMessages, resetFamilyMessages } from "./family-messages.js";
import { loadFamily, resetFamily } from "./family.js";
import { loadNearby, updatePrintLink } from "./nearby.js";
import { loadQuestionnaires, resetQuestionnaires } from "./questionnaires.js";
import { loadThresholds, renderThresholds, resetThresholds } from "./thresholds.js";
import { loadTimeline } from "./timeline.js";
import { clearChart, loadVitals, resetMeasuredAt } from "./vitals.js";

export function resetPatient(id) {
  // Another patient: the form folded again, no filter left over.
  if ($("post-form")) { $("post-form").hidden = true; $("post-new").setAttribute("aria-expanded", "false"); $("post-new").textContent = "投稿を書く"; }
  if ($("timeline-category")) { $("timeline-category").value = ""; $("timeline-filter").value = ""; }
  state.patientId = id;
  state.patient = null;
  state.posts = [];
  state.nextCursor = null;
  state.seenUnread = new Set();
  state.loaded = {};
  state.vitals = [];
  state.nearby = [];
  state.nearbyPrintUrl = null;
  state.uploads = new Map();
  state.draft = null;
  state.introDraft = null;
  closeDocumentPanel();
  // A message being written belongs to the patient it was started for.
  $("post-form").reset();
  $("post-file-list").textContent = "";
  showLines("post-errors", []);
  ["post-status", "timeline-status", "patient-status", "vital-status", "nearby-status", "patient-name", "patient-kana", "patient-summary"].forEach((i) => setText(i, ""));
  ["timeline", "patient-facts", "team-list", "nearby-list", "vitals-latest", "team-status", "nearby-result"].forEach((i) => { $(i).textContent = ""; });
  if (pickers.team) pickers.team.reset();
  state.homeBp = null;
  $("home-bp").hidden = true;
  $("home-bp").textContent = "";
  $("post-share").checked = false;
  resetAlerts();
  resetFamily();
  resetFamilyMessages();
  resetQuestionnaires();
  resetThresholds();
  showLines("vital-errors", []);
  clearChart();
  $("timeline-more").hidden = true;
  $("nearby-note").value = "";
  $("nearby-actions").hidden = true;
  updatePrintLink();
}

export async function openPatient(id, tab) {
  showOnly("patient-view");
  if (state.patientId !== id) {
    resetPatient(id);
    TABS.forEach((t) => { $("tab-" + t).href = "#/patients/" + enc(id) + "/" + t; });
    loadPatient(id);
    if (id) { loadAlerts(); loadFamilyMessages(false); }
  }
  selectTab(tab);
}

// 「タイムラインで返信する」: the team answers the family on the timeline, with a post shared
// with them; the composer opens with 「家族にも共有する」 checked and takes the focus.
export function replyToFamily() {
  const id = state.patientId;
  if (!id) return;
  if (state.tab !== "timeline") {
    selectTab("timeline"); // at once, so that the composer can take the focus
    location.hash = "#/patients/" + enc(id) + "/timeline";
  }
  togglePostForm(true);
  $("post-share").checked = true;
  setText("post-status", "「家族にも共有する」をオンにしました。この投稿はご家族のページにも表示されます。");
  $("post-body").focus();
}

export async function loadPatient(id) {
  setText("patient-status", "読み込んでいます…");
  try {
    const patient = await getJson("/api/v1/patients/" + enc(id));
    if (!current(id)) return;
    state.patient = patient;
    renderPatient();
    if (state.thresholds.length) renderThresholds(false); // who set them: a name on the team
    setText("patient-status", "");
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) setText("patient-status", lines.join(" / "));
  }
}

export function selectTab(tab) {
  state.tab = tab;
  if (tab === "vitals" && !state.measuredSet) resetMeasuredAt();
  TABS.forEach((t) => {
    const on = t === tab;
    $("panel-" + t).hidden = !on;
    $("tab-" + t).setAttribute("aria-selected", String(on));
    if (on) $("tab-" + t).setAttribute("aria-current", "page");
    else $("tab-" + t).removeAttribute("aria-current");
  });
  if (state.loaded[tab]) return;
  state.loaded[tab] = true;
  if (tab === "timeline") loadTimeline(false);
  if (tab === "vitals") { loadVitals(); loadThresholds(); }
  if (tab === "family") { loadFamily(); loadQuestionnaires(); }
  if (tab === "nearby") loadNearby();
}

export function renderPatient() {
  const p = state.patient;
  document.title = p.name + " | RainbowNet";
  setText("patient-name", p.name);
  setText("patient-kana", p.name_kana);
  const age = ageOf(p.birth_date);
  const summary = [];
  if (age !== null) summary.push(age + "歳");
  if (SEX[p.sex]) summary.push(SEX[p.sex]);
  if (p.care_level) summary.push(careLevelOf(p.care_level));
  setText("patient-summary", summary.join("・"));

  const facts = $("patient-facts");
  facts.textContent = "";
  const fact = (ja, english, value) => {
    const dt = el("dt");
    bilingual(dt, ja, english);
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = value || "—";
    facts.append(dt, dd);
  };
  fact("氏名", "Name", p.name);
  fact("ふりがな", "Kana", p.name_kana);
  fact("生年月日", "Born", dateJa(p.birth_date));
  fact("年齢", "Age", age === null ? "" : age + "歳");
  fact("性別", "Sex", SEX[p.sex] || p.sex);
  fact("要介護度", "Care level", careLevelOf(p.care_level));
  fact("住所", "Address", p.address);
  if (p.phone) {
    const tel = el("a", "tel", p.phone);
    tel.href = "tel:" + p.phone.replace(/[^0-9+]/g, "");
    fact("電話", "Phone", tel);
  } else {
    fact("電話", "Phone", "");
  }
  fact("情報共有の同意", "Consent", (CONSENT[p.consent_method] || p.consent_method) + "（" + dateJa(p.consent_taken_on) + "）");
  renderTeam();
}

// The lead (主担当) removes others and hands the lead over; everyone else may only leave,
// and the lead leaves after handing over (the server holds the same rule).
export function renderTeam() {
  const list = $("team-list");
  list.textContent = "";
  const lead = state.patient.lead_id;
  const iLead = Boolean(state.me && lead === state.me.id);
  (state.patient.team || []).forEach((m) => {
    const item = el("li", "member");
    item.dataset.id = m.id;
    const who = el("div", "member-who");
    const name = el("strong", "member-name", m.name);
    who.appendChild(name);
    const self = Boolean(state.me && m.id === state.me.id);
    if (self) who.appendChild(el("span", "me-badge", "あなた"));
    if (m.id === lead) who.appendChild(el("span", "me-badge lead-badge", "主担当"));
    who.appendChild(el("span", "member-role", PROFESSION[m.profession] || m.profession));
    who.appendChild(asWritten(el("span", "member-org", m.organization)));
    item.appendChild(who);
    const button = (kind, id, ja, en) => {
      const b = el("button", kind + " small");
      b.type = "button";
      b.dataset[kind === "secondary" ? "lead" : "remove"] = id;
      bilingual(b, ja, en);
      item.appendChild(b);
    };
    if (self && !iLead) button("secondary danger", m.id, "チームを抜ける", "Leave");
    if (!self && iLead) {
      button("secondary", m.id, "主担当にする", "Make lead");
      button("secondary danger", m.id, "外す", "Remove");
    }
    list.appendChild(item);
  });
  if (iLead && (state.patient.team || []).length > 1) {
    list.appendChild(el("li", "muted", "主担当はほかのメンバーに引き継いでからチームを抜けられます。"));
  }
}
