// Browser flow of the resident portal, in Debian's chromium through playwright-core:
// search from the top page, open a result, open the print view. Screenshots of each step
// go to tests/output/. Starts its own local host on a free port and stops it afterwards.
//
//   node --test tests/browser/            (RAINBOWNET_BIN overrides the binary)

import { join } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchChromium, output, root, startHost, watchErrors } from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
let host;
let base;
let browser;

before(async () => {
  host = await startHost({ adminToken: ADMIN_TOKEN, name: "browser" });
  base = host.base;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await host?.stop();
});

test("a resident searches, opens a result and prints a handout", async () => {
  // A small phone, as many residents use.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP" });
  const page = await context.newPage();
  const errors = watchErrors(page);

  await page.goto(base + "/");
  await assert.doesNotReject(page.getByRole("heading", { level: 1 }).waitFor());
  await page.getByRole("searchbox").first().fill("たいそう");
  await page.getByRole("button", { name: "さがす" }).first().click();
  await page.waitForURL(/\/resources\?q=/);
  const results = page.locator("ol.results li a.name");
  assert.ok((await results.count()) > 0, "no results for たいそう");
  const firstName = (await results.first().textContent()).trim();
  assert.match(firstName, /体操/);
  // The map draws one marker per result (no tile server configured here).
  await page.locator("#map .leaflet-interactive").first().waitFor();
  assert.equal(await page.locator("#map .leaflet-interactive").count(), await results.count());
  await page.screenshot({ path: join(output, "portal-1-results.png"), fullPage: true });

  await results.first().click();
  await page.waitForURL(/\/resources\/[0-9A-Z]{26}$/);
  assert.equal((await page.getByRole("heading", { level: 1 }).textContent()).trim(), firstName);
  assert.ok(await page.locator('a[href^="tel:"]').count() > 0, "no tel: link");
  await page.screenshot({ path: join(output, "portal-2-resource.png"), fullPage: true });

  await page.getByRole("link", { name: "印刷用の案内を表示" }).click();
  await page.waitForURL(/\/resources\/print\?ids=/);
  assert.ok(await page.locator(".handout .qr svg").count() === 1, "no QR code");
  assert.ok(await page.getByRole("button", { name: "印刷する" }).isVisible(), "print button hidden");
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: join(output, "portal-3-print.png"), fullPage: true });

  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  await context.close();
});

test("an administrator uploads an open-data CSV and sees each rejected line", async () => {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: "ja-JP" });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(base + "/app/admin/");
  await page.getByLabel("管理者トークン").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "使う" }).click();
  await page.getByText("トークンを設定しました").waitFor();
  await page.locator("#import-municipality option[value='23233']").waitFor({ state: "attached" });
  await page.locator("#import-municipality").selectOption("23233");
  await page.locator("#import-file").setInputFiles(join(root, "tests/fixtures/public_toilets_broken_23233.csv"));
  await page.getByRole("button", { name: "取り込む" }).click();
  const result = page.locator("#import-result");
  await result.getByText("取り込めなかった行 4 件").waitFor();
  for (const line of [3, 4, 5, 7]) {
    assert.ok(await result.getByText(`${line} 行目`).count() === 1, `line ${line} not reported`);
  }
  assert.equal(await page.locator("#import-progress").getAttribute("value"), "100");
  await page.screenshot({ path: join(output, "admin-1-import.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
