// The care client: my patients.
import { ageOf } from "../lib/dates.js";
import { $, el, enc } from "../lib/dom.js";
import { asWritten, careLevelOf, folded, setText, showOnly, state, timeOf } from "./base.js";
import { loadCounted } from "./menu.js";
import { resetPatient } from "./patient.js";

export async function showPatients() {
  resetPatient(null);
  showOnly("patients-view");
  document.title = "担当の利用者 | RainbowNet";
  renderPatients(); // what this page knows (read receipts just sent included), then the server's
  await loadPatients();
}

export function loadPatients() {
  return loadCounted("patients", "patients-status", "担当の利用者はいません。", renderPatients);
}

export const PATIENT_ORDER = {
  recent: (a, b) => String((b.last_post || {}).created_at || "").localeCompare(String((a.last_post || {}).created_at || "")),
  unread: (a, b) => (b.unread || 0) - (a.unread || 0),
  kana: (a, b) => String(a.name_kana).localeCompare(String(b.name_kana), "ja"),
};

export function shownPatients() {
  const words = folded($("patient-filter").value);
  const order = PATIENT_ORDER[$("patient-sort").value] || PATIENT_ORDER.recent;
  return state.patients
    .filter((p) => !words || folded(p.name).includes(words) || folded(p.name_kana).includes(words))
    .slice()
    .sort((a, b) => order(a, b) || PATIENT_ORDER.kana(a, b));
}

export function renderPatients() {
  const list = $("patient-list");
  list.textContent = "";
  const shown = shownPatients();
  setText("patients-shown", $("patient-filter").value.trim() ? state.patients.length + "人中 " + shown.length + "人" : "");
  shown.forEach((p) => {
    const item = el("li");
    const link = el("a", "patient-link");
    link.href = "#/patients/" + enc(p.id);
    link.dataset.id = p.id;
    const main = el("span", "patient-main");
    main.append(asWritten(el("span", "patient-name", p.name)), asWritten(el("span", "kana", p.name_kana)));
    const meta = [];
    const age = ageOf(p.birth_date);
    if (age !== null) meta.push(age + "歳");
    if (p.care_level) meta.push(careLevelOf(p.care_level));
    main.appendChild(el("span", "patient-meta", meta.join("・")));
    if (p.last_post) {
      // Who wrote last, and the start of what they wrote: their words, shown as written.
      const last = asWritten(el("span", "last-post"));
      last.append(el("span", "last-when", timeOf(p.last_post.created_at) + " " + p.last_post.author_name + "："),
        el("span", "last-excerpt", p.last_post.excerpt));
      main.appendChild(last);
    }
    const badge = el("span", "unread");
    badge.append("未読 ", el("span", "unread-count", String(p.unread || 0)), "件");
    badge.hidden = !p.unread;
    link.append(main, badge);
    item.appendChild(link);
    list.appendChild(item);
  });
}
