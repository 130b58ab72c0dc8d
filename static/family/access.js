// The family page: who opened or changed this record, and when (記録を見た人), newest first,
// from the server's access log. One heading a day (「今日」「昨日」「12月5日（土）」) and one
// line an action: 「午前9:30　看護 花子（看護師・清須訪問看護ステーション）が連絡帳を見ました」.
// The same person doing the same thing again within a few minutes is one line with a count
// (「（3回）」): opening the page reads several lists at once, and that is one visit.
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { byCode } from "../lib/vocabulary.js";
import { api, asWritten, dayKey, dayLabel, failure, patientPath, RELATION, setText, state, timeLabel } from "./base.js";

const PAGE = 50;
const WINDOW_MS = 10 * 60000;
const PROFESSION = byCode("professions", (t) => pick(t.ja, t.en));
// The server says each action in Japanese (action_ja); the English is the page's.
const ACTION_EN = {
  "patient.create": "registered the record",
  "patient.import": "registered the record (in bulk)",
  "patient.read": "looked at the record",
  "patient.fhir": "exported the record (FHIR)",
  "patient.nearby": "looked for local services nearby",
  "patient.introduce": "introduced a local service",
  "timeline.read": "looked at the notes",
  "post.create": "wrote in the notes",
  "post.edit": "corrected a note",
  "post.share": "changed whether a note is shared with the family",
  "post.read": "read a note",
  "comment.create": "wrote a comment",
  "attachment.upload": "attached a file",
  "attachment.read": "looked at an attached file",
  "vitals.read": "looked at the readings",
  "vital.create": "recorded a reading",
  "vitals.home_bp": "looked at the home blood pressure",
  "thresholds.read": "looked at the alert values",
  "thresholds.set": "set the alert values",
  "alerts.read": "looked at the alerts",
  "alert.ack": "confirmed an alert",
  "team.add": "changed the care team",
  "team.remove": "changed the care team",
  "team.lead": "changed the care team",
  "consent.revoke": "recorded that consent was withdrawn",
  "family.invite": "invited a family member",
  "family.invitations": "looked at the family invitations",
  "family.invite.revoke": "cancelled a family invitation",
  "family.join": "joined as family",
  "family.members": "looked at the list of family members",
  "family.close": "ended a family member's access",
  "family.message": "wrote to the care team",
  "family.messages": "read the family's messages",
  "questionnaire.request": "sent a questionnaire",
  "questionnaire.list": "looked at the questionnaires",
  "questionnaire.respond": "answered a questionnaire",
};

const log = { items: [], cursor: null, loading: false };

const keyOf = (a) => {
  const w = a.who || {};
  return [a.action, w.kind, w.name || "", w.organization || "", w.relation || ""].join("\u0000");
};

// Lines: an entry and how many like it follow within a few minutes of each other.
function collapse(items) {
  const lines = [];
  items.forEach((entry) => {
    const at = Date.parse(entry.at);
    const key = keyOf(entry);
    const day = dayKey(entry.at);
    const line = lines.find((l) => l.key === key && l.day === day && l.oldest - at <= WINDOW_MS);
    if (line) {
      line.count += 1;
      line.oldest = at;
    } else {
      lines.push({ key: key, day: day, entry: entry, count: 1, oldest: at });
    }
  });
  return lines;
}

// 「看護 花子（看護師・清須訪問看護ステーション）」, 「清須 一郎（子）」: names as written.
function whoOf(who) {
  const span = el("span", "access-who");
  const w = who || {};
  if (w.kind !== "professional" && w.kind !== "family") {
    span.textContent = pick("その他の担当者", "Someone else in charge");
    return span;
  }
  span.appendChild(asWritten(el("span", "access-name", w.name || "")));
  const about = [];
  if (w.kind === "professional") {
    const profession = PROFESSION[w.profession] || w.profession_ja;
    if (profession) about.push(el("span", null, profession));
    if (w.organization) about.push(asWritten(el("span", "access-org", w.organization)));
  } else {
    const relation = RELATION[w.relation] || w.relation_ja;
    if (relation) about.push(el("span", null, relation));
  }
  if (about.length) {
    span.append(pick("（", " ("));
    about.forEach((part, i) => {
      if (i) span.append(pick("・", ", "));
      span.appendChild(part);
    });
    span.append(pick("）", ")"));
  }
  return span;
}

function lineOf(line) {
  const a = line.entry;
  const item = el("li", "access-line");
  item.dataset.action = a.action;
  item.dataset.who = (a.who || {}).kind || "other";
  if (line.count > 1) item.dataset.count = String(line.count);
  item.append(el("span", "access-time", timeLabel(a.at)), pick("　", " "));
  const text = el("span", "access-text");
  text.appendChild(whoOf(a.who));
  const did = pick("が" + (a.action_ja || "記録を扱いました"), " " + (ACTION_EN[a.action] || "handled the record"));
  text.append(did);
  if (line.count > 1) text.appendChild(el("span", "access-count", pick("（" + line.count + "回）", " (" + line.count + " times)")));
  item.appendChild(text);
  return item;
}

function render() {
  const days = $("access-days");
  days.textContent = "";
  let list = null;
  let current = null;
  collapse(log.items).forEach((line) => {
    if (line.day !== current) {
      current = line.day;
      const day = el("div", "access-day");
      day.appendChild(el("h3", "access-day-title", dayLabel(line.entry.at)));
      list = el("ol", "access-list");
      day.appendChild(list);
      days.appendChild(day);
    }
    list.appendChild(lineOf(line));
  });
  $("access-more").hidden = !log.cursor;
  setText("access-more", pick("もっと見る", "Show more"));
}

// The first page again, or (`more`) the next one.
export async function loadAccess(more) {
  if (!state.me || log.loading) return;
  const patient = state.me.patient.id;
  log.loading = true;
  setText("access-status", pick("読み込んでいます…", "Loading…"));
  try {
    const cursor = more && log.cursor ? "&cursor=" + encodeURIComponent(log.cursor) : "";
    const page = await api.getJson(patientPath("/access-log?limit=" + PAGE + cursor));
    if (!state.me || state.me.patient.id !== patient) return;
    const before = log.items.length;
    log.items = more ? log.items.concat(page.items || []) : page.items || [];
    log.cursor = page.next_cursor || null;
    render();
    setText("access-status", log.items.length ? "" : pick("まだ記録はありません。", "Nothing yet."));
    // No more pages: the button goes, and the focus to the last line read.
    if (more && !log.cursor) {
      const lines = $("access-days").querySelectorAll(".access-line");
      const last = lines[lines.length - 1];
      if (last && log.items.length > before) { last.tabIndex = -1; last.focus(); }
    }
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("access-status", lines.join(" "));
  } finally {
    log.loading = false;
  }
}

export function resetAccess() {
  log.items = [];
  log.cursor = null;
  $("access-days").textContent = "";
  $("access-more").hidden = true;
  setText("access-status", "");
}
