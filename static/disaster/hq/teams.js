// The HQ screen: support teams (town staff): members found in the care network's
// directory, and the districts each team checks.
import { ApiError, problemLines } from "../../lib/api.js";
import { $, enc } from "../../lib/dom.js";
import { loadList } from "../../lib/list.js";
import { authorized, showDeclareResult, SIGNED_OUT, state } from "./base.js";

function listOf(text) {
  return text.split(/[\s,、，]+/).filter(Boolean);
}

// Team members are found in the care network's directory (same origin, same token) by
// name or organization; nobody types an id.
const chosen = new Map();

function personLabel(p) {
  return p.name + "（" + p.organization + "）";
}

function renderChosen() {
  const list = $("team-chosen");
  list.replaceChildren();
  chosen.forEach((person, id) => {
    const item = document.createElement("li");
    item.append(personLabel(person) + " ");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "外す";
    remove.setAttribute("aria-label", person.name + " を外す");
    remove.addEventListener("click", () => { chosen.delete(id); renderChosen(); });
    item.append(remove);
    list.append(item);
  });
}

export async function searchMembers() {
  const q = $("team-search").value.trim();
  const list = $("team-search-results");
  list.replaceChildren();
  if (!q) return;
  await loadList({
    show: (line) => {
      if (!line) return;
      const none = document.createElement("li");
      none.textContent = line;
      list.append(none);
    },
    fetch: async () => {
      const resp = await authorized("GET", "/api/v1/care/professionals?q=" + enc(q));
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      return resp.json();
    },
    render: (found) => found.forEach((person) => {
      const item = document.createElement("li");
      const add = document.createElement("button");
      add.type = "button";
      add.className = "pick";
      add.textContent = "＋ " + personLabel(person);
      add.addEventListener("click", () => { chosen.set(person.id, person); renderChosen(); });
      item.append(add);
      list.append(item);
    }),
    empty: "見つかりませんでした。 No one found.",
    failed: (e) => {
      if (e instanceof ApiError) showDeclareResult(e.lines, false, "team-result");
      else if (e !== SIGNED_OUT) showDeclareResult(["検索できませんでした。通信状態を確認してください。"], false, "team-result");
      return null;
    },
  });
}

export async function createTeam(event) {
  event.preventDefault();
  const town = state.me && state.me.organization && state.me.organization.municipality_code;
  const body = { municipality_code: town, name: $("team-name").value.trim(), members: Array.from(chosen.keys()) };
  if (body.members.length === 0) {
    showDeclareResult(["メンバーを1人以上選んでください。 Choose at least one member."], false, "team-result");
    return;
  }
  try {
    const resp = await authorized("POST", "/api/v1/disaster/teams", body);
    if (!resp.ok) { showDeclareResult(await problemLines(resp), false, "team-result"); return; }
    const team = await resp.json();
    const lines = ["登録しました：" + team.name];
    let ok = true;
    for (const district of listOf($("team-districts").value)) {
      const assigned = await authorized("POST", "/api/v1/disaster/teams/" + enc(team.id) + "/assignments", { district_code: district });
      if (assigned.ok) lines.push("地区 " + district + " を担当");
      else { ok = false; lines.push("地区 " + district + "：" + (await problemLines(assigned)).join(" ")); }
    }
    showDeclareResult(lines, ok, "team-result");
    chosen.clear();
    renderChosen();
  } catch (e) {
    if (e !== SIGNED_OUT) showDeclareResult(["送信できませんでした。通信状態を確認してください。"], false, "team-result");
  }
}
