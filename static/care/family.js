// The care client: the patient's family (issue #34), the 家族 tab. The team invites the
// patient themself or a family member (POST …/family-invitations): the answer carries the
// one-time code as a URL and a QR code, shown once, with a copy button and a print view
// (the QR large, for whom, how to join). The invitations are listed with their state
// (未使用・参加済み・期限切れ・取り消し); an unused one can be revoked at once.
//
// The QR code is the server's SVG markup. It holds no text (the URL is drawn as squares),
// and it is still never put in the page as markup: it is parsed as image/svg+xml and
// rebuilt element by element, keeping only the <rect> and <path> a QR code is made of.
import { apiError } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";
import { terms } from "../lib/vocabulary.js";
import {
  asWritten, authorized, clearFieldErrors, current, failure, getJson, placeErrors, RELATION, setText, showBox, state, svg, timeOf,
} from "./base.js";

const KEPT = { rect: ["x", "y", "width", "height", "fill"], path: ["d", "fill"] };

// The server's QR code (SVG text) as a new <svg> element, or null when it is not one.
export function qrElement(markup, label) {
  if (typeof markup !== "string" || !markup) return null;
  const doc = new DOMParser().parseFromString(markup, "image/svg+xml");
  const source = doc.documentElement;
  if (!source || source.localName !== "svg" || doc.getElementsByTagName("parsererror").length) return null;
  const viewBox = source.getAttribute("viewBox");
  if (!/^[\d.\s]+$/.test(viewBox || "")) return null;
  const out = svg("svg", { viewBox: viewBox, "shape-rendering": "crispEdges", role: "img", class: "qr-code" });
  out.setAttribute("aria-label", label);
  Array.from(source.children).forEach((child) => {
    const keep = KEPT[child.localName];
    if (!keep) return;
    const attrs = {};
    keep.forEach((name) => { if (child.hasAttribute(name)) attrs[name] = child.getAttribute(name); });
    // Colours as the server gave them, only when they are plain colours.
    if (attrs.fill && !/^#[0-9a-fA-F]{3,8}$/.test(attrs.fill)) delete attrs.fill;
    out.appendChild(svg(child.localName, attrs));
  });
  return out.childNodes.length ? out : null;
}

// 「12月10日（木）15時04分まで」 in Japan time.
export function expiryJa(iso) {
  const date = new Date(iso);
  if (isNaN(date)) return String(iso || "");
  const parts = new Intl.DateTimeFormat("ja-JP", {
    timeZone: "Asia/Tokyo", year: "numeric", month: "numeric", day: "numeric", weekday: "short", hour: "numeric", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date);
  const v = (t) => (parts.find((p) => p.type === t) || {}).value || "";
  return pick(
    v("year") + "年" + v("month") + "月" + v("day") + "日（" + v("weekday") + "）" + Number(v("hour")) + "時" + v("minute") + "分まで",
    "until " + date.toLocaleString("en-GB", { timeZone: "Asia/Tokyo", weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" }),
  );
}

// The relations as the server lists them (static/lang/vocabulary.js), for the form.
export function setUpFamily() {
  const select = $("family-relation");
  select.textContent = "";
  terms("relations").forEach((t) => {
    const option = el("option", null, t.ja);
    option.value = t.code;
    select.appendChild(option);
  });
  select.value = "child";
}

export function resetFamily() {
  state.invitations = [];
  state.madeInvitation = null;
  $("family-form").reset();
  if ($("family-relation").options.length) $("family-relation").value = "child";
  clearFieldErrors($("family-form"));
  showBox($("family-errors"), []);
  $("family-result").hidden = true;
  $("family-qr").textContent = "";
  $("family-url").value = "";
  ["family-result-name", "family-copy-status", "family-expires", "family-status"].forEach((i) => setText(i, ""));
  $("family-list").textContent = "";
  clearPrint();
}

export async function loadFamily() {
  const id = state.patientId;
  setText("family-status", "読み込んでいます…");
  try {
    const json = await getJson("/api/v1/patients/" + enc(id) + "/family-invitations");
    if (!current(id)) return;
    state.invitations = json.items || [];
    renderInvitations();
    setText("family-status", state.invitations.length ? "" : "まだ招待していません。");
  } catch (e) {
    if (!current(id)) return;
    const lines = failure(e);
    if (lines) setText("family-status", lines.join(" / "));
  }
}

// → { code, ja, en }: what became of an invitation.
export function invitationState(inv) {
  if (inv.used_at) return { code: "used", ja: "参加済み", en: "Joined" };
  if (inv.revoked_at) return { code: "revoked", ja: "取り消し", en: "Withdrawn" };
  if (Date.parse(inv.expires_at) <= Date.now()) return { code: "expired", ja: "期限切れ", en: "Expired" };
  return { code: "open", ja: "未使用", en: "Not used yet" };
}

export function renderInvitations() {
  const list = $("family-list");
  list.textContent = "";
  state.invitations.forEach((inv) => {
    const st = invitationState(inv);
    const item = el("li", "member invitation");
    item.dataset.id = inv.id;
    item.dataset.state = st.code;
    const who = el("div", "member-who");
    const head = el("span", "invitation-head");
    const name = asWritten(el("strong", "member-name", inv.name));
    name.id = "invitation-" + inv.id;
    head.append(name, " ", el("span", "member-role", RELATION[inv.relation] || inv.relation));
    who.appendChild(head);
    who.appendChild(bilingual(el("span", "state-badge state-" + st.code), st.ja, st.en));
    const dates = [pick("作成 ", "made ") + timeOf(inv.created_at)];
    if (st.code === "used") dates.push(pick("参加 ", "joined ") + timeOf(inv.used_at));
    else if (st.code === "revoked") dates.push(pick("取り消し ", "withdrawn ") + timeOf(inv.revoked_at));
    else dates.push(pick("期限 ", "expires ") + timeOf(inv.expires_at));
    who.appendChild(el("span", "member-org", dates.join(pick("・", " · "))));
    item.appendChild(who);
    if (st.code === "open") {
      const revoke = el("button", "secondary danger small");
      revoke.type = "button";
      revoke.dataset.revoke = inv.id;
      bilingual(revoke, "取り消す", "Withdraw");
      // Whose invitation, for a screen reader listing the buttons alone (the name as written).
      revoke.setAttribute("aria-describedby", name.id);
      item.appendChild(revoke);
    }
    list.appendChild(item);
  });
}

export async function inviteFamily(event) {
  event.preventDefault();
  const form = $("family-form");
  const id = state.patientId;
  clearFieldErrors(form);
  showBox($("family-errors"), []);
  const input = { name: $("family-name").value.trim(), relation: $("family-relation").value };
  if (!input.name) {
    placeErrors({ errors: [{ pointer: "#/name", detail: "Enter the name.", detail_ja: "お名前を入力してください。" }], lines: [] }, fieldOf, $("family-errors"));
    return;
  }
  $("family-submit").disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/family-invitations", { json: input });
    if (!resp.ok) throw await apiError(resp);
    const made = await resp.json();
    if (!current(id)) return;
    form.reset();
    $("family-relation").value = "child";
    state.madeInvitation = made;
    showInvitation(made);
    state.invitations = [made].concat(state.invitations.filter((i) => i.id !== made.id));
    renderInvitations();
    setText("family-status", "");
  } catch (e) {
    if (!current(id)) return;
    if (e.errors && e.errors.length) placeErrors(e, fieldOf, $("family-errors"));
    else {
      const lines = failure(e);
      if (lines) showBox($("family-errors"), lines, false);
    }
  } finally {
    $("family-submit").disabled = false;
  }
}

function fieldOf(pointer) {
  const field = { "#/name": "family-name", "#/relation": "family-relation" }[pointer];
  return field ? { line: $(field + "-error"), input: $(field) } : null;
}

// The invitation just made: the QR, the URL to copy, until when, and the print view.
export function showInvitation(inv) {
  $("family-result-name").textContent = inv.name;
  const box = $("family-qr");
  box.textContent = "";
  const qr = qrElement(inv.qr_svg, say("参加用のQRコード"));
  if (qr) box.appendChild(qr);
  else box.appendChild(el("p", "muted", "QRコードを表示できません。URLを伝えてください。"));
  $("family-url").value = inv.url || "";
  setText("family-copy-status", "");
  setText("family-expires", "有効期限：" + expiryJa(inv.expires_at));
  $("family-result").hidden = false;
  $("family-result-title").focus();
  fillPrint(inv);
}

export async function copyFamilyUrl() {
  const input = $("family-url");
  const fallback = () => {
    input.focus();
    input.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    setText("family-copy-status", ok ? "コピーしました。" : "URLを選択しました。長押しまたは Ctrl+C でコピーしてください。");
  };
  if (!navigator.clipboard || !navigator.clipboard.writeText) { fallback(); return; }
  try {
    await navigator.clipboard.writeText(input.value);
    setText("family-copy-status", "コピーしました。");
  } catch (e) {
    fallback();
  }
}

// The sheet printed for the family (outside <main>; print.css shows it alone while
// body.printing-invitation is set, from the print button until the print dialog closes).
function fillPrint(inv) {
  const patient = state.patient ? state.patient.name : "";
  setText("print-title", patient + " さんの記録への招待");
  setText("print-to", inv.name + " さま（" + (RELATION[inv.relation] || inv.relation) + "）");
  const box = $("print-qr");
  box.textContent = "";
  const qr = qrElement(inv.qr_svg, say("参加用のQRコード"));
  if (qr) box.appendChild(qr);
  setText("print-expires", "有効期限：" + expiryJa(inv.expires_at));
  $("print-url").textContent = inv.url || "";
}

function clearPrint() {
  ["print-title", "print-to", "print-expires"].forEach((i) => setText(i, ""));
  $("print-qr").textContent = "";
  $("print-url").textContent = "";
  document.body.classList.remove("printing-invitation");
}

export function printInvitation() {
  if (!state.madeInvitation) return;
  document.body.classList.add("printing-invitation");
  window.print();
}

export function afterPrint() {
  document.body.classList.remove("printing-invitation");
}

export async function onFamilyClick(event) {
  const button = event.target.closest("button[data-revoke]");
  if (!button) return;
  const id = state.patientId;
  const inv = state.invitations.find((i) => i.id === button.dataset.revoke);
  if (!inv) return;
  if (!window.confirm(say(inv.name + " さんへの招待を取り消します。このQRコードとURLでは参加できなくなります。よろしいですか？"))) return;
  button.disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/family-invitations/" + enc(inv.id) + "/revoke");
    if (!resp.ok) throw await apiError(resp);
    if (!current(id)) return;
    if (state.madeInvitation && state.madeInvitation.id === inv.id) {
      state.madeInvitation = null;
      $("family-result").hidden = true;
      clearPrint();
    }
    await loadFamily();
    setText("family-status", inv.name + " さんへの招待を取り消しました。");
    const title = $("family-list-title");
    if (title) title.focus();
  } catch (e) {
    button.disabled = false;
    const lines = failure(e);
    if (lines && current(id)) setText("family-status", lines.join(" / "));
  }
}
