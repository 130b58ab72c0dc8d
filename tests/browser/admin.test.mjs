// Browser flow of the administration page (/app/admin/) for a town's staff member on a
// 390 px phone: the resources the town keeps are found by kana (a draft too) and opened
// with one tap, with no id to know; the login outlives its access token (the page
// refreshes it, as the care client does); another town's records are not listed; a notice
// with a wrong date is corrected in place, then taken down after a confirmation, and the
// residents' home page follows each at once.
// Starts its own local host on a free port and stops it afterwards.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, hostAndBrowser, axeViolations, englishWords, expectStatus, registerProfessional, screenshot, signIn,
  watchErrors,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";

const run = hostAndBrowser("admin", ADMIN_TOKEN);

test("town staff find a draft by its kana, open it with a tap and save it after the access token expired", async () => {
  const api = apiClient(run.host.base);
  const resource = (town, name, kana) => expectStatus(201, api("POST", "/api/v1/public/resources", {
    token: ADMIN_TOKEN,
    json: { municipality_code: town, category: "gathering.salon", name, name_kana: kana, lat: 35.2, lng: 136.85, status: "draft" },
  }), "create " + name);
  const draft = await resource("23233", "ひまわり体操の会", "ひまわりたいそうのかい");
  await resource("23234", "ひまわり隣町サロン", "ひまわりりんちょうさろん");
  const staff = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: "23233", kind: "municipality", name: "清須市役所 高齢福祉課" },
    email: `admin-list-${Date.now()}@example.jp`, name: "清須 管理子", profession: "municipal_staff",
    roles: ["municipal_staff"], password: PASSWORD,
  }, "register staff");

  const context = await run.browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP" });
  const page = await context.newPage();
  const errors = watchErrors(page, { ignore: /status of (401|502)/ });
  await page.goto(run.host.base + "/app/admin/");
  await signIn(page, staff, PASSWORD);
  await page.locator("#account-status", { hasText: staff.name }).waitFor();
  await page.locator("#managed-box").waitFor();
  assert.ok(await page.locator("#managed-municipality-box").isHidden(), "staff keep their own town: no town to pick");

  // Half-width katakana finds the draft by its kana; the neighbour's record is not listed.
  await page.getByLabel("名前・ふりがな").fill("ﾋﾏﾜﾘ");
  await page.getByRole("button", { name: "探す" }).click();
  const item = page.locator("#managed-list li", { hasText: "ひまわり体操の会" });
  await item.waitFor();
  assert.match(await item.textContent(), /下書き/);
  assert.equal(await page.locator("#managed-list li", { hasText: "隣町" }).count(), 0, "another town's record is not listed");
  assert.deepEqual(await axeViolations(page), [], "axe on the admin page with the list");
  assert.deepEqual(await englishWords(page), [], "no English left on the list");
  await screenshot(page, "admin-1-managed-list-390.png");

  // The access token runs out (10 minutes in real life): the next request refreshes it.
  await page.evaluate(() => {
    const key = "rainbownet-admin-auth";
    const pair = JSON.parse(sessionStorage.getItem(key));
    sessionStorage.setItem(key, JSON.stringify({ ...pair, access_token: pair.access_token.slice(0, -4) + "AAAA" }));
  });
  await item.getByRole("button", { name: "ひまわり体操の会を編集" }).click();
  await page.getByText("読み込みました：ひまわり体操の会").waitFor();
  assert.equal(await page.locator("#r-name").inputValue(), "ひまわり体操の会");
  await page.locator("#r-status").selectOption("published");
  // A gateway in front of the host answers 502 with no body: the clerk reads what happened
  // (not "HTTP " alone), and saving again goes through.
  const gateway = "**/api/v1/public/resources/" + draft.id;
  await page.route(gateway, (route) => route.fulfill({ status: 502, body: "" }), { times: 1 });
  await page.getByRole("button", { name: "保存する" }).first().click();
  await page.locator("#resource-result", { hasText: "処理できませんでした（HTTP 502）" }).waitFor();
  await page.unroute(gateway);
  await page.getByRole("button", { name: "保存する" }).first().click();
  await page.getByText("保存しました：ひまわり体操の会").waitFor();
  const saved = await expectStatus(200, api("GET", "/api/v1/public/resources/" + draft.id), "the published resource");
  assert.equal(saved.status, "published");
  await page.locator("#managed-list li", { hasText: "ひまわり体操の会" }).filter({ hasText: "公開" }).waitFor();
  assert.equal(await page.locator("#token-status", { hasText: "切れた" }).count(), 0, "still signed in");
  await screenshot(page, "admin-2-edited-after-refresh-390.png");

  // A notice with a wrong date is taken down from the list, after a confirmation.
  const title = "日程を誤ったお知らせ " + Date.now();
  await expectStatus(201, api("POST", "/api/v1/public/notices", {
    token: ADMIN_TOKEN,
    json: { municipality_code: "23233", kind: "notice", title, body: "12月5日は誤りです", publish_from: "2020-01-01" },
  }), "publish a notice");
  await page.locator("#n-municipality_code").selectOption("23233");
  let notice = page.locator("#notice-list li", { hasText: title });
  await notice.waitFor();
  assert.match(await notice.textContent(), /掲載中/);

  // First corrected in place: the form takes the notice, saving shows on the home page at once.
  await notice.getByRole("button", { name: "「" + title + "」を修正する" }).click();
  assert.equal(await page.locator("#n-title").inputValue(), title);
  assert.ok(await page.locator("#n-municipality_code").isDisabled(), "the town of a notice being corrected is fixed");
  const corrected = title.replace("日程を誤った", "日程を直した");
  await page.locator("#n-title").fill(corrected);
  await page.locator("#n-event_date").fill("2026-12-12");
  await page.getByRole("button", { name: "修正を保存する" }).click();
  await page.getByText("修正しました。").waitFor();
  notice = page.locator("#notice-list li", { hasText: corrected });
  await notice.waitFor();
  assert.match(await notice.textContent(), /開催 2026年12月12日/);
  const fixed = await (await fetch(run.host.base + "/")).text();
  assert.ok(fixed.includes(corrected) && !fixed.includes(title), "the home page shows the correction at once");
  assert.equal(await page.getByRole("button", { name: "掲載する" }).count(), 1, "the form publishes new notices again");
  await screenshot(page, "admin-3-notice-corrected-390.png");

  page.once("dialog", (dialog) => dialog.accept());
  await notice.getByRole("button", { name: "「" + corrected + "」の掲載をやめる" }).click();
  await page.getByText("「" + corrected + "」の掲載をやめました。").waitFor();
  await notice.waitFor({ state: "detached" });
  const home = await (await fetch(run.host.base + "/")).text();
  assert.ok(!home.includes(corrected), "the withdrawn notice is still on the residents' home page");
  assert.deepEqual(await axeViolations(page), [], "axe after withdrawing a notice");
  assert.deepEqual(errors, [], "console or page errors");
  await context.close();
});
