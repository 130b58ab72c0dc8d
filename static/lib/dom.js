// The page-building helpers the professional clients (care, HQ, supporter, admin) share.
// Text goes in as text, never as HTML; the CSP forbids inline code and styles.
import { pick, say } from "./i18n.js";

export const $ = (id) => document.getElementById(id);
export const enc = encodeURIComponent;

// An element with a class and a text.
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// A text the page's code has in both languages (a status, a server template's label):
// the reader's language only (static/lang.js).
export function bilingual(node, ja, en) {
  node.textContent = pick(ja, en);
  return node;
}

// Lines in a box (errors, or a notice when ok), each said in the reader's language; an
// empty list hides the box. `extra`: classes the box keeps besides its state.
export function showBox(box, lines, ok, extra) {
  box.textContent = "";
  if (!lines || lines.length === 0) { box.hidden = true; return; }
  box.hidden = false;
  box.className = (ok ? "notice" : "errors") + (extra ? " " + extra : "");
  const list = el("ul");
  lines.forEach((line) => list.appendChild(el("li", null, say(line))));
  box.appendChild(list);
}

// The file name a Content-Disposition header gives (RFC 6266: filename* first).
export function filenameFrom(disposition) {
  if (!disposition) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* the plain name below */ } }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : null;
}
