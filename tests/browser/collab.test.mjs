// Browser flow of the collaboration features, in Debian's chromium through playwright-core:
// an organization admin (at the town hall, who also sees the town's usage) invites a nurse
// on the admin page (/app/admin/); the nurse opens the link on a phone, chooses a password,
// reads the authenticator key off the page and signs in with a code computed from it. On a
// patient shared with a care manager of another office, the nurse writes a 服薬情報提供書
// (first with a required field left empty: the server's message shows by that field), edits
// it, and sees the care manager's comment. The nurse creates a 地域ケア会議 with the care
// manager found in the directory and posts in it: the care manager sees the unread badge,
// which clears once read. The care manager writes the nurse a message: the nurse sees the
// badge on メッセージ and reads it. The admin's usage section counts the patient and posts.
// Screenshots go to tests/output/collab-*.png. Starts its own local host on a free port.
//
//   node --test tests/browser/collab.test.mjs      (RAINBOWNET_BIN overrides the binary)
//
// The web client is embedded in the binary when it is built: rebuild after changing static/.

import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, apiLogin, base32Decode, expectStatus, launchChromium, registerProfessional, screenshot, signIn,
  startHost, watchErrors,
  noSidewaysScroll, tapTarget,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";
const NURSE_PASSWORD = "my own password for the care network";
const TOWN = "23233";
const PHONE = { viewport: { width: 390, height: 844 }, locale: "ja-JP", timezoneId: "Asia/Tokyo", acceptDownloads: true };
const NURSE_NAME = "看護 花子";
const PROJECT_NAME = "清須市 地域ケア会議（11月）";
const COMMENT = "残薬の調整について、次回訪問時に確認します。";
const MESSAGE = "看護さん、来週の担当者会議の日程をご相談させてください。";

// A patient at home in 清須市 (as in care.test.mjs).
const PATIENT = {
  municipality_code: TOWN, name: "清須 ハナ", name_kana: "きよす はな",
  birth_date: "昭和15年4月1日", sex: "female", care_level: "care_2",
  address: "愛知県清須市清洲1丁目", lat: 35.2186, lng: 136.8419, phone: "052-400-1234",
  consent: { method: "care_certification_application", taken_on: "令和8年4月1日" },
};

let host;
let base;
let api;
let browser;
let orgAdmin; // org_admin at the town hall; municipal_staff too, for the usage figures
let manager; // a care manager of another office
let managerToken;
let nurse; // invited through the page: { email, secret, id }
let patientId;
const sessions = {}; // name → { context, page, errors }

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "collab" });
  base = host.base;
  api = apiClient(base);
  browser = await launchChromium();
  const stamp = Date.now();
  orgAdmin = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "municipality", name: "清須市役所 高齢福祉課" },
    email: `orgadmin-${stamp}@example.jp`, name: "清須 管理子", profession: "municipal_staff",
    roles: ["professional", "org_admin", "municipal_staff"], password: PASSWORD,
  }, "register org admin");
  manager = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: TOWN, kind: "care_management_office", name: "清須ケアプランセンター" },
    email: `caremanager-${stamp}@example.jp`, name: "介護 太郎", profession: "care_manager",
    roles: ["professional"], password: PASSWORD,
  }, "register care manager");
  nurse = { email: `nurse-${stamp}@example.jp` };
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

async function open(name) {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const errors = watchErrors(page);
  sessions[name] = { context, page, errors };
  return sessions[name];
}

// Chromium logs a refused request itself; these are the ones a step causes on purpose.
function expectRefused(errors, from, status) {
  const refused = errors.splice(from);
  assert.ok(refused.length <= 1 && refused.every((e) => e.includes(`status of ${status}`)), `errors: ${refused}`);
}

function navBadge(page, kind) {
  return page.locator(`#nav-${kind} .nav-badge`);
}

test("the org admin invites a nurse; the nurse chooses a password, sets up TOTP and signs in", async () => {
  const { page: admin, errors: adminErrors } = await open("admin");
  await admin.goto(base + "/app/admin/");
  await signIn(admin, orgAdmin, PASSWORD);
  await admin.locator("#account-status", { hasText: orgAdmin.name }).waitFor();
  await admin.locator("#invite-section").waitFor();
  await admin.locator("#invite-email").fill(nurse.email);
  await admin.locator("#invite-name").fill(NURSE_NAME);
  await admin.locator("#invite-profession").selectOption("nurse");
  assert.ok(await admin.locator('#invite-form input[name=roles][value=professional]').isChecked(), "professional by default");
  await tapTarget(admin.locator("#invite-submit"), "invite button");
  await admin.locator("#invite-submit").click();
  await admin.locator("#invite-result").waitFor();
  const acceptUrl = await admin.locator("#invite-url").inputValue();
  assert.match(acceptUrl, new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/app/care/#invite=[0-9a-f]{16,}$`));
  await admin.locator("#invite-copy").click();
  await admin.locator("#invite-copy-status", { hasText: /コピーしました|選択しました/ }).waitFor();
  const listed = admin.locator("#invitation-list li.invitation", { hasText: nurse.email });
  await listed.waitFor();
  assert.equal(await listed.getAttribute("data-state"), "pending");
  assert.match(await listed.textContent(), /招待中/);
  assert.doesNotMatch(await admin.locator("#invitation-list").textContent(), /invite=/, "the link is shown once only");
  await noSidewaysScroll(admin, "admin: invite");
  await screenshot(admin, "collab-1-invite.png");

  // The nurse, on her own phone.
  const { page, errors } = await open("nurse");
  await page.goto(acceptUrl);
  await page.locator("#invite-form").waitFor();
  assert.ok(await page.locator("#signin").isHidden(), "no sign-in form before the account exists");
  await page.locator("#invite-password").fill("short");
  await page.locator("#invite-password2").fill("short");
  await page.locator("#invite-submit").click();
  await page.locator("#invite-password-error", { hasText: "12文字以上" }).waitFor();
  await page.locator("#invite-password").fill(NURSE_PASSWORD);
  await page.locator("#invite-password2").fill(NURSE_PASSWORD);
  await tapTarget(page.locator("#invite-submit"), "set password button");
  await page.locator("#invite-submit").click();
  await page.locator("#invite-step-totp").waitFor();
  const grouped = (await page.locator("#invite-secret").textContent()).trim();
  assert.match(grouped, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, `grouped for typing: ${grouped}`);
  assert.match(await page.locator("#invite-uri").textContent(), /^otpauth:\/\/totp\//);
  assert.equal((await page.locator("#invite-email").textContent()).trim(), nurse.email);
  assert.ok(!page.url().includes("invite="), `the token leaves the address bar: ${page.url()}`);
  nurse.secret = base32Decode(grouped);
  await noSidewaysScroll(page, "invite: key");
  await screenshot(page, "collab-2-totp.png");

  await page.locator("#invite-done").click();
  await page.locator("#login-form").waitFor();
  assert.equal(await page.locator("#login-email").inputValue(), nurse.email, "the address is filled in");
  await signIn(page, nurse, NURSE_PASSWORD);
  await page.locator("#user-name", { hasText: NURSE_NAME }).waitFor();
  assert.equal((await page.locator("#user-org").textContent()).trim(), "清須市役所 高齢福祉課");
  await page.locator("#main-nav").waitFor();
  for (const kind of ["patients", "projects", "messages"]) await tapTarget(page.locator(`#nav-${kind}`), `menu ${kind}`);

  // The invitation is spent: the admin's list says so.
  await admin.locator("#invitations-reload").click();
  await admin.locator('#invitation-list li.invitation[data-state="accepted"]', { hasText: nurse.email }).waitFor();
  assert.deepEqual(adminErrors, [], "admin page: console or page errors");
  assert.deepEqual(errors, [], "nurse page: console or page errors");
});

test("the nurse writes a 服薬情報提供書 (a field error by its field), edits it, and reads a comment", async (t) => {
  if (!nurse.secret) return t.skip("needs the nurse's account");
  // The care manager registers the patient and puts the nurse, found in the directory, on the team.
  managerToken = await apiLogin(api, manager, PASSWORD);
  const found = await expectStatus(200, api("GET", `/api/v1/care/professionals?q=${encodeURIComponent(nurse.email)}`, {
    token: managerToken,
  }), "directory by address");
  assert.equal(found.items.length, 1);
  nurse.id = found.items[0].id;
  const patient = await expectStatus(201, api("POST", "/api/v1/patients", { token: managerToken, json: PATIENT }), "patient");
  patientId = patient.id;
  const team = await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/team`, {
    token: managerToken, json: { professional_id: nurse.id },
  }), "team");
  assert.deepEqual(team.team.map((m) => m.id).sort(), [manager.id, nurse.id].sort());

  const { page, errors } = sessions.nurse;
  await page.locator("#nav-patients").click();
  await page.locator("#patients-reload").click();
  const link = page.locator(`#patient-list a.patient-link[href="#/patients/${patientId}"]`);
  await link.click();
  await page.locator("#patient-name", { hasText: "清須 ハナ" }).waitFor();
  await page.locator("#timeline-status", { hasText: "まだ投稿はありません" }).waitFor();

  await tapTarget(page.locator("#doc-new"), "new document button");
  await page.locator("#doc-new").click();
  await page.locator('#doc-template option[value="medication_information"]').waitFor({ state: "attached" });
  await page.locator("#doc-template").selectOption("medication_information");
  const form = page.locator("#doc-form-box form.doc-form");
  await form.locator("#doc-reported_on").waitFor();
  // A text field, so that 和暦 can be typed as the hint says.
  assert.equal(await page.locator("#doc-reported_on").getAttribute("type"), "text");
  assert.equal(await page.locator("#doc-medications").evaluate((n) => n.tagName), "TEXTAREA");
  assert.equal(await page.locator("#doc-adherence").evaluate((n) => n.tagName), "SELECT");
  assert.match(await form.locator('.doc-field[data-key="addressee"] label').textContent(), /宛先（処方医）.*必須/);
  await page.locator("#doc-reported_on").fill("令和8年11月25日");
  await page.locator("#doc-adherence").selectOption("partial");
  await page.locator("#doc-medications").fill("アムロジピン錠5mg 1日1回 朝食後\nマグミット錠330mg 1日3回 毎食後");
  await page.locator("#doc-leftover").fill("アムロジピン 6錠");
  // The prescriber left empty: the server's message appears under that field.
  const before422 = errors.length;
  await form.locator("button[type=submit]").click();
  await page.locator("#doc-addressee-error", { hasText: "宛先（処方医）を入力してください" }).waitFor();
  assert.equal(await page.locator("#doc-addressee").getAttribute("aria-invalid"), "true");
  assert.equal(await page.locator("#doc-reported_on-error").isHidden(), true, "no message under a good field");
  assert.equal(await page.evaluate(() => document.activeElement.id), "doc-addressee", "the field in error has the focus");
  expectRefused(errors, before422, 422);
  await noSidewaysScroll(page, "document form");
  await screenshot(page, "collab-3-document-form.png");

  await page.locator("#doc-addressee").fill("清須クリニック 山田医師");
  await form.locator("button[type=submit]").click();
  await page.locator("#post-status", { hasText: "服薬情報提供書を投稿しました" }).waitFor();
  const doc = page.locator('#timeline article.post[data-template="medication_information"]');
  await doc.waitFor();
  assert.match(await doc.locator(".doc-title").textContent(), /服薬情報提供書/);
  assert.equal((await doc.locator('dd[data-key="adherence"]').textContent()).trim(), "時々飲み忘れ", "a choice by its label");
  assert.match(await doc.locator('dd[data-key="reported_on"]').textContent(), /2026年11月25日（令和8年）/);
  assert.equal(await doc.locator('dd[data-key="medications"]').textContent(), "アムロジピン錠5mg 1日1回 朝食後\nマグミット錠330mg 1日3回 毎食後");
  // The document panel closes; the message form stays folded until asked for.
  assert.ok(await page.locator("#doc-panel").isHidden(), "the document panel is closed");
  assert.ok(await page.locator("#post-new").isVisible(), "a new message is one tap away");

  // Editing re-opens the document's form with its values.
  await doc.locator("button.edit-post").click();
  const edit = doc.locator("form.doc-edit");
  await edit.waitFor();
  const docId = await doc.getAttribute("data-id");
  assert.equal(await edit.locator(`#edit-${docId}-adherence`).inputValue(), "partial");
  assert.equal(await edit.locator(`#edit-${docId}-reported_on`).inputValue(), "2026-11-25");
  await edit.locator(`#edit-${docId}-adherence`).selectOption("good");
  await edit.locator("button[type=submit]").click();
  await doc.locator('dd[data-key="adherence"]', { hasText: "良好" }).waitFor();
  assert.match(await doc.locator(".edited").textContent(), /編集済み/);

  // The care manager comments (through the API); the nurse sees it on the timeline.
  await expectStatus(201, api("POST", `/api/v1/patients/${patientId}/posts/${docId}/comments`, {
    token: managerToken, json: { body: COMMENT },
  }), "comment");
  await page.locator("#timeline-refresh").click();
  const comment = doc.locator(".comment", { hasText: COMMENT });
  await comment.waitFor();
  assert.match(await comment.locator(".comment-author").textContent(), /介護 太郎/);
  // And answers it from the page.
  await doc.locator("button.comment-open").click();
  await doc.locator("form.comment-form textarea").fill("ありがとうございます。よろしくお願いします。");
  await tapTarget(doc.locator("form.comment-form button[type=submit]"), "comment send button");
  await doc.locator("form.comment-form button[type=submit]").click();
  await doc.locator(".comment", { hasText: "よろしくお願いします" }).waitFor();
  assert.equal(await doc.locator(".comment").count(), 2);
  const listed = await expectStatus(200, api("GET", `/api/v1/patients/${patientId}/posts`, { token: managerToken }), "posts");
  assert.deepEqual(listed.items[0].comments.map((c) => c.author_name), ["介護 太郎", NURSE_NAME]);
  await noSidewaysScroll(page, "timeline with a document");
  await screenshot(page, "collab-4-document.png");

  // The team grows by the directory: a colleague found by organization, not typed in by id.
  await page.locator("#tab-team").click();
  await page.locator("#team-search").fill("高齢福祉課");
  const candidate = page.locator("#team-picker .picker-item", { hasText: orgAdmin.name });
  await candidate.waitFor();
  assert.match(await page.locator("#team-picker .picker-item", { hasText: NURSE_NAME }).locator("button").textContent(), /あなた/);
  await tapTarget(candidate.locator("button"), "add to team button");
  await candidate.locator("button").click();
  await page.locator("#team-status", { hasText: `${orgAdmin.name} さんをチームに追加しました` }).waitFor();
  await page.locator("#team-list li.member", { hasText: orgAdmin.name }).waitFor();
  assert.equal(await page.locator("#team-list li.member").count(), 3);

  // An introduction of a resource near home links the handout the server names.
  await page.locator("#tab-nearby").click();
  const box = page.locator("#nearby-list input[type=checkbox]").first();
  await box.waitFor();
  const resource = await box.getAttribute("value");
  await page.locator("#nearby-list li label").first().click();
  await page.locator("#nearby-introduce").click();
  await page.locator("#introduce-dialog").getByRole("button", { name: "タイムラインに記録する" }).click();
  const handout = page.locator("#nearby-result a.handout-link");
  await handout.waitFor();
  assert.equal(await handout.getAttribute("href"), `/resources/print?ids=${resource}`);
  await page.locator("#tab-timeline").click();
  assert.deepEqual(errors, [], "nurse page: console or page errors");
});

test("the nurse creates a 地域ケア会議 with the care manager; his unread badge clears once read", async (t) => {
  if (!patientId) return t.skip("needs the patient");
  const { page, errors } = sessions.nurse;
  await page.locator("#nav-projects").click();
  await page.locator("#projects-view").waitFor();
  await page.locator("#project-new > summary").click();
  await page.locator("#project-kind").selectOption("care_meeting");
  await page.locator("#project-name").fill(PROJECT_NAME);
  await page.locator("#project-description").fill("11月の地域ケア会議の連絡用です。");
  await page.locator("#project-search").fill("ケアプラン");
  const result = page.locator("#project-picker .picker-item", { hasText: manager.name });
  await result.waitFor();
  assert.match(await result.textContent(), /清須ケアプランセンター/);
  await tapTarget(result.locator("button"), "choose button");
  await result.locator("button").click();
  await page.locator("#project-chosen li.chosen", { hasText: manager.name }).waitFor();
  await noSidewaysScroll(page, "new project");
  await page.locator("#project-create").click();
  await page.waitForURL(/#\/projects\/[0-9A-Z]+$/);
  await page.locator("#project-title", { hasText: PROJECT_NAME }).waitFor();
  assert.match(await page.locator("#project-kind-badge").textContent(), /地域ケア会議/);
  const members = page.locator("#project-members li.member");
  await members.filter({ hasText: manager.name }).waitFor();
  assert.equal(await members.count(), 2);
  assert.match(await members.filter({ hasText: NURSE_NAME }).textContent(), /主催者/);
  await page.locator("#project-post-body").fill("11月の地域ケア会議は25日14時から市役所3階で行います。");
  await page.locator("#project-post-submit").click();
  await page.locator("#project-timeline article.post", { hasText: "25日14時から" }).waitFor();
  await noSidewaysScroll(page, "project page");
  await screenshot(page, "collab-5-project.png");
  assert.deepEqual(errors, [], "nurse page: console or page errors");

  // The care manager, in his own browser.
  const { page: his, errors: hisErrors } = await open("manager");
  await his.goto(base + "/app/care/");
  await signIn(his, manager, PASSWORD);
  await his.locator("#user-name", { hasText: manager.name }).waitFor();
  await navBadge(his, "projects").waitFor();
  assert.equal((await navBadge(his, "projects").locator(".nav-count").textContent()).trim(), "1");
  await his.locator("#nav-projects").click();
  const link = his.locator("#project-list a.project-link", { hasText: PROJECT_NAME });
  await link.waitFor();
  assert.equal((await link.locator(".unread-count").textContent()).trim(), "1");
  assert.ok(await link.locator(".unread").isVisible(), "the badge shows");
  await tapTarget(link, "project link");
  await screenshot(his, "collab-6-project-unread.png");
  await link.click();
  await his.locator("#project-timeline article.post", { hasText: "25日14時から" }).waitFor();
  await his.locator("#project-view .back-to a").click();
  await his.waitForURL(/#\/projects$/);
  await his.locator("#projects-status:empty").waitFor({ state: "attached" }); // the server's list
  assert.equal((await link.locator(".unread-count").textContent()).trim(), "0", "read on the server");
  assert.ok(!(await link.locator(".unread").isVisible()), "no badge once read");
  assert.ok(await navBadge(his, "projects").isHidden(), "no badge on the menu");
  assert.deepEqual(hisErrors, [], "care manager's page: console or page errors");
});

test("the care manager writes the nurse; she sees the badge on メッセージ and reads it", async (t) => {
  if (!sessions.manager) return t.skip("needs the care manager's page");
  const { page: his, errors: hisErrors } = sessions.manager;
  await his.locator("#nav-messages").click();
  await his.locator("#messages-view").waitFor();
  await his.locator("#message-new > summary").click();
  await his.locator("#message-search").fill("看護");
  const result = his.locator("#message-picker .picker-item", { hasText: NURSE_NAME });
  await result.waitFor();
  await result.locator("button").click();
  await his.waitForURL(new RegExp(`#/messages/${nurse.id}$`));
  await his.locator("#thread-name", { hasText: NURSE_NAME }).waitFor();
  await his.locator("#message-body").fill(MESSAGE);
  await tapTarget(his.locator("#message-send"), "send button");
  await his.locator("#message-send").click();
  await his.locator("#thread li.message.mine", { hasText: MESSAGE }).waitFor();
  assert.match(await his.locator("#thread li.message.mine").last().textContent(), /未読/);
  assert.deepEqual(hisErrors, [], "care manager's page: console or page errors");

  const { page, errors } = sessions.nurse;
  await page.locator("#nav-patients").click(); // any page of the app counts the unread again
  await navBadge(page, "messages").waitFor();
  assert.equal((await navBadge(page, "messages").locator(".nav-count").textContent()).trim(), "1");
  await page.locator("#nav-messages").click();
  const conversation = page.locator("#conversation-list a.conversation-link", { hasText: manager.name });
  await conversation.waitFor();
  assert.equal((await conversation.locator(".unread-count").textContent()).trim(), "1");
  assert.match(await conversation.textContent(), /来週の担当者会議/);
  await conversation.click();
  await page.locator("#thread li.message.theirs", { hasText: MESSAGE }).waitFor();
  await navBadge(page, "messages").waitFor({ state: "hidden" });
  await page.locator("#message-body").fill("承知しました。火曜の午後はいかがでしょうか。");
  await page.locator("#message-send").click();
  // Oldest first: her answer is at the bottom, under his message.
  await page.locator("#thread li.message.mine", { hasText: "火曜の午後" }).waitFor();
  const order = await page.locator("#thread li.message .message-body").allTextContents();
  assert.deepEqual(order, [MESSAGE, "承知しました。火曜の午後はいかがでしょうか。"]);
  await noSidewaysScroll(page, "thread");
  await screenshot(page, "collab-7-thread.png");

  // He sees that she has read it.
  await his.locator("#thread-refresh").click();
  await his.locator("#thread li.message.mine", { hasText: MESSAGE }).locator(".message-read", { hasText: "既読" }).waitFor();
  assert.deepEqual(errors, [], "nurse page: console or page errors");
});

test("the care manager leaves the project; the nurse adds him back from the directory", async (t) => {
  if (!sessions.manager) return t.skip("needs the care manager's page");
  const { page: his, errors: hisErrors } = sessions.manager;
  await his.locator("#nav-projects").click();
  await his.locator("#project-list a.project-link", { hasText: PROJECT_NAME }).click();
  const leave = his.locator("#project-members li.member", { hasText: manager.name }).locator("button");
  await leave.waitFor();
  assert.match(await leave.textContent(), /抜ける/);
  assert.equal(await his.locator("#project-members li.member", { hasText: NURSE_NAME }).locator("button").count(), 0,
    "a member can not remove the owner");
  his.once("dialog", (dialog) => dialog.accept());
  await leave.click();
  await his.waitForURL(/#\/projects$/);
  await his.locator("#projects-status", { hasText: "参加しているプロジェクトはありません" }).waitFor();
  assert.deepEqual(hisErrors, [], "care manager's page: console or page errors");

  const { page, errors } = sessions.nurse;
  await page.locator("#nav-projects").click();
  await page.locator("#project-list a.project-link", { hasText: PROJECT_NAME }).click();
  await page.locator("#project-title", { hasText: PROJECT_NAME }).waitFor();
  await page.locator("#project-members li.member").first().waitFor();
  assert.equal(await page.locator("#project-members li.member").count(), 1);
  await page.locator("#project-member-search").fill("介護 太郎");
  const candidate = page.locator("#project-member-picker .picker-item", { hasText: manager.name });
  await candidate.waitFor();
  await candidate.locator("button").click();
  await page.locator("#project-member-status", { hasText: "追加しました" }).waitFor();
  assert.equal(await page.locator("#project-members li.member").count(), 2);
  assert.match(await page.locator("#project-members li.member", { hasText: manager.name }).locator("button").textContent(), /外す/,
    "the owner may remove members");
  await noSidewaysScroll(page, "project members");
  assert.deepEqual(errors, [], "nurse page: console or page errors");
});

test("the org admin's usage section counts the patient and the posts", async (t) => {
  if (!sessions.admin || !patientId) return t.skip("needs the admin page and the patient");
  const { page, errors } = sessions.admin;
  await page.locator("#usage-section").waitFor();
  assert.ok(await page.locator("#usage-municipality-box").isHidden(), "town staff see their own town only");
  await page.locator("#usage-show").click();
  await page.locator("#usage-status:empty").waitFor({ state: "attached" });
  const figure = async (key) => Number((await page.locator(`#usage-totals li[data-key="${key}"] .figure-value`).textContent()).replace(/,/g, ""));
  assert.ok(await figure("patients") >= 1, "patients counted");
  assert.ok(await figure("posts") >= 1, "posts counted");
  assert.ok(await figure("projects") >= 1, "projects counted");
  assert.ok(await figure("messages") >= 2, "messages counted");
  assert.equal(await page.locator("#usage-table tbody tr").count(), 12);
  assert.equal(await page.locator("#usage-chart rect.bar").count(), 12);
  const last = page.locator("#usage-table tbody tr").last();
  assert.ok(Number(await last.locator("td").nth(2).textContent()) >= 1, "posts this month");
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#usage-csv").click()]);
  const csv = readFileSync(await download.path(), "utf8");
  assert.match(csv.replace(/^\uFEFF/, ""), /^月,/);
  assert.equal(csv.trim().split(/\r?\n/).length, 13, "a header and twelve months");
  await noSidewaysScroll(page, "usage");
  await page.locator("#usage-section").scrollIntoViewIfNeeded();
  await screenshot(page, "collab-8-usage.png");
  assert.deepEqual(errors, [], "admin page: console or page errors");
  for (const { context } of Object.values(sessions)) await context.close();
});
