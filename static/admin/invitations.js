// The administration page: inviting staff, and the invitations sent.
import { ApiError } from "../lib/api.js";
import { $, bilingual, el } from "../lib/dom.js";
import { pick, say } from "../lib/i18n.js";
import { loadList } from "../lib/list.js";
import { api, dateTime, getList, hasRole, PROFESSION, ROLE, show, SIGNED_OUT } from "./base.js";

function clearFieldErrors(form) {
  for (const p of form.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
}

const INVITE_FIELDS = {
  "#/email": "invite-email", "#/name": "invite-name", "#/profession": "invite-profession",
  "#/roles": "invite-roles", "#/organization_id": "invite-organization",
};

// Each field error under its field; the rest (and a summary) in the box.
function showInviteProblem(status, problem) {
  const form = $("invite-form");
  const rest = [];
  let first = null;
  let placed = 0;
  for (const e of problem.errors || []) {
    const id = INVITE_FIELDS[e.pointer];
    const line = id && $(id + "-error");
    if (!line) { rest.push((e.pointer || "").replace("#/", "") + "：" + (pick(e.detail_ja, e.detail))); continue; }
    line.textContent = pick(e.detail_ja, e.detail);
    line.hidden = false;
    const input = id === "invite-roles" ? form.querySelector("input[name=roles]") : $(id);
    input.setAttribute("aria-invalid", "true");
    first = first || input;
    placed += 1;
  }
  if (!(problem.errors || []).length) {
    rest.push(status === 403
      ? "この権限では招待できません（事業所の管理者は専門職・事業所の管理者を、市町の権限は市町の組織でのみ付けられます）。"
      : (pick(problem.detail_ja, problem.detail) || problem.title || "HTTP " + status));
  }
  if (placed) rest.unshift("入力内容を確認してください（" + placed + "項目）。");
  show("invite-errors", rest, false);
  if (first) first.focus();
}

export async function invite(event) {
  event.preventDefault();
  const form = $("invite-form");
  clearFieldErrors(form);
  $("invite-errors").hidden = true;
  const body = {
    email: $("invite-email").value.trim(),
    name: $("invite-name").value.trim(),
    profession: $("invite-profession").value,
    roles: [...form.querySelectorAll("input[name=roles]:checked")].map((b) => b.value),
  };
  const org = $("invite-organization").value.trim();
  if (org && hasRole("sysadmin")) body.organization_id = org;
  $("invite-submit").disabled = true;
  try {
    const res = await api("POST", "/api/v1/auth/invitations", { body: JSON.stringify(body) });
    if (!res.ok) { showInviteProblem(res.status, res.json || {}); return; }
    const inv = res.json;
    form.reset();
    $("invite-result-who").textContent = inv.name;
    $("invite-url").value = inv.accept_url;
    $("invite-copy-status").textContent = "";
    $("invite-expires").textContent = "有効期限 " + dateTime(inv.expires_at) + "（" + inv.email + "）";
    $("invite-result").hidden = false;
    $("invite-url").focus();
    $("invite-url").select();
    loadInvitations();
  } catch (e) {
    if (e !== SIGNED_OUT) show("invite-errors", ["送信できませんでした。通信状態を確認してください。"], false);
  } finally {
    $("invite-submit").disabled = false;
  }
}

export async function copyInviteUrl() {
  const input = $("invite-url");
  const fallback = () => {
    input.focus();
    input.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    $("invite-copy-status").textContent = say(ok ? "コピーしました。" : "URLを選択しました。長押しまたは Ctrl+C でコピーしてください。");
  };
  if (!navigator.clipboard || !navigator.clipboard.writeText) { fallback(); return; }
  try {
    await navigator.clipboard.writeText(input.value);
    $("invite-copy-status").textContent = say("コピーしました。");
  } catch (e) {
    fallback();
  }
}

function invitationState(inv) {
  if (inv.accepted_at) return { code: "accepted", text: "登録済み（" + dateTime(inv.accepted_at) + "）", en: "Accepted" };
  if (Date.parse(inv.expires_at) < Date.now()) return { code: "expired", text: "期限切れ（" + dateTime(inv.expires_at) + "）", en: "Expired" };
  return { code: "pending", text: "招待中（期限 " + dateTime(inv.expires_at) + "）", en: "Pending" };
}

export function loadInvitations() {
  const status = $("invitations-status");
  return loadList({
    show: (line) => { status.textContent = line; },
    loading: say("読み込んでいます…"),
    fetch: () => getList("/api/v1/auth/invitations"),
    render: (items) => {
      const list = $("invitation-list");
      list.textContent = "";
      for (const inv of items) list.appendChild(invitationItem(inv));
    },
    empty: say("まだ招待はありません。"),
    failed: (e) => (e instanceof ApiError ? e.lines.join(" ") : e === SIGNED_OUT ? "" : say("読み込めませんでした。")),
  });
}

function invitationItem(inv) {
  const item = el("li", "invitation");
  item.dataset.id = inv.id;
  const st = invitationState(inv);
  item.dataset.state = st.code;
  const head = el("p", "invitation-head");
  head.append(el("strong", null, inv.name), " ", el("span", "muted", inv.email));
  const badge = bilingual(el("span", "state state-" + st.code), st.text, st.en);
  item.append(head, el("p", "invitation-meta",
    (PROFESSION[inv.profession] || inv.profession) + "・" + (inv.roles || []).map((r) => ROLE[r] || r).join("・")), badge);
  return item;
}
