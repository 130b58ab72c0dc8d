// The care client: projects (地域ケア会議・研修・部会).
import { ApiError, apiError, problemLines } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { asWritten, authorized, clearFieldErrors, draftKey, failure, getJson, placeErrors, PROFESSION, PROJECT_KIND, PROJECT_ROLE, setText, showLines, showOnly, state, timeOf, withOlder } from "./base.js";
import { pickers } from "./directory.js";
import { countedHere, loadCounted } from "./menu.js";

export function kindBadge(kind) {
  const k = PROJECT_KIND[kind] || { ja: kind, en: "" };
  return bilingual(el("span", "kind-badge kind-" + kind), k.ja, k.en);
}

export async function showProjects() {
  showOnly("projects-view");
  document.title = "プロジェクト | RainbowNet";
  renderProjects();
  await loadProjects();
}

export function loadProjects() {
  return loadCounted("projects", "projects-status", "参加しているプロジェクトはありません。", renderProjects);
}

export function renderProjects() {
  const list = $("project-list");
  list.textContent = "";
  state.projects.forEach((p) => {
    const item = el("li");
    const link = el("a", "patient-link project-link");
    link.href = "#/projects/" + enc(p.id);
    link.dataset.id = p.id;
    const main = el("span", "patient-main");
    main.append(kindBadge(p.kind), el("span", "patient-name project-name", p.name));
    const meta = ["メンバー " + p.members + "人"];
    if (p.last_post_at) meta.push("最新の投稿 " + timeOf(p.last_post_at));
    main.appendChild(el("span", "patient-meta", meta.join("・")));
    const badge = el("span", "unread");
    badge.append("未読 ", el("span", "unread-count", String(p.unread || 0)), "件");
    badge.hidden = !p.unread;
    link.append(main, badge);
    item.appendChild(link);
    list.appendChild(item);
  });
}

// The members chosen for a new project, each with a button to take them off again.
export function renderChosen() {
  const list = $("project-chosen");
  list.textContent = "";
  if (state.me) {
    const me = el("li", "chosen");
    me.append(el("span", "member-who", state.me.name + "（あなた・主催者）"));
    list.appendChild(me);
  }
  state.chosen.forEach((p) => {
    const item = el("li", "chosen");
    item.dataset.id = p.id;
    const who = el("span", "member-who");
    who.append(asWritten(el("strong", "member-name", p.name)), asWritten(el("span", "member-org", p.organization)));
    const remove = el("button", "secondary danger small");
    remove.type = "button";
    remove.dataset.unchoose = p.id;
    bilingual(remove, "外す", "Remove");
    remove.setAttribute("aria-label", p.name + " を外す");
    item.append(who, remove);
    list.appendChild(item);
  });
  if (pickers.project) pickers.project.render();
}

export function resetProjectForm() {
  $("project-form").reset();
  state.chosen = new Map();
  clearFieldErrors($("project-form"));
  showLines("project-errors", []);
  $("project-chosen").textContent = "";
}

export const PROJECT_FIELDS = { "#/kind": "project-kind", "#/name": "project-name", "#/description": "project-description", "#/members": "project-search" };

export async function createProject(event) {
  event.preventDefault();
  const form = $("project-form");
  clearFieldErrors(form);
  showLines("project-errors", []);
  const input = {
    kind: $("project-kind").value,
    name: $("project-name").value.trim(),
    description: $("project-description").value.trim(),
    members: Array.from(state.chosen.keys()),
  };
  const find = (pointer) => {
    const id = PROJECT_FIELDS[pointer];
    if (!id) return null;
    const line = pointer === "#/members" ? $("project-members-error") : $(id + "-error");
    return { line: line, input: $(id) };
  };
  if (!input.name) {
    placeErrors({ errors: [{ pointer: "#/name", detail_ja: "名称を入力してください。" }], lines: [] }, find, $("project-errors"));
    return;
  }
  $("project-create").disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/care/projects", { json: input });
    if (!resp.ok) throw await apiError(resp);
    const project = await resp.json();
    resetProjectForm();
    $("project-new").open = false;
    location.hash = "#/projects/" + enc(project.id);
  } catch (e) {
    if (e instanceof ApiError) placeErrors(e, find, $("project-errors"));
    else {
      const lines = failure(e);
      if (lines) showLines("project-errors", lines);
    }
  } finally {
    $("project-create").disabled = false;
  }
}

export function resetProject(id) {
  state.projectId = id;
  state.project = null;
  state.projectPosts = [];
  state.projectCursor = null;
  state.projectDraft = null;
  $("project-post-form").reset();
  showLines("project-post-errors", []);
  ["project-title", "project-info", "project-status", "project-timeline-status", "project-post-status"].forEach((i) => setText(i, ""));
  ["project-kind-badge", "project-timeline", "project-members", "project-member-status"].forEach((i) => { $(i).textContent = ""; });
  $("project-more").hidden = true;
  if (pickers.projectMember) pickers.projectMember.reset();
}

export function currentProject(id) {
  return state.projectId === id;
}

export async function openProject(id) {
  showOnly("project-view");
  if (state.projectId !== id) resetProject(id);
  // Reading the posts marks the project read: both before the badges are counted again.
  await Promise.all([loadProject(id), loadProjectPosts(false)]);
}

export async function loadProject(id) {
  setText("project-status", "読み込んでいます…");
  try {
    const project = await getJson("/api/v1/care/projects/" + enc(id));
    if (!currentProject(id)) return;
    state.project = project;
    renderProject();
    setText("project-status", "");
  } catch (e) {
    if (!currentProject(id)) return;
    const lines = failure(e);
    if (lines) setText("project-status", lines.join(" / "));
  }
}

export function myProjectRole() {
  const me = state.project && state.me && state.project.members.find((m) => m.id === state.me.id);
  return me ? me.role : null;
}

export function renderProject() {
  const p = state.project;
  document.title = p.name + " | RainbowNet";
  const badge = $("project-kind-badge");
  badge.textContent = "";
  badge.appendChild(kindBadge(p.kind));
  setText("project-title", p.name);
  setText("project-info", p.description);
  $("project-info").hidden = !p.description;
  bilingual($("project-members-title"), "メンバー（" + p.members.length + "人）", "Members");
  const list = $("project-members");
  list.textContent = "";
  const mine = myProjectRole();
  p.members.forEach((m) => {
    const item = el("li", "member");
    item.dataset.id = m.id;
    const who = el("div", "member-who");
    who.appendChild(el("strong", "member-name", m.name));
    const self = state.me && m.id === state.me.id;
    if (self) who.appendChild(el("span", "me-badge", "あなた"));
    const role = PROJECT_ROLE[m.role] || { ja: m.role, en: "" };
    who.appendChild(el("span", "member-role", role.ja + "・" + (PROFESSION[m.profession] || m.profession)));
    who.appendChild(asWritten(el("span", "member-org", m.organization)));
    item.appendChild(who);
    // The owner removes others; a member may leave. The owner stays.
    if ((self && m.role !== "owner") || (!self && mine === "owner")) {
      const remove = el("button", "secondary danger small");
      remove.type = "button";
      remove.dataset.remove = m.id;
      if (self) bilingual(remove, "プロジェクトを抜ける", "Leave");
      else bilingual(remove, "外す", "Remove");
      item.appendChild(remove);
    }
    list.appendChild(item);
  });
  if (pickers.projectMember) pickers.projectMember.render();
}

export async function loadProjectPosts(more) {
  const id = state.projectId;
  const path = "/api/v1/care/projects/" + enc(id) + "/posts?limit=20" + (more && state.projectCursor ? "&cursor=" + enc(state.projectCursor) : "");
  setText("project-timeline-status", "読み込んでいます…");
  $("project-more").disabled = true;
  try {
    const page = await getJson(path);
    if (!currentProject(id)) return;
    const items = page.items || [];
    if (more) {
      state.projectPosts = withOlder(state.projectPosts, items);
    } else {
      state.projectPosts = items;
    }
    state.projectCursor = page.next_cursor || null;
    renderProjectPosts();
    setText("project-timeline-status", state.projectPosts.length ? "" : "まだ投稿はありません。");
    // Read now: this project no longer counts as unread.
    const summary = state.projects.find((p) => p.id === id);
    if (summary && summary.unread) { summary.unread = 0; countedHere("projects", state.projects); }
  } catch (e) {
    if (!currentProject(id)) return;
    const lines = failure(e);
    if (lines) setText("project-timeline-status", lines.join(" / "));
  } finally {
    $("project-more").disabled = false;
  }
}

export function projectPostCard(post) {
  const card = el("article", "post project-post");
  card.dataset.id = post.id;
  const head = el("header", "post-head");
  const who = el("span", "post-author");
  who.append(asWritten(el("strong", null, post.author_name)), " ", asWritten(el("span", "org", post.author_organization)));
  const when = el("time", "post-time", timeOf(post.created_at));
  when.dateTime = post.created_at;
  head.append(who, when);
  card.append(head, asWritten(el("div", "post-body", post.body)));
  return card;
}

export function renderProjectPosts() {
  const box = $("project-timeline");
  box.textContent = "";
  state.projectPosts.forEach((p) => box.appendChild(projectPostCard(p)));
  $("project-more").hidden = !state.projectCursor;
}

export async function submitProjectPost(event) {
  event.preventDefault();
  const id = state.projectId;
  const body = $("project-post-body").value;
  if (!body.trim()) {
    showLines("project-post-errors", ["本文を入力してください。"]);
    $("project-post-body").focus();
    return;
  }
  showLines("project-post-errors", []);
  setText("project-post-status", "送信しています…");
  draftKey("projectDraft", id, body);
  $("project-post-submit").disabled = true;
  try {
    const resp = await authorized("POST", "/api/v1/care/projects/" + enc(id) + "/posts", {
      json: { body: body }, headers: { "idempotency-key": state.projectDraft.key },
    });
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    const post = await resp.json();
    if (!currentProject(id)) return;
    state.projectDraft = null;
    $("project-post-body").value = "";
    if (!state.projectPosts.some((p) => p.id === post.id)) {
      state.projectPosts.unshift(post);
      $("project-timeline").prepend(projectPostCard(post));
    }
    setText("project-timeline-status", "");
    setText("project-post-status", "投稿しました。");
  } catch (e) {
    if (!currentProject(id)) return;
    setText("project-post-status", "");
    const lines = failure(e);
    if (lines) showLines("project-post-errors", e instanceof TypeError
      ? ["送信できませんでした。もう一度「投稿する」を押してください（二重には投稿されません）。"]
      : lines);
  } finally {
    $("project-post-submit").disabled = false;
  }
}

export async function addProjectMember(entry) {
  const id = state.projectId;
  try {
    const resp = await authorized("POST", "/api/v1/care/projects/" + enc(id) + "/members", { json: { professional_id: entry.id } });
    if (!resp.ok) throw await apiError(resp);
    const project = await resp.json();
    if (!currentProject(id)) return;
    state.project = project;
    renderProject();
    pickers.projectMember.reset();
    showLines("project-member-status", [entry.name + " さんを追加しました。"], true);
  } catch (e) {
    const lines = failure(e);
    if (lines && currentProject(id)) showLines("project-member-status", lines, false);
  }
}

export async function onProjectMemberClick(event) {
  const button = event.target.closest("button[data-remove]");
  if (!button || !state.project) return;
  const id = state.projectId;
  const member = state.project.members.find((m) => m.id === button.dataset.remove);
  if (!member) return;
  const self = state.me && member.id === state.me.id;
  const question = self
    ? "「" + state.project.name + "」から抜けると、投稿を読めなくなります。よろしいですか？"
    : member.name + " さんをプロジェクトから外します。よろしいですか？";
  if (!window.confirm(question)) return;
  button.disabled = true;
  try {
    const resp = await authorized("DELETE", "/api/v1/care/projects/" + enc(id) + "/members/" + enc(member.id));
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    if (self) { resetProject(null); location.hash = "#/projects"; return; }
    showLines("project-member-status", [member.name + " さんを外しました。"], true);
    await loadProject(id);
  } catch (e) {
    const lines = failure(e);
    if (lines && currentProject(id)) showLines("project-member-status", lines, false);
  } finally {
    button.disabled = false;
  }
}
