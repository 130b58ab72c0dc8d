// The administration page: open data and bulk registration from CSV files.
import { problemOf } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { api, failure, show, upload } from "./base.js";
import { searchManaged } from "./resources.js";

export async function importResources(event) {
  event.preventDefault();
  const file = $("import-file").files[0];
  if (!file) return;
  const progress = $("import-progress");
  progress.hidden = false;
  progress.value = 0;
  try {
    const res = await upload("/api/v1/public/imports?municipality=" + encodeURIComponent($("import-municipality").value), file, progress);
    progress.value = 100;
    const report = res.json;
    if (!report) { show("import-result", ["応答を読めませんでした。"], false); return; }
    if (res.status !== 200) { show("import-result", problemOf(report, res.status), false); return; }
    const lines = [report.dataset_label + "：新規 " + report.imported + " 件、更新 " + report.updated +
      " 件、変更なし " + report.unchanged + " 件、取り込めなかった行 " + report.rejected + " 件"];
    if (report.detected_by && report.detected_by.length) lines.push("判定に使った列：" + report.detected_by.join("・"));
    for (const e of report.errors) lines.push(e.line + " 行目：" + pick(e.reason_ja, e.reason));
    for (const w of report.warnings || []) lines.push(w.line + " 行目（取り込み済み）：" + pick(w.reason_ja, w.reason));
    show("import-result", lines, report.rejected === 0);
    searchManaged();
  } catch (e) {
    failure("import-result", e);
  }
}

// Bulk patient registration from the care-certification export (municipal staff).
export async function importPatients(event) {
  event.preventDefault();
  const file = $("patients-file").files[0];
  if (!file) return;
  show("patients-result", ["取り込み中…"], true);
  try {
    const res = await api("POST", "/api/v1/patients/imports?municipality=" + encodeURIComponent($("patients-municipality").value),
      { body: file, contentType: "text/csv" });
    if (!res.ok) { show("patients-result", problemOf(res.json, res.status), false); return; }
    const r = res.json;
    const lines = ["登録 " + r.registered + "件・変更なし " + r.unchanged + "件・同意なし " + r.without_consent + "件・エラー " + r.rejected + "件"];
    for (const e of r.errors || []) lines.push(e.line + "行目：" + (pick(e.reason_ja, e.reason)));
    show("patients-result", lines, r.rejected === 0);
  } catch (e) {
    failure("patients-result", e);
  }
}
