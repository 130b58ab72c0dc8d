// Browser flow of the care client's family features (issue #34), in Debian's chromium
// through playwright-core: a nurse registered through the API opens her patient on a 390 px
// phone, invites the patient's son (the QR code, the link to copy, until when, the print
// view) and withdraws a second invitation; posts with 「家族にも共有する」 (the card says
// 家族と共有中) and shares an older post from its card; sets a blood-pressure threshold (a
// wrong one refused beside its field, then above 160). The son joins on his phone with a
// passkey (a CDP virtual authenticator) from the invitation's link and records 172/96 on the
// family page, and four more mornings through the API with his token. Back on the nurse's
// page the alert stands above the tabs (上の血圧 172, 自己測定); 「確認しました」, pressed from
// the keyboard, moves it to the acknowledged list with her name; the vitals tab marks the
// son's readings 自己測定（清須 一郎）, draws them hollow with a legend, and says the mornings'
// home blood pressure. The son then writes to the team through the API (「母が昨夜から咳を…」):
// the nurse's page, back in view, shows it above the tabs (time, 清須 一郎（子）, the text's
// lines kept) and on the 家族 tab, and 「タイムラインで返信する」 puts her in the composer with
// 「家族にも共有する」 checked; 21 messages page with 「もっと見る」. axe-core checks each view,
// and the pages read wholly in English when asked. Screenshots go to
// tests/output/care-family-*.png. Starts its own local host.
//
//   node --test tests/browser/care-family.test.mjs      (RAINBOWNET_BIN overrides the binary)
//
// The binary embeds static/ when it is built: rebuild after changing static/.

import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, apiLogin, axeViolations, expectStatus, japaneseLeft, launchChromium, output, registerProfessional, screenshot,
  signIn, startHost,
  FAMILY_PATIENT as PATIENT, PHONE,
  noSidewaysScroll, tapTarget, tabTo,
  watchContextErrors,
  addPhoneAuthenticator,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const SHARED = "本日の訪問で入浴介助を行いました。明日は10時に伺います。";
const LATER = "夕方に主治医へ報告済み。";
const FAMILY_NOTE = "母が昨夜から咳をしています。\n熱は37.2度です。";
const REPLY = "ご連絡ありがとうございます。本日14時に伺い、様子を拝見します。";
// Refused requests the flow causes on purpose (a wrong threshold): Chromium logs each.
const EXPECTED = /status of 422/;
const HOUR = 3600 * 1000;

let host;
let base;
let api;
let browser;
let nurse;
let nurseToken;
let patientId;
let invitationUrl;
let sonToken; // the son's access token on the family page
// The nurse's phone: one page for the whole flow.
let nurseSide;
let morning; // the son's first reading: 7:00 Japan time today (or yesterday before 7:00)

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "care-family" });
  // A passkey belongs to a host name: the invitation's link is made on the host the nurse's
  // page is on, so the whole flow is on localhost (an IP address can have no passkeys).
  base = host.base.replace("//127.0.0.1:", "//localhost:");
  api = apiClient(base);
  browser = await launchChromium();
  nurse = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "visiting_nurse_station", name: "清須訪問看護ステーション" },
    email: `nurse-${Date.now()}@example.jp`, name: "看護 花子", profession: "nurse", roles: ["professional"], password: PASSWORD,
  }, "register the nurse");
  nurseToken = await apiLogin(api, nurse, PASSWORD);
  patientId = (await expectStatus(201, api("POST", "/api/v1/patients", { token: nurseToken, json: PATIENT }), "patient")).id;
  // 7:00 in Japan: today, or yesterday when it is not 7:00 there yet.
  const jstNow = new Date(Date.now() + 9 * HOUR);
  const day = Date.UTC(jstNow.getUTCFullYear(), jstNow.getUTCMonth(), jstNow.getUTCDate()) - 9 * HOUR;
  morning = day + 7 * HOUR <= Date.now() ? day + 7 * HOUR : day + 7 * HOUR - 24 * HOUR;
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

const watch = (context) => watchContextErrors(context, { ignore: EXPECTED });

// ISO text of `ms` as datetime-local wants it, in Japan time.
const localJst = (ms) => new Date(ms + 9 * HOUR).toISOString().slice(0, 16);

test("the nurse invites the son: a QR code, the link to copy, until when, a print view", async () => {
  const context = await browser.newContext(PHONE);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const errors = watch(context);
  const page = await context.newPage();
  nurseSide = { context, page, errors };
  await page.goto(base + "/app/care/");
  await page.locator("#login-form").waitFor();
  await signIn(page, nurse, PASSWORD);
  await page.locator("#patient-list a.patient-link").first().waitFor();
  await page.goto(`${base}/app/care/#/patients/${patientId}/family`);
  await page.locator("#patient-name", { hasText: "清須 ハナ" }).waitFor();
  await page.locator("#family-status", { hasText: "まだ招待していません" }).waitFor();
  assert.equal(await page.locator("#tab-family").getAttribute("aria-selected"), "true");
  assert.ok(await page.locator("#alerts").isHidden(), "no alerts box before any alert");
  const relations = await page.locator("#family-relation option").allTextContents();
  assert.deepEqual(relations, ["本人", "配偶者", "子", "親", "きょうだい", "その他の家族"]);

  // An empty name is said beside the field before anything is sent.
  await page.locator("#family-submit").click();
  await page.locator("#family-name-error:not([hidden])").waitFor();
  assert.equal(await page.locator("#family-name").getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "family-name");

  await page.getByLabel("お名前").fill("清須 一郎");
  await page.getByLabel("続柄").selectOption("child");
  await page.locator("#family-submit").click();
  const result = page.locator("#family-result");
  await result.waitFor();
  assert.match(await page.locator("#family-result-title").textContent(), /清須 一郎 さんへの招待/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "family-result-title", "the result takes the focus");
  // The QR code: an <svg> rebuilt from the server's markup, squares only.
  const qr = page.locator("#family-qr svg.qr-code");
  await qr.waitFor();
  assert.equal(await qr.getAttribute("role"), "img");
  assert.equal(await qr.getAttribute("aria-label"), "参加用のQRコード");
  assert.ok(await qr.locator("path").count() >= 1, "the QR code's squares");
  assert.deepEqual(await qr.evaluate((svg) => [...new Set([...svg.querySelectorAll("*")].map((n) => n.localName))].sort()), ["path", "rect"]);
  const qrBox = await qr.boundingBox();
  assert.ok(qrBox.width >= 200 && qrBox.width <= 390, `the QR code is ${qrBox.width}px wide`);
  invitationUrl = await page.locator("#family-url").inputValue();
  assert.match(invitationUrl, new RegExp(`^${base.replace(/[.]/g, "\\.")}/app/family/#join=[A-Z2-7]{26}$`));
  assert.match(await page.locator("#family-expires").textContent(), /^有効期限：\d{4}年\d{1,2}月\d{1,2}日（[日月火水木金土]）\d{1,2}時\d{2}分まで$/);
  await page.locator("#family-copy").click();
  await page.locator("#family-copy-status", { hasText: "コピーしました" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), invitationUrl, "the link is on the clipboard");
  const item = page.locator("#family-list li.invitation");
  assert.equal(await item.count(), 1);
  assert.match(await item.first().textContent(), /清須 一郎.*子.*未使用/);
  await tapTarget(page.locator("#family-print-button"), "print button");
  await tapTarget(page.locator("#family-copy"), "copy button");
  await noSidewaysScroll(page, "family tab");
  await screenshot(page, "care-family-1-invite.png");

  // The print view: the sheet alone, the QR code large, for whom and how to join.
  await page.evaluate(() => { window.print = () => { window.__printed = true; }; });
  await page.locator("#family-print-button").click();
  assert.equal(await page.evaluate(() => window.__printed), true);
  assert.ok(await page.evaluate(() => document.body.classList.contains("printing-invitation")));
  await page.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
  await page.emulateMedia({ media: "print" });
  const sheet = page.locator("#family-print");
  assert.ok(await sheet.isVisible(), "the sheet prints");
  assert.ok(await page.locator("#patient-view").isHidden(), "and nothing else");
  assert.equal(await page.locator("#print-title").textContent(), "清須 ハナ さんの記録への招待");
  assert.equal(await page.locator("#print-to").textContent(), "清須 一郎 さま（子）");
  assert.match(await sheet.textContent(), /スマートフォンのカメラでQRコードを読み取り、『この端末で参加する』を押してください/);
  const printed = await page.locator("#print-qr svg").boundingBox();
  assert.ok(printed.width > 350, `the printed QR code is ${printed.width}px wide`);
  await page.screenshot({ path: join(output, "care-family-2-print.png"), fullPage: true });
  await page.emulateMedia({ media: "screen" });
  await page.evaluate(() => window.dispatchEvent(new Event("afterprint")));
  assert.ok(!(await page.evaluate(() => document.body.classList.contains("printing-invitation"))), "the page is itself again");
  await page.setViewportSize(PHONE.viewport);

  // A second invitation, withdrawn from the list (the keyboard reaches its button).
  await page.getByLabel("お名前").fill("清須 次郎");
  await page.getByLabel("続柄").selectOption("sibling");
  await page.locator("#family-submit").click();
  await page.locator("#family-result-title", { hasText: "清須 次郎" }).waitFor();
  const second = page.locator("#family-list li.invitation", { hasText: "清須 次郎" });
  const revoke = second.getByRole("button", { name: "取り消す" });
  // Whose invitation the button ends, for a screen reader listing the buttons alone.
  assert.equal(await revoke.evaluate((b) => document.getElementById(b.getAttribute("aria-describedby"))?.textContent), "清須 次郎");
  await tapTarget(revoke, "revoke button");
  await tabTo(page, revoke, "取り消す");
  page.once("dialog", (dialog) => { assert.match(dialog.message(), /清須 次郎 さんへの招待を取り消します/); dialog.accept(); });
  await page.keyboard.press("Enter");
  await page.locator("#family-status", { hasText: "清須 次郎 さんへの招待を取り消しました" }).waitFor();
  assert.match(await second.textContent(), /取り消し/);
  assert.equal(await second.locator("button").count(), 0, "a withdrawn invitation has nothing more to do");
  assert.ok(await page.locator("#family-result").isHidden(), "the withdrawn code is not shown any more");
  assert.match(await page.locator("#family-list li.invitation", { hasText: "清須 一郎" }).textContent(), /未使用/);
  const listed = await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/family-invitations`, { token: nurseToken }), "invitations");
  assert.deepEqual(listed.items.map((i) => [i.name, Boolean(i.revoked_at)]), [["清須 次郎", true], ["清須 一郎", false]]);
  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
});

test("she posts with 「家族にも共有する」 and shares an older post from its card", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  await page.locator("#tab-timeline").click();
  await page.locator("#timeline-status", { hasText: "まだ投稿はありません" }).waitFor();
  // A post kept to the team first, then one shared.
  await page.locator("#post-new").click();
  await page.locator("#post-body").fill(LATER);
  assert.equal(await page.getByLabel("家族にも共有する").isChecked(), false, "the team's alone unless asked");
  await page.locator("#post-submit").click();
  await page.locator("#post-status", { hasText: "投稿しました" }).waitFor();
  await page.locator("#post-new").click();
  await page.locator("#post-body").fill(SHARED);
  await page.getByLabel("家族にも共有する").check();
  await tapTarget(page.locator("label.share-choice"), "share checkbox's label");
  await page.locator("#post-submit").click();
  await page.locator("#post-status", { hasText: "投稿しました" }).waitFor();
  const card = (text) => page.locator("#timeline article.post", { has: page.locator(".post-body", { hasText: text }) });
  await card(SHARED).locator(".shared-badge", { hasText: "家族と共有中" }).waitFor();
  assert.equal(await card(LATER).locator(".shared-badge").count(), 0);
  assert.equal(await card(SHARED).locator("button.share-toggle").textContent(), "共有をやめる");

  // The older post, shared from its card; the keyboard reaches the button.
  const toggle = card(LATER).locator("button.share-toggle");
  assert.equal(await toggle.textContent(), "家族と共有する");
  await tapTarget(toggle, "share toggle");
  await tabTo(page, toggle, "家族と共有する");
  page.once("dialog", (dialog) => dialog.accept());
  await page.keyboard.press("Enter");
  await card(LATER).locator(".shared-badge").waitFor();
  await page.locator("#post-status", { hasText: "家族と共有しました" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "共有をやめる", "the focus stays on the card's button");
  assert.match(await card(LATER).textContent(), /家族と共有中/);
  assert.equal(await card(LATER).locator(".edited").count(), 0, "sharing is not an edit");
  const posts = await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/posts`, { token: nurseToken }), "posts");
  assert.deepEqual(posts.items.map((p) => p.share_with_family), [true, true]);
  await noSidewaysScroll(page, "timeline");
  await screenshot(page, "care-family-3-shared.png");
  assert.deepEqual(errors, [], "console or page errors");
});

test("she sets a blood-pressure threshold: a wrong one is refused beside its field", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  await page.locator("#tab-vitals").click();
  await page.locator("#threshold-summary", { hasText: "しきい値は設定されていません" }).waitFor();
  await page.locator("#threshold-edit summary").click();
  await page.locator("#threshold-blood_pressure-above").fill("160");
  await page.locator("#threshold-blood_pressure-below").fill("170");
  await page.locator("#threshold-spo2-below").fill("９２"); // full-width digits from a Japanese keyboard
  await page.locator("#threshold-submit").click();
  // The server's pointer #/thresholds/0/below, beside 上の血圧's 下限.
  const error = page.locator("#threshold-blood_pressure-below-error");
  await page.locator("#threshold-blood_pressure-below-error:not([hidden])").waitFor();
  assert.match(await error.textContent(), /下限は上限より小さくしてください/);
  assert.equal(await page.locator("#threshold-blood_pressure-below").getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "threshold-blood_pressure-below");
  assert.match(await page.locator("#threshold-errors").textContent(), /入力内容を確認してください（1項目）/);
  assert.deepEqual(await axeViolations(page), [], "axe-core with the refusal");

  await page.locator("#threshold-blood_pressure-below").fill("");
  const save = page.locator("#threshold-submit");
  await tabTo(page, save, "しきい値を保存", 200);
  await page.keyboard.press("Enter");
  await page.locator("#threshold-status", { hasText: "しきい値を保存しました" }).waitFor();
  const summary = await page.locator("#threshold-summary").textContent();
  assert.match(summary, /上の血圧：160 を超えたら/);
  assert.match(summary, /SpO2：92 を下回ったら/);
  assert.match(summary, /看護 花子/);
  assert.ok(await page.locator("#threshold-blood_pressure-below-error").isHidden());
  const saved = await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/vital-thresholds`, { token: nurseToken }), "thresholds");
  assert.deepEqual(saved.items.map((x) => [x.kind, x.above, x.below]).sort(), [["blood_pressure", 160, null], ["spo2", null, 92]]);
  assert.deepEqual(errors, [], "console or page errors");
});

test("the son joins with a passkey and records 172/96 at home", async (t) => {
  if (!invitationUrl) return t.skip("needs the invitation");
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await addPhoneAuthenticator(page);
  await page.goto(invitationUrl);
  await page.getByRole("button", { name: "この端末で参加する（パスキー）" }).click();
  await page.locator("#home-title", { hasText: "清須 ハナさんの記録" }).waitFor();
  // What the team shared reaches him.
  await page.locator("#news .news-item", { hasText: "入浴介助" }).waitFor();

  await page.locator("#bp-open").click();
  await page.locator("#bp-sys").fill("172");
  await page.locator("#bp-dia").fill("96");
  await page.locator("#bp-at").fill(localJst(morning));
  await page.locator("#bp-submit").click();
  await page.locator("#bp-result").waitFor();
  assert.match(await page.locator("#bp-result-text").textContent(), /172/);

  // Four earlier mornings through the API with his own token: under the threshold.
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("rainbownet-family-auth")).access_token);
  sonToken = token;
  for (let d = 1; d <= 4; d++) {
    await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/vitals`, {
      token, json: { kind: "blood_pressure", value: 138, value2: 88, measured_at: new Date(morning - d * 24 * HOUR).toISOString() },
    }), `morning ${d}`);
  }
  await context.close();
});

test("back on the nurse's page the alert stands at the top; 「確認しました」 acknowledges it", async (t) => {
  if (!nurseSide || !invitationUrl) return t.skip("needs the nurse's page and the son's reading");
  const { page, errors } = nurseSide;
  await page.goto(`${base}/app/care/#/patients/${patientId}`);
  await page.reload();
  const open = page.locator("#alert-list li.alert-item.open");
  await open.first().waitFor();
  assert.equal(await open.count(), 1, "one reading above the threshold, one alert");
  assert.match(await page.locator("#alerts-title").textContent(), /確認が必要なアラート（1件）/);
  const text = await open.first().textContent();
  assert.match(text, /上の血圧 172（しきい値 160 超）/);
  assert.match(text, /自己測定/);
  const day = localJst(morning).slice(0, 10) === localJst(Date.now()).slice(0, 10) ? "今日" : "昨日";
  assert.match(await open.first().locator("time").textContent(), new RegExp(`^${day} 7:00$`));
  // Above the tabs: in view when the page opens.
  const alertTop = (await page.locator("#alerts").boundingBox()).y;
  const tabsTop = (await page.locator("nav.tabs").boundingBox()).y;
  assert.ok(alertTop < tabsTop && alertTop < 844, `the alerts at ${alertTop}px, the tabs at ${tabsTop}px`);
  const ack = open.first().getByRole("button", { name: /^確認しました/ });
  await tapTarget(ack, "確認しました");
  await noSidewaysScroll(page, "alerts");
  await screenshot(page, "care-family-4-alert.png");

  await tabTo(page, ack, "確認しました");
  await page.keyboard.press("Enter");
  await page.locator("#alert-status", { hasText: "確認済みにしました" }).waitFor();
  assert.equal(await open.count(), 0);
  assert.match(await page.locator("#alerts-title").textContent(), /^アラート$/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "alerts-title", "the focus goes to the box's heading");
  await page.locator("#alert-done summary").click();
  const done = page.locator("#alert-done-list li.alert-item");
  assert.equal(await done.count(), 1);
  assert.match(await done.first().textContent(), /上の血圧 172.*確認：看護 花子 今日 \d{1,2}:\d{2}/s);
  const alerts = await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/alerts`, { token: nurseToken }), "alerts");
  assert.equal(alerts.items[0].acknowledged_by.id, nurse.id);
  assert.deepEqual(errors, [], "console or page errors");
});

test("the vitals tab marks the son's readings 自己測定 and says the mornings' home blood pressure", async (t) => {
  if (!nurseSide || !invitationUrl) return t.skip("needs the nurse's page and the son's readings");
  const { page, errors } = nurseSide;
  await page.locator("#tab-vitals").click();
  const homeBp = page.locator("#home-bp");
  await homeBp.locator(".home-bp-main").waitFor();
  // (172 + 4 × 138) / 5 = 144.8, (96 + 4 × 88) / 5 = 89.6, five mornings.
  assert.match(await homeBp.textContent(), /家庭血圧（朝・7日間）：上 145 \/ 下 90 mmHg（5日分）/);
  assert.match(await homeBp.textContent(), /家庭高血圧の基準（135\/85以上）に該当/);
  assert.doesNotMatch(await homeBp.textContent(), /日数が足りません/);
  assert.match(await page.locator("#vitals-latest dl").textContent(), /172\/96 mmHg.*自己測定/);
  await page.locator("#vitals-latest details summary").click();
  const mine = page.locator("#vitals-latest tr[data-self=true]");
  assert.equal(await mine.count(), 5);
  assert.match(await mine.filter({ hasText: "172/96" }).textContent(), /自己測定（清須 一郎）/);
  // In the chart: hollow points, a legend saying so, the threshold drawn.
  const panel = page.locator('svg#vitals-chart g.vital-panel[data-kind="blood_pressure"]');
  assert.equal(await panel.locator("circle.dot.systolic.self").count(), 5);
  assert.equal(await panel.locator("circle.dot.self").first().evaluate((c) => getComputedStyle(c).fill), "rgb(255, 255, 255)", "hollow");
  assert.ok(await page.locator("#vitals-legend").isVisible());
  assert.match(await page.locator("#vitals-legend").textContent(), /自己測定/);
  assert.equal(await panel.locator("line.threshold-line").count(), 1);
  assert.match(await panel.locator("text.threshold-label").textContent(), /しきい値 160/);
  await noSidewaysScroll(page, "vitals");
  await screenshot(page, "care-family-5-vitals.png");
  assert.deepEqual(errors, [], "console or page errors");
});

// The son writes to the team as the family page does: with an Idempotency-Key.
async function familyMessage(body, key = randomUUID()) {
  const resp = await fetch(`${base}/api/v1/patients/${patientId}/family-messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${sonToken}`, "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ body }),
  });
  const text = await resp.text();
  assert.equal(resp.status, 201, `family message: ${resp.status} ${text}`);
  return JSON.parse(text);
}

// As when the nurse comes back to the tab or unlocks her phone.
const backInView = (page) => page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));

test("the son writes to the team: the message stands at the top and on the 家族 tab", async (t) => {
  if (!nurseSide || !sonToken) return t.skip("needs the nurse's page and the son's token");
  const { page, errors } = nurseSide;
  assert.ok(await page.locator("#fm-box").isHidden(), "no box before any message");
  const key = randomUUID();
  const sent = await familyMessage(FAMILY_NOTE, key);
  assert.equal((await familyMessage(FAMILY_NOTE, key)).id, sent.id, "a retry with the same key is the same message");
  // The team answers on the timeline, not here.
  await expectStatus(403, api("POST", `/api/v1/patients/${patientId}/family-messages`, { token: nurseToken, json: { body: "了解しました" } }), "the nurse writes there");

  await backInView(page);
  const box = page.locator("#fm-box");
  await box.waitFor();
  assert.equal(await page.locator("#fm-box-title").textContent(), "ご家族から新しい連絡があります（1件）");
  const top = box.locator("li.fm-item");
  assert.equal(await top.count(), 1);
  assert.match(await top.locator(".fm-head").textContent(), /^今日 \d{1,2}:\d{2} 清須 一郎（子）$/);
  assert.equal(await top.locator("time").getAttribute("datetime"), sent.created_at);
  const body = top.locator(".fm-body");
  assert.equal(await body.textContent(), FAMILY_NOTE);
  assert.equal(await body.evaluate((p) => p.innerText), FAMILY_NOTE, "the line break is kept on screen");
  assert.equal(await body.getAttribute("translate"), "no", "the family's words are data");
  assert.equal(await top.locator(".fm-author").getAttribute("translate"), "no");
  // Above the tabs, in view when the page opens on a phone.
  const boxTop = (await box.boundingBox()).y;
  const tabsTop = (await page.locator("nav.tabs").boundingBox()).y;
  assert.ok(boxTop < tabsTop && boxTop < 844, `the messages at ${boxTop}px, the tabs at ${tabsTop}px`);
  await tapTarget(box.getByRole("button", { name: "タイムラインで返信する" }), "reply button at the top");
  assert.equal(await box.locator("#fm-box-all").getAttribute("href"), `#/patients/${patientId}/family`);
  await noSidewaysScroll(page, "family message box");
  await screenshot(page, "care-family-6-message.png");

  await page.locator("#tab-family").click();
  const listed = page.locator("#fm-list li.fm-item");
  await listed.first().waitFor();
  assert.equal(await listed.count(), 1);
  assert.match(await listed.first().textContent(), /清須 一郎（子）母が昨夜から咳をしています。\n熱は37.2度です。/);
  assert.ok(await page.locator("#fm-more").isHidden(), "one page only");
  await noSidewaysScroll(page, "family tab with a message");
  await screenshot(page, "care-family-7-messages-tab.png"); // axe-core too
  assert.deepEqual(errors, [], "console or page errors");
});

test("「タイムラインで返信する」 opens the composer with 「家族にも共有する」 checked", async (t) => {
  if (!nurseSide || !sonToken) return t.skip("needs the message");
  const { page, errors } = nurseSide;
  // From the 家族 tab, by keyboard.
  const reply = page.locator("#fm-section").getByRole("button", { name: "タイムラインで返信する" });
  await tapTarget(reply, "reply button on the 家族 tab");
  await tabTo(page, reply, "タイムラインで返信する", 200);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => location.hash.endsWith("/timeline"));
  assert.equal(await page.evaluate(() => document.activeElement?.id), "post-body", "the focus is in the composer");
  assert.ok(await page.locator("#panel-timeline").isVisible());
  assert.equal(await page.locator("#tab-timeline").getAttribute("aria-selected"), "true");
  assert.equal(await page.getByLabel("家族にも共有する").isChecked(), true);
  assert.match(await page.locator("#post-status").textContent(), /「家族にも共有する」をオンにしました/);
  await page.keyboard.type(REPLY);
  await page.locator("#post-submit").click();
  await page.locator("#post-status", { hasText: "投稿しました" }).waitFor();
  const card = page.locator("#timeline article.post", { has: page.locator(".post-body", { hasText: REPLY }) });
  await card.locator(".shared-badge", { hasText: "家族と共有中" }).waitFor();
  // The son reads the answer with his own token.
  const his = await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/posts`, { token: sonToken }), "the son's timeline");
  assert.ok(his.items.some((p) => p.body === REPLY), "the reply reaches the family");

  // From the box at the top, with a click: the box's button does the same on any tab.
  await page.locator("#tab-vitals").click();
  await page.locator("#fm-box").getByRole("button", { name: "タイムラインで返信する" }).click();
  await page.waitForFunction(() => location.hash.endsWith("/timeline"));
  assert.equal(await page.evaluate(() => document.activeElement?.id), "post-body");
  assert.equal(await page.getByLabel("家族にも共有する").isChecked(), true);
  assert.deepEqual(await axeViolations(page), [], "axe-core with the composer open");
  await page.locator("#post-new").click(); // 書くのをやめる
  assert.deepEqual(errors, [], "console or page errors");
});

test("more messages than a page: the box says so, and 「もっと見る」 brings the older ones", async (t) => {
  if (!nurseSide || !sonToken) return t.skip("needs the message");
  const { page, errors } = nurseSide;
  for (let i = 1; i <= 20; i++) await familyMessage(`連絡 ${i}`);
  await backInView(page);
  await page.locator("#fm-box-title", { hasText: "（20件以上）" }).waitFor();
  const top = page.locator("#fm-box li.fm-item");
  assert.equal(await top.count(), 3, "the newest three at the top");
  assert.equal(await top.first().locator(".fm-body").textContent(), "連絡 20");
  const all = page.locator("#fm-box-all");
  assert.equal(await all.textContent(), "ほかの連絡を見る（家族タブ）");
  await all.click();
  await page.waitForFunction(() => location.hash.endsWith("/family"));
  const listed = page.locator("#fm-list li.fm-item");
  assert.equal(await listed.count(), 20);
  const more = page.locator("#fm-more");
  assert.ok(await more.isVisible());
  await tapTarget(more, "もっと見る");
  await more.click();
  await page.waitForFunction(() => document.querySelectorAll("#fm-list li.fm-item").length === 21);
  assert.equal(await listed.last().locator(".fm-body").textContent(), FAMILY_NOTE, "the oldest last");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.id), await listed.last().getAttribute("data-id"), "the focus on the first one shown");
  assert.ok(await more.isHidden(), "nothing older");
  // Coming back keeps the older pages shown.
  await backInView(page);
  await page.waitForTimeout(300);
  assert.equal(await listed.count(), 21);
  assert.deepEqual(errors, [], "console or page errors");
});

test("the family's parts of the patient page read in English when asked", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "en");
  const names = ["清須 ハナ", "清須 一郎", "清須 次郎", "看護 花子", "清須訪問看護ステーション"];
  await page.goto(`${base}/app/care/#/patients/${patientId}/vitals`);
  await page.locator("#home-bp .home-bp-main").waitFor();
  await page.locator("#fm-box li.fm-item").first().waitFor();
  assert.equal(await page.locator("#fm-box-title").textContent(), "New messages from the family (20 or more)");
  assert.match(await page.locator("#fm-box .fm-head").first().textContent(), /^today \d{1,2}:\d{2} 清須 一郎 \(.+\)$/);
  await page.locator("#threshold-summary li").first().waitFor();
  await page.locator("#alert-done summary").click();
  await page.locator("#vitals-latest details summary").click();
  await page.locator("#threshold-edit summary").click();
  assert.deepEqual(await japaneseLeft(page, names), [], "Japanese left on the vitals tab in English");
  await page.locator("#tab-family").click();
  await page.locator("#family-list li.invitation").first().waitFor();
  await page.locator("#fm-list li.fm-item").first().waitFor();
  await page.locator("#fm-more").click();
  await page.waitForFunction(() => document.querySelectorAll("#fm-list li.fm-item").length === 21);
  assert.deepEqual(await japaneseLeft(page, names), [], "Japanese left on the family tab in English");
  await page.locator("#tab-timeline").click();
  await page.locator("#timeline article.post").first().waitFor();
  await page.locator("#post-new").click();
  assert.deepEqual(await japaneseLeft(page, names), [], "Japanese left on the timeline in English");
  assert.deepEqual(await axeViolations(page), [], "axe-core in English");
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "ja");
  assert.deepEqual(errors, [], "console or page errors");
  await nurseSide.context.close();
});
