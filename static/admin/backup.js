// The administration page: the last backup the host took (sysadmins), so that a backup
// that stopped running is seen before the day it is needed.
import { $, el } from "../lib/dom.js";
import { api, failure } from "./base.js";
import { japanTime } from "../lib/dates.js";

export async function loadBackupStatus() {
  const box = $("backup-status");
  try {
    const res = await api("GET", "/api/v1/public/backup-status");
    if (!res.ok) { box.textContent = "バックアップの状況を読めませんでした（HTTP " + res.status + "）。"; return; }
    const last = res.json.last_backup;
    box.classList.toggle("notice", !!res.json.stale);
    if (!last) {
      box.textContent = "";
      box.append("このサーバーのバックアップの記録がありません。", el("code", null, "rainbownet backup create"), " を毎晩動かしてください。");
      return;
    }
    const size = (last.bytes / 1e6).toFixed(1) + " MB";
    box.textContent = "";
    box.append("最終バックアップ：" + japanTime(last.at) + "（" + size + "、" + (last.encrypted ? "暗号化あり" : "暗号化なし") + "） ",
      el("code", null, last.file));
    if (res.json.stale) box.append(" — 26時間以上たっています。定期実行が止まっていないか確かめてください。");
  } catch (e) {
    failure("backup-status", e);
  }
}
