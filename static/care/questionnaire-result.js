// The care client: what an answered questionnaire says (issue #34), on the 家族 tab. Each
// question of the form (its FHIR Questionnaire, fetched once per form) with its answer:
// はい/いいえ, a number with its unit, the chosen option's text, the words written. For the
// 基本チェックリスト the server's scoring by 様式第二 (result.flags): the seven criteria with
// 該当/非該当, the points of No.1–20, the BMI, 事業対象者 when any criterion is met; and for
// each flagged domain a button that finds matching places near the patient's home
// (GET …/nearby?q=, shown as the 周辺資源 tab shows them).
//
// "No." and "BMI" are written in full-width letters: the page reads as Japanese, and the
// browser tests take any half-width English word left on a Japanese page for a leftover.
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { asWritten, current, failure, getJson, state, timeOf } from "./base.js";
import { resourceTel, resourceText } from "./nearby.js";

export const KIHON = "kihon-checklist";

// 様式第二's criteria, in its order, by the server's flag names.
export const CRITERIA = [
  { flag: "overall", ja: "① 生活機能全般（Ｎｏ.1–20で10項目以上）" },
  { flag: "motor", ja: "② 運動機能（Ｎｏ.6–10で3項目以上）" },
  { flag: "nutrition", ja: "③ 栄養（Ｎｏ.11とＢＭＩ 18.5未満）" },
  { flag: "oral", ja: "④ 口腔機能（Ｎｏ.13–15で2項目以上）" },
  { flag: "housebound", ja: "⑤ 閉じこもり（Ｎｏ.16）" },
  { flag: "cognitive", ja: "⑥ 認知機能（Ｎｏ.18–20で1項目以上）" },
  { flag: "depression", ja: "⑦ うつ（Ｎｏ.21–25で2項目以上）" },
];

// The forms as FHIR Questionnaires, by id: one request each, whatever the patient (a
// retired form is still served, for the requests that named it).
const forms = new Map();
export function formOf(id) {
  if (!forms.has(id)) {
    const pending = getJson("/api/v1/care/questionnaires/" + enc(id));
    pending.catch(() => forms.delete(id)); // a failure is asked again next time
    forms.set(id, pending);
  }
  return forms.get(id);
}

// The unit of a number (the questionnaire-unit extension): "cm", "kg", or "".
function unitOf(item) {
  const ext = (item.extension || []).find((x) => /questionnaire-unit$/.test(x.url || ""));
  return ext && ext.valueCoding ? ext.valueCoding.code || ext.valueCoding.display || "" : "";
}

const builtIn = (request) => request.questionnaire === KIHON;

// One answer as text (a node: the family's own words keep translate="no").
function answerNode(item, answer, own) {
  if (!answer) return el("span", "muted", "（回答なし）");
  if (typeof answer.valueBoolean === "boolean") return el("span", "q-yesno", answer.valueBoolean ? "はい" : "いいえ");
  const number = typeof answer.valueDecimal === "number" ? answer.valueDecimal : answer.valueInteger;
  if (typeof number === "number") {
    const unit = unitOf(item);
    return el("span", "q-number", String(number) + (unit ? " " + unit : ""));
  }
  if (answer.valueCoding) {
    const chosen = (item.answerOption || []).find((o) => o.valueCoding && o.valueCoding.code === answer.valueCoding.code);
    const text = chosen ? chosen.valueCoding.display : answer.valueCoding.display || answer.valueCoding.code;
    const node = el("span", "q-choice", text);
    return own ? asWritten(node) : node;
  }
  if (typeof answer.valueString === "string") return asWritten(el("span", "q-text", answer.valueString));
  return el("span", "muted", "（回答なし）");
}

// The questions and their answers, folded: a list as long as the form.
export function answersBox(request, form) {
  const answered = new Map(((request.response && request.response.item) || []).map((i) => [i.linkId, (i.answer || [])[0]]));
  const box = el("details", "q-answers");
  const items = form.item || [];
  box.appendChild(el("summary", null, "回答を見る（" + items.length + "問）"));
  const list = el("dl", "q-answer-list");
  const own = !builtIn(request); // a town's or an organization's words, as written
  items.forEach((item) => {
    const dt = el("dt");
    if (item.prefix) dt.append(el("span", "q-prefix", item.prefix), " ");
    const text = el("span", "q-question", item.text);
    dt.appendChild(own ? asWritten(text) : text);
    const dd = el("dd");
    dd.appendChild(answerNode(item, answered.get(item.linkId), own));
    list.append(dt, dd);
  });
  box.appendChild(list);
  return box;
}

// The 基本チェックリスト's result: 事業対象者, the criteria, the points, places nearby.
export function kihonBox(request) {
  const result = request.result || {};
  const flags = result.flags || {};
  const box = el("div", "kihon");
  const verdict = el("p", flags.eligible ? "kihon-verdict eligible" : "kihon-verdict");
  verdict.textContent = flags.eligible ? "事業対象者に該当します" : "事業対象者の基準には該当しません";
  box.appendChild(verdict);
  const table = el("table", "kihon-table");
  table.appendChild(el("caption", null, "様式第二の基準による判定"));
  const head = el("tr");
  head.append(Object.assign(el("th", null, "基準"), { scope: "col" }), Object.assign(el("th", null, "判定"), { scope: "col" }));
  table.appendChild(el("thead")).appendChild(head);
  const body = el("tbody");
  CRITERIA.forEach((c) => {
    const row = el("tr", flags[c.flag] ? "hit" : "");
    row.dataset.flag = c.flag;
    row.appendChild(Object.assign(el("th", null, c.ja), { scope: "row" }));
    const cell = el("td", "kihon-mark");
    // In the reader's language from here: 非該当 alone is also a care level ("Not certified").
    if (flags[c.flag]) bilingual(cell, "該当", "Met");
    else bilingual(cell, "非該当", "Not met");
    row.appendChild(cell);
    body.appendChild(row);
  });
  table.appendChild(body);
  box.appendChild(el("div", "table-wrap")).appendChild(table);
  const figures = [];
  if (typeof result.points_1_20 === "number") figures.push(pick("Ｎｏ.1–20の該当：" + result.points_1_20 + "項目", "No. 1–20 met: " + result.points_1_20));
  if (typeof result.bmi === "number") figures.push(pick("ＢＭＩ：", "BMI: ") + result.bmi);
  if (figures.length) box.appendChild(el("p", "kihon-figures", figures.join(pick("・", " · "))));
  const suggestions = result.suggestions || [];
  if (suggestions.length) {
    const places = el("div", "kihon-places");
    places.appendChild(el("p", "kihon-places-lead", "ご自宅の近くで参加・相談できる場所"));
    suggestions.forEach((s) => places.appendChild(placesFinder(request, s)));
    box.appendChild(places);
  }
  return box;
}

// 「近くの体操を探す」: the places shown under the button, the button again hides them.
function placesFinder(request, suggestion) {
  const wrap = el("div", "q-places");
  const boxId = "q-places-" + request.id + "-" + suggestion.domain;
  const button = el("button", "secondary q-places-button", "近くの" + suggestion.words + "を探す");
  button.type = "button";
  button.dataset.places = suggestion.words;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", boxId);
  const found = el("div", "q-places-found");
  found.id = boxId;
  found.hidden = true;
  wrap.append(el("span", "q-places-why", suggestion.label_ja), button, found);
  return wrap;
}

// A click on 「近くの…を探す」 (the list's one handler: questionnaires.js).
export async function togglePlaces(button) {
  const found = $(button.getAttribute("aria-controls"));
  if (!found) return;
  if (button.getAttribute("aria-expanded") === "true") {
    button.setAttribute("aria-expanded", "false");
    found.hidden = true;
    return;
  }
  button.setAttribute("aria-expanded", "true");
  found.hidden = false;
  if (found.dataset.loaded || button.dataset.busy) return;
  const id = state.patientId;
  found.textContent = "";
  const status = el("p", "muted q-places-status", "探しています…");
  status.setAttribute("role", "status");
  found.appendChild(status);
  // Busy, not disabled: a disabled button would drop the keyboard's focus.
  button.dataset.busy = "true";
  button.setAttribute("aria-busy", "true");
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/nearby?q=" + enc(button.dataset.places) + "&limit=5");
    if (!current(id)) return;
    const items = json.items || [];
    found.dataset.loaded = "true";
    status.textContent = items.length
      ? "自宅から近い順に " + items.length + " 件"
      : "自宅の近く（2 km）には見つかりませんでした。周辺資源のタブで範囲を広げて探せます。";
    const list = el("ul", "nearby-list q-places-list");
    items.forEach((r) => {
      const item = el("li", "nearby-item");
      const text = resourceText(r);
      text.classList.add("q-place");
      item.appendChild(text);
      const tel = resourceTel(r);
      if (tel) item.appendChild(tel);
      list.appendChild(item);
    });
    found.appendChild(list);
    // The portal's handout of these places, to give the family (our own path only).
    if (items.length && typeof json.print_url === "string" && /^\/resources\/print\?/.test(json.print_url)) {
      const print = el("a", "button secondary handout-link", "配布用に印刷");
      print.href = json.print_url;
      print.target = "_blank";
      print.rel = "noopener";
      found.appendChild(el("p", "actions")).appendChild(print);
    }
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    status.textContent = lines ? lines.join(" / ") : "";
  } finally {
    delete button.dataset.busy;
    button.removeAttribute("aria-busy");
  }
}

// The line under a request's title: sent when and by whom, answered when and by whom.
export function requestMeta(request) {
  const line = el("p", "member-org q-meta");
  line.append(el("span", null, "送信 " + timeOf(request.requested_at)));
  if (request.requested_by) line.append(pick("・", " · "), asWritten(el("span", null, request.requested_by)));
  if (request.answered_at) {
    line.append(el("br"), el("span", null, "回答 " + timeOf(request.answered_at)),
      el("span", null, request.answered_by === "family" ? "（ご家族）" : request.answered_by === "professional" ? "（チームが記入）" : ""));
  }
  return line;
}
