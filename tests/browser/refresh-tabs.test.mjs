// Tabs that share one login, in Debian's chromium through playwright-core. Refresh tokens
// rotate and presenting a spent one revokes the whole family, so when the access token of
// a login two tabs share runs out, exactly one of them may refresh it and the other must
// take the new pair. Two tabs of the supporter's page (tokens in localStorage) queue
// check-ins with no signal and send them with an expired access token when it returns:
// with Web Locks and with the localStorage lease used where there are none (plain http).
// A duplicated HQ tab (a copy of the sessionStorage) takes the pair its twin rotated. And
// the people's names, addresses and phones leave the phone at logout (after a warning when
// check-ins are still unsent), when the session ends and when the event is seen closed.
// Starts its own local host on a free port and stops it afterwards.
//
//   node --test tests/browser/refresh-tabs.test.mjs
//
// The binary embeds static/ when it is built; RAINBOWNET_STATIC=disk serves the working
// tree's static/ instead (with the binary's headers, CSP included), to try an edit of the
// web client without rebuilding.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  apiClient, apiLogin, expectStatus, launchChromium, registerProfessional, root, signIn, startHost,
  watchErrors,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const AUTH = "rainbownet-disaster-auth";
const HQ_AUTH = "rainbownet-hq-auth";
// Offline fetches and the 401s that start a refresh are the point here, not faults.
const EXPECTED = /ERR_INTERNET_DISCONNECTED|status of 401/;
const PHONE = { viewport: { width: 390, height: 844 }, locale: "ja-JP", serviceWorkers: "block" };

// Eight people of district 01, all for the supporters' team; each test taps its own.
const REGISTER_HEADER = "台帳番号,氏名,ふりがな,生年月日,性別,住所,緯度,経度,電話番号,地区コード,地区名,支援が必要な理由,緊急連絡先氏名,緊急連絡先電話番号,平常時情報提供同意,避難支援者,避難先,避難経路";
const PEOPLE = [
  ["T-0001", "春日 一子", "かすが いちこ", "1938-04-01", "女", "愛知県清須市春日一丁目1番地", "35.1965", "136.8690", "052-401-0001"],
  ["T-0002", "春日 二郎", "かすが じろう", "1935-09-12", "男", "愛知県清須市春日二丁目2番地", "35.1972", "136.8702", "052-401-0002"],
  ["T-0003", "春日 三枝", "かすが みえ", "1941-01-20", "女", "愛知県清須市春日三丁目3番地", "35.1958", "136.8681", "052-401-0003"],
  ["T-0004", "春日 四郎", "かすが しろう", "1940-06-30", "男", "愛知県清須市春日四丁目4番地", "35.1979", "136.8675", "052-401-0004"],
  ["T-0005", "春日 五月", "かすが さつき", "1933-11-03", "女", "愛知県清須市春日五丁目5番地", "35.1981", "136.8670", "052-401-0005"],
  ["T-0006", "春日 六郎", "かすが ろくろう", "1945-03-15", "男", "愛知県清須市春日六丁目6番地", "35.1983", "136.8665", "052-401-0006"],
  ["T-0007", "春日 七海", "かすが ななみ", "1939-07-07", "女", "愛知県清須市春日七丁目7番地", "35.1985", "136.8660", "052-401-0007"],
  ["T-0008", "春日 八郎", "かすが はちろう", "1936-08-08", "男", "愛知県清須市春日八丁目8番地", "35.1987", "136.8655", "052-401-0008"],
].map((row) => [...row, "01", "春日", "要介護3以上", "", "", "有", "", "春日小学校", ""]);
const REGISTER_CSV = [REGISTER_HEADER, ...PEOPLE.map((row) => row.join(","))].join("\r\n") + "\r\n";
const NAMES = PEOPLE.map((row) => row[1]);
// What must not stay on the phone: every name, address and phone number of the register.
const PERSONAL = PEOPLE.flatMap((row) => [row[1], row[5], row[8]]);

let host;
let base;
let browser;
let api;
let hq;
let hqToken;
let eventId;
const supporters = {};
const personIds = {}; // name → register id

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "refresh-tabs" });
  base = host.base;
  api = apiClient(base);
  browser = await launchChromium();

  hq = await register("hq", "本部 保健師", "municipal_staff", ["municipal_staff", "disaster_hq"],
    { municipality_code: TOWN, kind: "municipality", name: "清須市役所" });
  // One supporter per test: each login takes a fresh TOTP step of its own account.
  for (const label of ["tabs", "lease", "logout", "expiry", "closed"]) {
    supporters[label] = await register(`supporter-${label}`, `支援 ${label}`, "care_manager", ["professional"],
      { municipality_code: TOWN, kind: "care_management_office", name: "清須ケアプランセンター" });
  }
  hqToken = await apiLogin(api, hq, PASSWORD);
  const report = await expectStatus(200, api("POST", `/api/v1/disaster/register/imports?municipality=${TOWN}`,
    { token: hqToken, csv: REGISTER_CSV }), "register import");
  assert.equal(report.rejected, 0, `rejected rows: ${JSON.stringify(report.errors)}`);
  const listed = await expectStatus(200, api("GET", `/api/v1/disaster/register?municipality=${TOWN}`, { token: hqToken }), "register");
  for (const person of listed.items) personIds[person.name] = person.id;
  assert.equal(Object.keys(personIds).length, PEOPLE.length);
  const team = await expectStatus(201, api("POST", "/api/v1/disaster/teams", {
    token: hqToken, json: { municipality_code: TOWN, name: "春日班", members: Object.values(supporters).map((s) => s.id) },
  }), "team");
  await expectStatus(201, api("POST", `/api/v1/disaster/teams/${encodeURIComponent(team.id)}/assignments`, {
    token: hqToken, json: { district_code: "01" },
  }), "assignment");
  const event = await expectStatus(201, api("POST", "/api/v1/disaster/events", {
    token: hqToken, json: { name: "試験 水害", kind: "flood", municipalities: [TOWN] },
  }), "event");
  eventId = event.id;
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

async function register(label, name, profession, roles, organization) {
  return registerProfessional(api, ADMIN_TOKEN, {
    organization, email: `${label}-${Date.now()}@example.jp`, name, profession, roles, password: PASSWORD,
  }, `register ${label}`);
}

// --- the browser side ----------------------------------------------------------------------

async function newContext(options) {
  const context = await browser.newContext(options);
  if (process.env.RAINBOWNET_STATIC === "disk") {
    await context.route(`${base}/app/**`, async (route) => {
      let rel = new URL(route.request().url()).pathname.slice("/app/".length);
      if (rel === "" || rel.endsWith("/")) rel += "index.html";
      const file = join(root, "static", rel);
      if (!existsSync(file)) return route.continue();
      const response = await route.fetch();
      await route.fulfill({ response, body: readFileSync(file) });
    });
  }
  // Every refresh any tab of this browser makes.
  context.refreshes = 0;
  context.on("request", (request) => {
    if (new URL(request.url()).pathname === "/api/v1/auth/refresh") context.refreshes += 1;
  });
  return context;
}

const card = (page, name) => page.locator("article.person", { has: page.locator(".person-name", { hasText: name }) });

function queueIs(page, n) {
  return page.waitForFunction((want) => document.getElementById("queue-count-n").textContent.trim() === want,
    String(n), { timeout: 40000 });
}

async function signedIn(page) {
  return (await page.locator("#work").isVisible()) && !(await page.locator("#signin").isVisible());
}

// What the page's origin keeps in localStorage, every key and value as one text.
function localDump(page) {
  return page.evaluate(() => Object.keys(localStorage).map((k) => k + "=" + localStorage.getItem(k)).join("\n"));
}

function assertNoPeople(dump, what) {
  assert.doesNotMatch(dump, /rainbownet-disaster-people/, `${what}: the saved list is gone`);
  for (const text of PERSONAL) assert.ok(!dump.includes(text), `${what}: ${text} is still on the phone`);
}

// An access token with a forged signature: refused with 401, exactly as an expired one.
function forge(token) {
  const [head, body, signature] = token.split(".");
  return [head, body, (signature[0] === "A" ? "B" : "A") + signature.slice(1)].join(".");
}

// The access token runs out (and the refresh token too, with refreshToo) in the page's storage.
async function expireAccess(page, storage, key, { refreshToo = false } = {}) {
  const area = storage === "local" ? "localStorage" : "sessionStorage";
  const auth = JSON.parse(await page.evaluate(([a, k]) => window[a].getItem(k), [area, key]));
  auth.access_token = forge(auth.access_token);
  if (refreshToo) auth.refresh_token = "not-a-refresh-token";
  await page.evaluate(([a, k, v]) => window[a].setItem(k, v), [area, key, JSON.stringify(auth)]);
  return auth;
}

function storedAuth(page, storage, key) {
  const area = storage === "local" ? "localStorage" : "sessionStorage";
  return page.evaluate(([a, k]) => JSON.parse(window[a].getItem(k)), [area, key]);
}

// The page's stored access token, used by the page itself: 200 while the login lives.
function meStatus(page, storage, key) {
  const area = storage === "local" ? "localStorage" : "sessionStorage";
  return page.evaluate(async ([a, k]) => {
    const auth = JSON.parse(window[a].getItem(k));
    const resp = await fetch("/api/v1/auth/me", { headers: { authorization: "Bearer " + auth.access_token } });
    return resp.status;
  }, [area, key]);
}

// The event's check-in history as HQ downloads it: person id → rows.
async function history() {
  const resp = await api("GET", `/api/v1/disaster/events/${encodeURIComponent(eventId)}/checkins.csv`, { token: hqToken });
  assert.equal(resp.status, 200, resp.text);
  const lines = resp.text.replace(/^\uFEFF/, "").split("\r\n").filter((l) => l);
  const header = lines.shift().split(",");
  const rows = {};
  for (const line of lines) {
    const cells = line.split(",");
    const row = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
    (rows[row.person_id] ??= []).push(row);
  }
  return rows;
}

async function openSupporter(context, account) {
  const page = await context.newPage();
  const errors = watchErrors(page, { ignore: EXPECTED });
  await page.goto(base + "/app/disaster/");
  if (account) {
    await page.locator("#login-form").waitFor();
    await signIn(page, account, PASSWORD);
  }
  await page.locator("article.person").first().waitFor();
  return { page, errors };
}

// --- two tabs, one login ---------------------------------------------------------------------

async function twoTabs(account, [first, second], { withoutLocks }) {
  const context = await newContext(PHONE);
  if (withoutLocks) {
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true }));
  }
  const one = await openSupporter(context, account);
  // The second tab is signed in already: the login lives in the page's localStorage.
  const two = await openSupporter(context, null);
  assert.ok(await signedIn(two.page), "the second tab shares the login");
  assert.equal(await one.page.evaluate(() => typeof navigator.locks), withoutLocks ? "undefined" : "object");
  const before = await storedAuth(one.page, "local", AUTH);

  await context.setOffline(true);
  for (const tab of [one, two]) await tab.page.waitForFunction(() => !navigator.onLine);
  await card(one.page, first).getByRole("button", { name: "安全確認済み" }).click();
  await queueIs(one.page, 1);
  await card(two.page, second).getByRole("button", { name: "未確認" }).click();
  await queueIs(two.page, 2); // both tabs' taps wait in the one queue of this phone

  // The access token runs out while the phone is offline: both tabs' next requests get 401.
  const expired = await expireAccess(one.page, "local", AUTH);
  await two.page.waitForFunction(([k, token]) => JSON.parse(localStorage.getItem(k)).access_token === token,
    [AUTH, expired.access_token]);
  const refreshesBefore = context.refreshes;
  await context.setOffline(false);
  await Promise.all([queueIs(one.page, 0), queueIs(two.page, 0)]);

  // One refresh for the two tabs; the other took the new pair instead of spending the old.
  assert.equal(context.refreshes - refreshesBefore, 1, "refreshes made by the two tabs");
  const now = await storedAuth(two.page, "local", AUTH);
  assert.notEqual(now.refresh_token, before.refresh_token, "the refresh token was rotated");
  for (const tab of [one, two]) {
    assert.ok(await signedIn(tab.page), "both tabs are still signed in");
    assert.equal(await meStatus(tab.page, "local", AUTH), 200, "the stored access token works");
  }
  // Each check-in reached the server exactly once.
  const rows = await history();
  assert.deepEqual((rows[personIds[first]] ?? []).map((r) => r.status), ["safe"], first);
  assert.deepEqual((rows[personIds[second]] ?? []).map((r) => r.status), ["not_yet"], second);
  // And the family was never revoked: its newest refresh token is still good.
  await expectStatus(200, api("POST", "/api/v1/auth/refresh", { json: { refresh_token: now.refresh_token } }),
    "the shared login's refresh token");
  assert.deepEqual([...one.errors, ...two.errors], [], "console or page errors");
  await context.close();
}

test("two tabs of one supporter send their queued check-ins through one refresh (Web Locks)", async () => {
  await twoTabs(supporters.tabs, [NAMES[0], NAMES[1]], { withoutLocks: false });
});

test("two tabs of one supporter send their queued check-ins through one refresh (localStorage lease)", async () => {
  await twoTabs(supporters.lease, [NAMES[2], NAMES[3]], { withoutLocks: true });
});

test("a duplicated HQ tab takes the pair its twin rotated instead of spending the old one", async () => {
  const context = await newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  const one = await context.newPage();
  const errorsOne = watchErrors(one, { ignore: EXPECTED });
  await one.goto(base + "/app/disaster/hq.html");
  await one.locator("#login-form").waitFor();
  await signIn(one, hq, PASSWORD);
  await one.locator("#hq").waitFor();
  await one.waitForFunction(() => document.getElementById("event-select").options.length > 0);
  // A duplicated tab starts with a copy of the sessionStorage, tokens included.
  const copied = await one.evaluate((k) => sessionStorage.getItem(k), HQ_AUTH);
  const two = await context.newPage();
  const errorsTwo = watchErrors(two, { ignore: EXPECTED });
  await two.addInitScript(([k, v]) => { if (!sessionStorage.getItem(k)) sessionStorage.setItem(k, v); }, [HQ_AUTH, copied]);
  await two.goto(base + "/app/disaster/hq.html");
  await two.locator("#hq").waitFor();
  await two.waitForFunction(() => document.getElementById("event-select").options.length > 0);

  for (const page of [one, two]) await expireAccess(page, "session", HQ_AUTH);
  const refreshesBefore = context.refreshes;
  // Both tabs reload at once, so both get 401.
  await Promise.all([one, two].map((page) => page.evaluate(() => document.getElementById("refresh").click())));
  // Done when each tab holds a new pair or shows the login form.
  for (const page of [one, two]) {
    await page.waitForFunction(([k, old]) => {
      const auth = JSON.parse(sessionStorage.getItem(k));
      return !auth || auth.refresh_token !== old;
    }, [HQ_AUTH, JSON.parse(copied).refresh_token], { timeout: 20000 });
  }
  assert.equal(context.refreshes - refreshesBefore, 1, "refreshes made by the two tabs");
  const [a, b] = [await storedAuth(one, "session", HQ_AUTH), await storedAuth(two, "session", HQ_AUTH)];
  assert.equal(a.refresh_token, b.refresh_token, "both tabs hold the rotated pair");
  for (const page of [one, two]) {
    assert.ok(await page.locator("#signin").isHidden(), "still signed in");
    assert.equal(await meStatus(page, "session", HQ_AUTH), 200, "the stored access token works");
  }
  assert.deepEqual([...errorsOne, ...errorsTwo], [], "console or page errors");
  await context.close();
});

// --- the people's data leaves the phone ------------------------------------------------------

test("logout warns about unsent check-ins, then leaves no one's name, address or phone behind", async () => {
  const context = await newContext(PHONE);
  const one = await openSupporter(context, supporters.logout);
  const two = await openSupporter(context, null);
  assert.ok((await localDump(one.page)).includes(NAMES[4]), "the list is saved for use offline");

  await context.setOffline(true);
  await one.page.waitForFunction(() => !navigator.onLine);
  await card(one.page, NAMES[4]).getByRole("button", { name: "安全確認済み" }).click();
  await queueIs(one.page, 1);

  // Cancelling the warning keeps everything.
  let warning = one.page.waitForEvent("dialog");
  let clicked = one.page.locator("#logout").click();
  const cancelled = await warning;
  assert.match(cancelled.message(), /未送信の安否確認が 1 件/);
  await cancelled.dismiss();
  await clicked;
  await one.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
  assert.ok(await signedIn(one.page), "cancelled: still signed in");
  assert.equal(await one.page.locator("#queue-count-n").textContent(), "1");
  assert.ok((await localDump(one.page)).includes(NAMES[4]), "cancelled: the list stays");

  warning = one.page.waitForEvent("dialog");
  clicked = one.page.locator("#logout").click();
  await (await warning).accept();
  await clicked;
  await one.page.locator("#signin").waitFor();
  await queueIs(one.page, 0);
  assertNoPeople(await localDump(one.page), "after logout");
  assert.equal(await one.page.locator("article.person").count(), 0);
  // The other tab follows: signed out, its cards gone.
  await two.page.locator("#signin").waitFor();
  assert.equal(await two.page.locator("article.person").count(), 0);
  assert.deepEqual([...one.errors, ...two.errors], [], "console or page errors");
  await context.close();
});

test("when the session ends the list goes but the queue stays, and is sent after the next login", async () => {
  const context = await newContext(PHONE);
  const { page, errors } = await openSupporter(context, supporters.expiry);
  await context.setOffline(true);
  await page.waitForFunction(() => !navigator.onLine);
  await card(page, NAMES[5]).getByRole("button", { name: "安全確認済み" }).click();
  await queueIs(page, 1);
  // Both tokens dead: the refresh is refused, and the session is over.
  await expireAccess(page, "local", AUTH, { refreshToo: true });
  await context.setOffline(false);
  await page.locator("#signin").waitFor({ timeout: 40000 });
  assert.match(await page.locator("#login-status").textContent(), /未送信の 1 件/);
  assertNoPeople(await localDump(page), "after the session ended");
  assert.equal(await page.locator("#queue-count-n").textContent(), "1");

  await signIn(page, supporters.expiry, PASSWORD);
  await queueIs(page, 0);
  assert.deepEqual((await history())[personIds[NAMES[5]]].map((r) => r.status), ["safe"]);
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});

test("an event seen closed takes its list off the phone; a check-in queued before is not lost silently", async () => {
  const context = await newContext(PHONE);
  const { page, errors } = await openSupporter(context, supporters.closed);
  await context.setOffline(true);
  await page.waitForFunction(() => !navigator.onLine);
  await card(page, NAMES[6]).getByRole("button", { name: "安全確認済み" }).click();
  await queueIs(page, 1);
  await expectStatus(200, api("POST", `/api/v1/disaster/events/${encodeURIComponent(eventId)}/close`, { token: hqToken }),
    "close the event");

  await context.setOffline(false);
  await queueIs(page, 0);
  await page.locator("#event-name", { hasText: "発生中の災害はありません" }).waitFor();
  assert.equal(await page.locator("article.person").count(), 0);
  assertNoPeople(await localDump(page), "after the event closed");
  // Observed before the close: either the server took it, or the page lists it as not sent.
  const taken = ((await history())[personIds[NAMES[6]]] ?? []).length;
  const listed = (await page.locator("#not-sent-list li").allTextContents()).filter((l) => l.includes(NAMES[6])).length;
  assert.equal(taken + listed, 1, `taken by the server ${taken}, listed as not sent ${listed}`);
  assert.ok(await signedIn(page), "still signed in");
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});
