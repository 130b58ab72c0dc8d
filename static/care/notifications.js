// The care client: notifications on this device.
import { ApiError, apiError } from "../lib/api.js";
import { $, el, enc } from "../lib/dom.js";
import { authorized, clearFieldErrors, failure, getJson, placeErrors, setText, showBox, showOnly, SIGNED_OUT, timeOf } from "./base.js";

export const KEY_DEVICE = "rainbownet.care.device";

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export function keyBytes(b64) {
  const text = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export async function currentSubscription() {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration("/app/care/");
  return reg ? reg.pushManager.getSubscription() : null;
}

export async function showPushState() {
  const on = !!localStorage.getItem(KEY_DEVICE) && !!(await currentSubscription().catch(() => null));
  $("push-on").hidden = on;
  $("push-off").hidden = !on;
  if (!pushSupported()) {
    setText("push-state", "このブラウザーは通知に対応していません。画面を開いている間は、新着を自動で表示します。");
    $("push-on").hidden = true;
  } else if (Notification.permission === "denied") {
    setText("push-state", "この端末では通知がブロックされています。ブラウザーのサイト設定で通知を許可してください。");
  } else {
    setText("push-state", on ? "この端末で通知を受け取っています。" : "この端末では通知を受け取っていません。");
  }
}

export function pushFailed(e) {
  const lines = e && e.lines ? e.lines : ["通知を設定できませんでした。もう一度お試しください。"];
  setText("push-state", lines.join(" "));
}

export async function pushOn() {
  if (!pushSupported()) return showPushState();
  setText("push-state", "設定しています…");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    setText("push-state", "通知が許可されませんでした。ブラウザーのサイト設定で通知を許可してから、もう一度押してください。");
    return;
  }
  const key = (await getJson("/api/v1/care/push/vapid-public-key")).public_key;
  const reg = await navigator.serviceWorker.register("/app/care/sw.js", { scope: "/app/care/" });
  await navigator.serviceWorker.ready;
  const sub = (await reg.pushManager.getSubscription()) ||
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  const resp = await authorized("POST", "/api/v1/care/push/subscriptions", { json: sub.toJSON() });
  if (!resp.ok) throw await apiError(resp);
  localStorage.setItem(KEY_DEVICE, (await resp.json()).id);
  await showPushState();
  await loadDevices();
}

export async function pushOff() {
  const id = localStorage.getItem(KEY_DEVICE);
  if (id) {
    const resp = await authorized("DELETE", "/api/v1/care/push/subscriptions/" + enc(id));
    if (!resp.ok && resp.status !== 404) throw await apiError(resp);
  }
  const sub = await currentSubscription();
  if (sub) await sub.unsubscribe();
  localStorage.removeItem(KEY_DEVICE);
  await showPushState();
  await loadDevices();
}

export const SERVICES = [
  ["fcm.googleapis.com", "Chrome・Edge・Android"],
  ["mozilla.com", "Firefox"],
  ["notify.windows.com", "Windows"],
  ["apple.com", "Safari・iPhone"],
];

export function serviceName(origin) {
  const found = SERVICES.find(([host]) => String(origin).includes(host));
  return found ? found[1] : String(origin).replace(/^https?:\/\//, "");
}

export async function loadDevices() {
  const list = $("device-list");
  try {
    const items = (await getJson("/api/v1/care/push/subscriptions")).items || [];
    list.textContent = "";
    const mine = localStorage.getItem(KEY_DEVICE);
    items.forEach((d) => {
      const li = el("li");
      li.append(el("strong", null, serviceName(d.service) + (d.id === mine ? "（この端末）" : "")),
        " ", el("span", "muted", "登録 " + timeOf(d.created_at)));
      const remove = el("button", "secondary small", "解除");
      remove.type = "button";
      remove.addEventListener("click", async () => {
        const resp = await authorized("DELETE", "/api/v1/care/push/subscriptions/" + enc(d.id));
        if (resp.ok && d.id === mine) localStorage.removeItem(KEY_DEVICE);
        await loadDevices();
        await showPushState();
      });
      li.append(" ", remove);
      list.appendChild(li);
    });
    setText("device-status", items.length ? "" : "通知を受け取る端末はありません。");
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("device-status", lines.join(" "));
  }
}

export async function showSettings() {
  showOnly("settings-view");
  document.title = "通知の設定 | RainbowNet";
  const form = $("notify-form");
  clearFieldErrors(form);
  showBox($("notify-errors"), [], true);
  // Closed until the saved settings are in: on a slow network they arrived after the
  // nurse had begun to change them, and replaced what she had typed.
  const parts = form.querySelectorAll("fieldset, button");
  parts.forEach((p) => { p.disabled = true; });
  form.setAttribute("aria-busy", "true");
  try {
    await showPushState();
    const s = await getJson("/api/v1/care/notification-settings");
    document.querySelectorAll('input[name="notify-level"]').forEach((r) => { r.checked = r.value === s.level; });
    $("quiet-from").value = s.quiet_from || "";
    $("quiet-until").value = s.quiet_until || "";
  } catch (e) {
    const lines = failure(e);
    if (lines) showBox($("notify-errors"), lines, false);
  } finally {
    parts.forEach((p) => { p.disabled = false; });
    form.removeAttribute("aria-busy");
  }
  await loadDevices();
}

export async function saveNotifySettings(event) {
  event.preventDefault();
  const form = $("notify-form");
  clearFieldErrors(form);
  const level = (form.querySelector('input[name="notify-level"]:checked') || {}).value || "all";
  const body = { level: level, quiet_from: $("quiet-from").value || null, quiet_until: $("quiet-until").value || null };
  $("notify-save").disabled = true;
  try {
    const resp = await authorized("PUT", "/api/v1/care/notification-settings", { json: body });
    if (!resp.ok) throw await apiError(resp);
    showBox($("notify-errors"), ["保存しました。"], true);
  } catch (e) {
    if (e === SIGNED_OUT) return;
    const find = (pointer) => {
      const id = { "#/quiet_from": "quiet-from", "#/quiet_until": "quiet-until" }[pointer];
      return id ? { line: $(id + "-error"), input: $(id) } : null;
    };
    placeErrors(e instanceof ApiError ? e : new ApiError(["保存できませんでした。"]), find, $("notify-errors"));
  } finally {
    $("notify-save").disabled = false;
  }
}
