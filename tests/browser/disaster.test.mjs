// Browser flow of the safety check-ins (安否確認), in Debian's chromium through
// playwright-core: the municipality imports its register, makes a support team and
// declares an event through the API; a supporter on a small phone taps three check-ins
// with no signal and sees them go out when the signal returns, then reopens the page with
// no signal through the service worker and taps once more; the disaster HQ sees the
// totals, the map of districts without reports and the 要確認 note, prints the report and
// closes the event. Screenshots of each step go to tests/output/disaster-*.png. Starts its
// own local host on a free port and stops it afterwards.
//
//   node --test tests/browser/            (RAINBOWNET_BIN overrides the binary)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, apiLogin, expectStatus, hotp, launchChromium, registerProfessional, screenshot,
  signIn, startHost, watchErrors,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const NOTE = "右足を痛めて歩けない。明日の往診を希望。";
let host;
let base;
let browser;
let api;

// --- the API, as the municipality's systems use it ----------------------------------------

async function register(label, name, profession, roles, organization) {
  const account = await registerProfessional(api, ADMIN_TOKEN, {
    organization, email: `${label}-${Date.now()}@example.jp`, name, profession, roles, password: PASSWORD,
  }, `register ${label}`);
  assert.match(account.otpauthUri, /^otpauth:\/\/totp\//);
  return account;
}

// A small register in the municipality's export format: four people in 01 (one without
// consent: during an event supporters see them too), one each in 02 and 03, which no team
// covers, so they stay unreported.
const REGISTER_HEADER = "台帳番号,氏名,ふりがな,生年月日,性別,住所,緯度,経度,電話番号,地区コード,地区名,支援が必要な理由,緊急連絡先氏名,緊急連絡先電話番号,平常時情報提供同意,避難支援者,避難先,避難経路";
const PEOPLE = [
  ["A-0001", "清須 花子", "きよす はなこ", "1938-04-01", "女", "愛知県清須市西枇杷島町小田井一丁目1番地", "35.1965", "136.8690", "052-400-0001", "01", "西枇杷島町", "要介護3以上", "清須 一郎", "090-1000-0001", "有", "西枇杷島班", "西枇杷島小学校", "県道を北へ"],
  ["A-0002", "枇杷島 太郎", "びわじま たろう", "1935-09-12", "男", "愛知県清須市西枇杷島町小田井二丁目3番地", "35.1972", "136.8702", "052-400-0002", "01", "西枇杷島町", "独居高齢者", "枇杷島 次子", "090-1000-0002", "有", "西枇杷島班", "西枇杷島小学校", "県道を北へ"],
  ["A-0003", "小田井 ハル", "おだい はる", "1941-01-20", "女", "愛知県清須市西枇杷島町城並一丁目5番地", "35.1958", "136.8681", "052-400-0003", "01", "西枇杷島町", "身体障害者手帳1級", "小田井 守", "090-1000-0003", "無", "", "西枇杷島中学校", ""],
  ["A-0004", "問屋 良子", "とんや よしこ", "1940-06-30", "女", "愛知県清須市西枇杷島町問屋町12番地", "35.1979", "136.8675", "052-400-0004", "01", "西枇杷島町", "要介護3以上", "問屋 誠", "090-1000-0004", "有", "西枇杷島班", "西枇杷島小学校", "堤防沿いに東へ"],
  ["A-0005", "新川 次郎", "しんかわ じろう", "1933-11-03", "男", "愛知県清須市助七二丁目8番地", "35.2112", "136.8578", "052-400-0005", "02", "新川町", "要介護3以上", "新川 三郎", "090-1000-0005", "有", "", "新川小学校", ""],
  ["A-0006", "清洲 桜", "きよす さくら", "1945-03-15", "女", "愛知県清須市清洲一丁目2番地", "35.2203", "136.8432", "052-400-0006", "03", "清洲", "療育手帳A", "清洲 実", "090-1000-0006", "有", "", "清洲小学校", ""],
];
const REGISTER_CSV = [REGISTER_HEADER, ...PEOPLE.map((row) => row.join(","))].join("\r\n") + "\r\n";
const DISTRICT_01 = PEOPLE.filter((row) => row[9] === "01").map((row) => row[1]);

let hq;
let supporter;
let eventId;
let supporterState;

before(async () => {
  // RFC 6238 Appendix B (SHA-1), last six digits: proves the helper before it is trusted.
  assert.equal(hotp(Buffer.from("12345678901234567890"), Math.floor(59 / 30)), "287082");
  assert.equal(hotp(Buffer.from("12345678901234567890"), Math.floor(1111111109 / 30)), "081804");
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "disaster" });
  base = host.base;
  api = apiClient(base);
  browser = await launchChromium();
  await setUpTown();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

// The municipality's side, through the API: two accounts, the register, a team for
// district 01 and an event.
async function setUpTown() {
  hq = await register("hq", "本部 保健師", "municipal_staff", ["municipal_staff", "disaster_hq"],
    { municipality_code: TOWN, kind: "municipality", name: "清須市役所" });
  supporter = await register("supporter", "支援 ケアマネ", "care_manager", ["professional"],
    { municipality_code: TOWN, kind: "care_management_office", name: "清須ケアプランセンター" });
  const hqToken = await apiLogin(api, hq, PASSWORD);
  const supporterToken = await apiLogin(api, supporter, PASSWORD);
  const me = await expectStatus(200, api("GET", "/api/v1/auth/me", { token: supporterToken }), "supporter /me");

  const report = await expectStatus(200, api("POST", `/api/v1/disaster/register/imports?municipality=${TOWN}`,
    { token: hqToken, csv: REGISTER_CSV }), "register import");
  assert.equal(report.rejected, 0, `rejected rows: ${JSON.stringify(report.errors)}`);
  assert.equal(report.imported, PEOPLE.length);

  const team = await expectStatus(201, api("POST", "/api/v1/disaster/teams", {
    token: hqToken, json: { municipality_code: TOWN, name: "西枇杷島班", members: [me.id] },
  }), "team");
  await expectStatus(201, api("POST", `/api/v1/disaster/teams/${encodeURIComponent(team.id)}/assignments`, {
    token: hqToken, json: { district_code: "01" },
  }), "assignment");
  const event = await expectStatus(201, api("POST", "/api/v1/disaster/events", {
    token: hqToken, json: { name: "試験 地震", kind: "earthquake", municipalities: [TOWN] },
  }), "event");
  eventId = event.id;
  assert.ok(eventId, "the event has an id");
}

// While the phone is offline, Chromium may log the failed request itself; that is the
// point of the test, not a fault.
const OFFLINE = /ERR_INTERNET_DISCONNECTED/;

async function queueCount(page) {
  return (await page.locator("#queue-count-n").textContent()).trim();
}

test("a supporter taps check-ins with no signal; they go out when it returns", async () => {
  // A small phone; a fresh context, so the page must work before any service worker.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP", serviceWorkers: "block" });
  const page = await context.newPage();
  const errors = watchErrors(page, { ignore: OFFLINE });

  await page.goto(base + "/app/disaster/");
  await page.locator("#login-form").waitFor();
  await signIn(page, supporter, PASSWORD);
  const cards = page.locator("article.person");
  await cards.first().waitFor();
  // Only the people of the team's district, the one without consent included.
  const names = (await page.locator("article.person .person-name").allTextContents()).map((n) => n.trim());
  assert.deepEqual([...names].sort(), [...DISTRICT_01].sort());
  assert.equal(await page.locator('article.person [data-field="phone"] a[href^="tel:"]').count(), DISTRICT_01.length);
  assert.equal(await queueCount(page), "0");
  // At the door: where to go, who helps, whom to call, each number a tap away (44 px).
  const hanako = cards.filter({ hasText: "清須 花子" });
  assert.match(await hanako.locator('[data-field="site"]').textContent(), /西枇杷島小学校/);
  assert.match(await hanako.locator('[data-field="plan_supporter"]').textContent(), /西枇杷島班/);
  assert.match(await hanako.locator('[data-field="emergency"]').textContent(), /清須 一郎/);
  assert.equal(await hanako.locator('[data-field="emergency"] a').getAttribute("href"), "tel:09010000001");
  const tel = await hanako.locator('[data-field="phone"] a').boundingBox();
  assert.ok(tel.height >= 44, `phone link ${tel.height}px tall`);
  assert.match(await page.locator("#progress").textContent(), new RegExp(`確認済み 0人 ／ ${DISTRICT_01.length}人`));
  // Big tap targets: at least 48px high and nearly the whole width of the phone.
  const box = await cards.first().getByRole("button", { name: "安全確認済み" }).boundingBox();
  assert.ok(box.height >= 48 && box.width >= 300, `tap target ${box.width}x${box.height}`);

  await context.setOffline(true);
  await page.waitForFunction(() => !navigator.onLine);
  await page.locator('#net-status[data-state="offline"]').waitFor();
  await cards.nth(0).getByRole("button", { name: "安全確認済み" }).click();
  await cards.nth(1).getByRole("button", { name: "安全確認済み" }).click();
  const third = cards.nth(2);
  await third.getByRole("button", { name: "要確認" }).click();
  await third.getByRole("button", { name: "送信", exact: true }).click();
  // A note is required: nothing is queued without one.
  await third.locator(".field-error").waitFor();
  await third.locator("textarea").fill(NOTE);
  await third.getByRole("button", { name: "送信", exact: true }).click();
  await page.waitForFunction(() => document.getElementById("queue-count-n").textContent.trim() === "3");
  assert.equal(await page.locator("article.person.is-pending").count(), 3);
  // Progress counts what this phone has answered, sent or not; the rest can be shown alone.
  assert.match(await page.locator("#progress").textContent(), new RegExp(`確認済み 3人 ／ ${DISTRICT_01.length}人（未確認 ${DISTRICT_01.length - 3}人）`));
  await page.getByLabel("未確認の方だけ表示").check();
  assert.equal(await page.locator("article.person:visible").count(), DISTRICT_01.length - 3);
  await page.getByLabel("未確認の方だけ表示").uncheck();
  await page.getByLabel("名前・住所でさがす").fill("問屋");
  assert.deepEqual((await page.locator("article.person:visible .person-name").allTextContents()).map((n) => n.trim()), ["問屋 良子"]);
  await page.getByLabel("名前・住所でさがす").fill("");
  assert.equal(await page.locator("article.person:visible").count(), DISTRICT_01.length);
  assert.equal(await cards.nth(0).getAttribute("data-status"), "safe");
  assert.equal(await third.getAttribute("data-status"), "needs_attention");
  assert.match(await page.locator("#queue-count").textContent(), /未送信 3件/);
  await screenshot(page, "disaster-1-offline.png");

  await context.setOffline(false);
  await page.waitForFunction(() => navigator.onLine);
  // The online event sends at once; the 15-second retry is the fallback.
  await page.waitForFunction(() => document.getElementById("queue-count-n").textContent.trim() === "0", null, { timeout: 40000 });
  assert.equal(await page.locator("article.person.is-pending").count(), 0);
  await page.locator('#net-status[data-state="online"]').waitFor();
  assert.equal(await cards.nth(1).getAttribute("data-status"), "safe");
  // The drained queue is said, so the supporter knows HQ has them.
  assert.match(await page.locator("#sent-status").textContent(), /3件送信しました/);
  await screenshot(page, "disaster-2-sent.png");

  // A wrong tap is undone within a few seconds: a new check-in restores what was shown.
  const first = cards.nth(0);
  const firstName = (await first.locator(".person-name").textContent()).trim();
  await first.getByRole("button", { name: "未確認" }).click();
  await page.locator('article.person[data-status="not_yet"]', { hasText: firstName }).waitFor();
  await page.locator("#undo-bar").waitFor();
  assert.equal((await page.locator("#undo-text").textContent()).trim(), `${firstName}さん：未確認にしました`);
  const undo = await page.locator("#undo-button").boundingBox();
  assert.ok(undo.height >= 44, `undo button ${undo.height}px tall`);
  await screenshot(page, "disaster-2b-undo.png");
  await page.locator("#undo-button").click();
  assert.equal(await page.locator("#undo-bar").isHidden(), true);
  // The undo is a new check-in: the card shows it at once, and it is sent like any other.
  await page.locator('article.person[data-status="safe"]', { hasText: firstName }).waitFor();
  await page.waitForFunction(() => document.getElementById("queue-count-n").textContent.trim() === "0", null, { timeout: 40000 });
  assert.equal(await first.getAttribute("data-status"), "safe", "the undo put the first answer back");

  // A reload keeps the signed-in supporter and the answers the server now has.
  await page.reload();
  await cards.first().waitFor();
  assert.equal(await page.locator('article.person[data-status="safe"]').count(), 2);

  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  supporterState = await context.storageState();
  await context.close();
});

test("a check-in answered 408 (a stalled body) stays queued and arrives later, exactly once", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP", serviceWorkers: "block", storageState: supporterState });
  const page = await context.newPage();
  const errors = watchErrors(page, { ignore: /408/ });
  const hqToken = await apiLogin(api, hq, PASSWORD);
  const rowsOf = async (personId) => {
    const resp = await api("GET", `/api/v1/disaster/events/${encodeURIComponent(eventId)}/checkins.csv`, { token: hqToken });
    assert.equal(resp.status, 200);
    return resp.text.split("\n").filter((line) => line.includes(personId)).length;
  };
  // The host's own answer to a body that stalled on a weak signal, once.
  let stalled = 0;
  await page.route("**/api/v1/disaster/events/*/checkins", async (route) => {
    if (route.request().method() === "POST" && stalled === 0) {
      stalled += 1;
      await route.fulfill({
        status: 408, contentType: "application/problem+json",
        body: JSON.stringify({ type: "/problems/request-timeout", title: "Request Timeout", status: 408 }),
      });
      return;
    }
    await route.continue();
  });
  await page.goto(base + "/app/disaster/");
  // Someone already answered 安全確認済み, so that the totals the HQ test checks stay as they are.
  const card = page.locator('article.person[data-status="safe"]').first();
  await card.waitFor();
  const personId = (await card.getAttribute("id")).replace(/^person-/, "");
  const before = await rowsOf(personId);
  assert.ok(before >= 1, "the person has a check-in already");
  await card.getByRole("button", { name: "安全確認済み" }).click();
  await page.waitForFunction(() => document.getElementById("queue-count-n").textContent.trim() === "1");
  // Answered 408: still queued, not shown as refused.
  await page.waitForTimeout(500);
  assert.equal(stalled, 1, "the first send was answered 408");
  assert.equal(await queueCount(page), "1", "the check-in is kept after a 408");
  assert.equal((await card.locator(".card-error").textContent()).trim(), "", "no refusal shown for a 408");
  assert.equal(await page.locator("#not-sent").isHidden(), true, "nothing listed as not sent");
  assert.equal(await rowsOf(personId), before, "nothing stored yet");
  // The signal comes back (the same happens on the 15-second retry).
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForFunction(() => document.getElementById("queue-count-n").textContent.trim() === "0", null, { timeout: 40000 });
  assert.equal(await rowsOf(personId), before + 1, "stored exactly once");
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});

test("with the service worker, the page reopens with no signal and still records", async (t) => {
  if (!supporterState) return t.skip("needs the signed-in phone of the test before");
  // The same phone later (its saved tokens and list), this time with the service worker.
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, locale: "ja-JP", serviceWorkers: "allow", storageState: supporterState,
  });
  const page = await context.newPage();
  const errors = watchErrors(page, { ignore: OFFLINE });
  await page.goto(base + "/app/disaster/");
  const cards = page.locator("article.person");
  await cards.first().waitFor();
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null);

  await context.setOffline(true);
  await page.reload();
  await cards.nth(DISTRICT_01.length - 1).waitFor();
  // A page the service worker served may still say navigator.onLine; then the failed
  // request shows the server as unreachable instead. Either way, not "online".
  await page.locator('#net-status:not([data-state="online"])').waitFor();
  assert.match(await page.locator("#list-status").textContent(), /保存済みの一覧/);
  assert.equal(await page.locator('article.person[data-status="safe"]').count(), 2, "the saved list shows");
  const last = cards.nth(DISTRICT_01.length - 1);
  await last.getByRole("button", { name: "未確認" }).click();
  await page.waitForFunction(() => document.getElementById("queue-count-n").textContent.trim() === "1");
  await screenshot(page, "disaster-2b-offline-reload.png");

  await context.setOffline(false);
  // navigator.onLine may never have changed here, so no online event comes: send one
  // rather than wait for the 15-second retry.
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await page.waitForFunction(() => document.getElementById("queue-count-n").textContent.trim() === "0", null, { timeout: 40000 });
  await page.locator('#net-status[data-state="online"]').waitFor();
  assert.equal(await last.getAttribute("data-status"), "not_yet");
  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  await context.close();
});

test("the HQ sees the totals, the unreported districts and the note, prints and closes", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP", acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page, { ignore: OFFLINE });

  await page.goto(base + "/app/disaster/hq.html");
  await page.locator("#login-form").waitFor();
  await signIn(page, hq, PASSWORD);
  await page.waitForFunction(() => document.getElementById("total-safe").textContent.trim() === "2");
  assert.equal(await page.locator("#event-select").inputValue(), eventId);
  // A new event's towns are ticked by name, the HQ's own already: no code to type.
  await page.locator("#declare summary").click();
  assert.ok(await page.locator(`#declare-municipalities input[value='${TOWN}']`).isChecked(), "the HQ's own town is ticked");
  assert.match(await page.locator("#declare-municipalities").textContent(), new RegExp(`清須市（${TOWN}）`));
  await page.locator("#declare summary").click();
  assert.equal((await page.locator("#total-total").textContent()).trim(), String(PEOPLE.length));
  assert.equal((await page.locator("#total-attention").textContent()).trim(), "1");
  // An explicit 未確認 still counts as not yet.
  assert.equal((await page.locator("#total-not-yet").textContent()).trim(), String(PEOPLE.length - 3));
  assert.match(await page.locator("#attention-list").textContent(), new RegExp(NOTE));
  // The 地区 column names the district, not the person (it once showed the name twice).
  const attentionCells = await page.locator("#attention-list tbody tr").first().locator("td").allTextContents();
  assert.notEqual(attentionCells[1], attentionCells[0], "地区 is not the person's name");
  // 報告者 is the supporter's name, not a 26-character account id.
  assert.equal(attentionCells[attentionCells.length - 1].trim(), "支援 ケアマネ");
  assert.match(await page.locator("#generated-at").textContent(), /\d/);
  // District 01: 3 of 4 reported.
  assert.match(await page.locator("#district-tables tr", { hasText: "西枇杷島町" }).textContent(), /75%/);

  // Only district 01 (4 people) is on the map: 02 and 03 hold one person each, whose
  // centroid would be their home, so the server sends none. They have no reports and are
  // listed, and named as not on the map.
  assert.equal(await page.locator("#district-map svg circle.district").count(), 1);
  assert.equal(await page.locator("#district-map svg circle.district.unreported").count(), 0);
  const offMap = await page.locator("#no-location").textContent();
  assert.match(offMap, /新川町/);
  assert.match(offMap, /清洲/);
  const unreported = await page.locator("#unreported-list").textContent();
  assert.match(unreported, /新川町/);
  assert.match(unreported, /清洲/);
  assert.doesNotMatch(unreported, /西枇杷島町/);
  await screenshot(page, "disaster-3-hq.png");

  // On a 390 px phone each district and each 要確認 row is a card whose cells name their
  // column; nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const card = page.locator("#district-tables tbody tr", { hasText: "西枇杷島町" });
  assert.equal(await card.evaluate((tr) => getComputedStyle(tr).display), "block");
  assert.equal(await card.locator("td").nth(6).getAttribute("data-label"), "報告率");
  assert.equal(await page.locator("#attention-list tbody tr td").nth(4).getAttribute("data-label"), "状況");
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "no sideways scroll at 390 px");
  await screenshot(page, "disaster-3b-hq-390.png");
  await page.setViewportSize({ width: 1280, height: 900 });

  // The CSV needs the bearer token: fetched by the page and handed over as a Blob.
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download-summary").click()]);
  assert.match(download.suggestedFilename(), /\.csv$/);

  await page.emulateMedia({ media: "print" });
  assert.ok(!(await page.locator("#refresh").isVisible()), "buttons are not printed");
  assert.ok(await page.locator("#report .report-kind").isVisible(), "the print heading shows");
  assert.ok(await page.locator("#district-map svg").isVisible(), "the map is printed");
  await screenshot(page, "disaster-4-print.png");
  await page.emulateMedia({ media: "screen" });

  // Closing the event turns the 要確認 list into the follow-up list.
  page.once("dialog", (dialog) => dialog.accept());
  await page.locator("#close-event").click();
  await page.locator("#attention-title", { hasText: "継続支援リスト" }).waitFor();
  assert.match(await page.locator("#attention-list").textContent(), new RegExp(NOTE));

  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  await context.close();
});

test("a town-hall clerk imports the register and forms a support team on the HQ page", async () => {
  const clerk = await register("clerk", "防災 係員", "municipal_staff", ["municipal_staff"],
    { municipality_code: TOWN, kind: "municipality", name: "清須市役所 福祉課" });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ja-JP" });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(base + "/app/disaster/hq.html");
  await page.locator("#login-form").waitFor();
  await signIn(page, clerk, PASSWORD);
  await page.locator("#register").waitFor({ state: "visible" });
  assert.ok(!(await page.locator("#declare").isVisible()), "only the HQ declares events");
  // The register goes to the clerk's own town, picked by name.
  assert.equal(await page.locator("#register-municipality").inputValue(), TOWN);

  // Two good rows and one with an unreadable 性別 (file line 3).
  const rows = [
    ["P-0001", "日野 一子", "ひの かずこ", "昭和12年3月1日", "女", "愛知県清須市土田一丁目1番地", "35.2150", "136.8500", "052-400-1001", "11", "土田", "要介護3以上", "", "", "有", "", "土田小学校", ""],
    ["P-0002", "日野 二郎", "ひの じろう", "1936-05-05", "おとこ", "愛知県清須市土田一丁目2番地", "35.2151", "136.8501", "", "11", "土田", "独居高齢者", "", "", "有", "", "", ""],
    ["P-0003", "日野 三枝", "ひの みえ", "1939-07-07", "女", "愛知県清須市土田一丁目3番地", "35.2152", "136.8502", "", "11", "土田", "障害", "", "", "無", "", "", ""],
  ];
  const file = { name: "名簿.csv", mimeType: "text/csv", buffer: Buffer.from([REGISTER_HEADER, ...rows.map((r) => r.join(","))].join("\r\n") + "\r\n") };
  await page.locator("#register summary").click();
  await page.locator("#register-file").setInputFiles(file);
  await page.locator("#register-form button[type=submit]").click();
  await page.locator("#register-result", { hasText: "新規 2件" }).waitFor();
  assert.match(await page.locator("#register-result").textContent(), /3行目/);
  // The same file again changes nothing.
  await page.locator("#register-file").setInputFiles(file);
  await page.locator("#register-form button[type=submit]").click();
  await page.locator("#register-result", { hasText: "変更なし 2件" }).waitFor();

  await page.locator("#teams summary").click();
  await page.locator("#team-name").fill("土田班");
  // The supporter is found in the directory by name, not typed in by id.
  await page.locator("#team-search").fill("支援 ケアマネ");
  await page.locator("#team-search-go").click();
  await page.locator("#team-search-results button.pick", { hasText: "支援 ケアマネ" }).first().click();
  await page.locator("#team-chosen li", { hasText: "支援 ケアマネ" }).waitFor();
  // The register's districts are offered by name, with how many people live there.
  await page.locator('#district-codes option[value="11"]', { hasText: "土田（2人）" }).waitFor({ state: "attached" });
  await page.locator("#team-districts").fill("11");
  await page.locator("#team-form button[type=submit]").click();
  await page.locator("#team-result", { hasText: "地区 11 を担当" }).waitFor();
  await screenshot(page, "disaster-5-register-teams.png");
  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  await context.close();
});
