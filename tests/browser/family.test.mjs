// Browser flow of the family page (ご家族のページ, /app/family/, issue #34), in Debian's
// chromium through playwright-core with a virtual authenticator (CDP WebAuthn) standing in
// for the phone's fingerprint: a nurse registers a patient, shares one post with the
// family and keeps another to the team, and invites the patient's son; on a 390 px phone
// he opens the invitation's link, joins with a passkey, sees his mother's name and the
// shared post only, reaches 「血圧を記録する」 with the keyboard and records a reading (自己測定
// in the last seven days' list, a typo refused beside its field), writes to the care team
// (「ケアチームへの連絡」: Tab to the box, type, Tab to 送る, Enter; an empty one refused beside
// the box, a lost answer sent again with the same key and stored once, the nurse reading it
// through the API), signs out and in again with the passkey, adds a passkey for another
// phone, and is told plainly when the invitation is spent, when the passkey prompt was
// cancelled and when the browser has no passkeys. axe-core checks the join screen, the sign-in screen and the record.
// Screenshots go to tests/output/family-*.png. Starts its own local host on a free port.
//
//   node --test tests/browser/family.test.mjs      (RAINBOWNET_BIN overrides the binary)
//
// The binary embeds static/ when it is built: rebuild after changing static/ (or serve the
// working tree's static/ with RAINBOWNET_STATIC=disk).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  apiClient, apiLogin, axeViolations, englishWords, expectStatus, japaneseLeft, launchChromium, registerProfessional,
  output, screenshot, startHost,
  FAMILY_PATIENT as PATIENT, PHONE,
  noSidewaysScroll, tapTarget,
  watchContextErrors,
  addVirtualAuthenticator,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const KEY = "rainbownet-family-auth";
const SHARED = "今日は穏やかに過ごされ、昼食も全部召し上がりました。\n明日は10時に訪問します。";
const UNSHARED = "服薬の調整について主治医と相談中（家族には未共有）";
// Refused requests the flow causes on purpose: Chromium logs each as a console error.
const EXPECTED = /status of (401|403|404|422)/;

let host;
let base;
let api;
let browser;
let nurseToken;
let patientId;
let invitation;
// The son's phone: one page for the whole flow, with its virtual authenticator.
let phone;

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "family" });
  // A passkey belongs to a host name (its RP ID, which the server takes from the request's
  // Host): an IP address such as 127.0.0.1 can have none, so the flow goes to localhost,
  // the invitation's link included.
  base = host.base.replace("//127.0.0.1:", "//localhost:");
  api = apiClient(base);
  browser = await launchChromium();
  const nurse = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "visiting_nurse_station", name: "清須訪問看護ステーション" },
    email: `nurse-${Date.now()}@example.jp`, name: "看護 花子", profession: "nurse", roles: ["professional"], password: PASSWORD,
  }, "register the nurse");
  nurseToken = await apiLogin(api, nurse, PASSWORD);
  patientId = (await expectStatus(201, api("POST", "/api/v1/patients", { token: nurseToken, json: PATIENT }), "patient")).id;
  const posts = `/api/v1/patients/${encodeURIComponent(patientId)}/posts`;
  await expectStatus(201, api("POST", posts, { token: nurseToken, json: { category: "report", body: UNSHARED, share_with_family: false } }), "unshared post");
  await expectStatus(201, api("POST", posts, { token: nurseToken, json: { category: "contact", body: SHARED, share_with_family: true } }), "shared post");
  invitation = await expectStatus(201, api("POST", `/api/v1/patients/${encodeURIComponent(patientId)}/family-invitations`, {
    token: nurseToken, json: { name: "清須 一郎", relation: "child" },
  }), "family invitation");
  // The passkey's RP ID is the host the server saw: the link must lead to that same host.
  assert.ok(invitation.url.startsWith(base + "/app/family/#join="), `the invitation's link ${invitation.url} is on ${base}`);
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

const watch = (context) => watchContextErrors(context, { ignore: EXPECTED });

const stored = (page) => page.evaluate((key) => localStorage.getItem(key), KEY);

test("the son opens the invitation on his phone and joins with a passkey", async () => {
  const context = await browser.newContext(PHONE);
  const errors = watch(context);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const authenticator = await addVirtualAuthenticator(cdp);
  phone = { context, page, errors, cdp, authenticator };

  await page.goto(invitation.url);
  const join = page.getByRole("button", { name: "この端末で参加する（パスキー）" });
  await join.waitFor();
  assert.match(await page.locator("#join-view").textContent(), /パスワードは要りません/);
  assert.match(await page.locator("#join-view").textContent(), /指紋・顔・画面ロックの暗証番号/);
  assert.equal(await page.locator("#unsupported").isVisible(), false);
  await tapTarget(join, "join button", 60);
  await noSidewaysScroll(page, "join");
  await screenshot(page, "family-1-join.png");

  await join.click();
  await page.locator("#home-title", { hasText: "清須 ハナさんの記録" }).waitFor();
  assert.match(await page.locator("#home-notice").textContent(), /参加しました/);
  assert.equal((await page.locator("#my-name").textContent()).trim(), "清須 一郎");
  assert.match(await page.locator(".you").textContent(), /（子）/);
  assert.equal(new URL(page.url()).hash, "", "the spent code leaves the address bar");
  // The family's tokens under their own key; nothing in the professionals' place.
  const auth = JSON.parse(await stored(page));
  assert.ok(auth.access_token && auth.refresh_token, "the pair is kept under " + KEY);
  assert.equal(await page.evaluate(() => sessionStorage.getItem("rainbownet-care-auth") ?? localStorage.getItem("rainbownet-care-auth")), null);
  const me = await expectStatus(200, api("GET", "/api/v1/auth/me", { token: auth.access_token }), "family /me");
  assert.equal(me.kind, "family");
  assert.equal(me.patient.id, patientId);

  // What the team shared, and nothing else.
  const news = page.locator("#news .news-item");
  await news.first().waitFor();
  assert.equal(await news.count(), 1, "only the shared post");
  assert.equal(await news.first().locator(".news-body").textContent(), SHARED, "the body as text, with its line break");
  assert.match(await news.first().textContent(), /看護 花子/);
  assert.match(await news.first().textContent(), /清須訪問看護ステーション/);
  assert.match(await news.first().locator(".news-head").textContent(), /今日/, "a date a person reads");
  assert.ok(!(await page.locator("#home-view").textContent()).includes("服薬の調整"), "the unshared post stays with the team");
  // 問診 and 記録を見た人 (their own flow: family-questionnaire.test.mjs).
  await page.locator("#questionnaire-status", { hasText: "ケアチームからの問診は、いまはありません。" }).waitFor();
  await page.locator("#access-days .access-line").first().waitFor();
  assert.match(await page.locator("#access-days").textContent(), /清須 一郎（子）が家族として参加しました/);
  assert.match(await page.locator("#access-days").textContent(), /看護 花子（看護師・清須訪問看護ステーション）が家族を招待しました/);
  await tapTarget(page.locator("#bp-open"), "血圧を記録する", 60);
  await noSidewaysScroll(page, "record");
  await screenshot(page, "family-2-record.png");
  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
});

test("the keyboard reaches 「血圧を記録する」 and records a reading, marked 自己測定", async (t) => {
  if (!phone) return t.skip("needs the joined phone");
  const { page, errors } = phone;
  // Opened again later: still signed in on this phone.
  await page.reload();
  await page.locator("#home-title", { hasText: "清須 ハナさんの記録" }).waitFor();
  let presses = 0;
  while (presses < 6 && await page.evaluate(() => document.activeElement?.id) !== "bp-open") {
    await page.keyboard.press("Tab");
    presses += 1;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), "bp-open", "Tab reaches the big button");
  assert.ok(presses <= 3, `the big button is the ${presses}th stop`);
  await page.keyboard.press("Enter");
  await page.locator("#bp-panel").waitFor();
  assert.equal(await page.locator("#bp-open").getAttribute("aria-expanded"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "bp-sys", "the first field takes the focus");
  assert.equal(await page.locator("#bp-sys").getAttribute("inputmode"), "numeric");
  assert.match(await page.locator("#bp-at").inputValue(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, "the time is now");
  assert.deepEqual(await axeViolations(page), [], "axe-core on the open form");

  // A typo first: empty fields are named beside them, before anything is sent.
  await page.keyboard.press("Enter");
  await page.locator("#bp-sys-error", { hasText: "上の血圧を入れてください" }).waitFor();
  assert.match(await page.locator("#bp-dia-error").textContent(), /下の血圧を入れてください/);
  assert.equal(await page.locator("#bp-sys").getAttribute("aria-invalid"), "true");

  // 上 1３2 (a full-width digit from a Japanese keyboard), 下 84, 脈拍 72, Enter.
  await page.locator("#bp-sys").focus();
  await page.keyboard.type("1３2");
  await page.keyboard.press("Tab");
  await page.keyboard.type("84");
  await page.keyboard.press("Tab");
  await page.keyboard.type("72");
  await page.keyboard.press("Enter");
  const saved = page.locator("#bp-result");
  const unavailable = page.locator("#bp-errors[data-unavailable]");
  await saved.or(unavailable).waitFor();
  if (await unavailable.isVisible()) {
    return t.skip("POST /api/v1/patients/{id}/vitals answered 403/404 to the family: the family's vitals API is not live yet");
  }
  assert.match(await page.locator("#bp-result-text").textContent(), /上 132 ／ 下 84 mmHg.*脈拍 72 回\/分/);
  assert.match(await page.locator("#bp-result-when").textContent(), /今日/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "bp-result-title", "the result takes the focus");
  const mine = page.locator("#readings li.reading[data-self=true]");
  await mine.first().waitFor();
  assert.equal(await mine.count(), 1);
  assert.match(await mine.first().textContent(), /自己測定/);
  assert.match(await mine.first().textContent(), /132 ／ 下 84/);
  assert.match(await mine.first().textContent(), /脈拍 72/);
  await screenshot(page, "family-3a-saved.png");

  // The nurse's reading at her visit is in the list too, without the mark.
  const visit = await api("POST", `/api/v1/patients/${encodeURIComponent(patientId)}/vitals`, {
    token: nurseToken, json: { kind: "blood_pressure", value: 138, value2: 88 },
  });
  assert.equal(visit.status, 201, visit.text);
  // Out of range: the server's words beside 上の血圧, and nothing stored.
  await page.locator("#bp-open").click();
  await page.locator("#bp-sys").fill("300");
  await page.locator("#bp-dia").fill("80");
  await page.locator("#bp-submit").click();
  await page.locator("#bp-sys-error:not([hidden])").waitFor();
  assert.match(await page.locator("#bp-sys-error").textContent(), /[ぁ-んァ-ン一-龥]/, "a Japanese message");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "bp-sys");
  await screenshot(page, "family-3b-refused.png");
  await page.locator("#bp-cancel").click();
  await page.locator("#news-reload").click();
  await page.reload();
  await page.locator("#readings li.reading").nth(1).waitFor();
  const rows = page.locator("#readings li.reading");
  assert.equal(await rows.count(), 2, "the two readings, and not the refused one");
  assert.match(await rows.filter({ hasText: "138" }).textContent(), /看護 花子/);
  assert.equal(await rows.filter({ hasText: "138" }).locator(".badge.self").count(), 0, "the visit's reading is not 自己測定");
  await noSidewaysScroll(page, "readings");
  await screenshot(page, "family-3-readings.png");
  assert.deepEqual(errors, [], "console or page errors");
});

test("he writes to the care team from the keyboard; a lost answer is sent again once; the nurse reads it", async (t) => {
  if (!phone) return t.skip("needs the joined phone");
  const { page, errors } = phone;
  const messages = `/api/v1/patients/${encodeURIComponent(patientId)}/family-messages`;
  const teamReads = async () => (await expectStatus(200, api("GET", messages + "?limit=20", { token: nurseToken }), "the nurse reads the messages")).items;
  await page.reload();
  await page.locator("#home-title", { hasText: "清須 ハナさんの記録" }).waitFor();
  await page.locator("#messages-status", { hasText: "まだ連絡はありません。" }).waitFor();
  const section = page.locator("#messages-section");
  assert.match(await section.locator("h2").textContent(), /ケアチームへの連絡/);
  assert.match(await section.textContent(), /救急の時は119番へ/, "not an emergency channel, said plainly");
  assert.match(await section.textContent(), /体調の変化や、伝えたいことを書いてください。急ぎの時は電話してください。/);
  const box = page.getByRole("textbox", { name: "ケアチームに伝えたいこと" });
  assert.match(await box.getAttribute("aria-describedby"), /message-hint/, "the hint is read with the box");
  await tapTarget(box, "the text box", 150);
  await tapTarget(page.locator("#message-send"), "送る", 60);

  // Tab from 「血圧を記録する」 to the box, then to 「送る」: an empty message is refused beside the box.
  await page.locator("#bp-open").focus();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "message-body", "the box is the next stop");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "message-send", "then 「送る」");
  await page.keyboard.press("Enter");
  await page.locator("#message-error", { hasText: "書いてから「送る」を押してください" }).waitFor();
  assert.equal(await box.getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "message-body", "back to the box");
  assert.deepEqual(await teamReads(), [], "nothing sent");

  // The message, with a line break; Tab to 「送る」, Enter.
  const first = "母が昨夜から咳をしています。\n熱は37.2度です。";
  await page.keyboard.type(first);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  const done = page.locator("#message-done");
  await done.waitFor();
  assert.equal((await done.textContent()).trim(), "送りました。ケアチームに届きました。");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "message-done", "the confirmation takes the focus");
  assert.equal(await box.inputValue(), "", "the box is empty again");
  assert.equal(await page.locator("#message-error").isVisible(), false);
  const listed = page.locator("#messages .message");
  await listed.first().waitFor();
  assert.equal(await listed.count(), 1);
  assert.match(await listed.first().locator(".message-head").textContent(), /^今日 午[前後]\d{1,2}:\d{2}　清須 一郎（子）$/);
  assert.equal(await listed.first().locator(".message-body").textContent(), first, "the text as written, its line break kept");
  let read = await teamReads();
  assert.equal(read.length, 1);
  assert.equal(read[0].body, first);
  assert.equal(read[0].author_name, "清須 一郎");
  assert.equal(read[0].relation, "child");

  // The phone loses the answer (the server has the message): the text stays, and 「送る」 again
  // sends it with the same Idempotency-Key, stored once.
  const second = "薬は朝の分を飲みました。";
  const keys = [];
  let lose = true;
  await page.route("**/family-messages", async (route) => {
    if (route.request().method() !== "POST") return route.fallback();
    keys.push(route.request().headers()["idempotency-key"]);
    if (!lose) return route.fallback();
    await route.fetch();
    lose = false;
    return route.abort("internetdisconnected");
  });
  await box.fill(second);
  await page.locator("#message-send").click();
  await page.locator("#message-errors", { hasText: "送れませんでした" }).waitFor();
  assert.match(await page.locator("#message-errors").textContent(), /書いた文はそのまま残っています/);
  assert.equal(await box.inputValue(), second, "the text is kept");
  await page.locator("#message-send").click();
  await done.waitFor();
  await listed.nth(1).waitFor();
  assert.equal(keys.length, 2);
  assert.ok(keys[0] && keys[0] === keys[1], `one key across the retry: ${keys}`);
  await page.unroute("**/family-messages");
  // Chromium logs the dropped request as an error: expected here.
  for (let i = errors.length - 1; i >= 0; i -= 1) if (/ERR_INTERNET_DISCONNECTED/.test(errors[i])) errors.splice(i, 1);
  read = await teamReads();
  assert.deepEqual(read.map((m) => m.body), [second, first], "stored once, newest first");
  assert.equal(await listed.count(), 2);
  assert.equal(await listed.first().locator(".message-body").textContent(), second);

  // The server's own refusal (a body it finds empty) lands beside the box too.
  await page.route("**/family-messages", (route) => route.request().method() === "POST"
    ? route.continue({ postData: JSON.stringify({ body: " " }) }) : route.fallback());
  await box.fill("確認");
  await page.locator("#message-send").click();
  await page.locator("#message-error:not([hidden])").waitFor();
  assert.match(await page.locator("#message-error").textContent(), /2000/);
  await page.unroute("**/family-messages");

  // Near the limit a count shows; past it, nothing is sent.
  await box.fill("あ".repeat(1995));
  assert.match(await page.locator("#message-count").textContent(), /あと 5 文字/);
  await box.fill("あ".repeat(2001));
  assert.match(await page.locator("#message-count").textContent(), /1 文字多すぎます/);
  await page.locator("#message-send").click();
  await page.locator("#message-error", { hasText: "長すぎます" }).waitFor();
  assert.equal((await teamReads()).length, 2);
  await box.fill("");
  await page.locator("#message-count").waitFor({ state: "hidden" });

  await noSidewaysScroll(page, "messages");
  await page.locator("#messages-section").screenshot({ path: join(output, "family-3c-messages-section.png") });
  await screenshot(page, "family-3c-messages.png");

  // Five more (another of his phones): the newest five show, 「前の連絡を見る」 brings the rest
  // and the focus to the first of them.
  const family = JSON.parse(await stored(page)).access_token;
  for (let i = 1; i <= 5; i += 1) {
    await expectStatus(201, api("POST", messages, { token: family, json: { body: `連絡 ${i}` } }), `message ${i}`);
  }
  await page.reload();
  await listed.nth(4).waitFor();
  assert.equal(await listed.count(), 5);
  assert.equal(await listed.first().locator(".message-body").textContent(), "連絡 5");
  await page.locator("#messages-more").click();
  await listed.nth(6).waitFor();
  assert.equal(await listed.count(), 7);
  assert.equal(await page.evaluate(() => document.activeElement?.closest("li")?.querySelector(".message-body")?.textContent), second);
  assert.equal(await page.locator("#messages-more").isVisible(), false, "nothing more to show");
  assert.deepEqual(errors, [], "console or page errors");
});

test("he signs out, and in again with the passkey; a cancelled prompt is said gently", async (t) => {
  if (!phone) return t.skip("needs the joined phone");
  const { page, errors } = phone;
  await page.reload();
  await page.locator("#home-title", { hasText: "清須 ハナ" }).waitFor();
  await page.locator("#settings summary").click();
  await page.locator("#passkeys .passkey").first().waitFor();
  assert.equal(await page.locator("#passkeys .passkey").count(), 1);
  await page.getByRole("button", { name: "ログアウト", exact: true }).click();
  const signIn = page.getByRole("button", { name: "パスキーでログイン" });
  await signIn.waitFor();
  assert.match(await page.locator("#signin-status").textContent(), /ログアウトしました/);
  assert.equal(await stored(page), null, "no tokens left on the phone");
  assert.equal(await page.locator("#patient-name").textContent(), "", "nothing of the record stays");
  assert.equal(await page.locator("#news .news-item").count(), 0);
  await tapTarget(signIn, "sign-in button", 60);
  await screenshot(page, "family-4-signin.png");

  // The person closes the fingerprint prompt: no fright, one more try.
  await page.evaluate(() => {
    window.__get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = () => Promise.reject(new DOMException("The operation either timed out or was not allowed.", "NotAllowedError"));
  });
  await signIn.click();
  await page.locator("#signin-errors", { hasText: "取り消されたか、時間切れ" }).waitFor();
  assert.match(await page.locator("#signin-errors").textContent(), /もう一度ボタンを押してください/);
  await page.evaluate(() => { navigator.credentials.get = window.__get; });

  await signIn.click();
  await page.locator("#home-title", { hasText: "清須 ハナさんの記録" }).waitFor();
  assert.ok(JSON.parse(await stored(page)).refresh_token, "a new pair");
  await page.locator("#news .news-item").first().waitFor();

  // An access token the server no longer takes: the page refreshes the pair once and goes on.
  const stale = await page.evaluate((key) => {
    const auth = JSON.parse(localStorage.getItem(key));
    auth.access_token = auth.access_token.slice(0, -4) + (auth.access_token.endsWith("AAAA") ? "BBBB" : "AAAA");
    localStorage.setItem(key, JSON.stringify(auth));
    return auth;
  }, KEY);
  await page.locator("#news .news-item").first().evaluate((item) => item.remove());
  await page.locator("#news-reload").click();
  await page.locator("#news .news-item").first().waitFor();
  const renewed = JSON.parse(await stored(page));
  assert.notEqual(renewed.access_token, stale.access_token, "a new access token");
  assert.notEqual(renewed.refresh_token, stale.refresh_token, "the refresh token rotated");
  assert.deepEqual(errors, [], "console or page errors");
});

test("he adds a passkey for another phone, and signs in with it", async (t) => {
  if (!phone) return t.skip("needs the joined phone");
  const { page, errors, cdp } = phone;
  await page.locator("#settings summary").click();
  await page.locator("#passkeys .passkey").first().waitFor();
  // The same phone again: its passkey is already there.
  await page.getByRole("button", { name: "別の端末のパスキーを追加する" }).click();
  await page.locator("#passkey-errors", { hasText: "もう登録されています" }).waitFor();

  // Another phone (the browser's QR code leads to it): a second authenticator, the first away.
  await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId: phone.authenticator });
  phone.authenticator = await addVirtualAuthenticator(cdp);
  // As an older browser would: no parse…FromJSON, no toJSON(); the page converts by itself.
  await page.evaluate(() => {
    delete PublicKeyCredential.parseCreationOptionsFromJSON;
    delete PublicKeyCredential.parseRequestOptionsFromJSON;
    delete PublicKeyCredential.prototype.toJSON;
  });
  assert.equal(await page.evaluate(() => typeof PublicKeyCredential.prototype.toJSON), "undefined");
  await page.getByRole("button", { name: "別の端末のパスキーを追加する" }).click();
  await page.locator("#passkey-errors.notice", { hasText: "パスキーを追加しました" }).waitFor();
  assert.equal(await page.locator("#passkeys .passkey").count(), 2);
  assert.deepEqual(await axeViolations(page), [], "axe-core on the settings");

  await page.getByRole("button", { name: "ログアウト", exact: true }).click();
  await page.getByRole("button", { name: "パスキーでログイン" }).click();
  await page.locator("#home-title", { hasText: "清須 ハナさんの記録" }).waitFor();
  assert.deepEqual(errors, [], "console or page errors");
});

test("the record reads in English when asked, names as written", async (t) => {
  if (!phone) return t.skip("needs the joined phone");
  const { page, errors } = phone;
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "en");
  await page.locator("#home-title").waitFor();
  await page.locator("#news .news-item").first().waitFor();
  // 「ケアチームへの連絡」: its words, the messages' heads and a refusal, in English; the
  // messages themselves and the names as written.
  await page.locator("#messages .message").first().waitFor();
  assert.match(await page.locator("#messages-section").textContent(), /In an emergency, call 119/);
  assert.match(await page.locator("#messages .message-head").first().textContent(), /^Today \d{1,2}:\d{2}\s?[ap]m {2}清須 一郎 \(Child\)$/);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.locator("#message-error:not([hidden])").waitFor();
  assert.deepEqual(await japaneseLeft(page, ["清須 ハナ"]), [], "Japanese left on the record in English (a refused message)");
  await page.locator("#message-body").fill("あ".repeat(1990));
  await page.locator("#message-count:not([hidden])").waitFor();
  assert.equal(await page.locator("#message-error").isVisible(), false, "typing takes the refusal away");
  assert.deepEqual(await japaneseLeft(page, ["清須 ハナ"]), [], "Japanese left on the record in English (messages included)");
  await page.locator("#messages-section").screenshot({ path: join(output, "family-6b-messages-english.png") });
  await page.locator("#message-body").fill("");
  await page.locator("#bp-open").click();
  assert.deepEqual(await japaneseLeft(page, ["清須 ハナ"]), [], "Japanese left on the record in English");
  await noSidewaysScroll(page, "the record in English");
  await screenshot(page, "family-6-english.png");
  await page.locator("#settings summary").click();
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.locator("#signin-button").waitFor();
  assert.deepEqual(await japaneseLeft(page), [], "Japanese left on the sign-in screen in English");
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "ja");
  await page.locator("#signin-button").waitFor();
  assert.deepEqual(await englishWords(page), [], "and back in Japanese");
  assert.deepEqual(errors, [], "console or page errors");
  await phone.context.close();
});

test("a spent invitation is said plainly: ask the team for a new one", async () => {
  const context = await browser.newContext(PHONE);
  const errors = watch(context);
  const page = await context.newPage();
  await page.goto(invitation.url);
  await page.getByRole("button", { name: "この端末で参加する（パスキー）" }).click();
  const box = page.locator("#join-errors");
  await box.locator("li").first().waitFor();
  assert.match(await box.textContent(), /この招待は使えません/);
  assert.match(await box.textContent(), /新しい招待をお願いしてください/);
  assert.deepEqual(await axeViolations(page), [], "axe-core with the refusal");
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});

test("a browser without passkeys is told which browsers work", async () => {
  const context = await browser.newContext(PHONE);
  await context.addInitScript(() => { delete window.PublicKeyCredential; });
  const page = await context.newPage();
  await page.goto(invitation.url);
  await page.locator("#unsupported").waitFor();
  const text = await page.locator("#unsupported").textContent();
  assert.match(text, /パスキーを使えません/);
  for (const name of ["Safari", "Chrome", "Edge"]) assert.ok(text.includes(name), `${name} is named`);
  assert.equal(await page.locator("#join-button").isVisible(), false, "no button that can not work");
  await page.goto(base + "/app/family/");
  await page.locator("#signin-view").waitFor();
  assert.ok(await page.locator("#unsupported").isVisible());
  assert.equal(await page.locator("#signin-button").isVisible(), false);
  await screenshot(page, "family-5-unsupported.png");
  // Opened by its IP address, no browser can keep a passkey for the page: it says so.
  const plain = await browser.newPage(PHONE);
  await plain.goto(host.base + "/app/family/");
  await plain.locator("#unsupported-address").waitFor();
  assert.match(await plain.locator("#unsupported").textContent(), /数字だけのアドレス/);
  assert.equal(await plain.locator("#signin-button").isVisible(), false);
  await plain.close();
  await context.close();
});
