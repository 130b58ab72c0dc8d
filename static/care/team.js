// The care client: the care team's changes (patient.js draws the team with the patient).
import { ApiError, apiError, problemLines } from "../lib/api.js";
import { enc } from "../lib/dom.js";
import { authorized, current, failure, showLines, state } from "./base.js";
import { pickers } from "./directory.js";
import { loadPatient, renderPatient } from "./patient.js";

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
