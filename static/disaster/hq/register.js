// The HQ screen: the register of people to check (town staff): importing it, and its
// districts for the support teams.
import { problemLines } from "../../lib/api.js";
import { $, el, enc } from "../../lib/dom.js";
import { pick } from "../../lib/i18n.js";
import { authorized, getJson, reportError, showDeclareResult, SIGNED_OUT } from "./base.js";
import { loadReport } from "./report.js";

export async function importRegister(event) {
  event.preventDefault();
  const file = $("register-file").files[0];
  const town = $("register-municipality").value;
  if (!file) return;
  try {
    const resp = await authorized("POST", "/api/v1/disaster/register/imports?municipality=" + enc(town), file);
    if (!resp.ok) { showDeclareResult(await problemLines(resp), false, "register-result"); return; }
    const r = await resp.json();
    const lines = ["新規 " + r.imported + "件・更新 " + r.updated + "件・変更なし " + r.unchanged + "件・エラー " + r.rejected + "件（地区 " + r.districts + "）"];
    (r.errors || []).forEach((e) => lines.push(e.line + "行目：" + (pick(e.reason_ja, e.reason))));
    showDeclareResult(lines, r.rejected === 0, "register-result");
    loadDistrictChoices();
    await loadReport();
  } catch (e) {
    if (e !== SIGNED_OUT) showDeclareResult(["送信できませんでした。通信状態を確認してください。"], false, "register-result");
  }
}

// The district codes a team may be given: those of the town's register, each offered
// by its name and how many people live there (GET /api/v1/disaster/districts).
export async function loadDistrictChoices() {
  const list = $("district-codes");
  try {
    const data = await getJson("/api/v1/disaster/districts");
    list.textContent = "";
    for (const d of data.items || []) {
      const option = el("option", null, d.name + "（" + d.people + "人）");
      option.value = d.code;
      list.append(option);
    }
  } catch (e) {
    if (e !== SIGNED_OUT) reportError(e);
  }
}
