// Dates and times as people in Japan read them: always Japan time, whatever the device is
// set to (reports go to the town hall; a phone abroad must not shift a visit by a day).
export const JST = "Asia/Tokyo";

const FORMS = {
  short: { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" },
  minute: { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" },
  second: { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" },
};

// An instant (ISO 8601 text or milliseconds) in Japan time. form: "short" (month, day,
// time), "auto" (short, with the year when it is not this year), "minute" or "second"
// (with the year). `empty`: what no time reads as ("" unless given).
export function japanTime(when, form, empty) {
  if (when === null || when === undefined || when === "") return empty === undefined ? "" : empty;
  const date = new Date(when);
  if (isNaN(date)) return String(when);
  const parts = Object.assign({ timeZone: JST }, FORMS[form === "auto" ? "short" : form || "short"]);
  if (form === "auto" && date.getFullYear() !== new Date().getFullYear()) parts.year = "numeric";
  return date.toLocaleString("ja-JP", parts);
}

// Today's date in Japan as [year, month, day].
export function todayJst() {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: JST, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
  return parts.split("-").map(Number);
}

// The age today of someone born on `birth` (YYYY-MM-DD), or null.
export function ageOf(birth) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birth || "");
  if (!m) return null;
  const [y, mo, d] = todayJst();
  let age = y - Number(m[1]);
  if (mo < Number(m[2]) || (mo === Number(m[2]) && d < Number(m[3]))) age -= 1;
  return age;
}

// 1945-05-01 → 1945年5月1日（昭和20年）
const ERAS = [["令和", "2019-05-01"], ["平成", "1989-01-08"], ["昭和", "1926-12-25"], ["大正", "1912-07-30"], ["明治", "1868-01-25"]];
export function dateJa(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  if (!m) return iso || "";
  const text = Number(m[1]) + "年" + Number(m[2]) + "月" + Number(m[3]) + "日";
  const era = ERAS.find((e) => iso.slice(0, 10) >= e[1]);
  if (!era) return text;
  const year = Number(m[1]) - Number(era[1].slice(0, 4)) + 1;
  return text + "（" + era[0] + (year === 1 ? "元" : year) + "年）";
}
