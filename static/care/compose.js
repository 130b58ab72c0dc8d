// The care client: writing a post, with attachments.
import { ApiError, problemFromText, problemLines } from "../lib/api.js";
import { $, bilingual, el, enc } from "../lib/dom.js";
import { english, say } from "../lib/i18n.js";
import { authorized, current, draftKey, failure, FILE_TYPES, MAX_FILE_BYTES, MAX_FILES, setText, showLines, SIGNED_OUT, sizeOf, state, withRetry } from "./base.js";
import { togglePostForm } from "./documents.js";
import { prependPost } from "./timeline.js";

// The file's type; some systems give none, then the name's ending decides.
export function typeOf(file) {
  if (FILE_TYPES[file.type]) return file.type;
  const name = file.name.toLowerCase();
  return Object.keys(FILE_TYPES).find((t) => FILE_TYPES[t].some((ext) => name.endsWith(ext))) || null;
}

export function fileProblems(file) {
  const lines = [];
  if (!typeOf(file)) lines.push(file.name + "：写真（PNG・JPEG・WebP）か PDF を選んでください。");
  if (file.size > MAX_FILE_BYTES) lines.push(file.name + "：5MB を超えています（" + sizeOf(file.size) + "）。");
  if (file.size === 0) lines.push(file.name + "：空のファイルです。");
  return lines;
}

export function renderFileList() {
  const list = $("post-file-list");
  list.textContent = "";
  state.uploads = new Map();
  const files = Array.from($("post-files").files || []);
  const problems = files.length > MAX_FILES ? ["添付できるのは1回に" + MAX_FILES + "件までです。"] : [];
  files.forEach((file, i) => {
    const item = el("li", "file");
    item.dataset.index = String(i);
    const name = el("span", "file-name", file.name + "（" + sizeOf(file.size) + "）");
    const progress = el("progress");
    progress.max = 100;
    progress.value = 0;
    const status = el("span", "file-status");
    const bad = fileProblems(file);
    problems.push(...bad);
    if (bad.length) { status.textContent = "送信できません"; item.classList.add("bad"); }
    else bilingual(status, "未送信", "waiting");
    item.append(name, progress, status);
    list.appendChild(item);
  });
  showLines("post-errors", problems);
}

export function fileRow(i) {
  return $("post-file-list").querySelector('li[data-index="' + i + '"]');
}

// XMLHttpRequest reports upload progress, fetch does not.
export function xhrUpload(path, file, type, token, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("authorization", "Bearer " + token);
    xhr.setRequestHeader("content-type", type);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round(100 * e.loaded / e.total)); };
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new TypeError("network"));
    xhr.onabort = () => reject(new TypeError("aborted"));
    xhr.send(file);
  });
}

export async function upload(patient, file, i) {
  if (state.uploads.has(file)) return state.uploads.get(file);
  const row = fileRow(i);
  const progress = row && row.querySelector("progress");
  const status = row && row.querySelector(".file-status");
  const say = (ja, english) => { if (status) bilingual(status, ja, english); };
  say("送信中", "uploading");
  const path = "/api/v1/patients/" + enc(patient) + "/attachments?name=" + enc(file.name);
  const type = typeOf(file);
  let result;
  try {
    result = await withRetry(async (token) => {
      const r = await xhrUpload(path, file, type, token, (pct) => { if (progress) progress.value = pct; });
      return { status: r.status, text: r.text, ok: r.status >= 200 && r.status < 300 };
    });
  } catch (e) {
    if (e !== SIGNED_OUT) say("失敗", "failed");
    throw e;
  }
  if (!result.ok) {
    const lines = problemFromText(result.status, result.text);
    if (status) status.textContent = "失敗：" + lines.join(" / ");
    throw new ApiError(lines.map((l) => file.name + "：" + l));
  }
  let json;
  try { json = JSON.parse(result.text); } catch (e) { throw new ApiError([file.name + "：応答を読めませんでした。"]); }
  state.uploads.set(file, json.id);
  if (progress) progress.value = 100;
  say("送信済み", "uploaded");
  return json.id;
}

export async function submitPost(event) {
  event.preventDefault();
  if (state.posting) return;
  const patient = state.patientId;
  const category = $("post-category").value;
  const body = $("post-body").value;
  const files = Array.from($("post-files").files || []);
  const problems = [];
  if (!body.trim()) problems.push("本文を入力してください。");
  if (files.length > MAX_FILES) problems.push("添付できるのは1回に" + MAX_FILES + "件までです。");
  files.forEach((f) => problems.push(...fileProblems(f)));
  showLines("post-errors", problems);
  if (problems.length) { (body.trim() ? $("post-files") : $("post-body")).focus(); return; }

  state.posting = true;
  $("post-submit").disabled = true;
  setText("post-status", files.length ? "添付ファイルを送信しています…" : "送信しています…");
  try {
    const ids = [];
    for (let i = 0; i < files.length; i++) ids.push(await upload(patient, files[i], i));
    const input = { category: category, body: body };
    if (ids.length) input.attachments = ids;
    if ($("post-share").checked) input.share_with_family = true;
    // A resend of the same post (after a dropped connection) keeps its key, so it is
    // never posted twice; anything changed makes a new post with a new key.
    draftKey("draft", patient, input);
    setText("post-status", "送信しています…");
    const resp = await authorized("POST", "/api/v1/patients/" + enc(patient) + "/posts", {
      json: input, headers: { "idempotency-key": state.draft.key },
    });
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    const post = await resp.json();
    if (!current(patient)) return;
    state.draft = null;
    $("post-form").reset();
    $("post-file-list").textContent = "";
    state.uploads = new Map();
    prependPost(post);
    togglePostForm(false);
    setText("post-status", "投稿しました。");
  } catch (e) {
    if (!current(patient)) return;
    const lines = failure(e);
    if (lines) {
      showLines("post-errors", e instanceof TypeError
        ? ["送信できませんでした。通信状態を確認して、もう一度「投稿する」を押してください（二重には投稿されません）。"]
        : lines);
      setText("post-status", "");
    }
  } finally {
    state.posting = false;
    $("post-submit").disabled = false;
  }
}
