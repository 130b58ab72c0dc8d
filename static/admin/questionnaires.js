// The administration page: questionnaires (問診票) of the town (municipal staff) or the
// organization (org admins). The forms in use are listed (GET /api/v1/care/questionnaires,
// those of a town or an organization: the built-in 基本チェックリスト is the Ministry's);
// one is shown as its questions (its FHIR Questionnaire), copied into the editor to write a
// new one from it, or retired (POST …/retire: it is sent no more, answers already given
// stay). Only the owner's staff retire a form: municipal staff their town's, an org admin
// their organization's. Writing a form: questionnaire-editor.js.
import { ApiError, problemOf } from "../lib/api.js";
import { $, el } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";
import { loadList } from "../lib/list.js";
import { api, getList, hasRole, show, SIGNED_OUT } from "./base.js";
import { resetEditor, TYPES, whenSaved } from "./questionnaire-editor.js";

const OWNER = { municipality: "市町の問診票", organization: "事業所の問診票" };
let shown = null; // the form in the preview: its FHIR Questionnaire

// Who may write and retire: municipal staff for their town, else an org admin for their
// organization (as the server decides it).
export const mayWrite = () => hasRole("municipal_staff") || hasRole("org_admin");
const mine = (form) => (hasRole("municipal_staff") ? form.owner === "municipality" : hasRole("org_admin") && form.owner === "organization");

export function setUpQuestionnaires() {
  whenSaved(() => loadQuestionnaires());
  resetEditor(null);
}

export function applyQuestionnaires() {
  const on = mayWrite();
  $("questionnaires-section").hidden = !on;
  if (!on) return;
  $("q-owner").textContent = hasRole("municipal_staff")
    ? "市町の問診票として保存します。市町の専門職が利用者とご家族に送れます。"
    : "事業所の問診票として保存します。事業所の専門職が利用者とご家族に送れます。";
  loadQuestionnaires();
}

export function loadQuestionnaires() {
  const status = $("q-list-status");
  return loadList({
    show: (line) => { status.textContent = line; },
    loading: say("読み込んでいます…"),
    fetch: async () => {
      const answer = await getList("/api/v1/care/questionnaires");
      return { items: (answer.items || []).filter((f) => f.owner !== "builtin") };
    },
    render: (items) => {
      const list = $("q-list");
      list.textContent = "";
      for (const form of items) list.appendChild(formItem(form));
    },
    empty: say("まだ問診票はありません。下の「新しい問診票を作る」で作れます。"),
    failed: (e) => (e instanceof ApiError ? e.lines.join(" ") : e === SIGNED_OUT ? "" : say("読み込めませんでした。")),
  });
}

function formItem(form) {
  const item = el("li", "invitation q-form-item");
  item.dataset.id = form.id;
  const head = el("p", "invitation-head");
  const title = el("strong", null, form.title);
  title.translate = false;
  head.append(title);
  const meta = [OWNER[form.owner] || form.owner];
  if (typeof form.items === "number") meta.push(form.items + "問");
  item.append(head, el("p", "invitation-meta muted", meta.join("・")));
  const actions = el("p", "actions");
  const open = el("button", "button secondary", "中身を見る");
  open.type = "button";
  open.setAttribute("aria-label", "「" + form.title + "」の中身を見る");
  open.addEventListener("click", () => preview(form));
  actions.appendChild(open);
  if (mine(form)) {
    const retire = el("button", "button secondary danger", "使うのをやめる");
    retire.type = "button";
    retire.setAttribute("aria-label", "「" + form.title + "」を使うのをやめる");
    retire.addEventListener("click", () => retireForm(form));
    actions.appendChild(retire);
  }
  item.appendChild(actions);
  return item;
}

const typeName = (type) => { const t = TYPES.find((x) => x[0] === type); return t ? pick(t[1], t[2]) : type; };

async function preview(form) {
  try {
    const res = await api("GET", "/api/v1/care/questionnaires/" + encodeURIComponent(form.id));
    if (!res.ok) { show("q-list-result", problemOf(res.json, res.status), false); return; }
    shown = res.json;
    const box = $("q-preview");
    $("q-preview-title").textContent = "「" + (shown.title || form.title) + "」の質問";
    const list = $("q-preview-list");
    list.textContent = "";
    for (const item of shown.item || []) {
      const li = el("li");
      const text = el("span", "q-preview-text", item.text);
      text.translate = false;
      li.append(text, el("span", "muted q-preview-type", typeName(item.type) + pick(item.required === false ? "・任意" : "・必須", item.required === false ? ", optional" : ", required")));
      const options = (item.answerOption || []).map((o) => o.valueCoding && o.valueCoding.display).filter(Boolean);
      if (options.length) {
        const ul = el("ul", "q-preview-options");
        for (const o of options) { const oi = el("li", null, o); oi.translate = false; ul.appendChild(oi); }
        li.appendChild(ul);
      }
      list.appendChild(li);
    }
    box.hidden = false;
    $("q-preview-title").focus();
  } catch (e) {
    if (e !== SIGNED_OUT) show("q-list-result", ["読み込めませんでした。通信状態を確認してください。"], false);
  }
}

export function closePreview() {
  $("q-preview").hidden = true;
  shown = null;
  $("q-list-title").focus();
}

// The previewed form's questions into the editor, to write a new form from them.
export function copyPreview() {
  if (!shown) return;
  const items = (shown.item || []).map((i) => ({
    text: i.text || "",
    type: ["boolean", "choice", "decimal", "text"].includes(i.type) ? i.type : "text",
    options: (i.answerOption || []).map((o) => (o.valueCoding && o.valueCoding.display) || ""),
    required: i.required !== false,
  }));
  resetEditor({ title: shown.title || "", items });
  show("q-result", ["「" + (shown.title || "") + "」の質問を写しました。直して保存すると、新しい問診票になります。"], true);
  $("q-title").focus();
}

async function retireForm(form) {
  if (!window.confirm(say("「" + form.title + "」を使うのをやめます。これからは送れなくなります（送った問診票と回答はそのまま残ります）。よろしいですか？"))) return;
  try {
    const res = await api("POST", "/api/v1/care/questionnaires/" + encodeURIComponent(form.id) + "/retire");
    show("q-list-result", res.ok ? ["「" + form.title + "」を使うのをやめました。"] : problemOf(res.json, res.status), res.ok);
    if (res.ok && shown && shown.id === form.id) { $("q-preview").hidden = true; shown = null; }
    await loadQuestionnaires();
    $("q-list-title").focus();
  } catch (e) {
    if (e !== SIGNED_OUT) show("q-list-result", ["送信できませんでした。通信状態を確認してください。"], false);
  }
}
