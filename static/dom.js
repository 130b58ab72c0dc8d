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

  // A text the page's code has in both languages (a status, a server template's label):
  // the reader's language only (static/lang.js).
  function bilingual(node, ja, en) {
    node.textContent = window.RainbowNetLang ? window.RainbowNetLang.pick(ja, en) : ja;
    return node;
  }

  // The file name a Content-Disposition header gives (RFC 6266: filename* first).
  function filenameFrom(disposition) {
    if (!disposition) return null;
    const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* the plain name below */ } }
    const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
    return plain ? plain[1] : null;
  }

  return { el, bilingual, filenameFrom };
})();
