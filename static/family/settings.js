// The family page's small settings area: the passkeys of this account, one more for
// another phone or tablet, and signing out.
import { $, el } from "../lib/dom.js";
import { pick } from "../lib/i18n.js";
import { api, failure, setText, showLines, SIGNED_OUT, state, when } from "./base.js";
import { add, ceremonyFailure } from "./passkey.js";

function render(items) {
  const list = $("passkeys");
  list.textContent = "";
  items.forEach((key, i) => {
    const item = el("li", "passkey");
    item.appendChild(el("span", "passkey-name", pick("パスキー " + (i + 1), "Passkey " + (i + 1))));
    const used = key.last_used_at ? pick("最後に使った日時：", "Last used: ") + when(key.last_used_at) : pick("まだ使っていません", "Not used yet");
    item.appendChild(el("span", "muted", pick("登録：", "Added: ") + when(key.created_at) + " ／ " + used));
    list.appendChild(item);
  });
  setText("passkeys-status", pick("登録済みのパスキー：" + items.length + " 件", "Passkeys: " + items.length));
}

export async function loadPasskeys() {
  if (!state.me) return;
  setText("passkeys-status", "読み込んでいます…");
  try {
    const page = await api.getJson("/api/v1/auth/passkeys");
    render(page.items || []);
  } catch (e) {
    const lines = failure(e);
    if (lines) setText("passkeys-status", lines.join(" "));
  }
}

export async function addPasskey() {
  if (state.busy) return;
  state.busy = true;
  $("passkey-add").disabled = true;
  showLines("passkey-errors", []);
  setText("passkeys-status", "端末の画面の案内に従ってください…");
  try {
    await add();
    await loadPasskeys();
    showLines("passkey-errors", ["パスキーを追加しました。追加した端末でも「パスキーでログイン」から入れます。"], true);
  } catch (e) {
    setText("passkeys-status", "");
    const lines = e === SIGNED_OUT ? null : ceremonyFailure(e, "add");
    if (lines) showLines("passkey-errors", lines);
  } finally {
    state.busy = false;
    $("passkey-add").disabled = false;
  }
}

export function resetSettings() {
  $("settings").open = false;
  $("passkeys").textContent = "";
  setText("passkeys-status", "");
  showLines("passkey-errors", []);
}
