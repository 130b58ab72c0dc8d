// The care client: the care team.
import { ApiError, apiError, problemLines } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { asWritten, authorized, failure, PROFESSION, showLines, state } from "./base.js";
import { pickers } from "./directory.js";
import { current, loadPatient, renderPatient } from "./patient.js";

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

export async function onTeamClick(event) {
  const handover = event.target.closest("button[data-lead]");
  if (handover && state.patient) return handOver(handover);
  const button = event.target.closest("button[data-remove]");
  if (!button || !state.patient) return;
  const id = state.patientId;
  const member = (state.patient.team || []).find((m) => m.id === button.dataset.remove);
  if (!member) return;
  const self = state.me && member.id === state.me.id;
  const question = self
    ? "このチームから抜けると、" + state.patient.name + " さんの記録を見られなくなります。よろしいですか？"
    : member.name + " さんをチームから外します。よろしいですか？";
  if (!window.confirm(question)) return;
  button.disabled = true;
  try {
    const resp = await authorized("DELETE", "/api/v1/patients/" + enc(id) + "/team/" + enc(member.id));
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    if (self) { location.hash = "#/patients"; return; }
    showLines("team-status", [member.name + " さんをチームから外しました。"], true);
    await loadPatient(id);
  } catch (e) {
    const lines = failure(e);
    if (lines && current(id)) showLines("team-status", lines, false);
  } finally {
    button.disabled = false;
  }
}

export async function handOver(button) {
  const id = state.patientId;
  const member = (state.patient.team || []).find((m) => m.id === button.dataset.lead);
  if (!member) return;
  if (!window.confirm(member.name + " さんを主担当にします。あなたは主担当ではなくなります。よろしいですか？")) return;
  button.disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/lead", { json: { professional_id: member.id } });
    if (!resp.ok) throw await apiError(resp);
    const patient = await resp.json();
    if (!current(id)) return;
    state.patient = patient;
    renderPatient();
    showLines("team-status", [member.name + " さんが主担当になりました。"], true);
  } catch (e) {
    const lines = failure(e);
    if (lines && current(id)) showLines("team-status", lines, false);
  } finally {
    button.disabled = false;
  }
}

// Chosen from the directory: added at once.
export async function addMember(entry) {
  const id = state.patientId;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/team", { json: { professional_id: entry.id } });
    if (!resp.ok) throw await apiError(resp);
    const patient = await resp.json();
    if (!current(id)) return;
    state.patient = patient;
    renderPatient();
    pickers.team.reset();
    showLines("team-status", [entry.name + " さんをチームに追加しました。"], true);
  } catch (e) {
    const lines = failure(e);
    if (lines && current(id)) showLines("team-status", lines, false);
  }
}
