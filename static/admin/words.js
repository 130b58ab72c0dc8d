// The administration page: the search dictionary (sysadmins): list, set, remove.
import { problemOf } from "../lib/api.js";
import { $ } from "../lib/dom.js";
import { api, failure, publicJson, show, tableRow } from "./base.js";
import { categoryNames } from "./choices.js";

export async function loadWords() {
  const data = await publicJson("/api/v1/public/search-words", "no-cache");
  const body = document.querySelector("#word-table tbody");
  body.textContent = "";
  for (const w of data.items) {
    const categories = w.categories.map((c) => categoryNames[c] || c).join("、");
    body.appendChild(tableRow([w.word, categories, w.alternatives.join(" ")], [{
      text: "編集", label: "「" + w.word + "」を編集",
      onClick: () => {
        $("w-word").value = w.word;
        $("w-alternatives").value = w.alternatives.join(" ");
        for (const o of $("w-categories").options) o.selected = w.categories.includes(o.value);
        $("w-word").focus();
      },
    }, {
      text: "削除", label: "「" + w.word + "」を削除",
      onClick: async () => {
        if (!window.confirm("「" + w.word + "」を検索のことばから削除しますか？")) return;
        try {
          const res = await api("DELETE", "/api/v1/public/search-words/" + encodeURIComponent(w.word));
          if (!res.ok) { show("word-result", problemOf(res.json, res.status), false); return; }
          show("word-result", ["削除しました：" + w.word], true);
          loadWords();
        } catch (e) {
          failure("word-result", e);
        }
      },
    }]));
  }
}

export async function saveWord(event) {
  event.preventDefault();
  const word = $("w-word").value.trim();
  const body = {
    categories: [...$("w-categories").options].filter((o) => o.selected).map((o) => o.value),
    alternatives: $("w-alternatives").value.split(/[\s　]+/).filter(Boolean),
  };
  try {
    const res = await api("PUT", "/api/v1/public/search-words/" + encodeURIComponent(word), { body: JSON.stringify(body) });
    if (!res.ok) { show("word-result", problemOf(res.json, res.status), false); return; }
    show("word-result", ["保存しました：" + res.json.word], true);
    loadWords();
  } catch (e) {
    failure("word-result", e);
  }
}
