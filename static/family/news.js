// The family page: what the care team shared with the family (お知らせ), newest first, a
// page at a time. Only posts marked share_with_family reach this list (the server's rule);
// the team's comments and read receipts stay with the team.
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { api, asWritten, CATEGORY, failure, isToday, patientPath, setText, state, when } from "./base.js";

const PAGE = 20;
const news = { items: [], cursor: null, loading: false };

function card(post) {
  const item = el("li", "news-item");
  item.dataset.id = post.id;
  const article = el("article");
  const head = el("p", "news-head");
  head.appendChild(el(isToday(post.created_at) ? "strong" : "span", "news-when", when(post.created_at)));
  if (CATEGORY[post.category]) head.appendChild(el("span", "news-category", CATEGORY[post.category]));
  const author = el("p", "news-author");
  author.appendChild(asWritten(el("span", "author-name", post.author_name || "")));
  if (post.author_organization) author.appendChild(asWritten(el("span", "author-org", "（" + post.author_organization + "）")));
  const body = asWritten(el("p", "news-body", post.body || ""));
  article.append(head, author, body);
  const files = (post.attachments || []).length;
  if (files) {
    article.appendChild(el("p", "muted", pick("添付ファイルが " + files + " 件あります（このページではまだ開けません）。",
      files + " attachment(s) (they can not be opened on this page yet).")));
  }
  item.appendChild(article);
  return item;
}

function render() {
  const list = $("news");
  list.textContent = "";
  news.items.forEach((post) => list.appendChild(card(post)));
  $("news-more").hidden = !news.cursor;
}

// The first page again, or (`older`) the next one.
export async function loadNews(older) {
  if (!state.me || news.loading) return;
  const patient = state.me.patient.id;
  news.loading = true;
  setText("news-status", "読み込んでいます…");
  try {
    const cursor = older && news.cursor ? "&cursor=" + encodeURIComponent(news.cursor) : "";
    const page = await api.getJson(patientPath("/posts?limit=" + PAGE + cursor));
    if (!state.me || state.me.patient.id !== patient) return;
    const known = new Set(older ? news.items.map((p) => p.id) : []);
    const items = (page.items || []).filter((p) => !known.has(p.id));
    news.items = older ? news.items.concat(items) : items;
    // Newest first, whatever order a page came in.
    news.items.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
    news.cursor = page.next_cursor || null;
    render();
    setText("news-status", news.items.length ? "" : "ケアチームからのお知らせは、まだありません。");
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("news-status", lines.join(" "));
  } finally {
    news.loading = false;
  }
}

export function resetNews() {
  news.items = [];
  news.cursor = null;
  $("news").textContent = "";
  $("news-more").hidden = true;
  setText("news-status", "");
}
