// Browser flow of the professionals' client (多職種連携, /app/care/), in Debian's chromium
// through playwright-core: two professionals of different organizations are registered
// and the nurse makes a patient and a care team through the API; then, on a small phone,
// the nurse signs in with a TOTP code, posts a 報告 with a photo and a PDF, the care manager
// (a second browser) sees the unread badge, opens the patient (a read receipt) and saves
// the PDF, the nurse sees 既読 1 with the reader's name, introduces two resources near the
// patient's home (a post on the timeline), prints the handout and records a visit's vitals
// together (charts on one time axis).
// Screenshots of each step go to tests/output/care-*.png. Starts its own local host on a
// free port and stops it afterwards.
//
//   node --test tests/browser/            (RAINBOWNET_BIN overrides the binary)
//
// The web client is embedded in the binary when it is built: rebuild after changing static/.

import { deflateSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, apiLogin, axeViolations, englishWords, expectStatus, hotp, launchChromium, output, registerProfessional, screenshot,
  signIn, startHost,
  noSidewaysScroll, tapTarget,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const REPORT = "右踵に発赤あり（写真添付）。\n除圧を継続し、明日再確認します。";
const PHOTO_NAME = "右踵_発赤.png";
const PDF_NAME = "訪問看護報告書.pdf";
const PHONE = { viewport: { width: 390, height: 844 }, locale: "ja-JP", timezoneId: "Asia/Tokyo", acceptDownloads: true };

let host;
let base;
let browser;
let api;
let nurse;
let manager;
let patientId;
let nurseContext;
let nursePage;
let nurseErrors;

// --- files to attach: a small PNG (stripes, so the screenshot shows it) and a PDF ---------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

function png(width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = [];
  const colours = [[204, 51, 51], [240, 200, 160], [60, 120, 200]];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colours[Math.floor((x + y) / 16) % colours.length];
      row.set([r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// A one-page PDF with a correct cross-reference table.
function pdf() {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    null, // the content stream, below
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  const stream = "BT /F1 24 Tf 72 760 Td (Visiting nurse report) Tj ET";
  objects[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let text = "%PDF-1.4\n";
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(text, "latin1"));
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(text, "latin1");
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  offsets.forEach((o) => { text += `${String(o).padStart(10, "0")} 00000 n \n`; });
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, "latin1");
}

const PHOTO = png(96, 64);
const PDF = pdf();

// --- the API, as the nurse's organization uses it ---------------------------------------

async function register(label, name, profession, organization) {
  const account = await registerProfessional(api, ADMIN_TOKEN, {
    organization, email: `${label}-${Date.now()}@example.jp`, name, profession, roles: ["professional"],
    password: PASSWORD,
  }, `register ${label}`);
  assert.match(account.otpauthUri, /^otpauth:\/\/totp\//);
  return account;
}

// A patient at home in 清須市, near the demo resources (see tests/conformance/src/patients.rs).
const PATIENT = {
  municipality_code: TOWN, name: "清須 ハナ", name_kana: "きよす はな",
  birth_date: "昭和15年4月1日", sex: "female", care_level: "care_2",
  address: "愛知県清須市清洲1丁目", lat: 35.2186, lng: 136.8419, phone: "052-400-1234",
  consent: { method: "care_certification_application", taken_on: "令和8年4月1日" },
};

async function setUpTeam() {
  nurse = await register("nurse", "看護 花子", "nurse",
    { municipality_code: TOWN, kind: "visiting_nurse_station", name: "清須訪問看護ステーション" });
  manager = await register("caremanager", "介護 太郎", "care_manager",
    { municipality_code: TOWN, kind: "care_management_office", name: "清須ケアプランセンター" });
  const token = await apiLogin(api, nurse, PASSWORD);
  const me = await expectStatus(200, api("GET", "/api/v1/auth/me", { token }), "nurse /me");
  assert.equal(me.id, nurse.id);
  const patient = await expectStatus(201, api("POST", "/api/v1/patients", { token, json: PATIENT }), "patient");
  patientId = patient.id;
  const team = await expectStatus(201, api("POST", `/api/v1/patients/${encodeURIComponent(patientId)}/team`, {
    token, json: { professional_id: manager.id },
  }), "team");
  assert.deepEqual(team.team.map((m) => m.id).sort(), [nurse.id, manager.id].sort());
}

// --- the browser --------------------------------------------------------------------------

before(async () => {
  // RFC 6238 Appendix B (SHA-1), last six digits: proves the helper before it is trusted.
  assert.equal(hotp(Buffer.from("12345678901234567890"), Math.floor(59 / 30)), "287082");
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "care" });
  base = host.base;
  api = apiClient(base);
  browser = await launchChromium();
  await setUpTeam();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

// Console errors and page errors of every page of the context, popups included (a CSP
// violation shows as a console error).
function watchErrors(context) {
  const errors = [];
  context.on("weberror", (e) => errors.push(e.error().message));
  context.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return errors;
}

async function phone() {
  const context = await browser.newContext(PHONE);
  const errors = watchErrors(context);
  const page = await context.newPage();
  return { context, page, errors };
}

async function login(page, account) {
  await page.goto(base + "/app/care/");
  await page.locator("#login-form").waitFor();
  await signIn(page, account, PASSWORD);
  await page.locator("#patient-list a.patient-link").first().waitFor();
}

function postCard(page, text) {
  return page.locator("#timeline article.post", { has: page.locator(".post-body", { hasText: text }) });
}

test("the nurse signs in on a phone and posts a 報告 with a photo and a PDF", async () => {
  ({ context: nurseContext, page: nursePage, errors: nurseErrors } = await phone());
  const page = nursePage;
  await login(page, nurse);
  assert.equal((await page.locator("#user-name").textContent()).trim(), nurse.name);
  assert.equal((await page.locator("#user-org").textContent()).trim(), "清須訪問看護ステーション");
  const link = page.locator(`#patient-list a.patient-link[href="#/patients/${patientId}"]`);
  assert.match(await link.textContent(), /清須 ハナ/);
  assert.ok(await link.locator(".unread-count").count() === 1, "the link carries an unread count");
  await tapTarget(link, "patient link");
  await noSidewaysScroll(page, "patient list");
  await screenshot(page, "care-1-patients.png");

  await link.click();
  await page.waitForURL(new RegExp(`#/patients/${patientId}`));
  await page.locator("#patient-name", { hasText: "清須 ハナ" }).waitFor();
  await page.locator("#timeline-status", { hasText: "まだ投稿はありません" }).waitFor();
  // The form is folded away until asked for: the newest post stays near the top.
  assert.equal(await page.locator("#post-form").isHidden(), true);
  await page.locator("#post-new").click();
  await page.locator("#post-category").selectOption("report");
  // @ and the start of a name offer the team (the nurse herself is not offered); a tap
  // puts the mention in the text, where the server finds it to notify.
  await page.locator("#post-body").pressSequentially("@介護");
  const mention = page.getByRole("button", { name: /^@介護太郎/ });
  await mention.waitFor();
  assert.equal(await page.locator("#post-form .mention-choices button").count(), 1, "only the care manager is offered");
  await tapTarget(mention, "mention choice");
  await mention.click();
  assert.equal(await page.locator("#post-body").inputValue(), "@介護太郎 ");
  assert.ok(await page.locator("#post-form .mention-choices").isHidden(), "the choices close once one is taken");
  await page.locator("#post-body").fill(REPORT);
  await page.locator("#post-files").setInputFiles([
    { name: PHOTO_NAME, mimeType: "image/png", buffer: PHOTO },
    { name: PDF_NAME, mimeType: "application/pdf", buffer: PDF },
  ]);
  assert.equal(await page.locator("#post-file-list li").count(), 2);
  await tapTarget(page.locator("#post-submit"), "post button");
  await page.locator("#post-submit").click();
  await page.locator("#post-status", { hasText: "投稿しました" }).waitFor();

  const post = postCard(page, "右踵に発赤あり");
  await post.waitFor();
  assert.equal(await post.locator(".post-body").textContent(), REPORT, "the body, as text with its line break");
  assert.equal((await post.getAttribute("data-category")), "report");
  assert.match(await post.locator(".category").textContent(), /報告/);
  const thumb = post.locator("img.attachment-thumb");
  await page.waitForFunction(
    (img) => img.src.startsWith("data:image/png;base64,") && img.complete && img.naturalWidth > 0,
    await thumb.elementHandle(),
  );
  assert.equal(await thumb.evaluate((img) => img.naturalWidth), 96, "the photo decodes");
  assert.equal(await thumb.getAttribute("alt"), PHOTO_NAME);
  assert.equal(await post.locator("button.attachment-download").count(), 1, "the PDF is a download");
  assert.match(await post.locator(".read-count").textContent(), /既読 0人/);
  assert.equal(await page.locator("#post-body").inputValue(), "", "the form is cleared");
  // The post is on the server with its attachments, for everyone on the team.
  const listed = await page.evaluate(async (id) => {
    const auth = JSON.parse(sessionStorage.getItem("rainbownet-care-auth"));
    const r = await fetch(`/api/v1/patients/${id}/posts`, { headers: { authorization: `Bearer ${auth.access_token}` } });
    return r.json();
  }, patientId);
  assert.deepEqual(listed.items[0].attachments.map((a) => [a.name, a.content_type]).sort(),
    [[PDF_NAME, "application/pdf"], [PHOTO_NAME, "image/png"]].sort());
  await noSidewaysScroll(page, "timeline");
  await screenshot(page, "care-2-posted.png");
  assert.deepEqual(nurseErrors, [], "console or page errors (a CSP violation shows here)");
});

test("the care manager sees the unread badge; opening the patient marks the post read", async (t) => {
  if (!nursePage) return t.skip("needs the nurse's post");
  const { context, page, errors } = await phone();
  await login(page, manager);
  const link = page.locator(`#patient-list a.patient-link[href="#/patients/${patientId}"]`);
  assert.equal((await link.locator(".unread-count").textContent()).trim(), "1");
  assert.ok(await link.locator(".unread").isVisible(), "the badge shows");
  await screenshot(page, "care-3-unread.png");

  await link.click();
  const post = postCard(page, "右踵に発赤あり");
  await post.waitFor();
  assert.ok(await post.locator(".new-badge").isVisible(), "marked 新着 for the reader");
  // The read receipt comes back with the reader in it.
  await post.locator(".read-count", { hasText: "既読 1人" }).waitFor();
  await page.waitForFunction(
    (img) => img && img.src.startsWith("data:image/png;base64,") && img.naturalWidth > 0,
    await post.locator("img.attachment-thumb").elementHandle(),
  );
  assert.equal(await post.locator("button.edit-post").count(), 0, "only the author may edit");

  // The PDF is fetched with the token and saved under its own name.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    post.locator("button.attachment-download").click(),
  ]);
  assert.equal(download.suggestedFilename(), PDF_NAME);
  const saved = readFileSync(await download.path());
  assert.ok(saved.equals(PDF), "the PDF comes back byte for byte");
  await screenshot(page, "care-4-read.png");

  await page.locator(".back a").click();
  await page.waitForURL(/#\/patients$/);
  await link.locator(".unread").waitFor({ state: "hidden" });
  await page.locator("#patients-status:empty").waitFor({ state: "attached" }); // the server's list
  assert.equal((await link.locator(".unread-count").textContent()).trim(), "0", "no unread post once read");
  assert.ok(!(await link.locator(".unread").isVisible()), "no badge once read");
  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  await context.close();
});

test("the nurse sees 既読 1 with the care manager's name, and edits her post", async (t) => {
  if (!nursePage) return t.skip("needs the nurse's page");
  const page = nursePage;
  // An access token the server no longer takes: the page refreshes it once and goes on.
  const stale = await page.evaluate(() => {
    const auth = JSON.parse(sessionStorage.getItem("rainbownet-care-auth"));
    const old = auth.access_token;
    auth.access_token = old.slice(0, -4) + (old.endsWith("AAAA") ? "BBBB" : "AAAA");
    sessionStorage.setItem("rainbownet-care-auth", JSON.stringify(auth));
    return auth.access_token;
  });
  const errorsBefore = nurseErrors.length;
  await page.locator("#timeline-refresh").click();
  const post = postCard(page, "右踵に発赤あり");
  await post.locator(".read-count", { hasText: "既読 1人" }).waitFor();
  const renewed = await page.evaluate(() => JSON.parse(sessionStorage.getItem("rainbownet-care-auth")).access_token);
  assert.notEqual(renewed, stale, "the token was refreshed");
  // Chromium logs the refused request (401) itself.
  const refused = nurseErrors.splice(errorsBefore);
  assert.ok(refused.every((e) => /status of 401/.test(e)), `errors: ${refused}`);
  await post.locator(".read-count").click();
  await post.locator(".readers .reader-name", { hasText: manager.name }).waitFor();
  await screenshot(page, "care-5-receipts.png");

  // Only the author may edit; the post says it was edited and keeps its attachments.
  await post.locator("button.edit-post").click();
  await post.locator(".edit-form textarea").fill(REPORT + "\n（追記）体位変換は2時間ごと。");
  await post.locator(".edit-form button[type=submit]").click();
  await post.locator(".post-body", { hasText: "（追記）" }).waitFor();
  assert.match(await post.locator(".edited").textContent(), /編集済み/);
  assert.equal(await post.locator("img.attachment-thumb").count(), 1);

  // The profile and the team.
  await page.locator("#tab-info").click();
  const facts = await page.locator("#patient-facts").textContent();
  assert.match(facts, /1940年4月1日（昭和15年）/);
  assert.match(facts, /要介護2/);
  assert.equal(await page.locator('#patient-facts a[href="tel:0524001234"]').count(), 1);
  await page.locator("#tab-team").click();
  const team = page.locator("#team-list li.member");
  assert.equal(await team.count(), 2);
  assert.match(await team.filter({ hasText: nurse.name }).textContent(), /あなた/);
  assert.match(await team.filter({ hasText: manager.name }).textContent(), /清須ケアプランセンター/);
  // The nurse registered the patient, so she leads: she may hand over or remove others, and
  // leaves only after handing over.
  const mine = team.filter({ hasText: nurse.name });
  const his = team.filter({ hasText: manager.name });
  assert.match(await mine.textContent(), /主担当/);
  assert.equal(await mine.locator("button").count(), 0, "the lead can not leave before handing over");
  assert.equal(await his.locator("button[data-remove]").count(), 1);
  page.once("dialog", (dialog) => dialog.accept());
  await his.locator("button[data-lead]").click();
  await page.locator("#team-status", { hasText: "主担当になりました" }).waitFor();
  assert.match(await team.filter({ hasText: manager.name }).textContent(), /主担当/);
  assert.match(await team.filter({ hasText: nurse.name }).locator("button").textContent(), /抜ける/);
  assert.equal(await team.filter({ hasText: manager.name }).locator("button").count(), 0,
    "a member who is not the lead removes nobody");
  await page.locator("#tab-timeline").click();
  assert.deepEqual(nurseErrors, [], "console or page errors (a CSP violation shows here)");
});

test("the nurse introduces two resources near home and prints the handout", async (t) => {
  if (!nursePage) return t.skip("needs the nurse's page");
  const page = nursePage;
  await page.locator("#tab-nearby").click();
  await page.waitForURL(/\/nearby$/);
  const boxes = page.locator("#nearby-list input[type=checkbox]");
  await boxes.first().waitFor();
  assert.ok(await boxes.count() >= 2, "at least two resources near the patient");
  const distances = await page.locator("#nearby-list .distance").allTextContents();
  assert.ok(distances.every((d) => /約 [\d.]+ k?m/.test(d)), `distances: ${distances}`);
  const items = page.locator("#nearby-list li");
  const names = [];
  const ids = [];
  for (const i of [0, 1]) {
    names.push((await items.nth(i).locator(".resource-name").textContent()).trim());
    ids.push(await boxes.nth(i).getAttribute("value"));
    await items.nth(i).locator("label").click();
  }
  assert.equal(await page.locator("#nearby-list input[type=checkbox]:checked").count(), 2);
  assert.equal((await page.locator("#nearby-selected").textContent()).trim(), "2");
  await tapTarget(page.locator("#nearby-introduce"), "introduce button");
  await noSidewaysScroll(page, "nearby");
  await page.locator("#nearby-introduce").click();
  // A preview in view first: for whom, both names, the memo; nothing recorded until confirmed.
  const dialog = page.locator("#introduce-dialog");
  await dialog.waitFor();
  const preview = await dialog.textContent();
  for (const name of names) assert.ok(preview.includes(name), `${name} in the preview`);
  assert.match(preview, /さんのタイムラインに、次の2件の紹介を記録します/);
  assert.ok(await dialog.getByRole("button", { name: "タイムラインに記録する" }).isVisible(), "the confirmation is in view");
  await dialog.getByRole("button", { name: "戻る" }).click();
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await page.locator("#nearby-result", { hasText: "タイムラインに記録しました" }).count(), 0, "going back records nothing");
  await page.locator("#nearby-introduce").click();
  await dialog.getByLabel("紹介のメモ（任意・タイムラインに残ります）").fill("通いやすい順です");
  await screenshot(page, "care-6a-introduce-preview.png");
  await dialog.getByRole("button", { name: "タイムラインに記録する" }).click();
  await page.locator("#nearby-result", { hasText: "タイムラインに記録しました" }).waitFor();
  await screenshot(page, "care-6-nearby.png");

  // The handout of the ticked resources: the portal's print view, in a new tab.
  assert.equal(await page.locator("#nearby-print").getAttribute("href"), `/resources/print?ids=${ids.join(",")}`);
  const [handout] = await Promise.all([
    nurseContext.waitForEvent("page"),
    page.locator("#nearby-print").click(),
  ]);
  await handout.waitForLoadState();
  assert.match(handout.url(), /\/resources\/print\?ids=/);
  assert.equal(await handout.locator(".handout").count(), 2);
  const printed = await handout.locator(".handout h2").allTextContents();
  assert.deepEqual(printed.map((n) => n.trim()).sort(), [...names].sort());
  await handout.setViewportSize({ width: 794, height: 1123 }); // A4 at 96 dpi
  await handout.emulateMedia({ media: "print" });
  await handout.screenshot({ path: join(output, "care-7-print.png"), fullPage: true });
  await handout.close();

  // The introduction is on the timeline, newest first, naming both.
  await page.locator("#tab-timeline").click();
  const first = page.locator("#timeline article.post").first();
  await first.locator(".post-body", { hasText: "周辺資源を紹介しました" }).waitFor();
  const body = await first.locator(".post-body").textContent();
  for (const name of names) assert.ok(body.includes(name), `${name} in the introduction: ${body}`);
  assert.ok(body.includes("通いやすい順です"), "the memo is on the timeline");
  assert.equal(await first.locator('.post-body a[href^="/resources/print?ids="]').count(), 1, "the handout link is a link");
  assert.deepEqual(nurseErrors, [], "console or page errors (a CSP violation shows here)");
});

test("the nurse records a visit's vitals together and sees them on one time axis", async (t) => {
  if (!nursePage) return t.skip("needs the nurse's page");
  const page = nursePage;
  await page.locator("#tab-vitals").click();
  await page.locator("#vitals-empty").waitFor();
  // With nothing recorded yet, the form is open at the top, not under the charts.
  assert.ok(await page.locator("#vital-record").evaluate((d) => d.open), "the form is open for the first visit");
  const formTop = (await page.locator("#vital-form").boundingBox()).y;
  assert.ok(formTop < 900, `the form starts at ${formTop} px`);

  // One visit: blood pressure, pulse, temperature and weight, one time, one tap.
  await page.getByLabel("上", { exact: true }).fill("132");
  await page.getByLabel("下", { exact: true }).fill("84");
  await page.getByLabel("脈拍（回/分）").fill("72");
  await page.getByLabel("体温（℃）").fill("36.8");
  await page.getByLabel("体重（kg）").fill("48.2");
  await page.locator("#vital-submit").click();
  await page.locator("#vital-status", { hasText: "血圧 132/84 mmHg、脈拍 72 回/分、体温 36.8 ℃、体重 48.2 kg を記録しました" }).waitFor();
  const chart = page.locator("svg#vitals-chart");
  assert.equal(await chart.locator('g.vital-panel[data-kind="blood_pressure"] polyline').count(), 2, "systolic and diastolic");
  assert.equal(await page.locator("#vital-blood_pressure").inputValue(), "", "the form is emptied for the next visit");

  // An hour earlier, a second visit: every chart shares one time axis.
  const earlier = await page.evaluate(() => {
    const d = new Date(Date.now() - 3600 * 1000 + 9 * 3600 * 1000);
    return d.toISOString().slice(0, 16);
  });
  await page.getByLabel("上", { exact: true }).fill("１４０"); // full-width digits from a Japanese keyboard
  await page.getByLabel("下", { exact: true }).fill("90");
  await page.getByLabel("体重（kg）").fill("49.0");
  await page.locator("#vital-measured-at").fill(earlier);
  await page.locator("#vital-submit").click();
  await page.locator("#vital-status", { hasText: "血圧 140/90 mmHg、体重 49.0 kg を記録しました" }).waitFor();
  const systolic = chart.locator('g.vital-panel[data-kind="blood_pressure"] polyline.systolic');
  assert.equal((await systolic.getAttribute("points")).trim().split(/\s+/).length, 2);
  const labels = await chart.locator('g.vital-panel[data-kind="blood_pressure"] .axis-label').allTextContents();
  assert.ok(labels.includes("140") && labels.includes("84"), `min/max labels: ${labels}`);
  const xs = async (kind) => (await chart.locator(`g.vital-panel[data-kind="${kind}"] polyline`).first().getAttribute("points"))
    .trim().split(/\s+/).map((p) => p.split(",")[0]);
  assert.deepEqual(await xs("weight"), await xs("blood_pressure"), "the same visits at the same x in every chart");
  const pulse = await xs("pulse");
  assert.equal(pulse.length, 1);
  assert.equal(pulse[0], (await xs("blood_pressure"))[1], "pulse only at the later visit, where the others are");
  // 48.2 → 49.0 kg is a small change: the weight line rises by less than half its panel.
  const ys = (await chart.locator('g.vital-panel[data-kind="weight"] polyline').getAttribute("points"))
    .trim().split(/\s+/).map((p) => Number(p.split(",")[1]));
  assert.ok(Math.abs(ys[0] - ys[1]) < 55, `weight line: ${ys}`);

  // A typo is refused with the server's message, and nothing of the visit is stored.
  const before = nurseErrors.length;
  const count = await page.locator("#vitals-latest details summary").textContent();
  await page.getByLabel("体温（℃）").fill("36.5");
  await page.getByLabel("脈拍（回/分）").fill("400");
  await page.locator("#vital-submit").click();
  await page.locator("#vital-errors", { hasText: "脈拍" }).waitFor();
  const refused = nurseErrors.splice(before);
  assert.ok(refused.length <= 1 && refused.every((e) => /status of 422/.test(e)), `errors: ${refused}`);
  assert.equal(await page.locator("#vitals-latest details summary").textContent(), count, "a refused visit stored a reading");
  assert.match(await page.locator("#vitals-latest").textContent(), /132\/84 mmHg/);
  await noSidewaysScroll(page, "vitals");
  assert.deepEqual(await axeViolations(page), [], "axe on the vitals tab");
  assert.deepEqual(await englishWords(page), [], "English left on the vitals tab");
  await screenshot(page, "care-8-vitals.png");
  assert.deepEqual(nurseErrors, [], "console or page errors (a CSP violation shows here)");
  await nurseContext.close();
});
