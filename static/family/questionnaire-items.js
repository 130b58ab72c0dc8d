// The family page's questionnaires, what is not the screens: a FHIR R4 Questionnaire read
// into screens, the answers kept while answering (sessionStorage: this tab only, until the
// answers are sent or the session ends) and the QuestionnaireResponse they become. Besides
// the Ministry's 基本チェックリスト, towns and organizations write their own forms: はい/いいえ,
// a choice among options, a number, words; a question may be optional.
import { state } from "./base.js";

// The built-in form. Its wording is the page's (the dictionary has it in English); a town's
// or an organization's form is data, shown as written (translate="no").
export const KIHON = "kihon-checklist";
export const ownWords = (questionnaireId) => questionnaireId !== KIHON;
// The longest answer in words, in characters (Unicode scalar values, as the server counts).
export const MAX_TEXT = 2000;
// The largest number a form of our own takes (either sign).
export const MAX_NUMBER = 1e6;

const DRAFT = "rainbownet-family-questionnaire:";
// Numbers the server takes (functions/core/src/care/questionnaires/response.rs), by unit:
// said at once on their screen, rather than after the last question. [least, most, example]
export const RANGE = { cm: [80, 250, "155"], kg: [15, 250, "52.5"] };

// --- the draft --------------------------------------------------------------------------

// { answers: { linkId: true | false | number | code | words | null }, index, editing }, or
// null. null: an optional question left unanswered (「答えない」).
export function draftOf(requestId) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(DRAFT + requestId) || "null");
    return saved && state.me && saved.patient === state.me.patient.id ? saved : null;
  } catch (e) {
    return null;
  }
}

export function keepDraft(requestId, draft) {
  if (!state.me) return;
  try {
    sessionStorage.setItem(DRAFT + requestId, JSON.stringify(Object.assign({ patient: state.me.patient.id }, draft)));
  } catch (e) { /* private mode: the answers live as long as the page */ }
}

export function dropDraft(requestId) {
  try { sessionStorage.removeItem(DRAFT + requestId); } catch (e) { /* nothing stored */ }
}

export function dropAllDrafts() {
  try {
    Object.keys(sessionStorage).filter((k) => k.startsWith(DRAFT)).forEach((k) => sessionStorage.removeItem(k));
  } catch (e) { /* nothing stored */ }
}

// --- the form's screens -------------------------------------------------------------------

// The unit of a number (the questionnaire-unit extension): "cm", "kg".
export function unitOf(item) {
  const ext = (item.extension || []).find((x) => /questionnaire-unit$/.test(x.url || ""));
  return ext && ext.valueCoding ? ext.valueCoding.code || ext.valueCoding.display || "" : "";
}

// 「身長（cm）」 → 「身長」: the unit is said beside the value.
export const bare = (text) => String(text || "").replace(/[（(][^（()）]*[)）]\s*$/, "").trim();

// One question a screen (はい/いいえ, options, a number, words); numbers of one question (the
// same prefix: 身長 and 体重) together. null: the form asks something this page can not.
export function screensOf(questionnaire) {
  const screens = [];
  for (const item of questionnaire.item || []) {
    if (item.type === "boolean") {
      screens.push({ kind: "yesno", items: [item] });
    } else if (item.type === "decimal" || item.type === "integer") {
      const last = screens[screens.length - 1];
      if (last && last.kind === "measure" && item.prefix && last.items[0].prefix === item.prefix) last.items.push(item);
      else screens.push({ kind: "measure", items: [item] });
    } else if (item.type === "choice" && optionsOf(item).length) {
      screens.push({ kind: "choice", items: [item] });
    } else if (item.type === "text" || item.type === "string") {
      screens.push({ kind: "text", items: [item] });
    } else {
      return null;
    }
  }
  return screens.length ? screens : null;
}

// A choice's options: [{ code, display }] (FHIR answerOption.valueCoding).
export function optionsOf(item) {
  return (item.answerOption || []).filter((o) => o.valueCoding && o.valueCoding.code)
    .map((o) => ({ code: String(o.valueCoding.code), display: o.valueCoding.display || String(o.valueCoding.code) }));
}

// A screen whose questions may be left unanswered (FHIR: required is false unless said).
export const optional = (screen) => screen.items.every((item) => !item.required);

// Answered, or left unanswered on purpose (null).
export const answeredCount = (screens, answers) =>
  screens.filter((s) => s.items.every((item) => answers[item.linkId] !== undefined)).length;

// Full-width digits and point from a Japanese keyboard count; anything else is NaN.
// `any`: a number of a town's form (no unit, no range): a sign, thousands' commas, any size
// the server takes; else the checklist's height or weight (three digits, two decimals).
export function decimalOf(text, any) {
  const half = String(text || "").trim()
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[．。]/g, ".");
  if (!any) return /^\d{1,3}(\.\d{1,2})?$/.test(half) ? Number(half) : NaN;
  const plain = half.replace(/[\s,，　]/g, "").replace(/^[－ー−‐]/, "-").replace(/^＋/, "+");
  return /^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(plain) ? Number(plain) : NaN;
}

// Characters as the server counts them (Unicode scalar values, not UTF-16 units).
export const lengthOf = (text) => [...String(text || "")].length;

// --- the response -------------------------------------------------------------------------

// One answer as FHIR has it: はい = true, a choice's code with its words, a number, words.
function answerOf(q, value) {
  if (q.type === "boolean") return { valueBoolean: value };
  if (q.type === "integer") return { valueInteger: value };
  if (q.type === "choice") {
    const option = optionsOf(q).find((o) => o.code === value);
    return { valueCoding: { code: value, display: option ? option.display : value } };
  }
  if (q.type === "text" || q.type === "string") return { valueString: value };
  return { valueDecimal: value };
}

// The answers as a FHIR R4 QuestionnaireResponse, in the form's order; a question left
// unanswered (optional) is left out.
export function responseBody(questionnaire, answers, fallbackId) {
  const item = [];
  (questionnaire.item || []).forEach((q) => {
    const value = answers[q.linkId];
    if (value === undefined || value === null) return;
    item.push({ linkId: q.linkId, answer: [answerOf(q, value)] });
  });
  return {
    resourceType: "QuestionnaireResponse",
    questionnaire: questionnaire.url || fallbackId,
    status: "completed",
    item: item,
  };
}
