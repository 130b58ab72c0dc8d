// Passkeys (WebAuthn) for the family page: joining with an invitation, signing in, and one
// more passkey for another phone. The server speaks the JSON forms of WebAuthn Level 3
// (PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON…); browsers that
// predate parse…FromJSON and toJSON() get the same done here, in base64url without padding.
import { apiError, send } from "../lib/api.js";
import { api, OFFLINE } from "./base.js";

// Can this browser make and use passkeys here? "insecure": only over https (or localhost);
// "address": a page opened by its IP address (http://192.168.1.10/) can have no passkeys,
// since WebAuthn ties them to a host name.
export function support() {
  if (!window.isSecureContext) return "insecure";
  if (/^[\d.]+$|^\[.*\]$|:/.test(location.hostname)) return "address";
  if (!window.PublicKeyCredential || !navigator.credentials || typeof navigator.credentials.create !== "function") return "none";
  return "ok";
}

// --- base64url --------------------------------------------------------------------------

export function fromBase64url(text) {
  const b64 = String(text).replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
}

export function toBase64url(buffer) {
  if (!buffer) return null;
  const bytes = new Uint8Array(buffer instanceof ArrayBuffer ? buffer : buffer.buffer);
  let binary = "";
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const withIds = (list) => (list || []).map((c) => Object.assign({}, c, { id: fromBase64url(c.id) }));

function creationOptions(json) {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return Object.assign({}, json, {
    challenge: fromBase64url(json.challenge),
    user: Object.assign({}, json.user, { id: fromBase64url(json.user.id) }),
    excludeCredentials: withIds(json.excludeCredentials),
  });
}

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return Object.assign({}, json, { challenge: fromBase64url(json.challenge), allowCredentials: withIds(json.allowCredentials) });
}

// RegistrationResponseJSON / AuthenticationResponseJSON of a credential.
function credentialJson(credential) {
  if (typeof credential.toJSON === "function") {
    try { return credential.toJSON(); } catch (e) { /* some builds throw: do it by hand */ }
  }
  const r = credential.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    response.userHandle = r.userHandle ? toBase64url(r.userHandle) : null;
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: response,
    clientExtensionResults: typeof credential.getClientExtensionResults === "function" ? credential.getClientExtensionResults() : {},
    authenticatorAttachment: credential.authenticatorAttachment || null,
  };
}

// --- what went wrong, in plain words ----------------------------------------------------

// A refusal the caller knows how to word (401 on a join: the invitation).
export class Refused extends Error {
  constructor(status, lines) {
    super(lines.join(" / "));
    this.status = status;
    this.lines = lines;
  }
}

// The lines for a failed ceremony. `what`: "join", "signin" or "add".
export function ceremonyFailure(e, what) {
  const name = e && e.name;
  if (name === "NotAllowedError" || name === "AbortError") {
    return ["パスキーの確認が取り消されたか、時間切れになりました。", "もう一度ボタンを押してください。指紋・顔・暗証番号の確認が出たら、そのまま進めてください。"];
  }
  if (name === "InvalidStateError") {
    return what === "add"
      ? ["この端末のパスキーは、もう登録されています。別の端末を使うときは、出てきた QR コードをその端末で読み取ってください。"]
      : ["この端末には、この記録のパスキーがもう登録されています。「パスキーでログイン」からお入りください。"];
  }
  if (name === "SecurityError") return ["このアドレスではパスキーを使えません。ケアチームにお知らせください。"];
  if (name === "NotSupportedError") return ["この端末はこの種類のパスキーに対応していません。別の端末でお試しください。"];
  if (e instanceof Refused) return e.lines;
  if (e instanceof TypeError) return [OFFLINE];
  if (e && Array.isArray(e.lines)) return e.lines;
  return [(e && e.message) || "うまくいきませんでした。もう一度お試しください。"];
}

// A refused answer, worded for the family: the server's own words otherwise.
async function refused(resp, what) {
  if (resp.status === 401 && what === "join") {
    return new Refused(401, [
      "この招待は使えません（使用済み・期限切れ・取り消しのいずれかです）。",
      "ケアチームに、新しい招待をお願いしてください。",
    ]);
  }
  if (resp.status === 401 && what === "signin") {
    return new Refused(401, [
      "このパスキーではログインできませんでした。",
      "この端末で参加していない場合や、ケアチームが共有を止めた場合はログインできません。ケアチームにご相談ください。",
    ]);
  }
  if (resp.status === 429 || resp.status >= 500) {
    return new Refused(resp.status, ["ただいま混み合っています。少し待ってから、もう一度お試しください。"]);
  }
  const error = await apiError(resp);
  return new Refused(resp.status, error.lines);
}

async function postJson(path, json, what) {
  const resp = await send("POST", path, { json: json });
  if (!resp.ok) throw await refused(resp, what);
  return resp.json();
}

// --- the three ceremonies ---------------------------------------------------------------

// Joins with the invitation's code → the new member with their token pair (201).
export async function join(code) {
  const options = await postJson("/api/v1/family/join/options", { code: code }, "join");
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
  return postJson("/api/v1/family/join", { code: code, credential: credentialJson(credential) }, "join");
}

// Signs in with a passkey this device holds → the token pair. Any field of the options
// besides publicKey (a ceremony's state, if the server ever keeps one) goes back as given.
export async function signIn() {
  const options = await postJson("/api/v1/auth/passkey/options", {}, "signin");
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
  const echoed = Object.assign({}, options);
  delete echoed.publicKey;
  return postJson("/api/v1/auth/passkey", Object.assign(echoed, { credential: credentialJson(credential) }), "signin");
}

// One more passkey on the signed-in account (another phone, through the browser's QR code).
export async function add() {
  const resp = await api.authorized("POST", "/api/v1/auth/passkeys/options", { json: {} });
  if (!resp.ok) throw await refused(resp, "add");
  const options = await resp.json();
  const credential = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey) });
  const saved = await api.authorized("POST", "/api/v1/auth/passkeys", { json: { credential: credentialJson(credential) } });
  if (!saved.ok) throw await refused(saved, "add");
  return saved.json();
}
