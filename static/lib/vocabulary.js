// The domain's fixed lists (professions, roles, categories, statuses…) with their labels in
// both languages, for the modules of the professional clients. They come with the page:
// static/lang/vocabulary.js is a classic script each page loads before lang.js, written from
// the server's own lists (the same as GET /api/v1/public/vocabulary), so no request waits
// for them and the supporter's phone has them offline.
const lists = window.RainbowNetVocabulary || {};

// The terms of one list, in the server's order: [{ code, ja, en, … }].
export function terms(list) {
  return lists[list] || [];
}

// code → label(term) for one list; label defaults to the term's { ja, en }.
export function byCode(list, label) {
  return Object.fromEntries(terms(list).map((t) => [t.code, label ? label(t) : { ja: t.ja, en: t.en }]));
}
