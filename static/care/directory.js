// The care client: the directory: choosing a colleague by name or organization.
import { bilingual, el, enc } from "../lib/dom.js";
import { say } from "../lib/i18n.js";
import { asWritten, failure, getJson, PROFESSION, state } from "./base.js";

export const pickers = {};

// A search box (.picker: input[type=search], .picker-go, .picker-status, .picker-results);
// each result has a button that calls onPick(entry). taken(): the ids already chosen.
export function picker(root, options) {
  const input = root.querySelector("input[type=search]");
  const go = root.querySelector(".picker-go");
  const status = root.querySelector(".picker-status");
  const results = root.querySelector(".picker-results");
  let timer = null;
  let seq = 0;
  let items = [];

  function render() {
    results.textContent = "";
    const taken = options.taken ? options.taken() : new Set();
    items.forEach((p) => {
      const item = el("li", "picker-item");
      item.dataset.id = p.id;
      const who = el("span", "member-who");
      who.append(asWritten(el("strong", "member-name", p.name)), el("span", "member-role", PROFESSION[p.profession] || p.profession),
        asWritten(el("span", "member-org", p.organization)));
      const button = el("button", "small picker-choose");
      button.type = "button";
      button.dataset.id = p.id;
      const self = state.me && p.id === state.me.id;
      if (self || taken.has(p.id)) {
        button.disabled = true;
        button.classList.add("secondary", "done");
        if (self) bilingual(button, "あなた", "You");
        else bilingual(button, options.takenLabel[0], options.takenLabel[1]);
      } else {
        bilingual(button, options.action[0], options.action[1]);
        button.setAttribute("aria-label", options.action[0] + "：" + p.name + "（" + p.organization + "）");
      }
      item.append(who, button);
      results.appendChild(item);
    });
  }

  async function search() {
    clearTimeout(timer);
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { items = []; render(); status.textContent = ""; return; }
    status.textContent = say("探しています…");
    try {
      const json = await getJson("/api/v1/care/professionals?q=" + enc(q));
      if (mine !== seq) return;
      items = json.items || [];
      render();
      status.textContent = items.length
        ? items.length + "人見つかりました。"
        : "見つかりませんでした。氏名・事業所名の一部か、メールアドレス全体で探せます。";
    } catch (e) {
      if (mine !== seq) return;
      const lines = failure(e);
      if (lines) status.textContent = lines.join(" / ");
    }
  }

  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 350); });
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); search(); } });
  go.addEventListener("click", search);
  results.addEventListener("click", async (e) => {
    const button = e.target.closest("button.picker-choose");
    if (!button || button.disabled) return;
    const entry = items.find((p) => p.id === button.dataset.id);
    if (!entry) return;
    button.disabled = true;
    try { await options.onPick(entry); } finally { if (button.isConnected) render(); }
  });
  return {
    reset() { seq += 1; clearTimeout(timer); input.value = ""; items = []; results.textContent = ""; status.textContent = ""; },
    render: render,
  };
}
