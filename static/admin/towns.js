// The administration page: the network's municipalities (sysadmins): list and edit.
import { problemOf } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { api, blank, failure, publicJson, show, tableRow } from "./base.js";

const townFields = ["name", "name_kana", "name_en", "prefecture", "lat", "lng"];
// Administrators see their own edits at once: revalidate instead of the public cache.
export async function loadTowns() {
  const data = await publicJson("/api/v1/public/municipalities", "no-cache");
  const body = document.querySelector("#town-table tbody");
  body.textContent = "";
  for (const t of data.items) {
    body.appendChild(tableRow([t.code, t.name, t.name_kana, t.prefecture || "", t.lat + ", " + t.lng], [{
      text: "編集", label: t.name + "を編集",
      onClick: () => {
        $("t-code").value = t.code;
        for (const f of townFields) $("t-" + f).value = blank(t[f]);
        $("t-name").focus();
      },
    }]));
  }
}

export async function saveTown(event) {
  event.preventDefault();
  const body = Object.fromEntries(townFields.map((f) => [f, $("t-" + f).value.trim()]));
  body.lat = Number(body.lat);
  body.lng = Number(body.lng);
  const code = $("t-code").value.trim();
  try {
    const res = await api("PUT", "/api/v1/public/municipalities/" + encodeURIComponent(code), { body: JSON.stringify(body) });
    if (!res.ok) { show("town-result", problemOf(res.json, res.status), false); return; }
    show("town-result", [(res.status === 201 ? "登録しました：" : "更新しました：") + res.json.name + "（" + res.json.code + "）"], true);
    loadTowns();
  } catch (e) {
    failure("town-result", e);
  }
}
