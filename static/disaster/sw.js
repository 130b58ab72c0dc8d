// Service worker of the supporter page (scope /app/disaster/): the page's shell comes from
// the cache first, so it opens with no signal; /api/ is never touched here (network only:
// the page keeps its own copy of the data and its own queue). The page works without it.
"use strict";

const CACHE = "rainbownet-disaster-shell-v9";
const SHELL = [
  "/app/disaster/",
  "/app/disaster/index.html",
  "/app/disaster/supporter/main.js",
  "/app/disaster/supporter/base.js",
  "/app/disaster/supporter/checkins.js",
  "/app/disaster/supporter/events.js",
  "/app/disaster/supporter/people.js",
  "/app/disaster/supporter/queue.js",
  "/app/disaster/supporter/signin.js",
  "/app/lib/api.js",
  "/app/lib/dates.js",
  "/app/lib/dom.js",
  "/app/lib/i18n.js",
  "/app/lib/session.js",
  "/app/lib/vocabulary.js",
  "/app/lang/vocabulary.js",
  "/app/lang.js",
  "/app/lang/en.js",
  "/app/disaster/disaster.css",
  "/app/disaster/manifest.webmanifest",
  "/app/favicon.svg",
];
const SHELL_PATHS = new Set(SHELL);
// How often a served shell triggers a background refresh of the cached copy.
const REVALIDATE_MS = 60000;
let lastRevalidate = 0;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

// Old versions of the cache go; the new worker takes the open pages at once.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("rainbownet-disaster-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

// Refetches the whole shell in one go (addAll stores all or nothing), so a deploy reaches
// phones on their next load without mixing an old page with a new script.
function revalidate() {
  const now = Date.now();
  if (now - lastRevalidate < REVALIDATE_MS) return Promise.resolve();
  lastRevalidate = now;
  const fresh = SHELL.map((url) => new Request(url, { cache: "no-cache" }));
  return caches.open(CACHE).then((cache) => cache.addAll(fresh)).catch(() => {
    /* offline or a failed deploy: keep the copy we have */
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Not ours, or the API: not answered here, so the browser goes to the network itself.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (!SHELL_PATHS.has(url.pathname)) return;
  event.respondWith(
    caches.match(url.pathname).then((cached) => {
      if (cached) {
        event.waitUntil(revalidate());
        return cached;
      }
      return fetch(request);
    })
  );
});
