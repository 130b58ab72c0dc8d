// Browser flow of questionnaires (問診・アンケート, issue #34) on the professionals' side, in
// Debian's chromium through playwright-core. A town's staff member (municipal_staff, 清須
// 23233) writes the town's own form on the administration page at 1280 px: a yes/no, a
// choice, a number and a free-text question (added, typed, moved; a choice with one option
// refused beside that question's options), saves it and previews it. A nurse of the town
// sends the 基本チェックリスト and the town's form from her patient's 家族 tab on a 390 px
// phone. The answers are made through the API with her token (the team may answer too):
// the checklist flags 運動機能 (いいえ to 6, 7, 8) and 閉じこもり (いいえ to 16). Back on the
// page: the answers, ② 運動機能 該当 and ⑤ 閉じこもり 該当, 事業対象者に該当します, and
// 「近くの体操を探す」 lists exercise classes near her home; the town's form reads back with
// the chosen option's text. She also fills in a form at a visit (a question left out is said
// beside it); a form answered meanwhile by someone else is said (409) and the list read
// again. An org admin sees the town's form but may not retire it; the town's staff retires
// it on a phone and it is sent no more. axe-core checks each view; the keyboard reaches the
// new buttons; the section reads wholly in English when asked. Screenshots:
// tests/output/care-questionnaires-*.png.
//
//   node --test tests/browser/care-questionnaires.test.mjs   (RAINBOWNET_BIN overrides the binary)
//
// The binary embeds static/ when it is built: rebuild after changing static/.

import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, apiLogin, axeViolations, expectStatus, japaneseLeft, launchChromium, output, registerProfessional, screenshot,
  signIn, startHost,
  noSidewaysScroll, tapTarget, tabTo,
  watchContextErrors,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const TOWN = "23233";
const PHONE = { viewport: { width: 390, height: 844 }, locale: "ja-JP", timezoneId: "Asia/Tokyo", serviceWorkers: "block" };
const DESK = { viewport: { width: 1280, height: 900 }, locale: "ja-JP", timezoneId: "Asia/Tokyo" };
const PATIENT = {
  municipality_code: TOWN, name: "清須 トメ", name_kana: "きよす とめ",
  birth_date: "昭和14年6月1日", sex: "female", care_level: "support_1",
  address: "愛知県清須市清洲1丁目", lat: 35.2186, lng: 136.8419, phone: "052-400-5678",
  consent: { method: "care_certification_application", taken_on: "令和8年4月1日" },
};
const FORM_TITLE = "退院後の暮らしアンケート";
const QUESTIONS = [
  { text: "夜はよく眠れていますか", type: "boolean" },
  { text: "痛みはどのくらいですか", type: "choice", options: ["なし", "少し", "強い"] },
  { text: "1日に歩いた歩数", type: "decimal" },
  { text: "困っていることがあれば書いてください", type: "text", required: false },
];
// Refused requests the flow causes on purpose (a choice with one option, answers left out).
const EXPECTED = /status of 422/;

let host;
let api;
let browser;
let staff;
let nurse;
let nurseToken;
let patientId;
let formId;
let nurseSide; // the nurse's phone: one page from sending to reading the answers

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "care-questionnaires" });
  api = apiClient(host.base);
  browser = await launchChromium();
  staff = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "municipality", name: "清須市役所 高齢福祉課" },
    email: `q-staff-${Date.now()}@example.jp`, name: "清須 管理子", profession: "municipal_staff",
    roles: ["municipal_staff"], password: PASSWORD,
  }, "register the town's staff member");
  nurse = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "visiting_nurse_station", name: "清須訪問看護ステーション" },
    email: `q-nurse-${Date.now()}@example.jp`, name: "看護 花子", profession: "nurse", roles: ["professional"], password: PASSWORD,
  }, "register the nurse");
  nurseToken = await apiLogin(api, nurse, PASSWORD);
  patientId = (await expectStatus(201, api("POST", "/api/v1/patients", { token: nurseToken, json: PATIENT }), "patient")).id;
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

const watch = (context) => watchContextErrors(context, { ignore: EXPECTED });

const focusedId = (page) => page.evaluate(() => document.activeElement?.id || "");

test("the town's staff member writes a form of four kinds of question on the admin page (1280 px)", async () => {
  const context = await browser.newContext(DESK);
  const errors = watch(context);
  const page = await context.newPage();
  await page.goto(host.base + "/app/admin/");
  await signIn(page, staff, PASSWORD);
  await page.locator("#account-status", { hasText: staff.name }).waitFor();
  const section = page.locator("#questionnaires-section");
  await section.waitFor();
  await page.locator("#q-list-status", { hasText: "まだ問診票はありません" }).waitFor();
  assert.match(await page.locator("#q-owner").textContent(), /市町の問診票として保存します/);
  assert.equal(await page.locator("#q-items li.q-item").count(), 1, "the editor starts with one question");

  await page.getByLabel("問診票の題名").fill(FORM_TITLE);
  // Question 1: はい／いいえ (the default).
  const row = (n) => page.locator("#q-items li.q-item").nth(n);
  await row(0).getByLabel("質問文").fill(QUESTIONS[0].text);
  assert.equal(await row(0).getByLabel("答え方").inputValue(), "boolean");
  assert.ok(await row(0).locator("fieldset.q-options").isHidden(), "options only for a choice");
  // Question 2, added from the keyboard: the new question's text takes the focus.
  await tabTo(page, page.locator("#q-add"), "質問を追加", 200);
  await page.keyboard.press("Enter");
  assert.match(await focusedId(page), /^qe-\d+-text$/, "the new question's text has the focus");
  await page.keyboard.type("1日に歩いた歩数");
  await row(1).getByLabel("答え方").selectOption("decimal");
  // Question 3: a choice, with one option only at first (refused beside its options).
  await page.locator("#q-add").click();
  await row(2).getByLabel("質問文").fill(QUESTIONS[1].text);
  await row(2).getByLabel("答え方").selectOption("choice");
  const options = row(2).locator("fieldset.q-options");
  await options.waitFor();
  assert.equal(await options.locator("input").count(), 2, "a choice starts with two options");
  await options.getByLabel("選択肢 1").fill("なし");
  // Question 4: free text, not required.
  await page.locator("#q-add").click();
  await row(3).getByLabel("質問文").fill(QUESTIONS[3].text);
  await row(3).getByLabel("答え方").selectOption("text");
  await row(3).getByLabel("回答を必須にする").uncheck();
  await page.locator("#q-save").click();
  const optionsError = row(2).locator("fieldset.q-options .field-error");
  await optionsError.waitFor();
  assert.match(await optionsError.textContent(), /選択肢は2〜10個/);
  assert.match(await page.locator("#q-editor-errors").textContent(), /入力内容を確認してください（1項目）/);
  assert.equal(await options.getByLabel("選択肢 1").getAttribute("aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.value), "なし", "the focus goes to the question's options");
  assert.deepEqual(await axeViolations(page), [], "axe-core with the refusal");

  await options.getByLabel("選択肢 2").fill("少し");
  await options.getByRole("button", { name: "質問3に選択肢を追加" }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.closest("li.q-option")?.dataset.index), "2", "the new option has the focus");
  await page.keyboard.type("強い");
  // The choice moves up to second place, from the keyboard: its 上へ keeps the focus.
  const up = row(2).getByRole("button", { name: "質問3を上へ移動" });
  await tabTo(page, up, "上へ", 200);
  await page.keyboard.press("Enter");
  await page.locator("#q-editor-status", { hasText: "質問3を2番目に移動しました" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "質問2を上へ移動");
  const texts = await page.locator("#q-items textarea").evaluateAll((all) => all.map((t) => t.value));
  assert.deepEqual(texts, QUESTIONS.map((q) => q.text));
  assert.deepEqual(await page.locator("#q-items fieldset.q-item-box > legend").allTextContents(), ["質問 1", "質問 2", "質問 3", "質問 4"]);
  await noSidewaysScroll(page, "the editor", 1280);
  await screenshot(page, "care-questionnaires-1-editor.png");
  // The section alone, to look at: the admin page is long.
  await section.screenshot({ path: join(output, "care-questionnaires-1-editor-section.png") });

  const save = page.locator("#q-save");
  await tabTo(page, save, "保存", 200);
  await page.keyboard.press("Enter");
  await page.locator("#q-result", { hasText: `保存しました：「${FORM_TITLE}」（4問）` }).waitFor();
  const item = page.locator("#q-list li.q-form-item", { hasText: FORM_TITLE });
  await item.waitFor();
  assert.match(await item.textContent(), /市町の問診票・4問/);
  assert.equal(await page.locator("#q-items li.q-item").count(), 1, "the editor is empty again");
  assert.equal(await page.locator("#q-title").inputValue(), "");
  formId = await item.getAttribute("data-id");

  // Its questions, as a professional's form will ask them.
  await item.getByRole("button", { name: `「${FORM_TITLE}」の中身を見る` }).click();
  await page.locator("#q-preview-title", { hasText: FORM_TITLE }).waitFor();
  assert.equal(await focusedId(page), "q-preview-title");
  const previewed = await page.locator("#q-preview-list > li").allTextContents();
  assert.equal(previewed.length, 4);
  assert.match(previewed[0], /夜はよく眠れていますか.*はい／いいえ・必須/);
  assert.match(previewed[1], /痛みはどのくらいですか.*選択・必須.*なし.*少し.*強い/);
  assert.match(previewed[2], /1日に歩いた歩数.*数値・必須/);
  assert.match(previewed[3], /困っていることがあれば書いてください.*自由記述・任意/);
  assert.equal(await item.getByRole("button", { name: `「${FORM_TITLE}」を使うのをやめる` }).count(), 1, "the town's own form may be retired");
  await screenshot(page, "care-questionnaires-2-saved.png");
  await section.screenshot({ path: join(output, "care-questionnaires-2-saved-section.png") });

  const form = await expectStatus(200, api("GET", `/api/v1/care/questionnaires/${formId}`, { token: nurseToken }), "the form as FHIR");
  assert.deepEqual(form.item.map((i) => [i.linkId, i.type, i.required]), [["1", "boolean", true], ["2", "choice", true], ["3", "decimal", true], ["4", "text", false]]);
  assert.deepEqual(form.item[1].answerOption.map((o) => o.valueCoding.display), ["なし", "少し", "強い"]);
  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  await context.close();
});

test("a nurse of the town sends the 基本チェックリスト and the town's form from the patient's page (390 px)", async (t) => {
  if (!formId) return t.skip("needs the town's form");
  const context = await browser.newContext(PHONE);
  const errors = watch(context);
  const page = await context.newPage();
  nurseSide = { context, page, errors };
  await page.goto(host.base + "/app/care/");
  await page.locator("#login-form").waitFor();
  await signIn(page, nurse, PASSWORD);
  await page.locator("#patient-list a.patient-link").first().waitFor();
  await page.goto(`${host.base}/app/care/#/patients/${patientId}/family`);
  await page.locator("#patient-name", { hasText: "清須 トメ" }).waitFor();
  await page.locator("#q-list-status", { hasText: "まだ問診票を送っていません" }).waitFor();
  const select = page.getByLabel("送る問診票");
  await page.locator("#q-select option").nth(1).waitFor({ state: "attached" });
  assert.deepEqual(await page.locator("#q-select option").allTextContents(), ["基本チェックリスト（厚生労働省）", FORM_TITLE]);

  await select.selectOption("kihon-checklist");
  await page.locator("#q-send").click();
  await page.locator("#q-status", { hasText: "問診票を送りました（ご家族のページに表示されます）：基本チェックリスト" }).waitFor();
  // The town's form, sent from the keyboard.
  await select.selectOption(formId);
  const send = page.locator("#q-send");
  await tapTarget(send, "送る");
  await tabTo(page, send, "送る", 200);
  await page.keyboard.press("Enter");
  await page.locator("#q-status", { hasText: `問診票を送りました（ご家族のページに表示されます）：${FORM_TITLE}` }).waitFor();
  const open = page.locator("#q-open li.q-request");
  assert.equal(await open.count(), 2);
  assert.match(await page.locator("#q-open-title").textContent(), /未回答（2件）/);
  assert.match(await open.nth(0).textContent(), new RegExp(`${FORM_TITLE}.*未回答.*送信 .*看護 花子`));
  assert.match(await open.nth(1).textContent(), /基本チェックリスト.*未回答/);
  assert.ok(await page.locator("#q-answered-title").isHidden(), "nothing answered yet");
  await tapTarget(open.nth(0).getByRole("button", { name: "訪問時に代わりに記入する" }), "訪問時に代わりに記入する");
  const sent = await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/questionnaire-requests`, { token: nurseToken }), "requests");
  assert.deepEqual(sent.items.map((r) => [r.questionnaire, r.answered_at]), [[formId, null], ["kihon-checklist", null]]);
  await noSidewaysScroll(page, "questionnaires sent", 390);
  await screenshot(page, "care-questionnaires-3-sent.png");
  assert.deepEqual(errors, [], "console or page errors");
});

test("the answers come through the API (the team may answer too)", async (t) => {
  if (!formId) return t.skip("needs the requests");
  const requests = (await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/questionnaire-requests`, { token: nurseToken }), "requests")).items;
  const kihon = requests.find((r) => r.questionnaire === "kihon-checklist");
  const town = requests.find((r) => r.questionnaire === formId);
  // はい to 1–5 and 19, いいえ to the rest: 6, 7, 8 score 運動機能 (3 of 6–10), 16 閉じこもり.
  const yes = new Set([1, 2, 3, 4, 5, 19]);
  const item = [];
  for (let n = 1; n <= 25; n++) {
    if (n === 12) {
      item.push({ linkId: "12.height", answer: [{ valueDecimal: 160 }] }, { linkId: "12.weight", answer: [{ valueDecimal: 55 }] });
    } else {
      item.push({ linkId: String(n), answer: [{ valueBoolean: yes.has(n) }] });
    }
  }
  const scored = await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/questionnaire-requests/${kihon.id}/response`, {
    token: nurseToken, json: { resourceType: "QuestionnaireResponse", status: "completed", item },
  }), "the checklist answered");
  assert.deepEqual(scored.result.flags, {
    overall: false, motor: true, nutrition: false, oral: false, housebound: true, cognitive: false, depression: false, eligible: true,
  });
  assert.deepEqual(scored.result.suggestions.map((s) => s.words), ["体操", "サロン"]);
  await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/questionnaire-requests/${town.id}/response`, {
    token: nurseToken,
    json: {
      resourceType: "QuestionnaireResponse", status: "completed", item: [
        { linkId: "1", answer: [{ valueBoolean: false }] },
        { linkId: "2", answer: [{ valueCoding: { code: "2" } }] },
        { linkId: "3", answer: [{ valueDecimal: 3200 }] },
        { linkId: "4", answer: [{ valueString: "階段がつらいです" }] },
      ],
    },
  }), "the town's form answered");
});

test("the patient page shows the checklist's answers, result and places nearby", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  await page.reload();
  const done = page.locator("#q-answered li.q-request");
  await done.first().waitFor();
  assert.equal(await done.count(), 2);
  assert.ok(await page.locator("#q-open-title").isHidden(), "nothing open");
  const kihon = page.locator("#q-answered li.q-request[data-questionnaire=kihon-checklist]");
  assert.match(await kihon.textContent(), /基本チェックリスト.*回答済み.*回答 .*（チームが記入）/);
  assert.equal(await kihon.locator(".kihon-verdict").textContent(), "事業対象者に該当します");
  const rows = await kihon.locator("table.kihon-table tbody tr").evaluateAll((all) => all.map((r) => [r.cells[0].textContent, r.cells[1].textContent]));
  assert.deepEqual(rows, [
    ["① 生活機能全般（Ｎｏ.1–20で10項目以上）", "非該当"],
    ["② 運動機能（Ｎｏ.6–10で3項目以上）", "該当"],
    ["③ 栄養（Ｎｏ.11とＢＭＩ 18.5未満）", "非該当"],
    ["④ 口腔機能（Ｎｏ.13–15で2項目以上）", "非該当"],
    ["⑤ 閉じこもり（Ｎｏ.16）", "該当"],
    ["⑥ 認知機能（Ｎｏ.18–20で1項目以上）", "非該当"],
    ["⑦ うつ（Ｎｏ.21–25で2項目以上）", "非該当"],
  ]);
  // いいえ to 6, 7, 8 and 16 scores four of No.1–20; 55 kg at 160 cm is a BMI of 21.5.
  assert.equal(await kihon.locator(".kihon-figures").textContent(), "Ｎｏ.1–20の該当：4項目・ＢＭＩ：21.5");

  // The answers, each with its question.
  await kihon.locator("details.q-answers summary").click();
  const answers = await kihon.locator("dl.q-answer-list").evaluate((dl) => {
    const out = {};
    dl.querySelectorAll("dt").forEach((dt) => { out[dt.querySelector(".q-question").textContent] = dt.nextElementSibling.textContent; });
    return out;
  });
  assert.equal(Object.keys(answers).length, 26);
  assert.equal(answers["バスや電車で1人で外出していますか"], "はい");
  assert.equal(answers["15分位続けて歩いていますか"], "いいえ");
  assert.equal(answers["身長（cm）"], "160 cm");
  assert.equal(answers["体重（kg）"], "55 kg");

  // 「近くの体操を探す」, from the keyboard: exercise classes near her home.
  const find = kihon.getByRole("button", { name: "近くの体操を探す" });
  assert.equal(await kihon.getByRole("button", { name: "近くのサロンを探す" }).count(), 1, "閉じこもり suggests salons");
  await tapTarget(find, "近くの体操を探す");
  await tabTo(page, find, "近くの体操を探す", 300);
  await page.keyboard.press("Enter");
  const places = kihon.locator(`#${await find.getAttribute("aria-controls")}`);
  await places.locator("li.nearby-item").first().waitFor();
  assert.equal(await find.getAttribute("aria-expanded"), "true");
  const found = await places.locator("li.nearby-item").allTextContents();
  assert.ok(found.length >= 1 && found.length <= 5, `${found.length} places`);
  assert.ok(found.every((text) => /体操/.test(text)), found.join(" | "));
  assert.match(found[0], /約 \d+ m|約 \d+\.\d km/);
  assert.match(await places.locator("[role=status]").textContent(), /自宅から近い順に \d 件/);
  assert.match(await places.locator("a.handout-link").getAttribute("href"), /^\/resources\/print\?ids=/);
  await noSidewaysScroll(page, "the checklist's result", 390);
  await screenshot(page, "care-questionnaires-4-result.png");
  // Pressed again, the list folds away.
  await page.keyboard.press("Enter");
  assert.equal(await find.getAttribute("aria-expanded"), "false");
  assert.ok(await places.isHidden());
  assert.deepEqual(errors, [], "console or page errors");
});

test("the town's form reads back with the chosen option's text", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  const town = page.locator(`#q-answered li.q-request[data-questionnaire="${formId}"]`);
  assert.match(await town.textContent(), new RegExp(`${FORM_TITLE}.*回答済み`));
  assert.equal(await town.locator(".kihon").count(), 0, "a town's form is not scored");
  await town.locator("details.q-answers summary").click();
  const pairs = await town.locator("dl.q-answer-list dt").evaluateAll((all) => all.map((dt) => [dt.textContent, dt.nextElementSibling.textContent]));
  assert.deepEqual(pairs, [
    ["1 夜はよく眠れていますか", "いいえ"],
    ["2 痛みはどのくらいですか", "少し"],
    ["3 1日に歩いた歩数", "3200"],
    ["4 困っていることがあれば書いてください", "階段がつらいです"],
  ]);
  // The town's and the family's words are shown as written, whatever the language.
  assert.equal(await town.locator("dd .q-choice").getAttribute("translate"), "no");
  assert.equal(await town.locator("dd .q-text").getAttribute("translate"), "no");
  assert.deepEqual(await axeViolations(page), [], "axe-core with the answers open");
  assert.deepEqual(errors, [], "console or page errors");
});

test("at a visit she fills in the town's form herself: a question left out is said beside it", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  await page.getByLabel("送る問診票").selectOption(formId);
  await page.locator("#q-send").click();
  const open = page.locator("#q-open li.q-request");
  await open.first().waitFor();
  const visit = open.first().getByRole("button", { name: "訪問時に代わりに記入する" });
  await tabTo(page, visit, "訪問時に代わりに記入する", 300);
  await page.keyboard.press("Enter");
  const form = open.first().locator("form.q-visit-form");
  await form.waitFor();
  assert.equal(await visit.getAttribute("aria-expanded"), "true");
  assert.equal(await page.evaluate(() => document.activeElement?.type), "radio", "the first question has the focus");
  // Only the choice is answered: the yes/no and the number are said to be missing.
  await form.getByRole("radio", { name: "強い" }).check();
  await form.locator(".q-visit-submit").click();
  const missing = form.locator(".field-error:not([hidden])");
  await missing.first().waitFor();
  assert.equal(await missing.count(), 2);
  assert.match(await form.locator(".q-visit-errors").textContent(), /入力内容を確認してください（2項目）/);
  assert.equal(await page.evaluate(() => document.activeElement?.type), "radio", "the focus goes to the first question left out");
  assert.deepEqual(await axeViolations(page), [], "axe-core on the visit's form with its faults");
  await open.first().screenshot({ path: join(output, "care-questionnaires-5-visit-form.png") });
  await form.getByRole("radio", { name: "はい" }).check();
  await form.getByLabel("1日に歩いた歩数").fill("４５００"); // full-width digits from a Japanese keyboard
  await form.getByLabel("困っていることがあれば書いてください").fill("特になし");
  await form.locator(".q-visit-submit").click();
  await page.locator("#q-status", { hasText: "回答を記録しました" }).waitFor();
  assert.ok(await page.locator("#q-open-title").isHidden(), "nothing open");
  const answered = page.locator(`#q-answered li.q-request[data-questionnaire="${formId}"]`);
  assert.equal(await answered.count(), 2);
  const newest = answered.first();
  assert.match(await newest.textContent(), /（チームが記入）/);
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains("q-title")), true, "the focus goes to the answered form");
  await newest.locator("details.q-answers summary").click();
  assert.deepEqual(await newest.locator("dl.q-answer-list dd").allTextContents(), ["はい", "強い", "4500", "特になし"]);
  const stored = (await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/questionnaire-requests`, { token: nurseToken }), "requests")).items[0];
  assert.equal(stored.answered_by, "professional");
  assert.deepEqual(stored.response.item.map((i) => i.linkId), ["1", "2", "3", "4"]);
  await screenshot(page, "care-questionnaires-6-visit-recorded.png");
  assert.deepEqual(errors, [], "console or page errors");
});

test("a form the family answered while she was filling it in is said, and the list read again", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  await page.getByLabel("送る問診票").selectOption(formId);
  await page.locator("#q-send").click();
  const open = page.locator("#q-open li.q-request");
  await open.first().waitFor();
  const requestId = await open.first().getAttribute("data-id");
  await open.first().getByRole("button", { name: "訪問時に代わりに記入する" }).click();
  const form = open.first().locator("form.q-visit-form");
  await form.waitFor();
  await form.getByRole("radio", { name: "いいえ" }).check();
  await form.getByRole("radio", { name: "なし" }).check();
  await form.getByLabel("1日に歩いた歩数").fill("2000");
  // Meanwhile the answers arrive from elsewhere (other answers: no retry of hers).
  await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/questionnaire-requests/${requestId}/response`, {
    token: nurseToken,
    json: {
      resourceType: "QuestionnaireResponse", status: "completed", item: [
        { linkId: "1", answer: [{ valueBoolean: true }] }, { linkId: "2", answer: [{ valueCoding: { code: "1" } }] },
        { linkId: "3", answer: [{ valueDecimal: 5000 }] },
      ],
    },
  }), "answered meanwhile");
  await form.locator(".q-visit-submit").click();
  await page.locator("#q-status", { hasText: "この問診票はすでに回答済みです" }).waitFor();
  assert.equal(await focusedId(page), "q-heading", "the focus goes to the section's heading");
  assert.equal(await page.locator("#q-open li.q-request").count(), 0, "the list is read again: nothing open");
  const answered = page.locator(`#q-answered li.q-request[data-id="${requestId}"]`);
  await answered.locator("details.q-answers summary").click();
  assert.deepEqual(await answered.locator("dl.q-answer-list dd").allTextContents(), ["はい", "なし", "5000", "（回答なし）"]);
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(e)), [], "console or page errors");
  errors.length = 0;
});

test("the questionnaires read in English when asked", async (t) => {
  if (!nurseSide) return t.skip("needs the nurse's page");
  const { page, errors } = nurseSide;
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "en");
  await page.reload();
  const kihon = page.locator("#q-answered li.q-request[data-questionnaire=kihon-checklist]");
  await kihon.waitFor();
  await kihon.locator("details.q-answers summary").click();
  await kihon.locator("button[data-places]").first().click();
  await kihon.locator(".q-places-found li.nearby-item").first().waitFor();
  assert.equal(await kihon.locator(".kihon-verdict").textContent(), "Eligible for the prevention and daily-life support services");
  assert.match(await kihon.locator("table.kihon-table tbody tr").nth(1).textContent(), /Motor function.*Met/);
  await page.getByLabel("Form to send").selectOption(formId);
  await page.locator("#q-send").click();
  await page.locator("#q-open li.q-request").first().waitFor();
  await page.locator("#q-open button[data-visit]").first().click();
  await page.locator("#q-open form.q-visit-form").waitFor();
  // Names, the town's form and the places found are data, shown as written.
  const places = await kihon.locator(".q-places-found .resource-name").allTextContents();
  const names = ["清須 トメ", "看護 花子", "清須訪問看護ステーション", FORM_TITLE, ...places];
  const left = (await japaneseLeft(page, names)).filter((text) => !/清須市|愛知県|毎週|体操教室/.test(text));
  assert.deepEqual(left, [], "Japanese left on the family tab in English");
  assert.deepEqual(await axeViolations(page), [], "axe-core in English");
  await page.locator("[data-lang-switch]").click();
  await page.waitForFunction(() => document.documentElement.dataset.lang === "ja");
  assert.deepEqual(errors, [], "console or page errors");
  await nurseSide.context.close();
});

test("an org admin sees the town's form but may not retire it; the town's staff retires it on a phone", async (t) => {
  if (!formId) return t.skip("needs the town's form");
  const orgAdmin = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "care_management_office", name: "清須居宅介護支援事業所" },
    email: `q-org-${Date.now()}@example.jp`, name: "居宅 管理郎", profession: "care_manager", roles: ["org_admin"], password: PASSWORD,
  }, "register an org admin");
  const context = await browser.newContext(PHONE);
  const errors = watch(context);
  const page = await context.newPage();
  await page.goto(host.base + "/app/admin/");
  await signIn(page, orgAdmin, PASSWORD);
  await page.locator("#account-status", { hasText: orgAdmin.name }).waitFor();
  await page.locator("#questionnaires-section").waitFor();
  assert.match(await page.locator("#q-owner").textContent(), /事業所の問診票として保存します/);
  const listed = page.locator("#q-list li.q-form-item", { hasText: FORM_TITLE });
  await listed.waitFor();
  assert.match(await listed.textContent(), /市町の問診票/);
  assert.equal(await listed.getByRole("button", { name: /使うのをやめる/ }).count(), 0, "the town's form is the town's to retire");
  await noSidewaysScroll(page, "the admin page of an org admin", 390);
  await context.close();

  const staffSide = await browser.newContext(PHONE);
  const staffErrors = watch(staffSide);
  const staffPage = await staffSide.newPage();
  await staffPage.goto(host.base + "/app/admin/");
  await signIn(staffPage, staff, PASSWORD);
  const item = staffPage.locator("#q-list li.q-form-item", { hasText: FORM_TITLE });
  await item.waitFor();
  const retire = item.getByRole("button", { name: `「${FORM_TITLE}」を使うのをやめる` });
  await tapTarget(retire, "使うのをやめる");
  await tabTo(staffPage, retire, "使うのをやめる", 300);
  staffPage.once("dialog", (dialog) => { assert.match(dialog.message(), /これからは送れなくなります/); dialog.accept(); });
  await staffPage.keyboard.press("Enter");
  await staffPage.locator("#q-list-result", { hasText: `「${FORM_TITLE}」を使うのをやめました` }).waitFor();
  await staffPage.locator("#q-list-status", { hasText: "まだ問診票はありません" }).waitFor();
  assert.equal(await focusedId(staffPage), "q-list-title");
  await noSidewaysScroll(staffPage, "the admin page on a phone", 390);
  await screenshot(staffPage, "care-questionnaires-7-retired-390.png");
  const forms = await expectStatus(200, api("GET", "/api/v1/care/questionnaires", { token: nurseToken }), "the nurse's forms");
  assert.deepEqual(forms.items.map((f) => f.id), ["kihon-checklist"], "a retired form is sent no more");
  // The answers given stay readable: the retired form is still served.
  const retired = await expectStatus(200, api("GET", `/api/v1/care/questionnaires/${formId}`, { token: nurseToken }), "the retired form");
  assert.equal(retired.status, "retired");
  assert.deepEqual([...errors, ...staffErrors], [], "console or page errors");
  await staffSide.close();
});
