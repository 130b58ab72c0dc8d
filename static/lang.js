// The language of the professionals' pages (care, HQ, supporter, admin): Japanese. English
// hints beside the Japanese are for those who ask for them (the 「English」 switch), e.g. care
// workers from abroad; the choice is kept in this browser. Texts written "日本語 / English"
// show their Japanese part only, unless English is on; `<span class="en">` hints are hidden
// by CSS the same way.
(function () {
  "use strict";
  const KEY = "rainbownet.lang";
  const root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY) === "en" ? "en" : "ja"; } catch (e) { return "ja"; }
  }
  root.dataset.lang = stored();

  const english = () => root.dataset.lang === "en";
  // The English tail: " / " and then text with no Japanese in it.
  const TAIL = / \/ [^\/\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]*$/;

  function say(text) {
    if (typeof text !== "string" || english()) return text;
    return text.replace(TAIL, "");
  }

  // Attributes people hear or see (menus' labels, tooltips) and the choices of the pages'
  // own lists follow the same rule.
  function sayAttributes(scope) {
    if (english()) return;
    scope.querySelectorAll("option").forEach((option) => {
      if (TAIL.test(option.textContent)) option.textContent = say(option.textContent);
    });
    scope.querySelectorAll("[aria-label], [title], [placeholder]").forEach((node) => {
      ["aria-label", "title", "placeholder"].forEach((name) => {
        const value = node.getAttribute(name);
        if (value && TAIL.test(value)) node.setAttribute(name, say(value));
      });
    });
  }

  function switchButtons() {
    document.querySelectorAll("[data-lang-switch]").forEach((button) => {
      button.setAttribute("aria-pressed", english() ? "true" : "false");
      button.addEventListener("click", () => {
        try { localStorage.setItem(KEY, english() ? "ja" : "en"); } catch (e) { /* kept for this page only */ }
        // Texts already on the page were written in the old language: draw them again.
        location.reload();
      });
    });
  }

  function ready() {
    sayAttributes(document);
    switchButtons();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();

  window.RainbowNetLang = { say: say, english: english, sayAttributes: sayAttributes };
})();
