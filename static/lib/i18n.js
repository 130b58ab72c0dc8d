// The reader's language, for the modules of the professional clients. The dictionary and the
// switch are static/lang.js (a classic script, run before the page is shown so that nothing
// flashes in the other language); this module hands its functions to the modules.
const lang = window.RainbowNetLang;

// A text in the reader's language, from the one dictionary (static/lang/en.js).
export const say = lang ? lang.say : (text) => text;
// Of a server text given in both languages (detail_ja / detail), the reader's.
export const pick = lang ? lang.pick : (ja, en) => ja || en;
// Is the page in English?
export const english = lang ? lang.english : () => false;
