// Resident search as residents type it, and the administration that keeps it true: on a
// 390 px phone a resident fleeing a flood searches 洪水 and sees only sites for floods,
// each with its hazards in words; an administrator marks a site for floods in the admin
// page without losing the facts the form does not show. axe-core checks each page.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { axeViolations, launchChromium, screenshot, startHost, watchErrors } from "./support.mjs";

const ADMIN_TOKEN = "browser-search-admin-token-0123456789";
let host;
let base;
let browser;

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "search" });
  base = host.base;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

async function api(path, init = {}) {
  const resp = await fetch(base + path, init);
  return { status: resp.status, json: await resp.json() };
}

test("a resident finds the sites for floods, told apart from the others, in words", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP" });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(base + "/");
  await page.getByRole("searchbox").first().fill("避難所");
  await page.getByRole("button", { name: "さがす" }).first().click();
  await page.waitForURL(/\/resources\?q=/);
  await page.getByText("避難場所と避難所のちがい").waitFor();
  const count = await page.locator("p.count").textContent();
  assert.match(count, /^\d+件見つかりました/);
  // The first result is above the map on a phone, and each site says what it is for.
  const first = page.locator("ol.results li").first();
  const mapTop = await page.locator("#map").evaluate((m) => m.getBoundingClientRect().top);
  const firstTop = await first.evaluate((li) => li.getBoundingClientRect().top);
  assert.ok(firstTop < mapTop, "the first result comes before the map");
  assert.match(await first.textContent(), /対応する災害：|指定避難所/);
  assert.deepEqual(await axeViolations(page), [], "axe on the results page");
  await screenshot(page, "search-1-evacuation.png");

  await page.goto(base + "/resources?q=" + encodeURIComponent("洪水"));
  const sites = page.locator("ol.results li");
  const n = await sites.count();
  assert.ok(n > 0, "flood sites found");
  for (let i = 0; i < n; i++) {
    assert.match(await sites.nth(i).locator(".hazards").textContent(), /洪水/, "every result is for floods");
  }
  await page.getByText("「洪水」→ 洪水に対応する避難場所").waitFor();
  await sites.first().locator("a.name").click();
  await page.waitForURL(/\/resources\/[0-9A-Z]{26}$/);
  await page.getByRole("term").filter({ hasText: "対応する災害" }).first().waitFor();
  assert.deepEqual(await axeViolations(page), [], "axe on the site's page");
  await screenshot(page, "search-2-flood-site.png");

  // No dead end: nothing matches, the page offers what would.
  await page.goto(base + "/resources?q=" + encodeURIComponent("サロン 日曜"));
  await page.getByText("こちらなら見つかります").waitFor();
  await page.locator("ul.suggestions a").first().click();
  await page.waitForURL(/\/resources\?q=/);
  assert.ok(await page.locator("ol.results li").count() > 0, "the suggestion finds something");
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});

test("an administrator marks a hall for floods; the form keeps what it does not show", async () => {
  const sites = await api("/api/v1/public/resources?category=disaster.evacuation_site&limit=100");
  const hall = sites.json.items.find((r) => r.name.endsWith("公民館") && !r.hazards.includes("flood"));
  assert.ok(hall, "a hall not designated for floods");
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: "ja-JP" });
  const page = await context.newPage();
  // The bootstrap token is no account: the page's look-up of /me answers 401, as meant.
  const errors = watchErrors(page, { ignore: /status of 401/ });
  await page.goto(base + "/app/admin/");
  await page.getByLabel("管理者トークン").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "使う" }).click();
  await page.getByText("トークンを設定しました").waitFor();
  await page.locator("#r-hazards input[value='flood']").waitFor({ state: "attached" });
  await page.getByLabel("資源ID").fill(hall.id);
  await page.getByRole("button", { name: "読み込む" }).click();
  await page.getByText("読み込みました：" + hall.name).waitFor();
  assert.equal(await page.getByLabel("地震").isChecked(), true, "loaded hazards are ticked");
  await page.getByLabel("洪水").check();
  await page.getByRole("button", { name: "保存する" }).first().click();
  await page.getByText("保存しました：" + hall.name).waitFor();
  assert.deepEqual(await axeViolations(page), [], "axe on the admin page");
  await screenshot(page, "search-3-admin-hazards.png");

  const saved = await api("/api/v1/public/resources/" + hall.id);
  assert.deepEqual(saved.json.hazards, ["flood", "earthquake", "large_fire"]);
  for (const kept of ["wheelchair", "accessible_toilet", "parking", "shelter", "verified_on", "schedule_note"]) {
    assert.deepEqual(saved.json[kept], hall[kept], `${kept} kept`);
  }

  // The schedule is picked, not typed as JSON: 毎月 第2火曜 and 毎週 月曜・木曜.
  const rows = page.locator("#schedule-rows li");
  const before = await rows.count();
  await page.getByRole("button", { name: "日時を追加" }).click();
  const monthly = rows.nth(before);
  await monthly.getByLabel("くり返し").selectOption("monthly");
  await monthly.getByLabel("週").selectOption("2");
  await monthly.getByLabel("曜日").selectOption("tue");
  await monthly.getByLabel("開始").fill("13:30");
  await monthly.getByLabel("終了").fill("15:00");
  assert.equal((await monthly.locator(".schedule-preview").textContent()).trim(), "毎月 第2火曜 13:30〜15:00");
  await page.getByRole("button", { name: "日時を追加" }).click();
  const weekly = rows.nth(before + 1);
  await weekly.getByLabel("月", { exact: true }).check();
  await weekly.getByLabel("木", { exact: true }).check();
  assert.equal((await weekly.locator(".schedule-preview").textContent()).trim(), "毎週 月曜・木曜 10:00〜11:30");
  await page.getByRole("button", { name: "保存する" }).first().click();
  await page.getByText("保存しました：" + hall.name).last().waitFor();
  await screenshot(page, "search-3b-admin-schedule.png");
  const scheduled = await api("/api/v1/public/resources/" + hall.id);
  assert.deepEqual(scheduled.json.schedule.slice(before), [
    { freq: "monthly", week: 2, day: "tue", start: "13:30", end: "15:00" },
    { freq: "weekly", days: ["mon", "thu"], start: "10:00", end: "11:30" },
  ]);
  const flood = await api("/api/v1/public/resources?limit=100&q=" + encodeURIComponent("洪水"));
  assert.ok(flood.json.items.some((r) => r.id === hall.id), "the resident's flood search now finds the hall");
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});

test("a sysadmin keeps the search words and the network's towns on the admin page", async () => {
  const { apiClient, registerProfessional, signIn } = await import("./support.mjs");
  const api = apiClient(base);
  const account = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: "23233", kind: "municipality", name: "清須市役所" },
    email: `sysadmin-${Date.now()}@example.jp`, name: "管理 太郎", profession: "municipal_staff",
    roles: ["sysadmin"], password: "correct horse battery staple",
  }, "register a sysadmin");
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP" });
  const page = await context.newPage();
  // The bad latitude below is answered 422 on purpose.
  const errors = watchErrors(page, { ignore: /status of 422/ });
  await page.goto(base + "/app/admin/");
  await signIn(page, account, "correct horse battery staple");
  await page.locator("#words-section").waitFor();
  await page.locator("#word-table tbody tr").first().waitFor();
  // A host that has never been backed up says so, as a warning, to the sysadmin only.
  await page.locator("#backup-status.notice", { hasText: "バックアップの記録がありません" }).waitFor();

  // A word residents use, tied to a category; the search knows it at once.
  await page.getByLabel("ことば（空白なし）").fill("いこいの場");
  await page.getByLabel("分類（複数可）").selectOption(["gathering.salon"]);
  await page.getByLabel("言いかえ（空白で区切る）").fill("サロン　集い");
  await page.getByRole("button", { name: "保存する" }).filter({ hasText: "保存する" }).last().click();
  await page.getByText("保存しました：いこいの場").waitFor();
  const found = await (await fetch(base + "/api/v1/public/resources?limit=3&q=" + encodeURIComponent("いこいの場"))).json();
  assert.equal(found.items.length, 3);
  assert.ok(found.items.every((r) => r.category === "gathering.salon"), "the new word finds salons");

  // A town joins the network; its own code's sixth digit (the check digit) is not part of it.
  await page.getByLabel("コード（5桁）").fill("23206");
  await page.getByLabel("市区町村名", { exact: true }).fill("春日井市");
  await page.getByLabel("市区町村名のふりがな").fill("かすがいし");
  await page.getByLabel("市区町村名（英語）").fill("Kasugai");
  await page.getByLabel("都道府県").fill("愛知県");
  await page.getByLabel("中心の緯度").fill("35.2475");
  await page.getByLabel("中心の経度").fill("136.9722");
  await page.getByRole("button", { name: "市区町村を保存する" }).click();
  await page.getByText("登録しました：春日井市（23206）").waitFor();
  await page.locator("#town-table tbody tr", { hasText: "23206" }).waitFor();
  // A bad latitude is refused by field, in Japanese.
  await page.getByLabel("中心の緯度").fill("135");
  await page.getByRole("button", { name: "市区町村を保存する" }).click();
  await page.getByText("日本国内の緯度").waitFor();
  assert.deepEqual(await axeViolations(page), [], "axe on the admin page as a sysadmin sees it");
  await screenshot(page, "search-4-admin-words-towns.png");
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});
