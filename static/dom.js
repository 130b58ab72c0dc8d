// The page-building helpers the four professional clients (care, HQ, supporter, admin)
// share. Loaded before each page's own script, after lang.js. Text goes in as text, never
// as HTML.
"use strict";

window.RainbowNetDom = (() => {
  // An element with a class and a text.
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // An English hint (hidden unless English is on: static/lang.js).
  function en(text) {
    const span = el("span", "en", text);
    span.lang = "en";
    return span;
  }

  // The file name a Content-Disposition header gives (RFC 6266: filename* first).
  function filenameFrom(disposition) {
    if (!disposition) return null;
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* the plain name below */ } }
    const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
    return plain ? plain[1] : null;
  }

  return { el, en, filenameFrom };
})();
