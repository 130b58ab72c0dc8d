// Browser flow of bulk patient registration (the administration page, /app/admin/): a town's staff member
// signs in with TOTP and uploads the Shift_JIS export of care-certification applications;
// the page reports the registered, no-consent and broken rows by line, and the same file
// again changes nothing. Starts its own local host on a free port and stops it afterwards.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  apiClient, hostAndBrowser, apiLogin, registerProfessional, root, screenshot, signIn, watchErrors,
} from "./support.mjs";

const ADMIN_TOKEN = "browser-test-admin-token-0123456789";
const PASSWORD = "correct horse battery staple";

const run = hostAndBrowser("patients-import", ADMIN_TOKEN);

test("town staff register consenting patients from the export through the page; a re-run changes nothing", async () => {
  const api = apiClient(run.host.base);
  const staff = await registerProfessional(api, ADMIN_TOKEN, {
    organization: { municipality_code: "23233", kind: "municipality", name: "清須市役所 高齢福祉課" },
    email: `kaigo-${Date.now()}@example.jp`, name: "清須 市子", profession: "municipal_staff",
    roles: ["professional", "municipal_staff"], password: PASSWORD,
  }, "register staff");
  const context = await run.browser.newContext({ viewport: { width: 390, height: 844 }, locale: "ja-JP" });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(run.host.base + "/app/admin/");
  await signIn(page, staff, PASSWORD);
  await page.locator("#patients-section").waitFor({ state: "visible" });
  await page.locator("#patients-municipality option[value='23233']").waitFor({ state: "attached" });
  await page.locator("#patients-municipality").selectOption("23233");
  const file = {
    name: "要介護認定申請.csv",
    mimeType: "text/csv",
    buffer: readFileSync(join(root, "tests/fixtures/care_applications_23233.sjis.csv")),
  };
  await page.locator("#patients-file").setInputFiles(file);
  await page.locator("#patients-form button[type=submit]").click();
  const result = page.locator("#patients-result");
  await result.locator("li", { hasText: "登録 2件" }).waitFor();
  const text = await result.textContent();
  assert.match(text, /同意なし 1件/);
  assert.match(text, /エラー 2件/);
  assert.match(text, /5行目/);
  assert.match(text, /6行目/);
  await screenshot(page, "patients-import-1.png");

  await page.locator("#patients-file").setInputFiles(file);
  await page.locator("#patients-form button[type=submit]").click();
  await result.locator("li", { hasText: "変更なし 2件" }).waitFor();
  assert.match(await result.textContent(), /登録 0件/);

  // The staff member opened each consenting patient's team.
  const token = await apiLogin(api, staff, PASSWORD);
  const mine = await api("GET", "/api/v1/patients", { token });
  assert.equal(mine.status, 200);
  assert.match(mine.text, /清洲 梅子/);
  assert.doesNotMatch(mine.text, /春日 松子/, "no consent, no registration");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling at 390 px (${width})`);
  assert.deepEqual(errors, [], "console or page errors (a CSP violation shows here)");
  await context.close();
});
