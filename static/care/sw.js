// The care network's service worker: shows a notification for a push from RainbowNet.
// A push message passes through the browser vendor's push service, so the server puts
// nothing about a patient in it: a kind, an opaque id and a count. The names and the text
// are read on the page, after the person opens it and with their own login.
"use strict";

const TEXTS = {
  post: "担当の利用者さんに新しい投稿があります",
  comment: "担当の利用者さんの投稿に新しいコメントがあります",
  project_post: "プロジェクトに新しい投稿があります",
  message: "新しいメッセージがあります",
  alert: "担当の利用者さんの測定値がしきい値を超えました",
  family_message: "担当の利用者さんのご家族から連絡があります",
};
const PLACES = { post: "#/patients/", comment: "#/patients/", project_post: "#/projects/", message: "#/messages/", alert: "#/patients/", family_message: "#/patients/" };

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  const kind = Object.prototype.hasOwnProperty.call(TEXTS, data.kind) ? data.kind : null;
  // Only an id of the server's form goes into the link.
  const id = typeof data.id === "string" && /^[0-9A-Za-z]{1,64}$/.test(data.id) ? data.id : "";
  const count = Math.max(1, Math.min(999, Number(data.count) || 1));
  const body = (kind ? TEXTS[kind] : "新しいお知らせがあります") + "（" + count + "件）";
  const url = "/app/care/" + (kind && id ? PLACES[kind] + id : "#/patients");
  event.waitUntil(Promise.all([
    self.registration.showNotification("RainbowNet 多職種連携", {
      body: body,
      tag: (kind || "news") + ":" + id,
      renotify: true,
      icon: "/app/favicon.svg",
      lang: "ja",
      data: { url: url },
    }),
    // An open page checks for news at once instead of at its next poll.
    self.clients.matchAll({ type: "window" }).then((pages) => pages.forEach((p) => p.postMessage({ type: "push" }))),
  ]));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/app/care/";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((pages) => {
    const page = pages.find((p) => new URL(p.url).pathname.startsWith("/app/care/"));
    if (page) {
      page.postMessage({ type: "open", url: url });
      return page.focus();
    }
    return self.clients.openWindow(url);
  }));
});
