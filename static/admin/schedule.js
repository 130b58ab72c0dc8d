// The administration page: the schedule picker: rows of 毎週 (weekdays) or 毎月 (第N/最終
// weekday), with times. It writes the resource's `schedule` rules
// (functions/core/src/resources/schedule.rs).
import { $, el } from "../lib/dom.js";

const DAYS = [["mon", "月"], ["tue", "火"], ["wed", "水"], ["thu", "木"], ["fri", "金"], ["sat", "土"], ["sun", "日"]];
const WEEKS = [["1", "第1"], ["2", "第2"], ["3", "第3"], ["4", "第4"], ["5", "第5"], ["-1", "最終"]];
let scheduleSeq = 0;
let controlSeq = 0;

// A control with its label beside it (for=id: the label's name is its text alone).
function labelled(text, control) {
  const box = el("span", "inline");
  control.id = control.id || "schedule-control-" + (++controlSeq);
  const label = el("label", null, text);
  label.htmlFor = control.id;
  box.append(label, control);
  return box;
}

function selectOf(options, value) {
  const select = el("select");
  for (const [code, text] of options) select.appendChild(Object.assign(el("option", null, text), { value: code }));
  if (value !== undefined) select.value = String(value);
  return select;
}

function timeInput(value) {
  const input = el("input");
  input.type = "time";
  input.value = value || "";
  return input;
}

// As the portal writes it (functions/core/src/resources/schedule.rs describe_ja):
// 「月曜〜水曜・金曜」, three or more days in a row as a span.
function weekdayRuns(days) {
  const order = DAYS.map((d) => d[0]);
  const idx = [...new Set(days.map((d) => order.indexOf(d)).filter((i) => i >= 0))].sort((a, b) => a - b);
  const name = (i) => DAYS[i][1] + "曜";
  const parts = [];
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    if (j - i >= 2) parts.push(name(idx[i]) + "〜" + name(idx[j]));
    else for (let k = i; k <= j; k++) parts.push(name(idx[k]));
    i = j + 1;
  }
  return parts.join("・");
}

function scheduleText(rule) {
  const day = (code) => (DAYS.find((x) => x[0] === code) || [code, code])[1];
  const times = (rule.start || "--:--") + "〜" + (rule.end || "--:--");
  if (rule.freq === "weekly") {
    if (!rule.days.length) return "毎週 （曜日を選んでください） " + times;
    return (rule.days.length === 7 ? "毎日" : "毎週 " + weekdayRuns(rule.days)) + " " + times;
  }
  const week = WEEKS.find((w) => w[0] === String(rule.week));
  return "毎月 " + (week ? week[1] : "") + day(rule.day) + "曜 " + times;
}

function scheduleRow(rule) {
  const n = ++scheduleSeq;
  const row = el("li", "schedule-row");
  const freq = selectOf([["weekly", "毎週"], ["monthly", "毎月"]], rule.freq || "weekly");
  const days = el("fieldset", "days");
  days.appendChild(el("legend", null, "曜日"));
  for (const [code, name] of DAYS) {
    const box = el("input");
    box.type = "checkbox";
    box.value = code;
    box.id = "schedule-" + n + "-" + code;
    box.checked = (rule.days || []).includes(code);
    const label = el("label", "day", name);
    label.htmlFor = box.id;
    days.append(box, label);
  }
  const week = selectOf(WEEKS, rule.week !== undefined ? rule.week : 1);
  const day = selectOf(DAYS.map(([code, name]) => [code, name + "曜"]), rule.day || "mon");
  const monthly = el("p", "monthly");
  monthly.append(labelled("週", week), labelled("曜日", day));
  const start = timeInput(rule.start);
  const end = timeInput(rule.end);
  const times = el("p", "times");
  times.append(labelled("開始", start), labelled("終了", end));
  const preview = el("p", "schedule-preview");
  preview.setAttribute("aria-live", "polite");
  const remove = el("button", "secondary small", "この日時を削除");
  remove.type = "button";
  remove.addEventListener("click", () => row.remove());
  row.append(labelled("くり返し", freq), days, monthly, times, preview, remove);
  row.ruleOf = () => {
    const base = { freq: freq.value, start: start.value, end: end.value };
    if (freq.value === "weekly") {
      base.days = [...days.querySelectorAll("input")].filter((b) => b.checked).map((b) => b.value);
    } else {
      base.week = Number(week.value);
      base.day = day.value;
    }
    return base;
  };
  const refresh = () => {
    days.hidden = freq.value !== "weekly";
    monthly.hidden = freq.value === "weekly";
    preview.textContent = scheduleText(row.ruleOf());
  };
  row.addEventListener("change", refresh);
  row.addEventListener("input", refresh);
  refresh();
  return row;
}

export function scheduleRows(rules) {
  const list = $("schedule-rows");
  list.textContent = "";
  for (const rule of rules) list.appendChild(scheduleRow(rule));
}

export const scheduleValue = () => [...$("schedule-rows").children].map((row) => row.ruleOf());

export function addScheduleRow() {
  const row = scheduleRow({ freq: "weekly", days: [], start: "10:00", end: "11:30" });
  $("schedule-rows").appendChild(row);
  row.querySelector("select").focus();
}
