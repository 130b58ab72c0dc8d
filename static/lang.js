// The language of the professionals' pages (care, HQ, supporter, admin). The pages are written
// in Japanese only; English is a switch for those who ask for it (care workers from abroad),
// kept in this browser. English lives in one dictionary, static/lang/en.js: Japanese text →
// English text, and patterns with {0}, {1}… for texts that carry data ("{0} さんを追加しました。");
// the terms of the domain's lists bring their own English (static/lang/vocabulary.js).
// With English on, every text node and label the page shows is looked up there, also those
// the page's scripts add later (a MutationObserver), so a script needs no call to be
// translated; a text missing from the dictionary stays Japanese rather than becoming wrong.
// Names (people, towns) are marked translate="no", as HTML has it for translation tools.
(function () {
  "use strict";
  const KEY = "rainbownet.lang";
  const root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY) === "en" ? "en" : "ja"; } catch (e) { return "ja"; }
  }
  root.dataset.lang = stored();
  const english = () => root.dataset.lang === "en";
  if (english()) root.lang = "en";

  const JAPANESE = /[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]/;
  // data-label: the column names a table shows beside each cell on a phone (CSS attr()).
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "alt", "data-label"];
  // The dictionary: static/lang/en.js (run after this file), and the English of every term of
  // the domain's lists (static/lang/vocabulary.js, run before it), which en.js does not
  // repeat. Where en.js words a term otherwise, the page's own wording wins.
  let merged = null;
  function dictionary() {
    if (merged) return merged;
    const exact = {};
    const lists = window.RainbowNetVocabulary || {};
    Object.keys(lists).forEach((name) => (lists[name] || []).forEach((term) => {
      if (term && term.ja && term.en) exact[term.ja] = term.en;
    }));
    const english = window.RainbowNetEnglish;
    if (!english) return { exact: exact, patterns: {} };
    merged = { exact: Object.assign(exact, english.exact || {}), patterns: english.patterns || {} };
    return merged;
  }

  // Patterns as regular expressions, the longest literal text first so that the most
  // specific wins ("{0}件" must not take "未読 {0}件").
  let compiled = null;
  function patterns() {
    if (compiled) return compiled;
    compiled = Object.keys(dictionary().patterns || {}).map((ja) => {
      const slots = [];
      const source = ja.split(/(\{\d+\})/).map((part) => {
        const slot = /^\{(\d+)\}$/.exec(part);
        if (slot) { slots.push(slot[1]); return "([\\s\\S]+?)"; }
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      }).join("");
      return { re: new RegExp("^" + source + "$"), slots, en: dictionary().patterns[ja], weight: ja.replace(/\{\d+\}/g, "").length };
    }).sort((a, b) => b.weight - a.weight);
    return compiled;
  }

  // The English of a whole text (its surrounding spaces kept), or null when it has none.
  // Line breaks and runs of spaces inside a text (an HTML source's wrapping) count as one space.
  function translate(text) {
    const key = text.trim().replace(/\s+/g, " ");
    if (!key || !JAPANESE.test(key)) return null;
    const [, before, after] = /^(\s*)[\s\S]*?(\s*)$/.exec(text);
    const exact = dictionary().exact || {};
    if (Object.prototype.hasOwnProperty.call(exact, key)) return before + exact[key] + after;
    for (const pattern of patterns()) {
      const match = pattern.re.exec(key);
      if (!match) continue;
      const values = {};
      pattern.slots.forEach((slot, i) => { values[slot] = match[i + 1]; });
      // A slot may hold a word the dictionary knows (a status, a category).
      const out = pattern.en.replace(/\{(\d+)\}/g, (_, slot) => {
        const value = values[slot] || "";
        return Object.prototype.hasOwnProperty.call(exact, value.trim()) ? exact[value.trim()] : value;
      });
      return before + out + after;
    }
    return null;
  }

  // A text in the reader's language: scripts call it where a text leaves the page (a
  // confirm dialog, a document title) or is compared.
  function say(text) {
    if (typeof text !== "string" || !english()) return text;
    const out = translate(text);
    return out === null ? text : out;
  }

  // The server's problems carry both languages (detail, detail_ja): the reader's first.
  function pick(japanese, englishText) {
    return english() ? (englishText || japanese) : (japanese || englishText);
  }

  function skipped(node) {
    const parent = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    return !parent || parent.closest("script, style, textarea, [contenteditable], [translate=no]") !== null;
  }

  // What this file wrote, per node: its own output is never translated again. (An English
  // text may still hold Japanese, a name in "{0} | RainbowNet"; writing it would be a new
  // mutation, and translating that again a loop.)
  const written = new WeakMap();

  function translateText(node) {
    if (skipped(node) || written.get(node) === node.nodeValue) return;
    const out = translate(node.nodeValue);
    if (out !== null && out !== node.nodeValue) {
      written.set(node, out);
      node.nodeValue = out;
    }
  }

  function translateAttributes(element) {
    if (skipped(element)) return;
    const mine = written.get(element) || {};
    ATTRIBUTES.forEach((name) => {
      const value = element.getAttribute(name);
      if (!value || mine[name] === value) return;
      const out = translate(value);
      if (out !== null && out !== value) {
        mine[name] = out;
        written.set(element, mine);
        element.setAttribute(name, out);
      }
    });
  }

  function translateTree(scope) {
    if (scope.nodeType === Node.TEXT_NODE) { translateText(scope); return; }
    if (scope.nodeType !== Node.ELEMENT_NODE && scope.nodeType !== Node.DOCUMENT_NODE) return;
    if (scope.nodeType === Node.ELEMENT_NODE) translateAttributes(scope);
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) translateText(node);
      else translateAttributes(node);
    }
  }

  function watch() {
    translateTree(document.documentElement);
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === "childList") record.addedNodes.forEach(translateTree);
        else if (record.type === "characterData") translateText(record.target);
        else if (record.type === "attributes") translateAttributes(record.target);
      }
    }).observe(document.documentElement, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES,
    });
    // Dialogs are no DOM: their messages go through the dictionary too.
    ["alert", "confirm", "prompt"].forEach((name) => {
      const original = window[name];
      window[name] = function (message, ...rest) { return original.call(window, say(String(message)), ...rest); };
    });
  }

  function switchButtons() {
    document.querySelectorAll("[data-lang-switch]").forEach((button) => {
      // The switch names the other language, in that language.
      button.textContent = english() ? "日本語" : "English";
      button.lang = english() ? "ja" : "en";
      button.translate = false;
      button.addEventListener("click", () => {
        try { localStorage.setItem(KEY, english() ? "ja" : "en"); } catch (e) { /* kept for this page only */ }
        // Texts already on the page were written in the old language: draw them again.
        location.reload();
      });
    });
  }

  function ready() {
    switchButtons();
    if (english()) watch();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();

  window.RainbowNetLang = { say, pick, english };
})();
