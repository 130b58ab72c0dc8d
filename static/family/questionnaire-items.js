// The family page's questionnaires, what is not the screens: a FHIR R4 Questionnaire read
// into screens, the answers kept while answering (sessionStorage: this tab only, until the
// answers are sent or the session ends) and the QuestionnaireResponse they become.
import { state } from "./base.js";

const DRAFT = "rainbownet-family-questionnaire:";
// Numbers the server takes (functions/core/src/care/questionnaires/response.rs), by unit:
// said at once on their screen, rather than after the last question. [least, most, example]
export const RANGE = { cm: [80, 250, "155"], kg: [15, 250, "52.5"] };

// --- the draft --------------------------------------------------------------------------

// { answers: { linkId: true | false | number }, index, editing }, or null.
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

// Yes/no questions one a screen; numbers of one question (the same prefix) together.
// null: the form asks something this page can not (yet) ask.
export function screensOf(questionnaire) {
  const screens = [];
  for (const item of questionnaire.item || []) {
    if (item.type === "boolean") {
      screens.push({ kind: "yesno", items: [item] });
    } else if (item.type === "decimal" || item.type === "integer") {
      const last = screens[screens.length - 1];
      if (last && last.kind === "measure" && item.prefix && last.items[0].prefix === item.prefix) last.items.push(item);
      else screens.push({ kind: "measure", items: [item] });
    } else {
      return null;
    }
  }
  return screens.length ? screens : null;
}

export const answeredCount = (screens, answers) =>
  screens.filter((s) => s.items.every((item) => answers[item.linkId] !== undefined)).length;

// Full-width digits and point from a Japanese keyboard count; anything else is NaN.
export function decimalOf(text) {
  const half = String(text || "").trim()
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/[．。]/g, ".");
  return /^\d{1,3}(\.\d{1,2})?$/.test(half) ? Number(half) : NaN;
}

// --- the response -------------------------------------------------------------------------

// The answers as a FHIR R4 QuestionnaireResponse, in the form's order (はい = true).
export function responseBody(questionnaire, answers, fallbackId) {
  const item = [];
  (questionnaire.item || []).forEach((q) => {
    const value = answers[q.linkId];
    if (value === undefined) return;
    const answer = q.type === "boolean" ? { valueBoolean: value } : q.type === "integer" ? { valueInteger: value } : { valueDecimal: value };
    item.push({ linkId: q.linkId, answer: [answer] });
  });
  return {
    resourceType: "QuestionnaireResponse",
    questionnaire: questionnaire.url || fallbackId,
    status: "completed",
    item: item,
  };
}
