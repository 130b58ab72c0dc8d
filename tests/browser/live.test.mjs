// The professional's day between two visits, in Debian's chromium: a nurse keeps a
// patient's timeline open on her phone (390 px) while the care manager posts from the office
// (1280 px); without a reload her page shows 「新着 1件」, and one tap shows the post. The
// nurse then sets her notifications (相談 only, quiet hours at night); a half-filled quiet
// time is refused next to its field. axe-core (WCAG 2.2 AA) on each page, screenshots in
// tests/output/live-*.png. Starts its own local host and stops it afterwards.
//
//   node --test tests/browser/live.test.mjs       (RAINBOWNET_BIN overrides the binary)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, apiLogin, axeViolations, englishWords, japaneseLeft, expectStatus, launchChromium, registerProfessional,
  screenshot, signIn, startHost, watchErrors,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-live-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const PHONE = { viewport: { width: 390, height: 844 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" };
const PC = { viewport: { width: 1280, height: 900 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" };

let host;
let api;
let browser;
let nurse;
let manager;
let patientId;

async function register(label, name, profession, organization) {
  return registerProfessional(api, ADMIN_TOKEN, {
    organization, email: `${label}-${Date.now()}@example.jp`, name, profession, roles: ["professional"],
    password: PASSWORD,
  }, `register ${label}`);
}

// A patient the care manager registers with the nurse on the team; returns the id.
async function nursesPatient(name, kana, born) {
  const token = await apiLogin(api, manager, PASSWORD);
  const patient = await expectStatus(201, api("POST", "/api/v1/patients", {
    token,
    json: {
      municipality_code: TOWN, name, name_kana: kana, birth_date: born, sex: "female", care_level: "care_3",
      address: "愛知県清須市西枇杷島町", lat: 35.2, lng: 136.87,
      consent: { method: "care_certification_application", taken_on: "令和8年4月1日" },
    },
  }), `patient ${name}`);
  await expectStatus(201, api("POST", `/api/v1/patients/${patient.id}/team`, {
    token, json: { professional_id: nurse.id },
  }), `team of ${name}`);
  return patient.id;
}

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "live" });
  api = apiClient(host.base);
  browser = await launchChromium();
  nurse = await register("live-nurse", "看護 由美", "nurse",
    { municipality_code: TOWN, kind: "visiting_nurse_station", name: "清須中央訪問看護" });
  manager = await register("live-manager", "介護 健一", "care_manager",
    { municipality_code: TOWN, kind: "care_management_office", name: "清須中央ケアプラン" });
  patientId = await nursesPatient("新川 トメ", "しんかわ とめ", "昭和12年3月3日");
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

async function signedIn(options, account, ignore) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = watchErrors(page, { ignore });
  await page.goto(host.base + "/app/care/");
  await signIn(page, account, PASSWORD);
  await page.locator("#patient-list a.patient-link").first().waitFor();
  return { context, page, errors };
}

test("a teammate's post shows as 「新着」 on an open timeline without a reload", async () => {
  const { context, page, errors } = await signedIn(PHONE, nurse);
  await page.goto(`${host.base}/app/care/#/patients/${patientId}`);
  await page.locator("#timeline-status").filter({ hasText: "まだ投稿はありません" }).waitFor();
  assert.equal(await page.locator("#timeline-news").isHidden(), true, "no news before anyone posts");

  // The care manager posts from the office PC.
  const office = await signedIn(PC, manager);
  await office.page.goto(`${host.base}/app/care/#/patients/${patientId}`);
  await office.page.locator("#post-new").click();
  await office.page.locator("#post-body").fill("@看護由美 さん、明日の訪問で服薬の残数を確認してください。");
  await office.page.locator("#post-category").selectOption("consultation");
  await office.page.locator("#post-form button[type=submit]").click();
  await office.page.locator("#timeline article.post").first().waitFor();
  await screenshot(office.page, "live-1-office-1280.png");

  // The nurse's page finds it at its next poll (every 15 s while visible).
  const news = page.locator("#timeline-news");
  await news.waitFor({ state: "visible", timeout: 25000 });
  assert.equal((await page.locator("#timeline-news-count").textContent()).trim(), "1");
  const box = await page.locator("#timeline-news-show").boundingBox();
  assert.ok(box && box.height >= 44, `the 新着 button is ${box?.height}px tall`);
  await screenshot(page, "live-2-news-390.png");
  await page.locator("#timeline-news-show").click();
  await page.locator("#timeline article.post", { hasText: "服薬の残数" }).waitFor();
  assert.equal(await news.isHidden(), true, "the banner goes once the post is shown");
  // The timeline by category, and searched.
  const posts = page.locator("#timeline article.post");
  await page.getByLabel("分類で絞り込む").selectOption("report");
  assert.equal(await posts.count(), 0, "no 報告 yet");
  await page.getByLabel("分類で絞り込む").selectOption("consultation");
  assert.equal(await posts.count(), 1);
  await page.getByLabel("分類で絞り込む").selectOption("");
  await page.getByLabel("投稿の中をさがす").fill("残数");
  assert.equal(await posts.count(), 1);
  await page.getByLabel("投稿の中をさがす").fill("血糖");
  assert.equal(await posts.count(), 0);
  await page.getByLabel("投稿の中をさがす").fill("");
  assert.deepEqual(await axeViolations(page), [], "axe-core on the timeline");
  assert.deepEqual(await englishWords(page), [], "English left on the Japanese timeline");
  await page.goto(`${host.base}/app/care/#/patients`);
  await page.locator("#patient-list a.patient-link").first().waitFor();
  assert.deepEqual(await englishWords(page), [], "English left on the Japanese patient list");
  assert.deepEqual(errors, []);
  assert.deepEqual(office.errors, []);
  await office.context.close();
  await context.close();
});

test("the patient list finds a patient by name or kana and puts the latest activity first, with a preview", async () => {
  // A second patient, older activity: 新川 トメ got the last post in the test above.
  await nursesPatient("阿部 ヨシ", "あべ よし", "昭和10年1月1日");
  const { context, page, errors } = await signedIn(PHONE, nurse);
  const names = async () => (await page.locator("#patient-list .patient-name").allTextContents()).map((n) => n.trim());
  // By kana 阿部 would come first; by the latest post 新川 does.
  assert.deepEqual(await names(), ["新川 トメ", "阿部 ヨシ"]);
  const preview = page.locator("#patient-list li", { hasText: "新川 トメ" }).locator(".last-post");
  assert.match(await preview.textContent(), /介護 健一：.*服薬の残数/);
  await page.locator("#patient-sort").selectOption("kana");
  assert.deepEqual(await names(), ["阿部 ヨシ", "新川 トメ"]);
  await page.getByLabel("名前・ふりがなでさがす").fill("シンカワ");
  assert.deepEqual(await names(), ["新川 トメ"], "katakana finds the hiragana reading");
  assert.match(await page.locator("#patients-shown").textContent(), /2人中 1人/);
  await screenshot(page, "live-5-patient-search-390.png");
  await page.getByLabel("名前・ふりがなでさがす").fill("阿部");
  assert.deepEqual(await names(), ["阿部 ヨシ"]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the nurse chooses 相談 only and quiet hours; half a quiet time is refused by its field", async () => {
  for (const [options, name] of [[PHONE, "390"], [PC, "1280"]]) {
    // The refused quiet time is a 422 on purpose.
    const { context, page, errors } = await signedIn(options, nurse, /status of 422/);
    // A slow network: the saved settings arrive late, and must not replace what is typed.
    await page.route("**/api/v1/care/notification-settings", async (route) => {
      if (route.request().method() === "GET") await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.locator("#nav-settings").click();
    await page.locator("#settings-view").waitFor();
    assert.match(await page.locator("#settings-view").textContent(), /名前も投稿の内容も入りません/);
    assert.notEqual((await page.locator("#push-state").textContent()).trim(), "", "the device's state is said");

    await page.locator("#quiet-from").fill("22:00");
    await page.locator("#quiet-until").fill("");
    // Past the late answer: what was typed is still there.
    await page.waitForTimeout(2000);
    assert.equal(await page.locator("#quiet-from").inputValue(), "22:00", "typed before the settings came");
    await page.locator("#notify-save").click();
    await page.locator("#quiet-until-error").waitFor({ state: "visible" });
    assert.equal(await page.locator("#quiet-until").getAttribute("aria-invalid"), "true");

    await page.locator('input[name="notify-level"][value="consultation"]').check();
    await page.locator("#quiet-until").fill("07:00");
    await page.locator("#notify-save").click();
    await page.locator("#notify-errors").filter({ hasText: "保存しました" }).waitFor();
    await screenshot(page, `live-3-settings-${name}.png`);
    assert.deepEqual(await axeViolations(page), [], `axe-core on the settings at ${name}px`);
    assert.deepEqual(await englishWords(page), [], "English left on the Japanese settings");

    await page.reload();
    await page.locator("#settings-view").waitFor();
    await page.locator('input[name="notify-level"][value="consultation"]:checked').waitFor();
    assert.equal(await page.locator("#quiet-from").inputValue(), "22:00");
    assert.equal(await page.locator("#quiet-until").inputValue(), "07:00");
    assert.deepEqual(errors, []);
    await context.close();
  }
});

// English words are longer than Japanese ones: nothing may push the page sideways.
const fitsWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

test("the four clients speak Japanese by default; 「English」 turns each wholly into English, from one dictionary", async () => {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const PAGES = ["/app/care/", "/app/disaster/hq.html", "/app/disaster/", "/app/admin/"];
  for (const path of PAGES) {
    await page.goto(host.base + path);
    await page.locator("form:visible").first().waitFor();
    assert.deepEqual(await englishWords(page), [], `English left on ${path}`);
    assert.deepEqual(await axeViolations(page), [], `axe-core on ${path}`);
  }
  await page.goto(host.base + "/app/care/");
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "en");
  // The choice is the browser's: every client opens in English now, with no Japanese left
  // and no mixed 「日本語 English」 pairs.
  for (const path of PAGES) {
    await page.goto(host.base + path);
    await page.locator("form:visible").first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "en", `${path}: lang`);
    assert.deepEqual(await japaneseLeft(page), [], `Japanese left on ${path} in English`);
    assert.ok(await fitsWidth(page), `${path} in English is wider than the phone`);
    assert.equal(await page.locator("[data-lang-switch]").textContent(), "日本語", "the switch names the other language");
    assert.deepEqual(await axeViolations(page), [], `axe-core on ${path} in English`);
  }
  await page.goto(host.base + "/app/care/");
  await page.locator("#login-form").waitFor();
  assert.ok((await englishWords(page)).some((w) => w.startsWith("Sign ")), "the sign-in reads in English");
  await screenshot(page, "live-4-english-390.png");
  // A problem from the server comes in the reader's language too.
  await page.locator("#login-email").fill("nobody@example.jp");
  await page.locator("#login-password").fill("wrong password 123");
  await page.locator("#login-totp").fill("123456");
  await page.locator("#login-form button[type=submit]").click();
  await page.locator("#login-status:not(:empty)").waitFor();
  assert.deepEqual(await japaneseLeft(page), [], "Japanese left after a refused login in English");
  // Signed in, the patient list and a timeline read in English too; names and people's own
  // words stay as written.
  await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/posts`, {
    token: await apiLogin(api, manager, PASSWORD),
    json: { category: "report", body: "本日の訪問で血圧は安定していました。" },
  }), "a post to read in English");
  await signIn(page, nurse, PASSWORD);
  await page.locator("#patient-list a.patient-link").first().waitFor();
  assert.deepEqual(await japaneseLeft(page), [], "Japanese left on the patient list in English");
  await page.goto(`${host.base}/app/care/#/patients/${patientId}`);
  await page.locator("#timeline article.post").first().waitFor();
  assert.deepEqual(await japaneseLeft(page, ["新川 トメ"]), [], "Japanese left on a timeline in English");
  assert.ok(await fitsWidth(page), "the timeline in English is wider than the phone (longer words in the menu)");
  assert.deepEqual(await axeViolations(page), [], "axe-core on a timeline in English");
  await screenshot(page, "live-5-english-timeline-390.png");
  await page.locator("#logout").click();
  await page.locator("#login-form").waitFor();
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "ja");
  await page.locator("#login-form").waitFor();
  assert.deepEqual(await englishWords(page), [], "and go again");
  await context.close();
});
