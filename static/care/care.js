// The professional's client of the care network (多職種連携): my patients, and for each
// patient the timeline (posts and documents with attachments, comments and read receipts),
// the profile, the care team, vitals with charts, and the resources near their home; the
// projects (地域ケア会議・研修・部会) and the direct messages between professionals; and the
// page an invited professional opens to choose a password (#invite=…). The tokens stay in this
// tab's sessionStorage only. Every text from the server is put in the page as text, never
// as HTML; the CSP forbids inline code and styles, so all of it lives here and the charts
// are built with createElementNS. Attachments need the bearer token, so they are fetched
// here and shown through data: URLs (the CSP allows img-src 'self' data:).
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const { el, bilingual } = window.RainbowNetDom;
  // A text in the reader's language, from the one dictionary (static/lang.js).
  const say = window.RainbowNetLang ? window.RainbowNetLang.say : (text) => text;
  // Of a server text given in both languages, the reader's.
  const pick = window.RainbowNetLang ? window.RainbowNetLang.pick : (ja, en) => ja || en;
  const enc = encodeURIComponent;
  const SVG = "http://www.w3.org/2000/svg";
  const KEY_AUTH = "rainbownet-care-auth";
  const SIGNED_OUT = new Error("signed out");
  const MAX_FILE_BYTES = 5 * 1024 * 1024;
  const MAX_FILES = 10; // per post
  const FILE_TYPES = {
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/webp": [".webp"],
    "application/pdf": [".pdf"],
  };
  const TABS = ["timeline", "info", "team", "vitals", "nearby"];

  // The domain's lists and their labels are the server's (GET /api/v1/public/vocabulary),
  // read once at start; until then, or without it, a code is shown as itself.
  let CATEGORY = {}, CARE_LEVEL = {}, SEX = {}, PROFESSION = {}, PROJECT_KIND = {}, CONSENT = {};
  async function loadVocabulary() {
    try {
      const resp = await fetch("/api/v1/public/vocabulary");
      if (!resp.ok) return;
      const v = await resp.json();
      const both = (list) => Object.fromEntries(list.map((t) => [t.code, { ja: t.ja, en: t.en }]));
      // A label in the reader's language (the server has both).
      const ja = (list) => Object.fromEntries(list.map((t) => [t.code, pick(t.ja, t.en)]));
      CATEGORY = both(v.post_categories);
      PROJECT_KIND = both(v.project_kinds);
      CARE_LEVEL = ja(v.care_levels);
      SEX = ja(v.sexes);
      PROFESSION = ja(v.professions);
      CONSENT = ja(v.consent_methods);
    } catch (e) {
      // Offline or refused: labels stay codes; nothing else depends on them.
    }
  }
  const PROJECT_ROLE = { owner: { ja: "主催者", en: "Owner" }, member: { ja: "メンバー", en: "Member" } };
  const VIEWS = ["invite-view", "signin", "patients-view", "patient-view", "projects-view", "project-view", "messages-view", "thread-view", "settings-view"];
  const NAV = { patients: "patients", patient: "patients", projects: "projects", project: "projects", messages: "messages", thread: "messages", settings: "settings" };
  // The server's kinds (functions/core/src/care/vitals.rs), with how they are shown.
  // `span`: the least height of a chart's y axis, so that 48.2 → 49.0 kg reads as the
  // small change it is, not as a cliff.
  const VITALS = [
    { code: "blood_pressure", ja: "血圧", en: "Blood pressure", unit: "mmHg", digits: 0, span: 50 },
    { code: "pulse", ja: "脈拍", en: "Pulse", unit: "回/分", digits: 0, span: 30 },
    { code: "temperature", ja: "体温", en: "Temperature", unit: "℃", digits: 1, span: 2 },
    { code: "spo2", ja: "SpO2", en: "SpO2", unit: "%", digits: 0, span: 8 },
    { code: "weight", ja: "体重", en: "Weight", unit: "kg", digits: 1, span: 6 },
    { code: "respiration", ja: "呼吸数", en: "Respiration", unit: "回/分", digits: 0, span: 12 },
  ];

  const state = {
    me: null,
    patients: [],
    patientId: null,
    patient: null,
    tab: "timeline",
    posts: [],
    nextCursor: null,
    seenUnread: new Set(), // posts that were unread when this page showed them: 新着
    loaded: {}, // tab → loaded for the current patient
    vitals: [],
    nearby: [],
    nearbyPrintUrl: null,
    categories: null,
    uploads: new Map(), // File → attachment id, so a retry does not upload twice
    draft: null, // { signature, key }: the Idempotency-Key of the post being sent
    measuredSet: false, // the measuring time was typed in (else: now)
    posting: false,
    templates: null, // the document templates (GET /api/v1/care/templates), once
    docDraft: null, // { signature, key } of the document being sent
    introDraft: null, // { signature, key } of the introduction being sent
    counts: { patients: 0, projects: 0, messages: 0 }, // unread, for the menu
    projects: [],
    projectId: null,
    project: null,
    projectPosts: [],
    projectCursor: null,
    projectDraft: null,
    chosen: new Map(), // members picked for a new project: id → directory entry
    conversations: [],
    threadWith: null,
    thread: [], // newest first, as the server pages them
    threadCursor: null,
    messageDraft: null,
    invite: null, // { token } while #invite=… is open; { enrolment } once accepted
  };
  const images = new Map(); // "patient/attachment" → Promise of a data: URL

  // --- small helpers -------------------------------------------------------------------



  // Names and people's own words: shown as written in either language (translate="no").
  function asWritten(node) {
    node.translate = false;
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, String(attrs[k])));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Times are read in Japan whatever the device's settings say.
  const JST = "Asia/Tokyo";
  function timeOf(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (isNaN(date)) return iso;
    const opts = { timeZone: JST, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" };
    if (date.getFullYear() !== new Date().getFullYear()) opts.year = "numeric";
    return date.toLocaleString("ja-JP", opts);
  }

  function shortTime(ms) {
    return new Date(ms).toLocaleString("ja-JP", { timeZone: JST, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  // Today's date in Japan as [year, month, day].
  function todayJst() {
    const parts = new Intl.DateTimeFormat("en-CA", { timeZone: JST, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
    return parts.split("-").map(Number);
  }

  function ageOf(birth) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birth || "");
    if (!m) return null;
    const [y, mo, d] = todayJst();
    let age = y - Number(m[1]);
    if (mo < Number(m[2]) || (mo === Number(m[2]) && d < Number(m[3]))) age -= 1;
    return age;
  }

  // 1945-05-01 → 1945年5月1日（昭和20年）
  const ERAS = [["令和", "2019-05-01"], ["平成", "1989-01-08"], ["昭和", "1926-12-25"], ["大正", "1912-07-30"], ["明治", "1868-01-25"]];
  function dateJa(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!m) return iso || "";
    const text = Number(m[1]) + "年" + Number(m[2]) + "月" + Number(m[3]) + "日";
    const era = ERAS.find((e) => iso.slice(0, 10) >= e[1]);
    if (!era) return text;
    const year = Number(m[1]) - Number(era[1].slice(0, 4)) + 1;
    return text + "（" + era[0] + (year === 1 ? "元" : year) + "年）";
  }

  function sizeOf(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " B";
  }

  function distanceOf(m) {
    if (typeof m !== "number") return "";
    return m < 1000 ? "約 " + Math.round(m / 10) * 10 + " m" : "約 " + (m / 1000).toFixed(1) + " km";
  }

  // Full-width digits from a Japanese keyboard count as digits.
  function numberOf(text) {
    const half = String(text || "").trim()
      .replace(/[０-９．－]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/[，,]/g, "");
    if (!/^-?\d+(\.\d+)?$/.test(half)) return NaN;
    return Number(half);
  }

  function fixed(value, digits) {
    return Number(value).toFixed(digits);
  }

  // crypto.randomUUID exists only in secure contexts; fall back to a v4 UUID.
  function newKey() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  // The Idempotency-Key of a write kept in state[slot]: the same target and content keep
  // their key across retries (a lost answer is sent again and written once); anything
  // changed gets a new key.
  function draftKey(slot, target, content) {
    const signature = JSON.stringify([target, content]);
    if (!state[slot] || state[slot].signature !== signature) state[slot] = { signature: signature, key: newKey() };
    return state[slot].key;
  }

  // A list with an older page appended, skipping items already shown.
  function withOlder(list, items) {
    const known = new Set(list.map((x) => x.id));
    return list.concat(items.filter((x) => !known.has(x.id)));
  }


  function showLines(id, lines, ok) {
    const box = $(id);
    box.textContent = "";
    if (!lines || lines.length === 0) { box.hidden = true; return; }
    box.hidden = false;
    box.className = ok ? "notice" : "errors";
    const list = el("ul");
    lines.forEach((line) => list.appendChild(el("li", null, say(line))));
    box.appendChild(list);
  }

  function setText(id, text) {
    $(id).textContent = say(text || "");
  }

  // --- tokens and requests ---------------------------------------------------------------

  async function call(method, path, options) {
    const opts = options || {};
    const headers = Object.assign({}, opts.headers || {});
    if (opts.token) headers.authorization = "Bearer " + opts.token;
    let body;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    return fetch(path, { method: method, headers: headers, body: body, cache: "no-store" });
  }

  // The session (stored pair, one refresh across tabs, one retry): static/session.js.
  const session = window.RainbowNetSession.create({
    storage: sessionStorage,
    key: KEY_AUTH,
    signedOutError: SIGNED_OUT,
    refresh: (token) => call("POST", "/api/v1/auth/refresh", { json: { refresh_token: token } }),
    signedOut: () => signedOut(),
    busy: "サーバーが混雑しています。しばらくしてからもう一度お試しください。",
  });
  const tokens = () => session.tokens();
  const storeTokens = (json) => session.store(json);
  const withRetry = (send) => session.withRetry(send);

  function authorized(method, path, options) {
    return withRetry((token) => call(method, path, Object.assign({}, options || {}, { token: token })));
  }

  // An RFC 9457 problem as lines of text, Japanese when the server gave it: each field's
  // problem when there are some (the general detail only says "see errors"), else the detail.
  function problemFromText(status, text) {
    try {
      const p = JSON.parse(text);
      const fields = (p.errors || []).map((e) => pick(e.detail_ja, e.detail)).filter(Boolean);
      if (fields.length) return fields;
      return [pick(p.detail_ja, p.detail) || pick(p.title_ja, p.title) || "HTTP " + status];
    } catch (e) {
      return ["処理できませんでした（HTTP " + status + "）"];
    }
  }

  async function problemLines(resp) {
    let text = "";
    try { text = await resp.text(); } catch (e) { /* no body */ }
    return problemFromText(resp.status, text);
  }

  class ApiError extends Error {
    constructor(lines, errors) {
      super(lines.join(" / "));
      this.lines = lines;
      this.errors = errors || []; // the problem's field errors: [{ pointer, detail, detail_ja }]
    }
  }

  // A failed response as an ApiError that keeps the field errors, to show each by its field.
  async function apiError(resp) {
    let text = "";
    try { text = await resp.text(); } catch (e) { /* no body */ }
    let errors = [];
    try { errors = JSON.parse(text).errors || []; } catch (e) { /* not a problem */ }
    return new ApiError(problemFromText(resp.status, text), Array.isArray(errors) ? errors : []);
  }

  function clearFieldErrors(root) {
    root.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    root.querySelectorAll("[aria-invalid]").forEach((i) => i.removeAttribute("aria-invalid"));
  }

  // Each field error next to its field (find: pointer → { line, input } or null), the rest and
  // a summary in `box`; the first field in error gets the focus.
  function placeErrors(error, find, box) {
    const rest = [];
    let first = null;
    let placed = 0;
    (error.errors || []).forEach((e) => {
      const text = pick(e.detail_ja, e.detail);
      const slot = find(e.pointer || "");
      if (!slot) { rest.push(text); return; }
      slot.line.textContent = text;
      slot.line.hidden = false;
      if (slot.input) {
        slot.input.setAttribute("aria-invalid", "true");
        if (!first) first = slot.input;
      }
      placed += 1;
    });
    if (!(error.errors || []).length) rest.push(...error.lines);
    if (placed) rest.unshift("入力内容を確認してください（" + placed + "項目）。");
    showBox(box, rest, false);
    if (first) first.focus();
  }

  // showLines for a box given as an element.
  function showBox(box, lines, ok) {
    box.textContent = "";
    if (!lines || lines.length === 0) { box.hidden = true; return; }
    box.hidden = false;
    box.className = (ok ? "notice" : "errors") + (box.dataset.extra ? " " + box.dataset.extra : "");
    const list = el("ul");
    lines.forEach((line) => list.appendChild(el("li", null, say(line))));
    box.appendChild(list);
  }

  async function getJson(path) {
    const resp = await authorized("GET", path);
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    return resp.json();
  }

  // What to tell the user about a failed request (null: nothing, the login form shows).
  function failure(e) {
    if (e === SIGNED_OUT) return null;
    if (e instanceof ApiError) return e.lines;
    if (e instanceof TypeError) return ["サーバーに接続できません。通信状態を確認してください。"];
    return [e.message || String(e)];
  }

  // --- signing in and out ----------------------------------------------------------------

  function showOnly(id) {
    VIEWS.forEach((s) => { $(s).hidden = s !== id; });
  }

  function showSignin(message) {
    showOnly("signin");
    $("account").hidden = true;
    $("main-nav").hidden = true;
    document.title = "多職種連携 | RainbowNet";
    setText("login-status", message || "");
  }

  // Nothing of a patient stays in the page once the session is over.
  function forgetAll() {
    state.me = null;
    live.etag = null;
    live.data = null;
    live.seen = {};
    state.patients = [];
    resetPatient(null);
    images.clear();
    $("patient-list").textContent = "";
    setText("user-name", "");
    setText("user-org", "");
    state.projects = [];
    state.conversations = [];
    resetProject(null);
    resetThread(null);
    resetProjectForm();
    $("project-list").textContent = "";
    $("conversation-list").textContent = "";
    Object.keys(pickers).forEach((k) => pickers[k].reset());
    Object.keys(state.counts).forEach((k) => setCount(k, 0));
  }

  function signedOut() {
    try { session.clear(); } catch (e) { /* nothing stored */ }
    forgetAll();
    showSignin("ログインの有効期限が切れました。もう一度ログインしてください。");
  }

  async function login(event) {
    event.preventDefault();
    const body = {
      email: $("login-email").value.trim(),
      password: $("login-password").value,
      totp: $("login-totp").value.replace(/\s/g, ""),
    };
    setText("login-status", "確認しています…");
    let resp;
    try {
      resp = await call("POST", "/api/v1/auth/login", { json: body });
    } catch (e) {
      setText("login-status", "サーバーに接続できません。");
      return;
    }
    $("login-password").value = "";
    $("login-totp").value = "";
    if (!resp.ok) { setText("login-status", (await problemLines(resp)).join(" / ")); return; }
    storeTokens(await resp.json());
    setText("login-status", "");
    await route();
  }

  async function logout() {
    const auth = tokens();
    if (auth) {
      // Best effort: the tokens die on the server too.
      call("POST", "/api/v1/auth/logout", { json: { refresh_token: auth.refresh_token }, token: auth.access_token }).catch(() => {});
    }
    session.clear();
    forgetAll();
    showSignin("ログアウトしました。");
  }

  async function loadMe() {
    state.me = await getJson("/api/v1/auth/me");
    setText("user-name", state.me.name);
    setText("user-org", state.me.organization ? state.me.organization.name : "");
    $("account").hidden = false;
  }

  // --- routing: #/patients and #/patients/{id}[/{tab}] -----------------------------------

  function decoded(part) {
    try { return decodeURIComponent(part); } catch (e) { return part; }
  }

  // #/patients[/{id}[/{tab}]], #/projects[/{id}], #/messages[/{professional}], #invite={token}
  function parseHash() {
    const raw = location.hash.replace(/^#/, "");
    if (raw.startsWith("invite=")) return { view: "invite", token: decoded(raw.slice(7)) };
    const parts = raw.replace(/^\//, "").split("/").filter(Boolean);
    if (parts[0] === "patients" && parts[1]) {
      return { view: "patient", id: decoded(parts[1]), tab: TABS.indexOf(parts[2]) >= 0 ? parts[2] : "timeline" };
    }
    if (parts[0] === "projects") return parts[1] ? { view: "project", id: decoded(parts[1]) } : { view: "projects" };
    if (parts[0] === "messages") return parts[1] ? { view: "thread", id: decoded(parts[1]) } : { view: "messages" };
    if (parts[0] === "settings") return { view: "settings" };
    return { view: "patients" };
  }

  async function route() {
    const where = parseHash();
    // An invitation is accepted without signing in (the invitee has no account yet).
    if (where.view === "invite") { showInvite(where.token); return; }
    if (!tokens()) { showSignin(); return; }
    try {
      if (!state.me) await loadMe();
    } catch (e) {
      const lines = failure(e);
      if (lines) showSignin(lines.join(" / "));
      return;
    }
    $("main-nav").hidden = false;
    markNav(NAV[where.view]);
    if (where.view === "patient") await openPatient(where.id, where.tab);
    else if (where.view === "projects") await showProjects();
    else if (where.view === "project") await openProject(where.id);
    else if (where.view === "messages") await showMessages();
    else if (where.view === "thread") await openThread(where.id);
    else if (where.view === "settings") await showSettings();
    else await showPatients();
    // The badges of the other lists (each list view counts its own as it loads).
    refreshCounts(where.view);
  }

  // --- the menu and its unread badges ----------------------------------------------------

  function markNav(current) {
    Object.keys(state.counts).forEach((k) => {
      const link = $("nav-" + k);
      if (k === current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
  }

  function unreadOf(items) {
    return (items || []).reduce((n, x) => n + (Number(x.unread) || 0), 0);
  }

  function setCount(kind, n) {
    state.counts[kind] = n;
    const link = $("nav-" + kind);
    link.querySelector(".nav-count").textContent = String(n);
    link.querySelector(".nav-badge").hidden = !n;
  }

  // The lists behind the badges; the answer to the latest request of each wins.
  const COUNTED = {
    patients: ["/api/v1/patients", "patients"],
    projects: ["/api/v1/care/projects", "projects"],
    messages: ["/api/v1/care/messages", "conversations"],
  };
  const countSeq = { patients: 0, projects: 0, messages: 0 };

  function refreshCounts(view) {
    if (!tokens() || !state.me) return Promise.resolve();
    const jobs = Object.keys(COUNTED).filter((k) => k !== view).map((k) => {
      const mine = ++countSeq[k];
      const [path, key] = COUNTED[k];
      return getJson(path).then((json) => {
        if (mine !== countSeq[k] || !state.me) return;
        state[key] = json.items || [];
        setCount(k, unreadOf(state[key]));
        // A list on the screen shows the same numbers as its badge.
        if (k === "patients" && !$("patients-view").hidden) renderPatients();
        if (k === "projects" && !$("projects-view").hidden) renderProjects();
        if (k === "messages" && !$("messages-view").hidden) renderConversations();
      });
    });
    // Badges are a hint: a failure here is shown where the list itself is opened.
    return Promise.allSettled(jobs);
  }

  // A list view has just loaded its own list: that answer is the newest.
  function countedHere(kind, items) {
    countSeq[kind] += 1;
    setCount(kind, unreadOf(items));
  }

  // --- news while the page is open ----------------------------------------------------------
  // GET /api/v1/care/updates answers counts only (no text), with an ETag: a poll that finds
  // nothing new is a bodiless 304. A timeline on screen remembers how many posts and
  // comments it showed; more on the server is 「新着 N件」, loaded when the person asks.
  const POLL_MS = 15000;
  const live = { etag: null, data: null, seen: {}, busy: false };

  function activityOf(id) {
    const p = live.data && (live.data.patients || []).find((x) => x.id === id);
    return p ? (p.posts || 0) + (p.comments || 0) : null;
  }

  async function pollUpdates(force) {
    if (live.busy || !tokens() || !state.me || document.visibilityState !== "visible") return;
    live.busy = true;
    try {
      const headers = live.etag && !force ? { "if-none-match": live.etag } : {};
      const resp = await authorized("GET", "/api/v1/care/updates", { headers: headers });
      if (resp.status === 304 || !resp.ok) return;
      const first = live.data === null;
      live.etag = resp.headers.get("etag");
      live.data = await resp.json();
      Object.keys(live.seen).forEach((id) => { if (live.seen[id] === null) live.seen[id] = activityOf(id); });
      if (!first) refreshCounts(null);
      showNews();
    } catch (e) {
      // A hint only: the lists show their own errors when opened.
    } finally {
      live.busy = false;
    }
  }

  // The timeline of `id` was just loaded: what the server has now is what it shows.
  function baseline(id) {
    live.seen[id] = null;
    $("timeline-news").hidden = true;
    pollUpdates(true);
  }

  function showNews() {
    const id = state.patientId;
    const now = id ? activityOf(id) : null;
    const seen = id ? live.seen[id] : null;
    const n = now !== null && typeof seen === "number" ? now - seen : 0;
    $("timeline-news-count").textContent = String(n);
    $("timeline-news").hidden = !(n > 0);
  }

  // --- notifications on this device --------------------------------------------------------
  const KEY_DEVICE = "rainbownet.care.device";

  function pushSupported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function keyBytes(b64) {
    const text = atob(b64.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  async function currentSubscription() {
    if (!pushSupported()) return null;
    const reg = await navigator.serviceWorker.getRegistration("/app/care/");
    return reg ? reg.pushManager.getSubscription() : null;
  }

  async function showPushState() {
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

  function pushFailed(e) {
    const lines = e && e.lines ? e.lines : ["通知を設定できませんでした。もう一度お試しください。"];
    setText("push-state", lines.join(" "));
  }

  async function pushOn() {
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

  async function pushOff() {
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

  const SERVICES = [
    ["fcm.googleapis.com", "Chrome・Edge・Android"],
    ["mozilla.com", "Firefox"],
    ["notify.windows.com", "Windows"],
    ["apple.com", "Safari・iPhone"],
  ];

  function serviceName(origin) {
    const found = SERVICES.find(([host]) => String(origin).includes(host));
    return found ? found[1] : String(origin).replace(/^https?:\/\//, "");
  }

  async function loadDevices() {
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

  async function showSettings() {
    showOnly("settings-view");
    document.title = "通知の設定 | RainbowNet";
    clearFieldErrors($("notify-form"));
    showBox($("notify-errors"), [], true);
    await showPushState();
    try {
      const s = await getJson("/api/v1/care/notification-settings");
      document.querySelectorAll('input[name="notify-level"]').forEach((r) => { r.checked = r.value === s.level; });
      $("quiet-from").value = s.quiet_from || "";
      $("quiet-until").value = s.quiet_until || "";
    } catch (e) {
      const lines = failure(e);
      if (lines) showBox($("notify-errors"), lines, false);
    }
    await loadDevices();
  }

  async function saveNotifySettings(event) {
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

  // --- my patients -----------------------------------------------------------------------

  async function showPatients() {
    resetPatient(null);
    showOnly("patients-view");
    document.title = "担当の利用者 | RainbowNet";
    renderPatients(); // what this page knows (read receipts just sent included), then the server's
    await loadPatients();
  }

  async function loadPatients() {
    setText("patients-status", "読み込んでいます…");
    try {
      const json = await getJson("/api/v1/patients");
      state.patients = json.items || [];
      countedHere("patients", state.patients);
      renderPatients();
      setText("patients-status", state.patients.length ? "" : "担当の利用者はいません。");
    } catch (e) {
      const lines = failure(e);
      if (lines) setText("patients-status", lines.join(" / "));
    }
  }

  function careLevelOf(code) {
    return code ? CARE_LEVEL[code] || code : "";
  }

  // Folded for search: katakana as hiragana, no spaces, full-width letters as ASCII.
  function folded(text) {
    return String(text || "").normalize("NFKC").replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
      .replace(/\s+/g, "").toLowerCase();
  }

  const PATIENT_ORDER = {
    recent: (a, b) => String((b.last_post || {}).created_at || "").localeCompare(String((a.last_post || {}).created_at || "")),
    unread: (a, b) => (b.unread || 0) - (a.unread || 0),
    kana: (a, b) => String(a.name_kana).localeCompare(String(b.name_kana), "ja"),
  };

  function shownPatients() {
    const words = folded($("patient-filter").value);
    const order = PATIENT_ORDER[$("patient-sort").value] || PATIENT_ORDER.recent;
    return state.patients
      .filter((p) => !words || folded(p.name).includes(words) || folded(p.name_kana).includes(words))
      .slice()
      .sort((a, b) => order(a, b) || PATIENT_ORDER.kana(a, b));
  }

  function renderPatients() {
    const list = $("patient-list");
    list.textContent = "";
    const shown = shownPatients();
    setText("patients-shown", $("patient-filter").value.trim() ? state.patients.length + "人中 " + shown.length + "人" : "");
    shown.forEach((p) => {
      const item = el("li");
      const link = el("a", "patient-link");
      link.href = "#/patients/" + enc(p.id);
      link.dataset.id = p.id;
      const main = el("span", "patient-main");
      main.append(asWritten(el("span", "patient-name", p.name)), asWritten(el("span", "kana", p.name_kana)));
      const meta = [];
      const age = ageOf(p.birth_date);
      if (age !== null) meta.push(age + "歳");
      if (p.care_level) meta.push(careLevelOf(p.care_level));
      main.appendChild(el("span", "patient-meta", meta.join("・")));
      if (p.last_post) {
        // Who wrote last, and the start of what they wrote: their words, shown as written.
        const last = asWritten(el("span", "last-post"));
        last.append(el("span", "last-when", timeOf(p.last_post.created_at) + " " + p.last_post.author_name + "："),
          el("span", "last-excerpt", p.last_post.excerpt));
        main.appendChild(last);
      }
      const badge = el("span", "unread");
      badge.append("未読 ", el("span", "unread-count", String(p.unread || 0)), "件");
      badge.hidden = !p.unread;
      link.append(main, badge);
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  // --- one patient -----------------------------------------------------------------------

  function resetPatient(id) {
    // Another patient: the form folded again, no filter left over.
    if ($("post-form")) { $("post-form").hidden = true; $("post-new").setAttribute("aria-expanded", "false"); $("post-new").textContent = "投稿を書く"; }
    if ($("timeline-category")) { $("timeline-category").value = ""; $("timeline-filter").value = ""; }
    state.patientId = id;
    state.patient = null;
    state.posts = [];
    state.nextCursor = null;
    state.seenUnread = new Set();
    state.loaded = {};
    state.vitals = [];
    state.nearby = [];
    state.nearbyPrintUrl = null;
    state.uploads = new Map();
    state.draft = null;
    state.introDraft = null;
    closeDocumentPanel();
    // A message being written belongs to the patient it was started for.
    $("post-form").reset();
    $("post-file-list").textContent = "";
    showLines("post-errors", []);
    ["post-status", "timeline-status", "patient-status", "vital-status", "nearby-status", "patient-name", "patient-kana", "patient-summary"].forEach((i) => setText(i, ""));
    ["timeline", "patient-facts", "team-list", "nearby-list", "vitals-latest", "team-status", "nearby-result"].forEach((i) => { $(i).textContent = ""; });
    if (pickers.team) pickers.team.reset();
    showLines("vital-errors", []);
    clearChart();
    $("timeline-more").hidden = true;
    $("nearby-note").value = "";
    $("nearby-actions").hidden = true;
    updatePrintLink();
  }

  async function openPatient(id, tab) {
    showOnly("patient-view");
    if (state.patientId !== id) {
      resetPatient(id);
      TABS.forEach((t) => { $("tab-" + t).href = "#/patients/" + enc(id) + "/" + t; });
      loadPatient(id);
    }
    selectTab(tab);
  }

  function current(id) {
    return state.patientId === id;
  }

  async function loadPatient(id) {
    setText("patient-status", "読み込んでいます…");
    try {
      const patient = await getJson("/api/v1/patients/" + enc(id));
      if (!current(id)) return;
      state.patient = patient;
      renderPatient();
      setText("patient-status", "");
    } catch (e) {
      if (!current(id)) return;
      const lines = failure(e);
      if (lines) setText("patient-status", lines.join(" / "));
    }
  }

  function selectTab(tab) {
    state.tab = tab;
    if (tab === "vitals" && !state.measuredSet) resetMeasuredAt();
    TABS.forEach((t) => {
      const on = t === tab;
      $("panel-" + t).hidden = !on;
      $("tab-" + t).setAttribute("aria-selected", String(on));
      if (on) $("tab-" + t).setAttribute("aria-current", "page");
      else $("tab-" + t).removeAttribute("aria-current");
    });
    if (state.loaded[tab]) return;
    state.loaded[tab] = true;
    if (tab === "timeline") loadTimeline(false);
    if (tab === "vitals") loadVitals();
    if (tab === "nearby") loadNearby();
  }

  function renderPatient() {
    const p = state.patient;
    document.title = p.name + " | RainbowNet";
    setText("patient-name", p.name);
    setText("patient-kana", p.name_kana);
    const age = ageOf(p.birth_date);
    const summary = [];
    if (age !== null) summary.push(age + "歳");
    if (SEX[p.sex]) summary.push(SEX[p.sex]);
    if (p.care_level) summary.push(careLevelOf(p.care_level));
    setText("patient-summary", summary.join("・"));

    const facts = $("patient-facts");
    facts.textContent = "";
    const fact = (ja, english, value) => {
      const dt = el("dt");
      bilingual(dt, ja, english);
      const dd = el("dd");
      if (value instanceof Node) dd.appendChild(value);
      else dd.textContent = value || "—";
      facts.append(dt, dd);
    };
    fact("氏名", "Name", p.name);
    fact("ふりがな", "Kana", p.name_kana);
    fact("生年月日", "Born", dateJa(p.birth_date));
    fact("年齢", "Age", age === null ? "" : age + "歳");
    fact("性別", "Sex", SEX[p.sex] || p.sex);
    fact("要介護度", "Care level", careLevelOf(p.care_level));
    fact("住所", "Address", p.address);
    if (p.phone) {
      const tel = el("a", "tel", p.phone);
      tel.href = "tel:" + p.phone.replace(/[^0-9+]/g, "");
      fact("電話", "Phone", tel);
    } else {
      fact("電話", "Phone", "");
    }
    fact("情報共有の同意", "Consent", (CONSENT[p.consent_method] || p.consent_method) + "（" + dateJa(p.consent_taken_on) + "）");
    renderTeam();
  }

  // --- the care team ---------------------------------------------------------------------

  // The lead (主担当) removes others and hands the lead over; everyone else may only leave,
  // and the lead leaves after handing over (the server holds the same rule).
  function renderTeam() {
    const list = $("team-list");
    list.textContent = "";
    const lead = state.patient.lead_id;
    const iLead = Boolean(state.me && lead === state.me.id);
    (state.patient.team || []).forEach((m) => {
      const item = el("li", "member");
      item.dataset.id = m.id;
      const who = el("div", "member-who");
      const name = el("strong", "member-name", m.name);
      who.appendChild(name);
      const self = Boolean(state.me && m.id === state.me.id);
      if (self) who.appendChild(el("span", "me-badge", "あなた"));
      if (m.id === lead) who.appendChild(el("span", "me-badge lead-badge", "主担当"));
      who.appendChild(el("span", "member-role", PROFESSION[m.profession] || m.profession));
      who.appendChild(asWritten(el("span", "member-org", m.organization)));
      item.appendChild(who);
      const button = (kind, id, ja, en) => {
        const b = el("button", kind + " small");
        b.type = "button";
        b.dataset[kind === "secondary" ? "lead" : "remove"] = id;
        bilingual(b, ja, en);
        item.appendChild(b);
      };
      if (self && !iLead) button("secondary danger", m.id, "チームを抜ける", "Leave");
      if (!self && iLead) {
        button("secondary", m.id, "主担当にする", "Make lead");
        button("secondary danger", m.id, "外す", "Remove");
      }
      list.appendChild(item);
    });
    if (iLead && (state.patient.team || []).length > 1) {
      list.appendChild(el("li", "muted", "主担当はほかのメンバーに引き継いでからチームを抜けられます。"));
    }
  }

  async function onTeamClick(event) {
    const handover = event.target.closest("button[data-lead]");
    if (handover && state.patient) return handOver(handover);
    const button = event.target.closest("button[data-remove]");
    if (!button || !state.patient) return;
    const id = state.patientId;
    const member = (state.patient.team || []).find((m) => m.id === button.dataset.remove);
    if (!member) return;
    const self = state.me && member.id === state.me.id;
    const question = self
      ? "このチームから抜けると、" + state.patient.name + " さんの記録を見られなくなります。よろしいですか？"
      : member.name + " さんをチームから外します。よろしいですか？";
    if (!window.confirm(question)) return;
    button.disabled = true;
    try {
      const resp = await authorized("DELETE", "/api/v1/patients/" + enc(id) + "/team/" + enc(member.id));
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      if (self) { location.hash = "#/patients"; return; }
      showLines("team-status", [member.name + " さんをチームから外しました。"], true);
      await loadPatient(id);
    } catch (e) {
      const lines = failure(e);
      if (lines && current(id)) showLines("team-status", lines, false);
    } finally {
      button.disabled = false;
    }
  }

  async function handOver(button) {
    const id = state.patientId;
    const member = (state.patient.team || []).find((m) => m.id === button.dataset.lead);
    if (!member) return;
    if (!window.confirm(member.name + " さんを主担当にします。あなたは主担当ではなくなります。よろしいですか？")) return;
    button.disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/lead", { json: { professional_id: member.id } });
      if (!resp.ok) throw await apiError(resp);
      const patient = await resp.json();
      if (!current(id)) return;
      state.patient = patient;
      renderPatient();
      showLines("team-status", [member.name + " さんが主担当になりました。"], true);
    } catch (e) {
      const lines = failure(e);
      if (lines && current(id)) showLines("team-status", lines, false);
    } finally {
      button.disabled = false;
    }
  }

  // Chosen from the directory: added at once.
  async function addMember(entry) {
    const id = state.patientId;
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/team", { json: { professional_id: entry.id } });
      if (!resp.ok) throw await apiError(resp);
      const patient = await resp.json();
      if (!current(id)) return;
      state.patient = patient;
      renderPatient();
      pickers.team.reset();
      showLines("team-status", [entry.name + " さんをチームに追加しました。"], true);
    } catch (e) {
      const lines = failure(e);
      if (lines && current(id)) showLines("team-status", lines, false);
    }
  }

  // --- the directory: choosing a colleague by name or organization -----------------------

  const pickers = {};

  // A search box (.picker: input[type=search], .picker-go, .picker-status, .picker-results);
  // each result has a button that calls onPick(entry). taken(): the ids already chosen.
  function picker(root, options) {
    const input = root.querySelector("input[type=search]");
    const go = root.querySelector(".picker-go");
    const status = root.querySelector(".picker-status");
    const results = root.querySelector(".picker-results");
    let timer = null;
    let seq = 0;
    let items = [];

    function render() {
      results.textContent = "";
      const taken = options.taken ? options.taken() : new Set();
      items.forEach((p) => {
        const item = el("li", "picker-item");
        item.dataset.id = p.id;
        const who = el("span", "member-who");
        who.append(asWritten(el("strong", "member-name", p.name)), el("span", "member-role", PROFESSION[p.profession] || p.profession),
          asWritten(el("span", "member-org", p.organization)));
        const button = el("button", "small picker-choose");
        button.type = "button";
        button.dataset.id = p.id;
        const self = state.me && p.id === state.me.id;
        if (self || taken.has(p.id)) {
          button.disabled = true;
          button.classList.add("secondary", "done");
          if (self) bilingual(button, "あなた", "You");
          else bilingual(button, options.takenLabel[0], options.takenLabel[1]);
        } else {
          bilingual(button, options.action[0], options.action[1]);
          button.setAttribute("aria-label", options.action[0] + "：" + p.name + "（" + p.organization + "）");
        }
        item.append(who, button);
        results.appendChild(item);
      });
    }

    async function search() {
      clearTimeout(timer);
      const q = input.value.trim();
      const mine = ++seq;
      if (!q) { items = []; render(); status.textContent = ""; return; }
      status.textContent = say("探しています…");
      try {
        const json = await getJson("/api/v1/care/professionals?q=" + enc(q));
        if (mine !== seq) return;
        items = json.items || [];
        render();
        status.textContent = items.length
          ? items.length + "人見つかりました。"
          : "見つかりませんでした。氏名・事業所名の一部か、メールアドレス全体で探せます。";
      } catch (e) {
        if (mine !== seq) return;
        const lines = failure(e);
        if (lines) status.textContent = lines.join(" / ");
      }
    }

    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 350); });
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); search(); } });
    go.addEventListener("click", search);
    results.addEventListener("click", async (e) => {
      const button = e.target.closest("button.picker-choose");
      if (!button || button.disabled) return;
      const entry = items.find((p) => p.id === button.dataset.id);
      if (!entry) return;
      button.disabled = true;
      try { await options.onPick(entry); } finally { if (button.isConnected) render(); }
    });
    return {
      reset() { seq += 1; clearTimeout(timer); input.value = ""; items = []; results.textContent = ""; status.textContent = ""; },
      render: render,
    };
  }

  // --- the timeline ----------------------------------------------------------------------

  async function loadTimeline(more) {
    const id = state.patientId;
    const path = "/api/v1/patients/" + enc(id) + "/posts?limit=20" + (more && state.nextCursor ? "&cursor=" + enc(state.nextCursor) : "");
    setText("timeline-status", "読み込んでいます…");
    $("timeline-more").disabled = true;
    try {
      // Documents are shown by their template's labels: the templates first (once).
      const [page] = await Promise.all([getJson(path), loadTemplates().catch(() => null)]);
      if (!current(id)) return;
      const items = page.items || [];
      items.forEach((p) => { if (isUnread(p)) state.seenUnread.add(p.id); });
      if (more) {
        state.posts = withOlder(state.posts, items);
      } else {
        state.posts = items;
      }
      state.nextCursor = page.next_cursor || null;
      renderTimeline();
      setText("timeline-status", state.posts.length ? "" : "まだ投稿はありません。");
      if (!more) baseline(id);
      await markRead(id, items);
    } catch (e) {
      if (!current(id)) return;
      const lines = failure(e);
      if (lines) setText("timeline-status", lines.join(" / "));
    } finally {
      $("timeline-more").disabled = false;
    }
  }

  function isUnread(post) {
    return !!state.me && post.author_id !== state.me.id && !(post.read_by || []).some((r) => r.id === state.me.id);
  }

  // Read receipts for the posts by others this page has just shown.
  async function markRead(id, posts) {
    let marked = 0;
    for (const post of posts) {
      if (!isUnread(post)) continue;
      try {
        const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/posts/" + enc(post.id) + "/read");
        if (!resp.ok) continue;
        marked += 1;
        const updated = await resp.json();
        if (current(id)) replacePost(updated);
      } catch (e) {
        if (e === SIGNED_OUT) return;
      }
    }
    const summary = state.patients.find((p) => p.id === id);
    if (summary && marked) {
      summary.unread = Math.max(0, (summary.unread || 0) - marked);
      countedHere("patients", state.patients);
    }
  }

  // The loaded posts of one category, or with the words searched for (in the text, the
  // author or a comment); 「さらに表示」 loads older ones to search too.
  function shownPosts() {
    const category = $("timeline-category").value;
    const words = folded($("timeline-filter").value);
    return state.posts.filter((post) => (!category || post.category === category) &&
      (!words || folded([post.body, post.author_name].concat((post.comments || []).map((c) => c.body)).join(" ")).includes(words)));
  }

  function renderTimeline() {
    const box = $("timeline");
    box.textContent = "";
    const shown = shownPosts();
    shown.forEach((post) => box.appendChild(postCard(post)));
    $("timeline-more").hidden = !state.nextCursor;
    const filtering = $("timeline-category").value || $("timeline-filter").value.trim();
    if (filtering && state.posts.length) setText("timeline-status", "読み込んだ " + state.posts.length + "件中 " + shown.length + "件");
  }

  function replacePost(post) {
    const index = state.posts.findIndex((p) => p.id === post.id);
    if (index >= 0) state.posts[index] = post;
    const old = document.querySelector('#timeline article.post[data-id="' + CSS.escape(post.id) + '"]');
    if (!old) return;
    if (old.classList.contains("editing")) return; // do not throw away an edit being typed
    const open = old.querySelector("details.read-receipts");
    const card = postCard(post);
    if (open && open.open) card.querySelector("details.read-receipts").open = true;
    // A comment being written stays, with its key.
    const draft = old.querySelector("form.comment-form");
    if (draft && !draft.hidden) {
      const form = card.querySelector("form.comment-form");
      form.hidden = false;
      form.querySelector("textarea").value = draft.querySelector("textarea").value;
      if (draft.dataset.key) { form.dataset.key = draft.dataset.key; form.dataset.signature = draft.dataset.signature; }
      card.querySelector("button.comment-open").setAttribute("aria-expanded", "true");
    }
    old.replaceWith(card);
  }

  // A post the server has just accepted: on top of the timeline, once.
  function prependPost(post) {
    if (state.posts.some((p) => p.id === post.id)) { replacePost(post); return; }
    state.posts.unshift(post);
    $("timeline").prepend(postCard(post));
    setText("timeline-status", "");
  }

  // The handout link the introduce route writes into the post becomes a real link.
  const PRINT_LINK = /(\/resources\/print\?ids=[0-9A-Za-z,]+)/;
  function bodyText(node, text) {
    node.textContent = "";
    String(text).split(PRINT_LINK).forEach((part, i) => {
      if (i % 2 === 1) {
        const a = el("a", null, part);
        a.href = part;
        a.target = "_blank";
        a.rel = "noopener";
        node.appendChild(a);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function postCard(post) {
    const card = el("article", "post");
    card.dataset.id = post.id;
    card.dataset.category = post.category;
    const cat = CATEGORY[post.category] || { ja: post.category, en: "" };

    const head = el("header", "post-head");
    const badge = el("span", "category category-" + post.category);
    bilingual(badge, cat.ja, cat.en);
    head.appendChild(badge);
    if (state.seenUnread.has(post.id)) head.appendChild(bilingual(el("span", "new-badge"), "新着", "New"));
    const who = el("span", "post-author");
    who.append(asWritten(el("strong", null, post.author_name)), " ", asWritten(el("span", "org", post.author_organization)));
    const when = el("time", "post-time", timeOf(post.created_at));
    when.dateTime = post.created_at;
    head.append(who, when);
    card.appendChild(head);

    const template = post.template ? templateOf(post.template) : null;
    if (template && post.fields && typeof post.fields === "object") {
      card.dataset.template = post.template;
      card.appendChild(documentView(template, post.fields));
    } else {
      // A plain post, or a document whose template this page does not know: its text.
      const body = asWritten(el("div", "post-body"));
      bodyText(body, post.body);
      card.appendChild(body);
    }

    if (post.edited_at) {
      const edited = el("p", "edited");
      bilingual(edited, "編集済み（" + timeOf(post.edited_at) + (post.previous_versions ? "・以前の版 " + post.previous_versions + "件" : "") + "）", "edited");
      card.appendChild(edited);
    }

    const attachments = post.attachments || [];
    if (attachments.length) card.appendChild(attachmentList(post.patient_id || state.patientId, attachments));

    const foot = el("footer", "post-foot");
    const readers = post.read_by || [];
    const receipts = el("details", "read-receipts");
    const summary = el("summary", "read-count");
    summary.dataset.count = String(readers.length);
    bilingual(summary, "既読 " + readers.length + "人", "read by " + readers.length);
    receipts.appendChild(summary);
    const list = el("ul", "readers");
    if (readers.length === 0) list.appendChild(el("li", "muted", say("まだ誰も読んでいません。")));
    readers.forEach((r) => {
      const item = el("li", "reader");
      item.append(el("span", "reader-name", r.name), " ", el("span", "muted", timeOf(r.read_at)));
      list.appendChild(item);
    });
    receipts.appendChild(list);
    foot.appendChild(receipts);
    const actions = el("span", "post-actions");
    const comment = el("button", "secondary small comment-open");
    comment.type = "button";
    comment.setAttribute("aria-expanded", "false");
    bilingual(comment, "コメントする", "Comment");
    actions.appendChild(comment);
    if (state.me && post.author_id === state.me.id && (!post.template || template)) {
      const edit = el("button", "secondary small edit-post");
      edit.type = "button";
      bilingual(edit, "編集", "Edit");
      actions.appendChild(edit);
    }
    foot.appendChild(actions);
    card.appendChild(foot);
    card.appendChild(commentSection(post));
    return card;
  }

  // --- documents (文書): a template's fields as a form and as a list of labelled values ----

  let templatesPending = null;
  function loadTemplates() {
    if (state.templates) return Promise.resolve(state.templates);
    if (!templatesPending) {
      templatesPending = getJson("/api/v1/care/templates")
        .then((json) => { state.templates = json.items || []; return state.templates; })
        .finally(() => { templatesPending = null; });
    }
    return templatesPending;
  }

  function templateOf(id) {
    return (state.templates || []).find((t) => t.id === id) || null;
  }

  // How one stored value reads: a choice by its Japanese label, a date with its 和暦.
  function fieldText(field, value) {
    if (field.type === "choice") {
      const option = (field.options || []).find((o) => o[0] === value);
      return option ? option[1] : value;
    }
    if (field.type === "date") return dateJa(value);
    return value;
  }

  function documentView(template, fields) {
    const box = el("section", "document");
    box.appendChild(bilingual(el("h3", "doc-title"), template.name_ja, template.name_en));
    const list = el("dl", "facts doc-fields");
    template.fields.forEach((f) => {
      const value = fields[f.key];
      if (value === undefined || value === null || value === "") return;
      const dt = bilingual(el("dt"), f.label_ja, f.label_en);
      const dd = el("dd", f.type === "long_text" ? "long" : null, fieldText(f, String(value)));
      dd.dataset.key = f.key;
      list.append(dt, dd);
    });
    box.appendChild(list);
    return box;
  }

  // The form of a template, filled with `values` (editing) or empty (a new document). Each
  // field has its own error line, for the server's field errors (#/fields/{key}).
  function documentForm(template, values, prefix, editing) {
    const form = el("form", "doc-form" + (editing ? " edit-form doc-edit" : ""));
    form.noValidate = true;
    form.dataset.template = template.id;
    template.fields.forEach((f) => {
      const id = prefix + "-" + f.key;
      const wrap = el("div", "doc-field");
      wrap.dataset.key = f.key;
      const label = el("label");
      label.htmlFor = id;
      bilingual(label, f.label_ja, f.label_en);
      if (f.required) label.append(" ", el("span", "required-mark", "必須"));
      let input;
      if (f.type === "long_text") {
        input = el("textarea");
        input.rows = 4;
      } else if (f.type === "choice") {
        input = el("select");
        const blank = el("option", null, say("選んでください"));
        blank.value = "";
        input.appendChild(blank);
        (f.options || []).forEach((o) => {
          const option = el("option", null, o[1]);
          option.value = o[0];
          input.appendChild(option);
        });
      } else {
        input = el("input");
        // Dates are typed as people write them on paper: 和暦 (令和8年11月25日, R8.11.25) or
        // 2026-11-25; a date picker can not take 和暦, so the server reads the text.
        input.type = "text";
        input.autocomplete = "off";
        if (f.type === "date") {
          input.placeholder = "例：令和8年11月25日";
          input.classList.add("date-text");
        }
      }
      if (f.max && f.type !== "choice") input.maxLength = f.max;
      input.id = id;
      input.name = f.key;
      input.dataset.key = f.key;
      if (f.required) { input.required = true; input.setAttribute("aria-required", "true"); }
      const line = el("p", "field-error");
      line.id = id + "-error";
      line.hidden = true;
      input.setAttribute("aria-describedby", line.id);
      const value = values && values[f.key];
      if (value !== undefined && value !== null) input.value = String(value);
      wrap.append(label, input, line);
      form.appendChild(wrap);
    });
    const errors = el("div", "errors doc-errors");
    errors.dataset.extra = "doc-errors";
    errors.hidden = true;
    errors.setAttribute("role", "alert");
    const actions = el("p", "actions");
    const save = el("button", editing ? null : "wide");
    save.type = "submit";
    if (editing) bilingual(save, "保存", "Save");
    else bilingual(save, "文書を投稿する", "Post the document");
    actions.appendChild(save);
    const cancel = el("button", "secondary");
    cancel.type = "button";
    cancel.dataset.cancel = "1";
    bilingual(cancel, "取消", "Cancel");
    actions.appendChild(cancel);
    form.append(errors, actions);
    return form;
  }

  function documentValues(form) {
    const fields = {};
    form.querySelectorAll("[data-key]").forEach((input) => {
      if (input.matches("input, select, textarea")) fields[input.dataset.key] = input.value.trim();
    });
    return fields;
  }

  function showDocumentErrors(form, error) {
    placeErrors(error, (pointer) => {
      const m = /^#\/fields\/(.+)$/.exec(pointer);
      const wrap = m && form.querySelector('.doc-field[data-key="' + CSS.escape(m[1]) + '"]');
      return wrap ? { line: wrap.querySelector(".field-error"), input: wrap.querySelector("[data-key]") } : null;
    }, form.querySelector(".doc-errors"));
  }

  async function openDocumentPanel() {
    const panel = $("doc-panel");
    if (!panel.hidden) { closeDocumentPanel(); return; }
    panel.hidden = false;
    togglePostForm(false);
    $("doc-new").setAttribute("aria-expanded", "true");
    bilingual($("doc-new"), "通常の投稿に戻る", "Back to a message");
    setText("doc-status", "");
    const select = $("doc-template");
    if (!select.options.length) {
      setText("doc-status", "様式を読み込んでいます…");
      try {
        const templates = await loadTemplates();
        select.textContent = "";
        templates.forEach((t) => {
          const option = el("option", null, pick(t.name_ja, t.name_en));
          option.value = t.id;
          select.appendChild(option);
        });
        setText("doc-status", "");
      } catch (e) {
        const lines = failure(e);
        if (lines) setText("doc-status", lines.join(" / "));
        return;
      }
    }
    renderDocumentForm();
    select.focus();
  }

  // The message form, folded away until the person asks to write.
  function togglePostForm(open) {
    const show = open === undefined ? $("post-form").hidden : open;
    if (show && !$("doc-panel").hidden) closeDocumentPanel();
    $("post-form").hidden = !show;
    $("post-new").setAttribute("aria-expanded", String(show));
    $("post-new").textContent = show ? "書くのをやめる" : "投稿を書く";
    if (show) $("post-body").focus();
  }

  function closeDocumentPanel() {
    $("doc-panel").hidden = true;
    $("doc-form-box").textContent = "";
    $("post-form").hidden = true;
    $("doc-new").setAttribute("aria-expanded", "false");
    bilingual($("doc-new"), "文書を作成", "New document");
    state.docDraft = null;
  }

  function renderDocumentForm() {
    const box = $("doc-form-box");
    box.textContent = "";
    const template = templateOf($("doc-template").value);
    if (!template) return;
    box.appendChild(documentForm(template, null, "doc", false));
  }

  async function submitDocument(form) {
    if (state.posting) return;
    const patient = state.patientId;
    const template = templateOf(form.dataset.template);
    if (!template) return;
    const input = { template: template.id, fields: documentValues(form) };
    clearFieldErrors(form);
    showBox(form.querySelector(".doc-errors"), []);
    // The same document sent again (after a dropped connection) keeps its key.
    draftKey("docDraft", patient, input);
    const button = form.querySelector("button[type=submit]");
    state.posting = true;
    button.disabled = true;
    setText("doc-status", "送信しています…");
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(patient) + "/posts", {
        json: input, headers: { "idempotency-key": state.docDraft.key },
      });
      if (!resp.ok) throw await apiError(resp);
      const post = await resp.json();
      if (!current(patient)) return;
      closeDocumentPanel();
      prependPost(post);
      setText("post-status", template.name_ja + "を投稿しました。");
    } catch (e) {
      if (!current(patient)) return;
      setText("doc-status", "");
      if (e instanceof ApiError) showDocumentErrors(form, e);
      else {
        const lines = failure(e);
        if (lines) showBox(form.querySelector(".doc-errors"), e instanceof TypeError
          ? ["送信できませんでした。もう一度「文書を投稿する」を押してください（二重には投稿されません）。"]
          : lines, false);
      }
    } finally {
      state.posting = false;
      button.disabled = false;
    }
  }

  // --- comments under a post ---------------------------------------------------------------

  function commentItem(c) {
    const item = el("li", "comment");
    item.dataset.id = c.id;
    const head = el("p", "comment-head");
    const when = el("time", "post-time", timeOf(c.created_at));
    when.dateTime = c.created_at;
    head.append(asWritten(el("strong", "comment-author", c.author_name)), " ", when);
    item.append(head, asWritten(el("p", "comment-body", c.body)));
    return item;
  }

  function commentSection(post) {
    const box = el("section", "comments");
    box.setAttribute("aria-label", say("コメント"));
    const comments = post.comments || [];
    const count = el("p", "comment-count");
    box.appendChild(count);
    const list = el("ul", "comment-list");
    comments.forEach((c) => list.appendChild(commentItem(c)));
    box.appendChild(list);
    showCommentCount(box, comments.length);
    const form = el("form", "comment-form");
    form.noValidate = true;
    form.hidden = true;
    const label = el("label");
    const areaId = "comment-" + post.id;
    label.htmlFor = areaId;
    bilingual(label, "コメント", "Comment");
    const area = el("textarea");
    area.id = areaId;
    area.rows = 2;
    area.maxLength = 4000;
    area.required = true;
    const errors = el("div", "errors");
    errors.hidden = true;
    errors.setAttribute("role", "alert");
    const actions = el("p", "actions");
    const send = el("button", "small");
    send.type = "submit";
    bilingual(send, "送信", "Send");
    const cancel = el("button", "secondary small");
    cancel.type = "button";
    cancel.dataset.commentCancel = "1";
    bilingual(cancel, "取消", "Cancel");
    actions.append(send, cancel);
    form.append(label, area, errors, actions);
    attachMentions(area);
    box.appendChild(form);
    return box;
  }

  // @mentions: typing @ (and the start of a name) offers the patient's team, without
  // oneself; a tap puts 「@名前 」 in the text. The server notifies whoever is mentioned,
  // even those who asked for 相談 only, and matches the name with or without its spaces.
  function attachMentions(area) {
    const choices = el("div", "mention-choices");
    choices.hidden = true;
    choices.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", choices);
    const fragment = () => {
      const before = area.value.slice(0, area.selectionStart);
      const m = /(^|\s)@([^\s@]{0,20})$/.exec(before);
      return m ? { start: before.length - m[2].length - 1, typed: m[2] } : null;
    };
    const bare = (name) => name.replace(/[\s\u3000]+/g, "");
    const offer = () => {
      choices.textContent = "";
      const at = fragment();
      const team = ((state.patient && state.patient.team) || []).filter((m) => !state.me || m.id !== state.me.id);
      const typed = at ? at.typed.toLowerCase() : "";
      const found = at ? team.filter((m) => bare(m.name).toLowerCase().includes(typed)).slice(0, 6) : [];
      choices.hidden = found.length === 0;
      if (!found.length) return;
      choices.appendChild(el("span", "muted", "宛先："));
      found.forEach((m) => {
        const b = el("button", "secondary small mention", "@" + bare(m.name));
        b.type = "button";
        b.setAttribute("aria-label", "@" + bare(m.name) + "（" + (PROFESSION[m.profession] || m.profession) + "）を宛先に入れる");
        b.addEventListener("click", () => {
          const now = fragment() || at;
          const insert = "@" + bare(m.name) + " ";
          area.value = area.value.slice(0, now.start) + insert + area.value.slice(area.selectionStart);
          const caret = now.start + insert.length;
          area.focus();
          area.setSelectionRange(caret, caret);
          choices.hidden = true;
          choices.textContent = "";
        });
        choices.appendChild(b);
      });
    };
    area.addEventListener("input", offer);
    area.addEventListener("click", offer);
  }

  function toggleComment(card, open) {
    const form = card.querySelector("form.comment-form");
    form.hidden = !open;
    card.querySelector("button.comment-open").setAttribute("aria-expanded", String(open));
    if (open) form.querySelector("textarea").focus();
    else { form.querySelector("textarea").value = ""; showBox(form.querySelector(".errors"), []); delete form.dataset.key; }
  }

  async function sendComment(form) {
    const card = form.closest("article.post");
    const id = state.patientId;
    const postId = card.dataset.id;
    const body = form.querySelector("textarea").value.trim();
    const errors = form.querySelector(".errors");
    if (!body) { showBox(errors, ["コメントを入力してください。"], false); return; }
    const signature = JSON.stringify([postId, body]);
    if (form.dataset.signature !== signature || !form.dataset.key) { form.dataset.signature = signature; form.dataset.key = newKey(); }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/posts/" + enc(postId) + "/comments", {
        json: { body: body }, headers: { "idempotency-key": form.dataset.key },
      });
      if (!resp.ok) throw await apiError(resp);
      const comment = await resp.json();
      if (!current(id)) return;
      const post = state.posts.find((p) => p.id === postId);
      if (post) {
        post.comments = (post.comments || []).filter((c) => c.id !== comment.id).concat([comment]);
        replaceCommentList(card, post);
      }
      toggleComment(card, false);
    } catch (e) {
      const lines = failure(e);
      if (lines) showBox(errors, lines, false);
    } finally {
      button.disabled = false;
    }
  }

  function replaceCommentList(card, post) {
    const list = card.querySelector("ul.comment-list");
    list.textContent = "";
    (post.comments || []).forEach((c) => list.appendChild(commentItem(c)));
    showCommentCount(card.querySelector("section.comments"), (post.comments || []).length);
  }

  function showCommentCount(box, n) {
    bilingual(box.querySelector(".comment-count"), "コメント " + n + "件", n === 1 ? "1 comment" : n + " comments");
    box.querySelector(".comment-count").hidden = n === 0;
    box.querySelector("ul.comment-list").hidden = n === 0;
  }

  // --- attachments: thumbnails and downloads, fetched with the token ---------------------

  function attachmentPath(patient, id) {
    return "/api/v1/patients/" + enc(patient) + "/attachments/" + enc(id);
  }

  async function fetchAttachment(patient, id) {
    const resp = await authorized("GET", attachmentPath(patient, id));
    if (!resp.ok) throw new ApiError(await problemLines(resp));
    return resp.blob();
  }

  function readAsDataUrl(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }

  function imageUrl(patient, attachment) {
    const key = patient + "/" + attachment.id;
    if (!images.has(key)) {
      const pending = fetchAttachment(patient, attachment.id).then((blob) => {
        // The type the server declared, so the data: URL is always an image type we allow.
        const typed = blob.type === attachment.content_type ? blob : new Blob([blob], { type: attachment.content_type });
        return readAsDataUrl(typed);
      });
      pending.catch(() => images.delete(key)); // try again next time
      images.set(key, pending);
    }
    return images.get(key);
  }

  function isImage(type) {
    return type === "image/png" || type === "image/jpeg" || type === "image/webp";
  }

  function attachmentList(patient, attachments) {
    const list = el("ul", "attachments");
    attachments.forEach((a) => {
      const item = el("li", "attachment");
      item.dataset.id = a.id;
      if (isImage(a.content_type)) {
        const button = el("button", "thumb-button");
        button.type = "button";
        button.title = say("拡大");
        const img = el("img", "attachment-thumb");
        img.alt = a.name;
        img.dataset.id = a.id;
        button.appendChild(img);
        const caption = el("span", "attachment-name", a.name + "（" + sizeOf(a.size) + "）");
        item.append(button, caption);
        imageUrl(patient, a).then((url) => { img.src = url; }).catch((e) => {
          const lines = failure(e);
          caption.textContent = a.name + "：表示できません" + (lines ? "（" + lines.join(" / ") + "）" : "");
          button.hidden = true;
        });
      } else {
        const button = el("button", "secondary attachment-download");
        button.type = "button";
        button.dataset.patient = patient;
        button.dataset.id = a.id;
        button.dataset.name = a.name;
        button.dataset.type = a.content_type;
        bilingual(button, (a.content_type === "application/pdf" ? "PDF " : "") + a.name + "（" + sizeOf(a.size) + "）を保存", "Download");
        item.appendChild(button);
      }
      list.appendChild(item);
    });
    return list;
  }

  async function download(button) {
    button.disabled = true;
    try {
      const blob = await fetchAttachment(button.dataset.patient, button.dataset.id);
      const link = el("a");
      link.href = URL.createObjectURL(new Blob([blob], { type: button.dataset.type || blob.type }));
      link.download = button.dataset.name || "attachment";
      document.body.appendChild(link);
      link.click();
      link.remove();
      // The download reads the Blob after click() returns.
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    } catch (e) {
      const lines = failure(e);
      if (lines) setText("timeline-status", lines.join(" / "));
    } finally {
      button.disabled = false;
    }
  }

  // --- editing one's own post ------------------------------------------------------------

  function startEdit(card) {
    const post = state.posts.find((p) => p.id === card.dataset.id);
    if (!post || card.classList.contains("editing")) return;
    const template = post.template ? templateOf(post.template) : null;
    if (post.template) {
      // A document is edited in its own form, all fields at once.
      if (!template) return;
      card.classList.add("editing");
      const form = documentForm(template, post.fields || {}, "edit-" + post.id, true);
      const view = card.querySelector(".document");
      view.hidden = true;
      view.after(form);
      const first = form.querySelector("input, select, textarea");
      if (first) first.focus();
      return;
    }
    card.classList.add("editing");
    const form = el("form", "edit-form");
    form.noValidate = true;
    const label = el("label");
    const areaId = "edit-" + post.id;
    label.htmlFor = areaId;
    bilingual(label, "本文を編集", "Edit message");
    const area = el("textarea");
    area.id = areaId;
    area.rows = 4;
    area.maxLength = 10000;
    area.value = post.body;
    const errors = el("div", "errors");
    errors.hidden = true;
    errors.setAttribute("role", "alert");
    const actions = el("p", "actions");
    const save = el("button");
    save.type = "submit";
    bilingual(save, "保存", "Save");
    const cancel = el("button", "secondary");
    cancel.type = "button";
    cancel.dataset.cancel = "1";
    bilingual(cancel, "取消", "Cancel");
    actions.append(save, cancel);
    form.append(label, area, errors, actions);
    card.querySelector(".post-body").after(form);
    area.focus();
  }

  function endEdit(card) {
    card.classList.remove("editing");
    const form = card.querySelector(".edit-form");
    if (form) form.remove();
    const view = card.querySelector(".document");
    if (view) view.hidden = false;
  }

  async function saveDocumentEdit(form) {
    const card = form.closest("article.post");
    const id = state.patientId;
    clearFieldErrors(form);
    showBox(form.querySelector(".doc-errors"), []);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const resp = await authorized("PUT", "/api/v1/patients/" + enc(id) + "/posts/" + enc(card.dataset.id), {
        json: { fields: documentValues(form) },
      });
      if (!resp.ok) throw await apiError(resp);
      const post = await resp.json();
      if (!current(id)) return;
      endEdit(card);
      replacePost(post);
    } catch (e) {
      if (e instanceof ApiError) showDocumentErrors(form, e);
      else {
        const lines = failure(e);
        if (lines) showBox(form.querySelector(".doc-errors"), lines, false);
      }
      button.disabled = false;
    }
  }

  async function saveEdit(form) {
    const card = form.closest("article.post");
    const id = state.patientId;
    const body = form.querySelector("textarea").value;
    const errors = form.querySelector(".errors");
    const show = (lines) => {
      errors.textContent = "";
      errors.hidden = !lines.length;
      lines.forEach((l) => errors.appendChild(el("p", null, l)));
    };
    if (!body.trim()) { show(["本文を入力してください。"]); return; }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const resp = await authorized("PUT", "/api/v1/patients/" + enc(id) + "/posts/" + enc(card.dataset.id), { json: { body: body } });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const post = await resp.json();
      if (!current(id)) return;
      endEdit(card);
      replacePost(post);
    } catch (e) {
      const lines = failure(e);
      if (lines) show(lines);
      button.disabled = false;
    }
  }

  function onTimelineClick(event) {
    const card = event.target.closest("article.post");
    if (!card) return;
    if (event.target.closest("button.edit-post")) { startEdit(card); return; }
    if (event.target.closest("button[data-cancel]")) { endEdit(card); return; }
    if (event.target.closest("button.comment-open")) {
      toggleComment(card, card.querySelector("form.comment-form").hidden);
      return;
    }
    if (event.target.closest("button[data-comment-cancel]")) { toggleComment(card, false); return; }
    const thumb = event.target.closest("button.thumb-button");
    if (thumb) { thumb.classList.toggle("expanded"); return; }
    const file = event.target.closest("button.attachment-download");
    if (file) download(file);
  }

  function onTimelineSubmit(event) {
    const form = event.target.closest("form");
    if (!form) return;
    event.preventDefault();
    if (form.classList.contains("comment-form")) sendComment(form);
    else if (form.classList.contains("doc-edit")) saveDocumentEdit(form);
    else if (form.classList.contains("edit-form")) saveEdit(form);
  }

  // --- writing a post, with attachments --------------------------------------------------

  // The file's type; some systems give none, then the name's ending decides.
  function typeOf(file) {
    if (FILE_TYPES[file.type]) return file.type;
    const name = file.name.toLowerCase();
    return Object.keys(FILE_TYPES).find((t) => FILE_TYPES[t].some((ext) => name.endsWith(ext))) || null;
  }

  function fileProblems(file) {
    const lines = [];
    if (!typeOf(file)) lines.push(file.name + "：写真（PNG・JPEG・WebP）か PDF を選んでください。");
    if (file.size > MAX_FILE_BYTES) lines.push(file.name + "：5MB を超えています（" + sizeOf(file.size) + "）。");
    if (file.size === 0) lines.push(file.name + "：空のファイルです。");
    return lines;
  }

  function renderFileList() {
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

  function fileRow(i) {
    return $("post-file-list").querySelector('li[data-index="' + i + '"]');
  }

  // XMLHttpRequest reports upload progress, fetch does not.
  function xhrUpload(path, file, type, token, onProgress) {
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

  async function upload(patient, file, i) {
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

  async function submitPost(event) {
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

  // --- vitals ----------------------------------------------------------------------------

  function vitalKind(code) {
    return VITALS.find((k) => k.code === code) || { code: code, ja: code, en: code, unit: "", digits: 1 };
  }

  // datetime-local in Japan time: "2026-11-25T09:30". Shows now until a time is typed in.
  function resetMeasuredAt() {
    state.measuredSet = false;
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: JST, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date());
    const v = (t) => (parts.find((p) => p.type === t) || {}).value;
    $("vital-measured-at").value = v("year") + "-" + v("month") + "-" + v("day") + "T" + v("hour") + ":" + v("minute");
  }

  async function loadVitals() {
    const id = state.patientId;
    setText("vital-status", "読み込んでいます…");
    try {
      const json = await getJson("/api/v1/patients/" + enc(id) + "/vitals");
      if (!current(id)) return;
      state.vitals = json.items || [];
      renderVitals();
      setText("vital-status", "");
    } catch (e) {
      if (!current(id)) return;
      const lines = failure(e);
      if (lines) setText("vital-status", lines.join(" / "));
    }
  }

  function clearChart() {
    const chart = $("vitals-chart");
    Array.from(chart.childNodes).forEach((n) => { if (n.nodeName !== "title") n.remove(); });
    chart.setAttribute("viewBox", "0 0 360 10");
    chart.classList.add("empty");
  }

  function reading(v) {
    const k = vitalKind(v.kind);
    const value = v.kind === "blood_pressure" && v.value2 !== null && v.value2 !== undefined
      ? fixed(v.value, 0) + "/" + fixed(v.value2, 0)
      : fixed(v.value, k.digits);
    return value + " " + k.unit;
  }

  function renderVitals() {
    const byKind = new Map();
    state.vitals
      .slice()
      .sort((a, b) => Date.parse(a.measured_at) - Date.parse(b.measured_at))
      .forEach((v) => {
        if (!byKind.has(v.kind)) byKind.set(v.kind, []);
        byKind.get(v.kind).push(v);
      });
    const kinds = VITALS.map((k) => k.code).filter((c) => byKind.has(c))
      .concat(Array.from(byKind.keys()).filter((c) => !VITALS.some((k) => k.code === c)));

    // The latest of each kind, as text (the chart's summary for everyone).
    const latest = $("vitals-latest");
    latest.textContent = "";
    if (kinds.length) {
      const list = el("dl", "facts latest");
      kinds.forEach((c) => {
        const series = byKind.get(c);
        const last = series[series.length - 1];
        const k = vitalKind(c);
        list.append(bilingual(el("dt"), k.ja, k.en), el("dd", null, reading(last) + "（" + timeOf(last.measured_at) + "）"));
      });
      latest.appendChild(list);
    }
    $("vitals-empty").hidden = kinds.length > 0;

    clearChart();
    const chart = $("vitals-chart");
    const panelHeight = 170;
    // One time axis for every chart, so that a visit's readings line up one above another.
    const times = state.vitals.map((v) => Date.parse(v.measured_at));
    const span = [Math.min.apply(null, times), Math.max.apply(null, times)];
    kinds.forEach((c, i) => chart.appendChild(vitalPanel(vitalKind(c), byKind.get(c), i * panelHeight, panelHeight, span)));
    if (!kinds.length) $("vital-record").open = true;
    chart.setAttribute("viewBox", "0 0 360 " + Math.max(10, kinds.length * panelHeight));
    chart.classList.toggle("empty", kinds.length === 0);

    // Every reading as a table, newest first.
    if (kinds.length) {
      const details = el("details", "vitals-table");
      details.appendChild(bilingual(el("summary"), "記録の一覧（" + state.vitals.length + "件）", "All readings"));
      const wrap = el("div", "table-wrap");
      const table = el("table");
      const head = el("tr");
      ["日時", "種類", "値"].forEach((h) => head.appendChild(el("th", null, h)));
      table.appendChild(el("thead")).appendChild(head);
      const tbody = el("tbody");
      state.vitals.slice().sort((a, b) => Date.parse(b.measured_at) - Date.parse(a.measured_at)).slice(0, 200).forEach((v) => {
        const row = el("tr");
        row.append(el("td", null, timeOf(v.measured_at)), el("td", null, vitalKind(v.kind).ja), el("td", "num", reading(v)));
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      wrap.appendChild(table);
      details.appendChild(wrap);
      latest.appendChild(details);
    }
  }

  // One small line chart: the y axis around the readings, at least the kind's `span` high
  // (the lowest and highest reading labelled), the x axis the time span shared by every
  // chart (dated); blood pressure as two lines.
  function vitalPanel(k, series, top, height, span) {
    const left = 46, right = 350, plotTop = top + 34, plotBottom = top + height - 30;
    const g = svg("g", { class: "vital-panel", "data-kind": k.code });
    const bp = k.code === "blood_pressure";
    g.appendChild(svg("text", { x: 4, y: top + 20, class: "panel-title" }, pick(k.ja + "（" + k.unit + "）", k.en + " (" + k.unit + ")")));
    if (bp) g.appendChild(svg("text", { x: 356, y: top + 20, class: "panel-legend", "text-anchor": "end" }, "実線 上 ／ 点線 下"));

    const values = [];
    series.forEach((v) => {
      values.push(v.value);
      if (bp && typeof v.value2 === "number") values.push(v.value2);
    });
    const lo = Math.min.apply(null, values);
    const hi = Math.max.apply(null, values);
    const pad = hi > lo ? (hi - lo) * 0.12 : 0;
    const middle = (hi + lo) / 2;
    const half = Math.max((hi - lo) / 2 + pad, (k.span || Math.max(1, Math.abs(hi) * 0.1)) / 2);
    const y0 = middle - half, y1 = middle + half;
    const y = (v) => plotBottom - (v - y0) / (y1 - y0) * (plotBottom - plotTop);
    const [t0, t1] = span;
    const x = (t) => (t1 > t0 ? left + (t - t0) / (t1 - t0) * (right - left) : (left + right) / 2);

    // Axes, and guide lines at the highest and lowest reading.
    g.appendChild(svg("line", { x1: left, y1: plotTop - 6, x2: left, y2: plotBottom, class: "axis" }));
    g.appendChild(svg("line", { x1: left, y1: plotBottom, x2: right, y2: plotBottom, class: "axis" }));
    [[hi, "max"], [lo, "min"]].forEach(([v, cls], i) => {
      if (i === 1 && hi === lo) return;
      g.appendChild(svg("line", { x1: left, y1: y(v), x2: right, y2: y(v), class: "guide" }));
      g.appendChild(svg("text", { x: left - 4, y: y(v) + 4, class: "axis-label " + cls, "text-anchor": "end" }, fixed(v, k.digits)));
    });
    g.appendChild(svg("text", { x: left, y: plotBottom + 18, class: "axis-label date", "text-anchor": "start" }, shortTime(t0)));
    if (t1 > t0) g.appendChild(svg("text", { x: right, y: plotBottom + 18, class: "axis-label date", "text-anchor": "end" }, shortTime(t1)));

    const line = (pick, cls) => {
      const points = series.filter((v) => typeof pick(v) === "number");
      g.appendChild(svg("polyline", {
        class: "series " + cls,
        points: points.map((v) => x(Date.parse(v.measured_at)).toFixed(1) + "," + y(pick(v)).toFixed(1)).join(" "),
      }));
      points.forEach((v) => {
        const dot = svg("circle", { cx: x(Date.parse(v.measured_at)).toFixed(1), cy: y(pick(v)).toFixed(1), r: 3.5, class: "dot " + cls });
        dot.appendChild(svg("title", {}, timeOf(v.measured_at) + " " + reading(v)));
        g.appendChild(dot);
      });
    };
    line((v) => v.value, bp ? "systolic" : "value");
    if (bp) line((v) => v.value2, "diastolic");
    return g;
  }

  async function recordVital(event) {
    event.preventDefault();
    const id = state.patientId;
    const problems = [];
    const readings = [];
    const filled = (field) => $(field).value.trim() !== "";
    VITALS.forEach((k) => {
      const field = "vital-" + k.code;
      const bp = k.code === "blood_pressure";
      if (!filled(field) && !(bp && filled(field + "2"))) return;
      const value = numberOf($(field).value);
      const reading = { kind: k.code, value: value };
      if (isNaN(value)) problems.push(k.ja + (bp ? "（上）" : "") + "を数字で入力してください。");
      if (bp) {
        reading.value2 = numberOf($(field + "2").value);
        if (isNaN(reading.value2)) problems.push("血圧（下）を数字で入力してください。");
      }
      readings.push(reading);
    });
    if (!readings.length && !problems.length) problems.push("測った値を1つ以上入力してください。");
    const input = { readings: readings };
    const at = $("vital-measured-at").value;
    if (at && state.measuredSet) {
      // Japan time, sent as UTC like the server's own timestamps, so readings sort by time.
      const ms = Date.parse(at + (at.length === 16 ? ":00" : "") + "+09:00");
      if (isNaN(ms)) problems.push("測定日時を正しく入力してください。");
      else input.measured_at = new Date(ms).toISOString();
    }
    showLines("vital-errors", problems);
    if (problems.length) return;
    $("vital-submit").disabled = true;
    setText("vital-status", "記録しています…");
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/vitals/visits", {
        json: input, headers: { "idempotency-key": newKey() },
      });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const saved = (await resp.json()).items || [];
      if (!current(id)) return;
      state.vitals.push.apply(state.vitals, saved);
      renderVitals();
      VITALS.forEach((k) => { $("vital-" + k.code).value = ""; });
      $("vital-blood_pressure2").value = "";
      resetMeasuredAt();
      const order = (v) => VITALS.findIndex((k) => k.code === v.kind);
      const said = saved.slice().sort((a, b) => order(a) - order(b)).map((v) => vitalKind(v.kind).ja + " " + reading(v));
      setText("vital-status", said.join("、") + " を記録しました。");
    } catch (e) {
      if (!current(id)) return;
      const lines = failure(e);
      if (lines) { showLines("vital-errors", lines); setText("vital-status", ""); }
    } finally {
      $("vital-submit").disabled = false;
    }
  }

  // --- nearby resources ------------------------------------------------------------------

  async function loadCategories() {
    if (state.categories) return;
    try {
      const resp = await fetch("/api/v1/public/categories");
      if (!resp.ok) return;
      state.categories = (await resp.json()).items || [];
    } catch (e) {
      return;
    }
    const select = $("nearby-category");
    const parents = state.categories.filter((c) => !c.parent);
    parents.forEach((p) => {
      const option = el("option", null, p.name_ja + "（すべて）");
      option.value = p.code;
      select.appendChild(option);
      state.categories.filter((c) => c.parent === p.code).forEach((c) => {
        const child = el("option", null, "　" + c.name_ja);
        child.value = c.code;
        select.appendChild(child);
      });
    });
  }

  async function loadNearby() {
    await loadCategories();
    await searchNearby();
  }

  async function searchNearby(event) {
    if (event) event.preventDefault();
    const id = state.patientId;
    const category = $("nearby-category").value;
    const radius = $("nearby-radius").value;
    setText("nearby-status", "探しています…");
    $("nearby-search").disabled = true;
    try {
      const json = await getJson("/api/v1/patients/" + enc(id) + "/nearby?radius_m=" + enc(radius) + (category ? "&category=" + enc(category) : ""));
      if (!current(id)) return;
      state.nearby = json.items || [];
      state.nearbyPrintUrl = json.print_url || null;
      renderNearby();
      setText("nearby-status", state.nearby.length
        ? "自宅から近い順に " + state.nearby.length + " 件"
        : "この範囲には見つかりませんでした。範囲を広げてください。");
    } catch (e) {
      if (!current(id)) return;
      state.nearby = [];
      renderNearby();
      const lines = failure(e);
      if (lines) setText("nearby-status", lines.join(" / "));
    } finally {
      $("nearby-search").disabled = false;
    }
  }

  function renderNearby() {
    const list = $("nearby-list");
    list.textContent = "";
    state.nearby.forEach((r) => {
      const item = el("li", "nearby-item");
      const label = el("label", "pick");
      const box = el("input");
      box.type = "checkbox";
      box.value = r.id;
      box.name = "resource";
      const text = el("span", "pick-text");
      const title = asWritten(el("span", "resource-name", r.name));
      text.append(title, " ", el("span", "distance", distanceOf(r.distance_m)));
      text.appendChild(el("span", "resource-meta", [pick(r.category_name, r.category_name_en), r.address].filter(Boolean).join("・")));
      if (r.schedule_text && r.schedule_text.length) text.appendChild(el("span", "resource-meta", r.schedule_text.join(" / ")));
      label.append(box, text);
      item.appendChild(label);
      if (r.phone) {
        const tel = el("a", "tel small-tel", r.phone);
        tel.href = "tel:" + r.phone.replace(/[^0-9+]/g, "");
        item.appendChild(tel);
      }
      list.appendChild(item);
    });
    // The bar stays away until there is a list: it would cover 探す on a short page.
    $("nearby-actions").hidden = state.nearby.length === 0;
    updatePrintLink();
  }

  function checkedResources() {
    return Array.from($("nearby-list").querySelectorAll("input[type=checkbox]:checked")).map((b) => b.value);
  }

  // The handout of the ticked resources, or of the whole list when none is ticked.
  function updatePrintLink() {
    const link = $("nearby-print");
    const ids = checkedResources();
    $("nearby-selected").textContent = String(ids.length);
    const url = ids.length ? "/resources/print?ids=" + ids.map(enc).join(",") : state.nearby.length ? state.nearbyPrintUrl : null;
    if (url) {
      link.href = url;
      link.removeAttribute("aria-disabled");
      link.classList.remove("disabled");
    } else {
      link.removeAttribute("href");
      link.setAttribute("aria-disabled", "true");
      link.classList.add("disabled");
    }
  }

  // What the introduction will record, shown before it is: for whom, which resources.
  function previewIntroduction() {
    const ids = checkedResources();
    if (ids.length === 0 || ids.length > 20) {
      showLines("nearby-result", ["紹介する資源を1〜20件選んでください。"], false);
      return;
    }
    const who = state.patient ? state.patient.name + "さん" : "この利用者さん";
    setText("introduce-who", who + "のタイムラインに、次の" + ids.length + "件の紹介を記録します。");
    const list = $("introduce-preview");
    list.textContent = "";
    for (const rid of ids) {
      const r = state.nearby.find((x) => x.id === rid);
      const item = el("li");
      item.append(el("strong", null, r ? r.name : rid));
      if (r) item.append(el("span", "resource-meta", [pick(r.category_name, r.category_name_en), distanceOf(r.distance_m), r.phone].filter(Boolean).join("・")));
      list.append(item);
    }
    $("introduce-dialog").returnValue = "";
    $("introduce-dialog").showModal();
    $("nearby-note").focus();
  }

  async function introduce() {
    const id = state.patientId;
    const ids = checkedResources();
    if (ids.length === 0 || ids.length > 20) return;
    const input = { resource_ids: ids };
    const note = $("nearby-note").value.trim();
    if (note) input.note = note;
    // The same introduction sent again (after a dropped connection) keeps its key.
    draftKey("introDraft", id, input);
    $("nearby-introduce").disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/nearby/introduce", {
        json: input, headers: { "idempotency-key": state.introDraft.key },
      });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const introduced = await resp.json();
      if (!current(id)) return;
      state.introDraft = null;
      const printUrl = introduced.print_url;
      const post = Object.assign({}, introduced);
      delete post.print_url;
      if (state.loaded.timeline) prependPost(post);
      $("nearby-note").value = "";
      const box = $("nearby-result");
      showLines("nearby-result", [ids.length + " 件の紹介をタイムラインに記録しました。"], true);
      const links = el("p", "actions");
      const toTimeline = el("a", "button secondary");
      toTimeline.href = "#/patients/" + enc(id) + "/timeline";
      bilingual(toTimeline, "タイムラインを見る", "Timeline");
      links.appendChild(toTimeline);
      // Only a link of our own portal's handout (a path on this origin) becomes a link.
      if (typeof printUrl === "string" && /^\/resources\/print\?/.test(printUrl)) {
        const print = el("a", "button secondary handout-link");
        print.href = printUrl;
        print.target = "_blank";
        print.rel = "noopener";
        bilingual(print, "この紹介の案内を印刷", "Print this handout");
        links.appendChild(print);
      }
      box.appendChild(links);
    } catch (e) {
      if (!current(id)) return;
      const lines = failure(e);
      if (lines) showLines("nearby-result", lines, false);
    } finally {
      $("nearby-introduce").disabled = false;
    }
  }

  // --- projects (地域ケア会議・研修・部会) ---------------------------------------------------

  function kindBadge(kind) {
    const k = PROJECT_KIND[kind] || { ja: kind, en: "" };
    return bilingual(el("span", "kind-badge kind-" + kind), k.ja, k.en);
  }

  async function showProjects() {
    showOnly("projects-view");
    document.title = "プロジェクト | RainbowNet";
    renderProjects();
    await loadProjects();
  }

  async function loadProjects() {
    setText("projects-status", "読み込んでいます…");
    try {
      const json = await getJson("/api/v1/care/projects");
      state.projects = json.items || [];
      countedHere("projects", state.projects);
      renderProjects();
      setText("projects-status", state.projects.length ? "" : "参加しているプロジェクトはありません。");
    } catch (e) {
      const lines = failure(e);
      if (lines) setText("projects-status", lines.join(" / "));
    }
  }

  function renderProjects() {
    const list = $("project-list");
    list.textContent = "";
    state.projects.forEach((p) => {
      const item = el("li");
      const link = el("a", "patient-link project-link");
      link.href = "#/projects/" + enc(p.id);
      link.dataset.id = p.id;
      const main = el("span", "patient-main");
      main.append(kindBadge(p.kind), el("span", "patient-name project-name", p.name));
      const meta = ["メンバー " + p.members + "人"];
      if (p.last_post_at) meta.push("最新の投稿 " + timeOf(p.last_post_at));
      main.appendChild(el("span", "patient-meta", meta.join("・")));
      const badge = el("span", "unread");
      badge.append("未読 ", el("span", "unread-count", String(p.unread || 0)), "件");
      badge.hidden = !p.unread;
      link.append(main, badge);
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  // The members chosen for a new project, each with a button to take them off again.
  function renderChosen() {
    const list = $("project-chosen");
    list.textContent = "";
    if (state.me) {
      const me = el("li", "chosen");
      me.append(el("span", "member-who", state.me.name + "（あなた・主催者）"));
      list.appendChild(me);
    }
    state.chosen.forEach((p) => {
      const item = el("li", "chosen");
      item.dataset.id = p.id;
      const who = el("span", "member-who");
      who.append(asWritten(el("strong", "member-name", p.name)), asWritten(el("span", "member-org", p.organization)));
      const remove = el("button", "secondary danger small");
      remove.type = "button";
      remove.dataset.unchoose = p.id;
      bilingual(remove, "外す", "Remove");
      remove.setAttribute("aria-label", p.name + " を外す");
      item.append(who, remove);
      list.appendChild(item);
    });
    if (pickers.project) pickers.project.render();
  }

  function resetProjectForm() {
    $("project-form").reset();
    state.chosen = new Map();
    clearFieldErrors($("project-form"));
    showLines("project-errors", []);
    $("project-chosen").textContent = "";
  }

  const PROJECT_FIELDS = { "#/kind": "project-kind", "#/name": "project-name", "#/description": "project-description", "#/members": "project-search" };

  async function createProject(event) {
    event.preventDefault();
    const form = $("project-form");
    clearFieldErrors(form);
    showLines("project-errors", []);
    const input = {
      kind: $("project-kind").value,
      name: $("project-name").value.trim(),
      description: $("project-description").value.trim(),
      members: Array.from(state.chosen.keys()),
    };
    const find = (pointer) => {
      const id = PROJECT_FIELDS[pointer];
      if (!id) return null;
      const line = pointer === "#/members" ? $("project-members-error") : $(id + "-error");
      return { line: line, input: $(id) };
    };
    if (!input.name) {
      placeErrors({ errors: [{ pointer: "#/name", detail_ja: "名称を入力してください。" }], lines: [] }, find, $("project-errors"));
      return;
    }
    $("project-create").disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/care/projects", { json: input });
      if (!resp.ok) throw await apiError(resp);
      const project = await resp.json();
      resetProjectForm();
      $("project-new").open = false;
      location.hash = "#/projects/" + enc(project.id);
    } catch (e) {
      if (e instanceof ApiError) placeErrors(e, find, $("project-errors"));
      else {
        const lines = failure(e);
        if (lines) showLines("project-errors", lines);
      }
    } finally {
      $("project-create").disabled = false;
    }
  }

  function resetProject(id) {
    state.projectId = id;
    state.project = null;
    state.projectPosts = [];
    state.projectCursor = null;
    state.projectDraft = null;
    $("project-post-form").reset();
    showLines("project-post-errors", []);
    ["project-title", "project-info", "project-status", "project-timeline-status", "project-post-status"].forEach((i) => setText(i, ""));
    ["project-kind-badge", "project-timeline", "project-members", "project-member-status"].forEach((i) => { $(i).textContent = ""; });
    $("project-more").hidden = true;
    if (pickers.projectMember) pickers.projectMember.reset();
  }

  function currentProject(id) {
    return state.projectId === id;
  }

  async function openProject(id) {
    showOnly("project-view");
    if (state.projectId !== id) resetProject(id);
    // Reading the posts marks the project read: both before the badges are counted again.
    await Promise.all([loadProject(id), loadProjectPosts(false)]);
  }

  async function loadProject(id) {
    setText("project-status", "読み込んでいます…");
    try {
      const project = await getJson("/api/v1/care/projects/" + enc(id));
      if (!currentProject(id)) return;
      state.project = project;
      renderProject();
      setText("project-status", "");
    } catch (e) {
      if (!currentProject(id)) return;
      const lines = failure(e);
      if (lines) setText("project-status", lines.join(" / "));
    }
  }

  function myProjectRole() {
    const me = state.project && state.me && state.project.members.find((m) => m.id === state.me.id);
    return me ? me.role : null;
  }

  function renderProject() {
    const p = state.project;
    document.title = p.name + " | RainbowNet";
    const badge = $("project-kind-badge");
    badge.textContent = "";
    badge.appendChild(kindBadge(p.kind));
    setText("project-title", p.name);
    setText("project-info", p.description);
    $("project-info").hidden = !p.description;
    bilingual($("project-members-title"), "メンバー（" + p.members.length + "人）", "Members");
    const list = $("project-members");
    list.textContent = "";
    const mine = myProjectRole();
    p.members.forEach((m) => {
      const item = el("li", "member");
      item.dataset.id = m.id;
      const who = el("div", "member-who");
      who.appendChild(el("strong", "member-name", m.name));
      const self = state.me && m.id === state.me.id;
      if (self) who.appendChild(el("span", "me-badge", "あなた"));
      const role = PROJECT_ROLE[m.role] || { ja: m.role, en: "" };
      who.appendChild(el("span", "member-role", role.ja + "・" + (PROFESSION[m.profession] || m.profession)));
      who.appendChild(asWritten(el("span", "member-org", m.organization)));
      item.appendChild(who);
      // The owner removes others; a member may leave. The owner stays.
      if ((self && m.role !== "owner") || (!self && mine === "owner")) {
        const remove = el("button", "secondary danger small");
        remove.type = "button";
        remove.dataset.remove = m.id;
        if (self) bilingual(remove, "プロジェクトを抜ける", "Leave");
        else bilingual(remove, "外す", "Remove");
        item.appendChild(remove);
      }
      list.appendChild(item);
    });
    if (pickers.projectMember) pickers.projectMember.render();
  }

  async function loadProjectPosts(more) {
    const id = state.projectId;
    const path = "/api/v1/care/projects/" + enc(id) + "/posts?limit=20" + (more && state.projectCursor ? "&cursor=" + enc(state.projectCursor) : "");
    setText("project-timeline-status", "読み込んでいます…");
    $("project-more").disabled = true;
    try {
      const page = await getJson(path);
      if (!currentProject(id)) return;
      const items = page.items || [];
      if (more) {
        state.projectPosts = withOlder(state.projectPosts, items);
      } else {
        state.projectPosts = items;
      }
      state.projectCursor = page.next_cursor || null;
      renderProjectPosts();
      setText("project-timeline-status", state.projectPosts.length ? "" : "まだ投稿はありません。");
      // Read now: this project no longer counts as unread.
      const summary = state.projects.find((p) => p.id === id);
      if (summary && summary.unread) { summary.unread = 0; countedHere("projects", state.projects); }
    } catch (e) {
      if (!currentProject(id)) return;
      const lines = failure(e);
      if (lines) setText("project-timeline-status", lines.join(" / "));
    } finally {
      $("project-more").disabled = false;
    }
  }

  function projectPostCard(post) {
    const card = el("article", "post project-post");
    card.dataset.id = post.id;
    const head = el("header", "post-head");
    const who = el("span", "post-author");
    who.append(asWritten(el("strong", null, post.author_name)), " ", asWritten(el("span", "org", post.author_organization)));
    const when = el("time", "post-time", timeOf(post.created_at));
    when.dateTime = post.created_at;
    head.append(who, when);
    card.append(head, asWritten(el("div", "post-body", post.body)));
    return card;
  }

  function renderProjectPosts() {
    const box = $("project-timeline");
    box.textContent = "";
    state.projectPosts.forEach((p) => box.appendChild(projectPostCard(p)));
    $("project-more").hidden = !state.projectCursor;
  }

  async function submitProjectPost(event) {
    event.preventDefault();
    const id = state.projectId;
    const body = $("project-post-body").value;
    if (!body.trim()) {
      showLines("project-post-errors", ["本文を入力してください。"]);
      $("project-post-body").focus();
      return;
    }
    showLines("project-post-errors", []);
    setText("project-post-status", "送信しています…");
    draftKey("projectDraft", id, body);
    $("project-post-submit").disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/care/projects/" + enc(id) + "/posts", {
        json: { body: body }, headers: { "idempotency-key": state.projectDraft.key },
      });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const post = await resp.json();
      if (!currentProject(id)) return;
      state.projectDraft = null;
      $("project-post-body").value = "";
      if (!state.projectPosts.some((p) => p.id === post.id)) {
        state.projectPosts.unshift(post);
        $("project-timeline").prepend(projectPostCard(post));
      }
      setText("project-timeline-status", "");
      setText("project-post-status", "投稿しました。");
    } catch (e) {
      if (!currentProject(id)) return;
      setText("project-post-status", "");
      const lines = failure(e);
      if (lines) showLines("project-post-errors", e instanceof TypeError
        ? ["送信できませんでした。もう一度「投稿する」を押してください（二重には投稿されません）。"]
        : lines);
    } finally {
      $("project-post-submit").disabled = false;
    }
  }

  async function addProjectMember(entry) {
    const id = state.projectId;
    try {
      const resp = await authorized("POST", "/api/v1/care/projects/" + enc(id) + "/members", { json: { professional_id: entry.id } });
      if (!resp.ok) throw await apiError(resp);
      const project = await resp.json();
      if (!currentProject(id)) return;
      state.project = project;
      renderProject();
      pickers.projectMember.reset();
      showLines("project-member-status", [entry.name + " さんを追加しました。"], true);
    } catch (e) {
      const lines = failure(e);
      if (lines && currentProject(id)) showLines("project-member-status", lines, false);
    }
  }

  async function onProjectMemberClick(event) {
    const button = event.target.closest("button[data-remove]");
    if (!button || !state.project) return;
    const id = state.projectId;
    const member = state.project.members.find((m) => m.id === button.dataset.remove);
    if (!member) return;
    const self = state.me && member.id === state.me.id;
    const question = self
      ? "「" + state.project.name + "」から抜けると、投稿を読めなくなります。よろしいですか？"
      : member.name + " さんをプロジェクトから外します。よろしいですか？";
    if (!window.confirm(question)) return;
    button.disabled = true;
    try {
      const resp = await authorized("DELETE", "/api/v1/care/projects/" + enc(id) + "/members/" + enc(member.id));
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      if (self) { resetProject(null); location.hash = "#/projects"; return; }
      showLines("project-member-status", [member.name + " さんを外しました。"], true);
      await loadProject(id);
    } catch (e) {
      const lines = failure(e);
      if (lines && currentProject(id)) showLines("project-member-status", lines, false);
    } finally {
      button.disabled = false;
    }
  }

  // --- direct messages -------------------------------------------------------------------

  async function showMessages() {
    showOnly("messages-view");
    document.title = "メッセージ | RainbowNet";
    renderConversations();
    await loadConversations();
  }

  async function loadConversations() {
    setText("messages-status", "読み込んでいます…");
    try {
      const json = await getJson("/api/v1/care/messages");
      state.conversations = json.items || [];
      countedHere("messages", state.conversations);
      renderConversations();
      setText("messages-status", state.conversations.length ? "" : "メッセージはまだありません。");
    } catch (e) {
      const lines = failure(e);
      if (lines) setText("messages-status", lines.join(" / "));
    }
  }

  function excerpt(text, n) {
    const flat = String(text || "").replace(/\s+/g, " ").trim();
    const chars = Array.from(flat);
    return chars.length > n ? chars.slice(0, n).join("") + "…" : flat;
  }

  function renderConversations() {
    const list = $("conversation-list");
    list.textContent = "";
    state.conversations.forEach((c) => {
      const item = el("li");
      const link = el("a", "patient-link conversation-link");
      link.href = "#/messages/" + enc(c.with.id);
      link.dataset.id = c.with.id;
      const main = el("span", "patient-main");
      main.append(el("span", "patient-name", c.with.name),
        el("span", "patient-meta", [PROFESSION[c.with.profession] || c.with.profession, c.with.organization].join("・")));
      const last = c.last_message;
      if (last) {
        const mine = state.me && last.sender_id === state.me.id;
        main.appendChild(el("span", "last-message", (mine ? "あなた：" : "") + excerpt(last.body, 40) + "（" + timeOf(last.created_at) + "）"));
      }
      const badge = el("span", "unread");
      badge.append("未読 ", el("span", "unread-count", String(c.unread || 0)), "件");
      badge.hidden = !c.unread;
      link.append(main, badge);
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  function resetThread(id) {
    state.threadWith = id;
    state.thread = [];
    state.threadCursor = null;
    state.messageDraft = null;
    $("message-form").reset();
    showLines("message-errors", []);
    ["thread-name", "thread-org", "thread-status"].forEach((i) => setText(i, ""));
    $("thread").textContent = "";
    $("thread-more").hidden = true;
  }

  async function openThread(id) {
    showOnly("thread-view");
    if (state.threadWith !== id) resetThread(id);
    await loadThread(false);
    if (state.threadWith === id && state.thread.length) $("message-form").scrollIntoView({ block: "end" });
  }

  // Opening the thread marks the messages to me read (the server does, as it answers).
  async function loadThread(more) {
    const id = state.threadWith;
    const path = "/api/v1/care/messages/" + enc(id) + "?limit=30" + (more && state.threadCursor ? "&cursor=" + enc(state.threadCursor) : "");
    setText("thread-status", "読み込んでいます…");
    $("thread-more").disabled = true;
    try {
      const page = await getJson(path);
      if (state.threadWith !== id) return;
      const w = page.with || {};
      document.title = (w.name || "") + " | メッセージ | RainbowNet";
      setText("thread-name", w.name);
      setText("thread-org", [PROFESSION[w.profession] || w.profession, w.organization].filter(Boolean).join("・"));
      const items = page.items || [];
      if (more) {
        state.thread = withOlder(state.thread, items);
        state.threadCursor = page.next_cursor || null;
      } else {
        // The newest page (read receipts may have changed); older pages already shown stay.
        const had = state.thread.length > 0;
        const byId = new Map(state.thread.map((m) => [m.id, m]));
        items.forEach((m) => byId.set(m.id, m));
        state.thread = Array.from(byId.values());
        if (!had) state.threadCursor = page.next_cursor || null;
      }
      renderThread();
      setText("thread-status", state.thread.length ? "" : "まだメッセージはありません。下の欄から送れます。");
      const summary = state.conversations.find((c) => c.with.id === id);
      if (summary && summary.unread) { summary.unread = 0; countedHere("messages", state.conversations); }
    } catch (e) {
      if (state.threadWith !== id) return;
      const lines = failure(e);
      if (lines) setText("thread-status", lines.join(" / "));
    } finally {
      $("thread-more").disabled = false;
    }
  }

  // Oldest at the top, newest at the bottom next to the send box.
  function renderThread() {
    const list = $("thread");
    list.textContent = "";
    state.thread.slice().sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0)).forEach((m) => {
      const mine = state.me && m.sender_id === state.me.id;
      const item = el("li", "message " + (mine ? "mine" : "theirs"));
      item.dataset.id = m.id;
      const head = el("p", "message-head");
      const when = el("time", "post-time", timeOf(m.created_at));
      when.dateTime = m.created_at;
      head.append(el("strong", "message-author", mine ? "あなた" : $("thread-name").textContent), " ", when);
      item.append(head, asWritten(el("p", "message-body", m.body)));
      if (mine) {
        const read = el("p", "message-read");
        if (m.read_at) bilingual(read, "既読", "read");
        else bilingual(read, "未読", "not read yet");
        item.appendChild(read);
      }
      list.appendChild(item);
    });
    $("thread-more").hidden = !state.threadCursor;
  }

  async function sendMessage(event) {
    event.preventDefault();
    const id = state.threadWith;
    const body = $("message-body").value;
    if (!body.trim()) {
      showLines("message-errors", ["メッセージを入力してください。"]);
      $("message-body").focus();
      return;
    }
    showLines("message-errors", []);
    draftKey("messageDraft", id, body);
    $("message-send").disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/care/messages/" + enc(id), {
        json: { body: body }, headers: { "idempotency-key": state.messageDraft.key },
      });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const message = await resp.json();
      if (state.threadWith !== id) return;
      state.messageDraft = null;
      $("message-body").value = "";
      if (!state.thread.some((m) => m.id === message.id)) state.thread.unshift(message);
      renderThread();
      setText("thread-status", "送信しました。");
    } catch (e) {
      if (state.threadWith !== id) return;
      const lines = failure(e);
      if (lines) showLines("message-errors", e instanceof TypeError
        ? ["送信できませんでした。もう一度「送信」を押してください（二重には送られません）。"]
        : lines);
    } finally {
      $("message-send").disabled = false;
    }
  }

  // --- accepting an invitation (#invite=…): password, then the authenticator's key -------

  function showInvite(token) {
    showOnly("invite-view");
    $("account").hidden = true;
    $("main-nav").hidden = true;
    document.title = "招待の受け入れ | RainbowNet";
    if (!state.invite || state.invite.token !== token) {
      state.invite = { token: token };
      $("invite-form").reset();
      clearFieldErrors($("invite-form"));
      showLines("invite-errors", []);
      $("invite-step-password").hidden = false;
      $("invite-step-totp").hidden = true;
    }
  }

  // ABCD EFGH …: four letters at a time, easier to type into an app.
  function groupedSecret(secret) {
    return String(secret).replace(/\s+/g, "").replace(/(.{4})(?=.)/g, "$1 ");
  }

  async function acceptInvite(event) {
    event.preventDefault();
    const form = $("invite-form");
    clearFieldErrors(form);
    showLines("invite-errors", []);
    const password = $("invite-password").value;
    const again = $("invite-password2").value;
    const find = (pointer) => {
      if (pointer === "#/password") return { line: $("invite-password-error"), input: $("invite-password") };
      if (pointer === "#/password2") return { line: $("invite-password2-error"), input: $("invite-password2") };
      return null; // #/token and anything else: in the box above the button
    };
    const mine = [];
    if (Array.from(password).length < 12) mine.push({ pointer: "#/password", detail_ja: "パスワードは12文字以上にしてください。" });
    if (password !== again) mine.push({ pointer: "#/password2", detail_ja: "確認のパスワードが一致しません。" });
    if (mine.length) { placeErrors({ errors: mine, lines: [] }, find, $("invite-errors")); return; }
    const token = state.invite && state.invite.token;
    $("invite-submit").disabled = true;
    try {
      const resp = await call("POST", "/api/v1/auth/invitations/accept", { json: { token: token, password: password } });
      if (!resp.ok) throw await apiError(resp);
      const enrolment = await resp.json();
      form.reset();
      state.invite = { token: null, email: enrolment.email };
      // The invitation is spent: its token leaves the address bar and the history.
      history.replaceState(null, "", location.pathname + location.search);
      setText("invite-email", enrolment.email);
      setText("invite-secret", groupedSecret(enrolment.totp_secret));
      setText("invite-uri", enrolment.otpauth_uri);
      $("invite-step-password").hidden = true;
      $("invite-step-totp").hidden = false;
      $("invite-step-totp").querySelector(".notice").focus();
    } catch (e) {
      $("invite-password").value = "";
      $("invite-password2").value = "";
      if (e instanceof ApiError) placeErrors(e, find, $("invite-errors"));
      else {
        const lines = failure(e);
        if (lines) showLines("invite-errors", lines);
      }
    } finally {
      $("invite-submit").disabled = false;
    }
  }

  function inviteDone() {
    const email = state.invite && state.invite.email;
    state.invite = null;
    setText("invite-secret", "");
    setText("invite-uri", "");
    setText("invite-email", "");
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    // A session of someone else in this tab ends: the new account signs in now.
    if (tokens()) { session.clear(); forgetAll(); }
    showSignin("設定したパスワードと、認証アプリの6桁のコードでログインしてください。");
    if (email) $("login-email").value = email;
    $(email ? "login-password" : "login-email").focus();
  }

  // --- wiring ----------------------------------------------------------------------------

  function start() {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("patients-reload").addEventListener("click", loadPatients);
    $("patient-filter").addEventListener("input", renderPatients);
    $("patient-sort").addEventListener("change", renderPatients);
    $("post-form").addEventListener("submit", submitPost);
    attachMentions($("post-body"));
    $("post-files").addEventListener("change", renderFileList);
    $("timeline-refresh").addEventListener("click", () => { if (state.patientId) loadTimeline(false); });
    $("timeline-more").addEventListener("click", () => loadTimeline(true));
    $("timeline").addEventListener("click", onTimelineClick);
    $("timeline").addEventListener("submit", onTimelineSubmit);
    $("team-list").addEventListener("click", onTeamClick);
    pickers.team = picker($("team-picker"), {
      action: ["チームに追加", "Add"], takenLabel: ["チーム内", "On the team"], onPick: addMember,
      taken: () => new Set(((state.patient && state.patient.team) || []).map((m) => m.id)),
    });
    $("doc-new").addEventListener("click", openDocumentPanel);
    $("post-new").addEventListener("click", () => togglePostForm());
    $("timeline-category").addEventListener("change", renderTimeline);
    $("timeline-filter").addEventListener("input", renderTimeline);
    $("doc-template").addEventListener("change", renderDocumentForm);
    $("doc-form-box").addEventListener("submit", (e) => { e.preventDefault(); submitDocument(e.target.closest("form")); });
    $("doc-form-box").addEventListener("click", (e) => { if (e.target.closest("button[data-cancel]")) closeDocumentPanel(); });
    $("projects-reload").addEventListener("click", loadProjects);
    $("project-form").addEventListener("submit", createProject);
    $("project-chosen").addEventListener("click", (e) => {
      const button = e.target.closest("button[data-unchoose]");
      if (!button) return;
      state.chosen.delete(button.dataset.unchoose);
      renderChosen();
    });
    $("project-new").addEventListener("toggle", renderChosen);
    pickers.project = picker($("project-picker"), {
      action: ["メンバーに加える", "Add"], takenLabel: ["選択済み", "Chosen"],
      onPick: async (entry) => { state.chosen.set(entry.id, entry); renderChosen(); },
      taken: () => new Set(state.chosen.keys()),
    });
    $("project-post-form").addEventListener("submit", submitProjectPost);
    $("project-refresh").addEventListener("click", () => { if (state.projectId) loadProjectPosts(false); });
    $("project-more").addEventListener("click", () => loadProjectPosts(true));
    $("project-members").addEventListener("click", onProjectMemberClick);
    pickers.projectMember = picker($("project-member-picker"), {
      action: ["追加", "Add"], takenLabel: ["メンバー", "Member"], onPick: addProjectMember,
      taken: () => new Set(((state.project && state.project.members) || []).map((m) => m.id)),
    });
    $("messages-reload").addEventListener("click", loadConversations);
    pickers.message = picker($("message-picker"), {
      action: ["メッセージを書く", "Write"], takenLabel: ["", ""],
      onPick: async (entry) => { pickers.message.reset(); $("message-new").open = false; location.hash = "#/messages/" + enc(entry.id); },
    });
    $("message-form").addEventListener("submit", sendMessage);
    $("thread-more").addEventListener("click", () => loadThread(true));
    $("thread-refresh").addEventListener("click", () => { if (state.threadWith) loadThread(false); });
    $("invite-form").addEventListener("submit", acceptInvite);
    $("invite-done").addEventListener("click", inviteDone);
    // News while the page is open: a cheap poll (304 when nothing changed), at once when the
    // page comes back or a push arrives.
    document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") pollUpdates(); });
    setInterval(pollUpdates, POLL_MS);
    $("timeline-news-show").addEventListener("click", () => { $("timeline-news").hidden = true; loadTimeline(false); });
    $("push-on").addEventListener("click", () => pushOn().catch(pushFailed));
    $("push-off").addEventListener("click", () => pushOff().catch(pushFailed));
    $("notify-form").addEventListener("submit", saveNotifySettings);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.addEventListener("message", (event) => {
        const data = event.data || {};
        if (data.type === "push") pollUpdates();
        // Only our own pages' links (the worker builds them from an id it checked).
        if (data.type === "open" && typeof data.url === "string" && data.url.startsWith("/app/care/#/")) {
          location.hash = data.url.slice("/app/care/".length);
        }
      });
    }
    $("vital-measured-at").addEventListener("input", () => { state.measuredSet = true; });
    $("vital-form").addEventListener("submit", recordVital);
    $("nearby-form").addEventListener("submit", searchNearby);
    $("nearby-list").addEventListener("change", updatePrintLink);
    $("nearby-introduce").addEventListener("click", previewIntroduction);
    $("introduce-dialog").addEventListener("close", () => {
      if ($("introduce-dialog").returnValue === "confirm") introduce();
    });
    window.addEventListener("hashchange", route);
    loadVocabulary().then(route);
  }

  start();
})();
