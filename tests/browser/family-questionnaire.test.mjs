// Browser flow of the family page's 問診 and 記録を見た人 (/app/family/, issue #34), in Debian's
// chromium through playwright-core with a virtual authenticator for the phone's fingerprint:
// the nurse sends the 基本チェックリスト through the API; the patient's son, on a 390 px
// phone, finds it first on the page, answers the 25 questions one a screen (the first with
// the keyboard: Tab to はい, Enter), leaves with the phone's back button and comes back to
// where he was, goes back once to change an answer, reloads halfway and goes on, enters height and weight (a typo said beside its field), checks
// his answers, changes one from the list, is shown the server's words beside the right
// question when the server refuses an answer (422), sends, and is thanked. The nurse's view
// has the answers and the scoring; a second answer is 409 (the same answers from the same person: the request as it stands), and on the page a questionnaire
// someone else answered first is said kindly. The access log lists the nurse's and the
// son's actions, a day a heading, repeats as one line with a count, a page at a time.
// Then a town's own form (written by its staff through the API: an optional yes/no, a choice,
// a number, words), answered with big buttons, full-width digits and a long text, the
// optional question skipped with the keyboard, a refused choice said beside it; and once more
// in English, where only the form's own wording (translate="no") stays Japanese.
// axe-core checks every screen shown. Screenshots go to tests/output/family-q-*.png.
//
//   node --test tests/browser/family-questionnaire.test.mjs   (RAINBOWNET_BIN overrides the binary)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, apiLogin, axeViolations, expectStatus, japaneseLeft, launchChromium, registerProfessional, screenshot, startHost,
  FAMILY_PATIENT as PATIENT, PHONE,
  noSidewaysScroll,
  addPhoneAuthenticator,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const KEY = "rainbownet-family-auth";
const DRAFT = "rainbownet-family-questionnaire:";
// The healthy answer is はい for 1–8, 16 and 19, いいえ for the rest; he answers いいえ to 6, 7
// and 8 (運動機能) and to 16 (閉じこもり).
const YES = new Set([1, 2, 3, 4, 5, 19]);
// The refusals the flow causes on purpose (the 422 it provokes): Chromium logs each.
const EXPECTED = /status of (401|403|404|409|422)/;

let host;
let base;
let api;
let browser;
let nurseToken;
let patientId;
let requestId;
let phone;

const patientPath = (suffix) => `/api/v1/patients/${encodeURIComponent(patientId)}${suffix}`;

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "family-questionnaire" });
  // Passkeys need a host name (an IP address has no RP ID): the flow goes to localhost.
  base = host.base.replace("//127.0.0.1:", "//localhost:");
  api = apiClient(base);
  browser = await launchChromium();
  const nurse = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "visiting_nurse_station", name: "清須訪問看護ステーション" },
    email: `nurse-q-${Date.now()}@example.jp`, name: "看護 花子", profession: "nurse", roles: ["professional"], password: PASSWORD,
  }, "register the nurse");
  nurseToken = await apiLogin(api, nurse, PASSWORD);
  patientId = (await expectStatus(201, api("POST", "/api/v1/patients", { token: nurseToken, json: PATIENT }), "patient")).id;
  const invitation = await expectStatus(201, api("POST", patientPath("/family-invitations"), {
    token: nurseToken, json: { name: "清須 一郎", relation: "child" },
  }), "family invitation");

  const context = await browser.newContext(PHONE);
  const errors = [];
  context.on("weberror", (e) => errors.push(e.error().message));
  context.on("console", (m) => { if (m.type() === "error" && !EXPECTED.test(m.text())) errors.push(m.text()); });
  const page = await context.newPage();
  await addPhoneAuthenticator(page);
  await page.goto(invitation.url);
  await page.getByRole("button", { name: "この端末で参加する（パスキー）" }).click();
  await page.locator("#home-title", { hasText: "清須 ハナさんの記録" }).waitFor();
  phone = { context, page, errors };
});

after(async () => {
  await phone?.context.close();
  await browser?.close();
  await host?.stop();
});

const familyToken = () => phone.page.evaluate((key) => JSON.parse(localStorage.getItem(key)).access_token, KEY);

async function atQuestion(page, n) {
  await page.locator("#q-progress", { hasText: new RegExp(`^${n} / 25$`) }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "q-heading", `the focus on question ${n}'s heading`);
}

// One tap on はい or いいえ; the next question follows.
async function tap(page, n, yes) {
  await page.getByRole("button", { name: yes ? "はい" : "いいえ", exact: true }).click();
  await atQuestion(page, n + 1);
}

test("the questionnaire the team sent is first on the page, and he answers it one question at a time", async () => {
  const { page, errors } = phone;
  const sentBy = await expectStatus(201, api("POST", patientPath("/questionnaire-requests"), {
    token: nurseToken, json: { questionnaire: "kihon-checklist" },
  }), "the nurse sends the 基本チェックリスト");
  requestId = sentBy.id;
  await page.reload();
  const card = page.locator("#questionnaire-open .q-request");
  await card.waitFor();
  assert.match(await card.locator("h2").textContent(), /^ケアチームから問診が届いています：基本チェックリスト$/);
  assert.match(await card.textContent(), /看護 花子さんから/);
  const answer = card.getByRole("button", { name: "回答する" });
  const box = await answer.boundingBox();
  assert.ok(box.height >= 60, `回答する: ${box.height}px high`);
  // First on the record: above 血圧を記録する.
  assert.ok(box.y < (await page.locator("#bp-open").boundingBox()).y, "the questionnaire comes before 血圧を記録する");
  await noSidewaysScroll(page, "the card");
  await screenshot(page, "family-q-1-card.png");

  await answer.click();
  await atQuestion(page, 1);
  assert.equal(new URL(page.url()).hash, "#questionnaire=" + requestId);
  assert.equal(await page.locator("#q-heading").textContent(), "バスや電車で1人で外出していますか");
  assert.equal(await page.locator("#q-back").isVisible(), false, "no question before the first");
  for (const id of ["#q-yes", "#q-no"]) {
    const b = await page.locator(id).boundingBox();
    assert.ok(b.height >= 70 && b.width >= 300, `${id}: ${b.width}x${b.height}`);
  }
  await page.locator("#q-yes:enabled").waitFor();
  await noSidewaysScroll(page, "a question");
  await screenshot(page, "family-q-2-question.png");
  // The keyboard: from the heading, Tab reaches はい and Enter answers.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "q-yes", "Tab from the question reaches はい");
  await page.keyboard.press("Enter");
  await atQuestion(page, 2);
  await tap(page, 2, true);

  // The phone's back button: the record again, its card says how far he came; on from there.
  await page.goBack();
  await page.locator("#home-view").waitFor();
  const resume = page.locator("#questionnaire-open .q-request");
  await resume.locator(".q-request-draft", { hasText: "途中まで答えています（2 / 25）" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "続きから回答する", "the focus on the card");
  await resume.getByRole("button", { name: "続きから回答する" }).click();
  await atQuestion(page, 3);

  // A slip at 3: back once, the answer he gave is marked, and he changes it.
  await tap(page, 3, false);
  await page.getByRole("button", { name: "前の質問に戻る" }).click();
  await atQuestion(page, 3);
  assert.equal(await page.locator("#q-heading").textContent(), "預貯金の出し入れをしていますか");
  assert.match(await page.locator("#q-chosen").textContent(), /いまの答え：いいえ/);
  assert.equal(await page.locator("#q-no").getAttribute("aria-pressed"), "true");
  assert.equal(await page.locator("#q-yes").getAttribute("aria-pressed"), "false");
  await tap(page, 3, true);
  for (let n = 4; n <= 9; n++) await tap(page, n, YES.has(n));

  // A reload halfway loses nothing: the same question, the answers kept in this tab.
  await page.reload();
  await atQuestion(page, 10);
  assert.equal(await page.locator("#q-heading").textContent(), "転倒に対する不安は大きいですか");
  for (let n = 10; n <= 11; n++) await tap(page, n, YES.has(n));

  // 12: height and weight on one screen; a typo is said beside its field.
  assert.equal(await page.locator("#q-heading").textContent(), "身長と体重を入れてください");
  const height = page.getByLabel("身長（cm）");
  const weight = page.getByLabel("体重（kg）");
  assert.equal(await height.getAttribute("inputmode"), "decimal");
  assert.equal(await weight.getAttribute("inputmode"), "decimal");
  await height.fill("ひゃく");
  await weight.fill("52.5");
  await page.getByRole("button", { name: "次へ" }).click();
  await page.locator("#q-field-0-error", { hasText: "数字で入れてください" }).waitFor();
  assert.equal(await height.getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "q-field-0");
  await noSidewaysScroll(page, "height and weight");
  await screenshot(page, "family-q-3-measure.png");
  await height.fill("１６０");
  await page.getByRole("button", { name: "次へ" }).click();
  await atQuestion(page, 13);
  for (let n = 13; n <= 24; n++) await tap(page, n, YES.has(n));
  await page.getByRole("button", { name: "いいえ", exact: true }).click();

  // The review: every answer, each a button back to its question.
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "q-heading");
  const rows = page.locator("#q-review .q-review-item");
  assert.equal(await rows.count(), 25);
  assert.match(await rows.nth(2).textContent(), /預貯金の出し入れをしていますか.*はい/);
  assert.match(await rows.nth(5).textContent(), /階段を手すりや壁をつたわらずに昇っていますか.*いいえ/);
  assert.match(await rows.nth(11).textContent(), /身長 160 cm.*体重 52\.5 kg/);
  // Changed from the list: 17, answered again, and straight back to the list.
  await rows.nth(16).getByRole("button").click();
  await atQuestion(page, 17);
  await page.getByRole("button", { name: "はい", exact: true }).click();
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  assert.match(await rows.nth(16).textContent(), /はい$/);
  await rows.nth(16).getByRole("button").click();
  await atQuestion(page, 17);
  await page.getByRole("button", { name: "いいえ", exact: true }).click();
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  assert.match(await rows.nth(16).textContent(), /いいえ$/);

  // The server refuses a weight (the request changed on its way): its words beside 12.
  await page.route("**/response", async (route) => {
    const body = JSON.parse(route.request().postData());
    body.item.find((i) => i.linkId === "12.weight").answer[0].valueDecimal = 5;
    await route.continue({ postData: JSON.stringify(body) });
  }, { times: 1 });
  await page.getByRole("button", { name: "回答を送る" }).click();
  await page.locator("#q-review .faulty").waitFor();
  assert.equal(await page.locator("#q-review .faulty").count(), 1);
  const faulty = rows.nth(11);
  assert.match(await faulty.locator(".field-error").textContent(), /体重は 15〜250 kg で入力してください/);
  assert.match(await page.locator("#q-errors").textContent(), /送れませんでした/);
  assert.equal(await page.evaluate(() => document.activeElement?.closest(".q-review-item") !== null), true, "the focus on the refused question");
  await noSidewaysScroll(page, "the review");
  await screenshot(page, "family-q-4-review.png");
  await faulty.getByRole("button").click();
  await page.locator("#q-progress", { hasText: "12 / 25" }).waitFor();
  assert.equal(await weight.inputValue(), "52.5", "what he typed is still there");
  await page.getByRole("button", { name: "次へ" }).click();
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  assert.equal(await page.locator("#q-review .faulty").count(), 0);
  assert.equal(await page.locator("#q-errors").isVisible(), false, "the refusal is gone with its cause");

  await page.getByRole("button", { name: "回答を送る" }).click();
  const done = page.locator("#questionnaire-done");
  await done.waitFor();
  assert.match(await done.textContent(), /回答を送りました。ケアチームが確認します。/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "questionnaire-done");
  assert.equal(new URL(page.url()).hash, "");
  await page.locator("#questionnaire-answered .q-done").waitFor();
  assert.match(await page.locator("#questionnaire-answered").textContent(), /基本チェックリスト回答済み回答：今日 午[前後]/);
  // His answer is in the log at once.
  await page.locator('#access-days .access-line[data-action="questionnaire.respond"]').waitFor();
  assert.equal(await page.locator("#questionnaire-open .q-request").count(), 0);
  assert.ok(!(await page.locator("#home-view").textContent()).match(/運動|閉じこもり|事業対象者/), "no scoring words for the family");
  assert.deepEqual(await page.evaluate((p) => Object.keys(sessionStorage).filter((k) => k.startsWith(p)), DRAFT), [], "the draft is gone");
  await screenshot(page, "family-q-5-sent.png");

  // The nurse's view: answered by the family, scored as answered.
  const list = await expectStatus(200, api("GET", patientPath("/questionnaire-requests"), { token: nurseToken }), "the nurse's list");
  const answered = list.items.find((r) => r.id === requestId);
  assert.equal(answered.answered_by, "family");
  assert.ok(answered.answered_at);
  const f = answered.result.flags;
  assert.equal(f.motor, true, "いいえ to 6, 7, 8");
  assert.equal(f.housebound, true, "いいえ to 16");
  for (const k of ["overall", "nutrition", "oral", "cognitive", "depression"]) assert.equal(f[k], false, k);
  assert.equal(f.eligible, true);
  assert.equal(answered.result.points_1_20, 4);
  assert.equal(answered.result.bmi, 20.5);
  const sent = Object.fromEntries(answered.response.item.map((i) => [i.linkId, i.answer[0]]));
  assert.deepEqual(sent["1"], { valueBoolean: true });
  assert.deepEqual(sent["6"], { valueBoolean: false });
  assert.deepEqual(sent["12.height"], { valueDecimal: 160 });
  assert.deepEqual(sent["12.weight"], { valueDecimal: 52.5 });
  assert.equal(answered.response.item.length, 26);
  // Answered once. The very same answers from him again (a phone that lost the answer) get
  // the request as it stands; anyone else's answer is 409.
  const path = patientPath(`/questionnaire-requests/${requestId}/response`);
  const retry = await api("POST", path, { token: await familyToken(), json: answered.response });
  assert.equal(retry.status, 201, retry.text);
  assert.equal(JSON.parse(retry.text).answered_at, answered.answered_at);
  const again = { resourceType: "QuestionnaireResponse", status: "completed", item: answered.response.item };
  const second = await api("POST", path, { token: nurseToken, json: again });
  assert.equal(second.status, 409, second.text);
  assert.deepEqual(errors, [], "console or page errors");
});

test("a questionnaire someone answered first is said kindly", async () => {
  const { page, errors } = phone;
  const second = await expectStatus(201, api("POST", patientPath("/questionnaire-requests"), {
    token: nurseToken, json: { questionnaire: "kihon-checklist" },
  }), "a second checklist");
  await page.reload();
  await page.locator("#questionnaire-open .q-request").waitFor();
  // His answers so far, all of them, kept in this tab; then the nurse answers at a visit.
  const first = (await expectStatus(200, api("GET", patientPath("/questionnaire-requests"), { token: nurseToken }), "list"))
    .items.find((r) => r.id === requestId);
  await page.evaluate(({ key, patient, items }) => {
    const answers = Object.fromEntries(items.map((i) => [i.linkId, Object.values(i.answer[0])[0]]));
    sessionStorage.setItem(key, JSON.stringify({ patient, answers, index: 25, editing: false }));
  }, { key: DRAFT + second.id, patient: patientId, items: first.response.item });
  await page.reload();
  const card = page.locator("#questionnaire-open .q-request");
  await card.waitFor();
  assert.match(await card.textContent(), /途中まで答えています（25 \/ 25）/);
  await card.getByRole("button", { name: "続きから回答する" }).click();
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  await expectStatus(201, api("POST", patientPath(`/questionnaire-requests/${second.id}/response`), {
    token: nurseToken, json: { resourceType: "QuestionnaireResponse", status: "completed", item: first.response.item },
  }), "the nurse answers at her visit");
  await page.getByRole("button", { name: "回答を送る" }).click();
  await page.locator("#q-answered").waitFor();
  assert.match(await page.locator("#q-answered").textContent(), /この問診はすでに回答済みです/);
  assert.match(await page.locator("#q-answered").textContent(), /もう一度答える必要はありません/);
  assert.deepEqual(await axeViolations(page), [], "axe-core with 回答済み");
  await page.getByRole("button", { name: "ページに戻る" }).click();
  await page.locator("#questionnaire-answered .q-done").nth(1).waitFor();
  assert.match(await page.locator(`#questionnaire-answered .q-done[data-id="${second.id}"]`).textContent(), /（ケアチームが記入）/);
  assert.equal(await page.locator("#questionnaire-open .q-request").count(), 0);
  assert.deepEqual(errors, [], "console or page errors");
});

test("the access log lists who looked at the record and what they did, a day at a time", async () => {
  const { page, errors } = phone;
  // The nurse reads the notes again and again: a page of the log's worth.
  for (let i = 0; i < 55; i++) await expectStatus(200, api("GET", patientPath("/posts"), { token: nurseToken }), "read");
  await page.reload();
  const lines = page.locator("#access-days .access-line");
  await lines.first().waitFor();
  assert.equal(await page.locator("#access-days h3").first().textContent(), "今日");
  const repeated = page.locator('#access-days .access-line[data-action="timeline.read"][data-who="professional"]').first();
  assert.match(await repeated.textContent(), /^午[前後]\d{1,2}:\d{2}　看護 花子（看護師・清須訪問看護ステーション）が連絡帳を見ました（\d+回）$/);
  assert.ok(Number(await repeated.getAttribute("data-count")) >= 40, "the repeats are one line");
  const more = page.getByRole("button", { name: "もっと見る" });
  assert.ok(await more.isVisible(), "more than a page: もっと見る");
  await screenshot(page, "family-q-6-access.png");
  while (await more.isVisible()) {
    const before = await lines.count();
    await more.click();
    await page.waitForFunction((n) => document.querySelectorAll("#access-days .access-line").length !== n
      || document.getElementById("access-more").hidden, before);
  }
  const text = await page.locator("#access-days").textContent();
  for (const line of [
    "看護 花子（看護師・清須訪問看護ステーション）が登録しました",
    "看護 花子（看護師・清須訪問看護ステーション）が家族を招待しました",
    "看護 花子（看護師・清須訪問看護ステーション）が問診を依頼しました",
    "看護 花子（看護師・清須訪問看護ステーション）が問診に回答しました",
    "清須 一郎（子）が家族として参加しました",
    "清須 一郎（子）が問診に回答しました",
  ]) assert.ok(text.includes(line), `the log says 「${line}」`);
  // His own reads of the record are not in his log (he knows he looked); the team's are.
  assert.ok(!text.includes("清須 一郎（子）が問診を見ました"), "his own reads are left out");
  // Names are data, not words to translate.
  assert.equal(await page.locator("#access-days .access-name").first().getAttribute("translate"), "no");
  assert.deepEqual(await axeViolations(page), [], "axe-core on the whole log");
  await noSidewaysScroll(page, "the access log");
  assert.deepEqual(errors, [], "console or page errors");
});

// --- a town's own form --------------------------------------------------------------------

const TOWN_FORM = {
  title: "清須市 くらしのアンケート",
  items: [
    { text: "この1か月、外出を控えていますか", type: "boolean", required: false },
    { text: "物忘れが気になりますか", type: "choice", options: ["なし", "少し", "多い"], required: true },
    { text: "1日に何杯、お茶や水を飲みますか", type: "decimal", required: true },
    { text: "困っていることがあれば書いてください", type: "text", required: true },
  ],
};
let townFormId;
const WORDS = "夜、トイレに起きることが多くて心配です。\n昼間は元気です。";

async function atScreen(page, n, total) {
  await page.locator("#q-progress", { hasText: new RegExp(`^${n} / ${total}$`) }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "q-heading", `the focus on question ${n}'s heading`);
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);

test("a town's own form: a choice, a number, words, and a question he may leave out", async () => {
  const { page, errors } = phone;
  const staff = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "municipality", name: "清須市役所 高齢福祉課" },
    email: `q-staff-${Date.now()}@example.jp`, name: "清須 管理子", profession: "municipal_staff",
    roles: ["municipal_staff"], password: PASSWORD,
  }, "register the town's staff member");
  const staffToken = await apiLogin(api, staff, PASSWORD);
  const form = await expectStatus(201, api("POST", "/api/v1/care/questionnaires", { token: staffToken, json: TOWN_FORM }), "the town's form");
  townFormId = form.id;
  const sent = await expectStatus(201, api("POST", patientPath("/questionnaire-requests"), {
    token: nurseToken, json: { questionnaire: form.id },
  }), "the nurse sends the town's form");
  await page.reload();
  const card = page.locator(`#questionnaire-open .q-request[data-id="${sent.id}"]`);
  await card.waitFor();
  assert.equal(await card.locator("h2").textContent(), "ケアチームから問診が届いています：清須市 くらしのアンケート");
  assert.equal(await card.locator("h2 [translate=no]").textContent(), TOWN_FORM.title, "the form's title is data");
  await card.getByRole("button", { name: "回答する" }).click();

  // 1, optional: はい, いいえ and 「答えない（次へ）」, reached and pressed with the keyboard.
  await atScreen(page, 1, 4);
  assert.equal(await page.locator("#q-heading").textContent(), TOWN_FORM.items[0].text);
  assert.equal(await page.locator("#q-heading .q-text").getAttribute("translate"), "no");
  assert.equal(await page.locator("#q-optional-hint").textContent(), "この質問は、答えなくてもかまいません。");
  await page.locator("#q-skip:enabled").waitFor();
  await screenshot(page, "family-q-7-optional.png");
  for (const id of ["q-yes", "q-no", "q-skip"]) {
    await page.keyboard.press("Tab");
    assert.equal(await focusedId(page), id, `Tab reaches ${id}`);
  }
  await page.keyboard.press("Enter");

  // 2: a choice, a big button per option; a tap answers.
  await atScreen(page, 2, 4);
  assert.equal(await page.locator("#q-heading").textContent(), TOWN_FORM.items[1].text);
  assert.equal(await page.locator("#q-optional-hint").isVisible(), false, "a required question says nothing of leaving it");
  assert.equal(await page.locator("#q-skip").isVisible(), false, "no 答えない on a required question");
  const options = page.locator("#q-options button");
  assert.equal(await options.count(), 3);
  for (let i = 0; i < 3; i++) {
    const b = await options.nth(i).boundingBox();
    assert.ok(b.height >= 60 && b.width >= 300, `option ${i + 1}: ${b.width}x${b.height}`);
    assert.equal(await options.nth(i).locator("[translate=no]").textContent(), TOWN_FORM.items[1].options[i]);
  }
  await page.locator("#q-options button:enabled").first().waitFor();
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.code), "1", "Tab from the question reaches the first option");
  await noSidewaysScroll(page, "a choice");
  await screenshot(page, "family-q-8-choice.png");
  await page.getByRole("button", { name: "多い", exact: true }).click();

  // 3: a number, no unit, no range; full-width digits count, words do not.
  await atScreen(page, 3, 4);
  const number = page.locator("#q-field-0");
  assert.equal(await number.getAttribute("inputmode"), "decimal");
  assert.equal(await page.locator("#q-field-0-label").textContent(), "答え（数字）");
  await number.fill("たくさん");
  await page.getByRole("button", { name: "次へ", exact: true }).click();
  await page.locator("#q-field-0-error", { hasText: "数字で入れてください" }).waitFor();
  assert.equal(await number.getAttribute("aria-invalid"), "true");
  assert.equal(await focusedId(page), "q-field-0");
  await noSidewaysScroll(page, "a number");
  await screenshot(page, "family-q-9-number.png");
  await number.fill("１２．５");
  await page.keyboard.press("Enter");

  // 4: words, a big box; the count near 2,000 characters; too many is said, not sent.
  await atScreen(page, 4, 4);
  const box = page.locator("#q-words");
  await page.keyboard.press("Tab");
  assert.equal(await focusedId(page), "q-words", "Tab from the question reaches the box");
  await page.getByRole("button", { name: "次へ", exact: true }).click();
  await page.locator("#q-words-error", { hasText: "答えを書いてください。" }).waitFor();
  await box.fill("あ".repeat(1990));
  await page.locator("#q-words-count", { hasText: "あと 10 文字書けます（2000 文字まで）。" }).waitFor();
  assert.equal(await page.locator("#q-words-error").isVisible(), false, "typing takes the fault away");
  await box.fill("あ".repeat(2001));
  await page.locator("#q-words-count.over", { hasText: "1 文字多すぎます" }).waitFor();
  await page.getByRole("button", { name: "次へ", exact: true }).click();
  await page.locator("#q-words-error", { hasText: "長すぎます。2000 文字までにしてください。" }).waitFor();
  assert.equal(await box.getAttribute("aria-invalid"), "true");
  await noSidewaysScroll(page, "words");
  await screenshot(page, "family-q-10-text.png");
  await box.fill(WORDS);
  await page.keyboard.press("Tab");
  assert.equal(await focusedId(page), "q-words-next");
  await page.keyboard.press("Enter");

  // The review: every question, the one left out said so; changed from the list.
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  const rows = page.locator("#q-review .q-review-item");
  assert.equal(await rows.count(), 4);
  assert.match(await rows.nth(0).textContent(), /外出を控えていますか（答えていません）$/);
  assert.match(await rows.nth(1).textContent(), /物忘れが気になりますか多い$/);
  assert.match(await rows.nth(2).textContent(), /お茶や水を飲みますか12\.5$/);
  assert.match(await rows.nth(3).textContent(), /困っていることがあれば書いてください夜、トイレに起きることが多くて心配です。 昼間は元気です。$/);
  assert.equal(await rows.nth(3).locator(".q-review-answer [translate=no]").count(), 1, "his words as written");
  await rows.nth(1).getByRole("button").click();
  await atScreen(page, 2, 4);
  assert.equal(await page.locator("#q-choice-chosen").textContent(), "いまの答え：多い");
  assert.equal(await options.nth(2).getAttribute("aria-pressed"), "true");
  await page.getByRole("button", { name: "少し", exact: true }).click();
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  assert.match(await rows.nth(1).textContent(), /少し$/);

  // The server refuses the choice (changed on its way): its words beside question 2.
  await page.route("**/response", async (route) => {
    const body = JSON.parse(route.request().postData());
    body.item.find((i) => i.linkId === "2").answer[0].valueCoding.code = "9";
    await route.continue({ postData: JSON.stringify(body) });
  }, { times: 1 });
  await page.getByRole("button", { name: "回答を送る" }).click();
  await page.locator("#q-review .faulty").waitFor();
  assert.equal(await page.locator("#q-review .faulty").count(), 1);
  assert.match(await rows.nth(1).locator(".field-error").textContent(), /この質問に合う形で回答してください/);
  assert.match(await page.locator("#q-errors").textContent(), /送れませんでした/);
  assert.equal(await page.evaluate(() => document.activeElement?.closest(".q-review-item")?.querySelector(".q-review-number")?.textContent), "2");
  await noSidewaysScroll(page, "the review");
  await screenshot(page, "family-q-11-review.png");
  await rows.nth(1).getByRole("button").click();
  await atScreen(page, 2, 4);
  await page.getByRole("button", { name: "少し", exact: true }).click();
  await page.locator("#q-heading", { hasText: "回答の確認" }).waitFor();
  assert.equal(await page.locator("#q-review .faulty").count(), 0);

  await page.getByRole("button", { name: "回答を送る" }).click();
  await page.locator("#questionnaire-done").waitFor();
  assert.match(await page.locator("#questionnaire-done").textContent(), /回答を送りました/);
  await page.locator(`#questionnaire-answered .q-done[data-id="${sent.id}"]`).waitFor();

  // The nurse reads the answers as he sent them; the question he left out is not there.
  const list = await expectStatus(200, api("GET", patientPath("/questionnaire-requests"), { token: nurseToken }), "the nurse's list");
  const answered = list.items.find((r) => r.id === sent.id);
  assert.equal(answered.answered_by, "family");
  assert.equal(answered.response.questionnaire, `urn:rainbownet:questionnaire:${form.id}`);
  assert.equal(answered.response.status, "completed");
  assert.deepEqual(answered.response.item, [
    { linkId: "2", answer: [{ valueCoding: { code: "2", display: "少し" } }] },
    { linkId: "3", answer: [{ valueDecimal: 12.5 }] },
    { linkId: "4", answer: [{ valueString: WORDS }] },
  ]);
  assert.deepEqual(errors, [], "console or page errors");
});

test("in English, a town's form keeps only its own wording in Japanese", async () => {
  const { page, errors } = phone;
  assert.ok(townFormId, "needs the town's form");
  const sent = await expectStatus(201, api("POST", patientPath("/questionnaire-requests"), {
    token: nurseToken, json: { questionnaire: townFormId },
  }), "the town's form again");
  await page.evaluate(() => localStorage.setItem("rainbownet.lang", "en"));
  await page.reload();
  const card = page.locator(`#questionnaire-open .q-request[data-id="${sent.id}"]`);
  await card.waitFor();
  const names = [TOWN_FORM.title, "清須 ハナ"];
  const left = async (where) => assert.deepEqual(await japaneseLeft(page, names), [], `Japanese left on ${where} in English`);
  await card.getByRole("button", { name: "Answer", exact: true }).click();

  await atScreen(page, 1, 4);
  await page.locator("#q-skip:enabled").waitFor();
  assert.equal(await page.locator("#q-skip").textContent(), "Skip this question");
  await left("an optional yes/no");
  await page.getByRole("button", { name: "Yes", exact: true }).click();
  await atScreen(page, 2, 4);
  await left("a choice");
  await page.getByRole("button", { name: "なし", exact: true }).click();
  await atScreen(page, 3, 4);
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await page.locator("#q-field-0-error:not([hidden])").waitFor();
  await left("a number, refused");
  await page.locator("#q-field-0").fill("-3");
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await atScreen(page, 4, 4);
  await page.locator("#q-words").fill("あ".repeat(1995));
  await page.locator("#q-words-count", { hasText: "5 characters left (up to 2000)." }).waitFor();
  await left("words, near the limit");
  await page.locator("#q-words").fill("");
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await page.locator("#q-words-error", { hasText: "Please write an answer." }).waitFor();
  await left("words, refused");
  await page.locator("#q-words").fill("Thank you");
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await page.locator("#q-heading", { hasText: "Check your answers" }).waitFor();
  assert.match(await page.locator("#q-review .q-review-item").nth(0).textContent(), /Yes$/);
  await left("the review");
  assert.deepEqual(await axeViolations(page), [], "axe-core on the review in English");
  await screenshot(page, "family-q-12-english.png");
  await page.getByRole("button", { name: "Send the answers" }).click();
  await page.locator("#questionnaire-done").waitFor();
  const answered = (await expectStatus(200, api("GET", patientPath("/questionnaire-requests"), { token: nurseToken }), "list"))
    .items.find((r) => r.id === sent.id);
  assert.deepEqual(answered.response.item.map((i) => i.answer[0]), [
    { valueBoolean: true }, { valueCoding: { code: "1", display: "なし" } }, { valueDecimal: -3 }, { valueString: "Thank you" },
  ]);
  await page.evaluate(() => localStorage.setItem("rainbownet.lang", "ja"));
  assert.deepEqual(errors, [], "console or page errors");
});
