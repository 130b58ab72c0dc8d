// Helpers shared by the tests in tests/browser/: the local host, Debian's chromium, TOTP
// codes and the HTTP API. Plain ESM, no dependencies beyond the tests' own.
//
//   RAINBOWNET_BIN overrides the binary, CHROMIUM the browser.

import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before } from "node:test";

// The repository, for fixtures under tests/fixtures/.
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// Where screenshots and other artefacts go, to look at after a run.
export const output = join(root, "tests/output");
const bin = process.env.RAINBOWNET_BIN ?? join(root, "target/release/rainbownet");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

// --- the local host ----------------------------------------------------------------------

// Each test file gets its own demo host on a free port with fresh data; stop() ends it and removes the data.
export async function startHost({ adminToken, name }) {
  assert.ok(existsSync(bin), `no ${bin}: build it with cargo build --release -p rainbownet`);
  mkdirSync(output, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), `rainbownet-${name}-`));
  const server = spawn(bin, ["serve", "--demo", "--addr", "127.0.0.1:0", "--data", join(dataDir, "data")], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, RAINBOWNET_ADMIN_TOKEN: adminToken },
  });
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const base = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error("the local host did not start")), 30000);
      server.stdout.on("data", (chunk) => {
        const match = /listening on (http:\/\/\S+)/.exec(chunk.toString());
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      });
      server.on("exit", (code) => reject(new Error(`the local host exited with ${code}`)));
    });
    return { base, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// --- the browser -------------------------------------------------------------------------

// Debian's chromium, quiet and sandbox-free; playwright-core loads here only, so API-only tests skip it.
// A test file's own local host and Chromium, started before its tests and stopped after
// them: `const run = hostAndBrowser("name", TOKEN)`, then `run.host.base`, `run.browser`.
export function hostAndBrowser(name, adminToken) {
  const run = {};
  before(async () => {
    run.host = await startHost({ adminToken, name });
    run.browser = await launchChromium();
  });
  after(async () => {
    await run.browser?.close();
    await run.host?.stop();
  });
  return run;
}

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

// Page and console errors of a page (CSP violations show here); ignore: messages a test causes on purpose.
export function watchErrors(page, { ignore } = {}) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !(ignore && ignore.test(m.text()))) errors.push(m.text());
  });
  return errors;
}

// axe-core's WCAG 2.2 A/AA rules on the page as it stands; returns the violations, each as
// "rule: what (n elements)". Injected through the DevTools protocol, so the page's CSP
// stays as served.
export async function axeViolations(page) {
  const source = await readFile(join(root, "tests/node_modules/axe-core/axe.min.js"), "utf8");
  await page.evaluate(source);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")})`);
}

// Full-page screenshots from the top, where sticky headers and status bars belong. Every
// page a test shows is also checked where it stands: axe-core's WCAG 2.2 AA rules, and on
// the professionals' pages (/app/) no English left in the default Japanese mode.
export async function screenshot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(output, name), fullPage: true });
  assert.deepEqual(await axeViolations(page), [], `axe-core on ${name}`);
  const url = new URL(page.url());
  const japanese = await page.evaluate(() => document.documentElement.dataset.lang !== "en");
  if (url.pathname.startsWith("/app/") && japanese) {
    assert.deepEqual(await englishWords(page), [], `English left on ${name}`);
  }
}

// The sign-in form the professionals' apps share (/app/care/, /app/disaster/).
export async function signIn(page, account, password) {
  await page.locator("#login-email").fill(account.email);
  await page.locator("#login-password").fill(password);
  await page.locator("#login-totp").fill(await nextCode(account));
  // The form's own button, whatever language the page is in.
  await page.locator("#login-email").evaluate((input) => input.form.querySelector("button[type=submit]").click());
}

// --- TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) --------------------------------

// Enrolment hands out the TOTP secret in base32 (RFC 4648), as authenticator apps take it.
export function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = text.toUpperCase().replace(/[\s=]/g, "");
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = alphabet.indexOf(ch);
    assert.ok(index >= 0, `not base32: ${ch}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

// RFC 4226 HOTP, six digits: a TOTP code is the HOTP of the 30-second step.
export function hotp(key, counter) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

const currentStep = () => Math.floor(Date.now() / 1000 / 30);

// The server takes each code once per account (one step of skew): later logins use the next unused step.
const usedSteps = new Map();
export async function nextCode(account) {
  const step = Math.max(currentStep(), (usedSteps.get(account.email) ?? -1) + 1);
  while (step > currentStep() + 1) await sleep(1000);
  usedSteps.set(account.email, step);
  return hotp(account.secret, step);
}

// --- the HTTP API ------------------------------------------------------------------------

// The HTTP API of one host as other systems call it: JSON or CSV in; status, headers, JSON and text out.
export function apiClient(base) {
  return async function api(method, path, { token, json, csv } = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    let body;
    if (json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(json);
    } else if (csv !== undefined) {
      headers["content-type"] = "text/csv; charset=utf-8";
      body = Buffer.from(csv, "utf8");
    }
    const resp = await fetch(base + path, { method, headers, body });
    const text = await resp.text();
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // CSV, empty or otherwise not JSON
    }
    return { status: resp.status, headers: resp.headers, json: parsed, text };
  };
}

// Fails with the server's own answer in the message, so a refused setup step says why.
export async function expectStatus(status, pending, what) {
  const resp = await pending;
  assert.equal(resp.status, status, `${what}: ${resp.status} ${resp.text}`);
  return resp.json;
}

// Enrols a professional with the admin token; returns what a login needs, plus the otpauth URI.
export async function registerProfessional(api, adminToken, body, what) {
  const enrolment = await expectStatus(201, api("POST", "/api/v1/auth/professionals", {
    token: adminToken, json: body,
  }), what);
  return {
    email: body.email, name: body.name, id: enrolment.id,
    secret: base32Decode(enrolment.totp_secret), otpauthUri: enrolment.otpauth_uri,
  };
}

// Logs an account in through the API (password and a fresh TOTP code) for its access token.
export async function apiLogin(api, account, password) {
  const tokens = await expectStatus(200, api("POST", "/api/v1/auth/login", {
    json: { email: account.email, password, totp: await nextCode(account) },
  }), `login ${account.email}`);
  return tokens.access_token;
}

// Product names, units and codes a Japanese page may show in Latin letters; any other
// English word on a professional's page in its default (Japanese) mode is a leftover.
const LATIN_ALLOWED = new Set([
  "RainbowNet", "English", "PDF", "PNG", "JPEG", "WebP", "SpO", "mmHg", "kg", "cm", "MB", "KB",
  "QR", "AED", "CSV", "HSDS", "FHIR", "ID", "URL", "TOTP", "Google", "Microsoft", "Authenticator",
  "Safari", "Chrome", "Edge", "Android", "Firefox", "Windows", "iPhone", "OpenStreetMap", "Leaflet",
  "km", "mg", "ml", "mL", "am", "pm", "AM", "PM", "UTF", "Shift", "JIS", "URI",
]);

// The English words visible on the page (hidden hints and scripts do not count).
export async function englishWords(page) {
  // E-mail addresses and file names are people's data, not the page's words.
  // Codes the page shows as codes (a TOTP setup key, a URI to paste) are data too.
  const text = (await page.evaluate(() => [...document.querySelectorAll("code, kbd, samp")]
    .map((c) => c.innerText).filter(Boolean)
    .reduce((all, code) => all.split(code).join(" "), document.body.innerText)))
    .replace(/[\w.+-]+@[\w.-]+/g, " ")
    .replace(/[^\s（(]+\.(png|pdf|jpe?g|webp|csv)\b/gi, " ");
  const found = new Map();
  for (const m of text.matchAll(/[A-Za-z]{2,}/g)) {
    const w = m[0];
    if (LATIN_ALLOWED.has(w) || LATIN_ALLOWED.has(w.toUpperCase()) || found.has(w)) continue;
    // The word in its line, so that a failure says where it stands.
    found.set(w, `${w} «${text.slice(Math.max(0, m.index - 20), m.index + w.length + 20).replace(/\s+/g, " ")}»`);
  }
  return [...found.values()];
}

// The Japanese a reader of the English pages still meets: visible texts, the hidden texts
// screen readers speak (.visually-hidden), labels, placeholders and list choices. The
// switch back to 日本語 is the one Japanese word meant to be there; names marked
// translate="no" (towns, people) are data.
// `names`: people's names a text may carry (a page title).
export async function japaneseLeft(page, names = []) {
  return page.evaluate((names) => {
    const JAPANESE = /[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]/;
    const found = new Set();
    const shown = (element) => element && !element.closest("[data-lang-switch], [translate=no], script, style, template, [hidden]")
      && (element.tagName === "OPTION" || element.checkVisibility({ visibilityProperty: true }));
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeValue.trim();
      if (text && JAPANESE.test(text) && shown(node.parentElement)) found.add(text);
    }
    for (const element of document.body.querySelectorAll("[aria-label], [placeholder], [title], [alt]")) {
      if (!shown(element)) continue;
      for (const name of ["aria-label", "placeholder", "title", "alt"]) {
        const value = element.getAttribute(name);
        if (value && JAPANESE.test(value)) found.add(`${name}=${value}`);
      }
    }
    const title = names.reduce((text, name) => text.split(name).join(""), document.title);
    if (JAPANESE.test(title)) found.add(`title: ${document.title}`);
    return [...found];
  }, names);
}

// --- the family's tests (issue #34) --------------------------------------------------------

// A phone, as the family and visiting nurses hold one.
export const PHONE = { viewport: { width: 390, height: 844 }, locale: "ja-JP", timezoneId: "Asia/Tokyo", serviceWorkers: "block" };
// The patient whose family joins in the family tests, in the demo town 清須 (23233).
export const FAMILY_PATIENT = {
  municipality_code: "23233", name: "清須 ハナ", name_kana: "きよす はな",
  birth_date: "昭和15年4月1日", sex: "female", care_level: "care_2",
  address: "愛知県清須市清洲1丁目", lat: 35.2186, lng: 136.8419, phone: "052-400-1234",
  consent: { method: "care_certification_application", taken_on: "令和8年4月1日" },
};

// --- phone checks the page tests share ----------------------------------------------------

// The page does not scroll sideways on a screen `width` pixels wide (a 390 px phone unless said).
export async function noSidewaysScroll(page, where, width = 390) {
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scroll <= width, `${where}: the page is ${scroll}px wide on a ${width}px screen`);
}

// A finger can hit it: at least `least` pixels high (44 unless said).
export async function tapTarget(locator, what, least = 44) {
  const box = await locator.boundingBox();
  assert.ok(box && box.height >= least, `${what}: tap target ${box?.width}x${box?.height}`);
}

// Tab from the top of the page until `locator` has the focus (a keyboard alone reaches it);
// returns how many presses it took.
export async function tabTo(page, locator, what, most = 120) {
  const target = await locator.elementHandle();
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  await page.locator("a.brand").focus();
  for (let i = 0; i < most; i++) {
    if (await page.evaluate((el) => document.activeElement === el, target)) return i;
    await page.keyboard.press("Tab");
  }
  assert.fail(`${what}: not reached with ${most} presses of Tab`);
}

// Page and console errors of every page of a browser context; ignore: messages a test
// causes on purpose.
export function watchContextErrors(context, { ignore } = {}) {
  const errors = [];
  context.on("weberror", (e) => errors.push(e.error().message));
  context.on("console", (m) => {
    if (m.type() === "error" && !(ignore && ignore.test(m.text()))) errors.push(m.text());
  });
  return errors;
}

// A phone's fingerprint reader: a platform authenticator (DevTools' virtual one) that keeps
// passkeys and verifies the user without asking, added through `cdp` (WebAuthn enabled).
// Returns its id.
export async function addVirtualAuthenticator(cdp) {
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return authenticatorId;
}

// `page` with a phone's fingerprint reader; returns the DevTools session and its id.
export async function addPhoneAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  return { cdp, authenticatorId: await addVirtualAuthenticator(cdp) };
}
