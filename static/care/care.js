// The professional's client of the care network (多職種連携): my patients, and for each
// patient the timeline (posts with attachments and read receipts), the profile, the care
// team, vitals with charts, and the resources near their home. The tokens stay in this
// tab's sessionStorage only. Every text from the server is put in the page as text, never
// as HTML; the CSP forbids inline code and styles, so all of it lives here and the charts
// are built with createElementNS. Attachments need the bearer token, so they are fetched
// here and shown through data: URLs (the CSP allows img-src 'self' data:).
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
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

  const CATEGORY = {
    contact: { ja: "連絡", en: "Contact" },
    report: { ja: "報告", en: "Report" },
    consultation: { ja: "相談", en: "Consultation" },
  };
  const CARE_LEVEL = {
    none: "非該当", support_1: "要支援1", support_2: "要支援2", care_1: "要介護1", care_2: "要介護2",
    care_3: "要介護3", care_4: "要介護4", care_5: "要介護5",
  };
  const SEX = { female: "女性", male: "男性", other: "その他", unknown: "不明" };
  const PROFESSION = {
    physician: "医師", nurse: "看護師", pharmacist: "薬剤師", dentist: "歯科医師",
    care_manager: "介護支援専門員（ケアマネジャー）", care_worker: "介護職員", therapist: "リハビリ専門職",
    social_worker: "社会福祉士・相談員", municipal_staff: "市町職員",
  };
  const CONSENT = { individual: "本人から個別に取得", care_certification_application: "要介護認定の申請時に取得" };
  // The server's kinds (functions/core/src/care/vitals.rs), with how they are shown.
  const VITALS = [
    { code: "blood_pressure", ja: "血圧", en: "Blood pressure", unit: "mmHg", digits: 0 },
    { code: "pulse", ja: "脈拍", en: "Pulse", unit: "回/分", digits: 0 },
    { code: "temperature", ja: "体温", en: "Temperature", unit: "℃", digits: 1 },
    { code: "spo2", ja: "SpO2", en: "SpO2", unit: "%", digits: 0 },
    { code: "weight", ja: "体重", en: "Weight", unit: "kg", digits: 1 },
    { code: "respiration", ja: "呼吸数", en: "Respiration", unit: "回/分", digits: 0 },
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
  };
  const images = new Map(); // "patient/attachment" → Promise of a data: URL

  // --- small helpers -------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function en(text) {
    const span = el("span", "en", text);
    span.lang = "en";
    return span;
  }

  // Japanese first, English after it in a smaller span (never HTML).
  function bilingual(node, ja, english) {
    node.textContent = ja + " ";
    node.appendChild(en(english));
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

  function showLines(id, lines, ok) {
    const box = $(id);
    box.textContent = "";
    if (!lines || lines.length === 0) { box.hidden = true; return; }
    box.hidden = false;
    box.className = ok ? "notice" : "errors";
    const list = el("ul");
    lines.forEach((line) => list.appendChild(el("li", null, line)));
    box.appendChild(list);
  }

  function setText(id, text) {
    $(id).textContent = text || "";
  }

  // --- tokens and requests ---------------------------------------------------------------

  function tokens() {
    try {
      const auth = JSON.parse(sessionStorage.getItem(KEY_AUTH));
      return auth && auth.access_token ? auth : null;
    } catch (e) {
      return null;
    }
  }

  function storeTokens(json) {
    sessionStorage.setItem(KEY_AUTH, JSON.stringify({ access_token: json.access_token, refresh_token: json.refresh_token }));
  }

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

  // Refresh tokens rotate and a spent one revokes its family, so two refreshes must never
  // race: everyone waiting shares one request.
  let refreshing = null;
  function refreshTokens() {
    if (!refreshing) refreshing = doRefresh().finally(() => { refreshing = null; });
    return refreshing;
  }

  async function doRefresh() {
    const auth = tokens();
    if (!auth || !auth.refresh_token) return false;
    const resp = await call("POST", "/api/v1/auth/refresh", { json: { refresh_token: auth.refresh_token } });
    if (resp.status >= 500 || resp.status === 429) throw new Error("サーバーが混雑しています。しばらくしてからもう一度お試しください。");
    if (!resp.ok) return false;
    storeTokens(await resp.json());
    return true;
  }

  // With the bearer token; on 401 one refresh and one retry, then the login form.
  async function withRetry(send) {
    const auth = tokens();
    if (!auth) { signedOut(); throw SIGNED_OUT; }
    let resp = await send(auth.access_token);
    if (resp.status !== 401) return resp;
    const now = tokens();
    const renewed = now && now.access_token !== auth.access_token ? true : await refreshTokens();
    if (!renewed) { signedOut(); throw SIGNED_OUT; }
    resp = await send(tokens().access_token);
    if (resp.status === 401) { signedOut(); throw SIGNED_OUT; }
    return resp;
  }

  function authorized(method, path, options) {
    return withRetry((token) => call(method, path, Object.assign({}, options || {}, { token: token })));
  }

  // An RFC 9457 problem as lines of text, Japanese when the server gave it: each field's
  // problem when there are some (the general detail only says "see errors"), else the detail.
  function problemFromText(status, text) {
    try {
      const p = JSON.parse(text);
      const fields = (p.errors || []).map((e) => e.detail_ja || e.detail).filter(Boolean);
      if (fields.length) return fields;
      return [p.detail_ja || p.detail || p.title_ja || p.title || "HTTP " + status];
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
    constructor(lines) {
      super(lines.join(" / "));
      this.lines = lines;
    }
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
    if (e instanceof TypeError) return ["サーバーに接続できません。通信状態を確認してください。 / Cannot reach the server."];
    return [e.message || String(e)];
  }

  // --- signing in and out ----------------------------------------------------------------

  function showOnly(id) {
    ["signin", "patients-view", "patient-view"].forEach((s) => { $(s).hidden = s !== id; });
  }

  function showSignin(message) {
    showOnly("signin");
    $("account").hidden = true;
    setText("login-status", message || "");
  }

  // Nothing of a patient stays in the page once the session is over.
  function forgetAll() {
    state.me = null;
    state.patients = [];
    resetPatient(null);
    images.clear();
    $("patient-list").textContent = "";
    setText("user-name", "");
    setText("user-org", "");
    setText("my-id", "");
  }

  function signedOut() {
    try { sessionStorage.removeItem(KEY_AUTH); } catch (e) { /* nothing stored */ }
    forgetAll();
    showSignin("ログインの有効期限が切れました。もう一度ログインしてください。 / Your session has ended; please sign in again.");
  }

  async function login(event) {
    event.preventDefault();
    const body = {
      email: $("login-email").value.trim(),
      password: $("login-password").value,
      totp: $("login-totp").value.replace(/\s/g, ""),
    };
    setText("login-status", "確認しています… / Signing in");
    let resp;
    try {
      resp = await call("POST", "/api/v1/auth/login", { json: body });
    } catch (e) {
      setText("login-status", "サーバーに接続できません。 / Cannot reach the server.");
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
    sessionStorage.removeItem(KEY_AUTH);
    forgetAll();
    showSignin("ログアウトしました。 / Signed out.");
  }

  async function loadMe() {
    state.me = await getJson("/api/v1/auth/me");
    setText("user-name", state.me.name);
    setText("user-org", state.me.organization ? state.me.organization.name : "");
    setText("my-id", state.me.id);
    $("account").hidden = false;
  }

  // --- routing: #/patients and #/patients/{id}[/{tab}] -----------------------------------

  function parseHash() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
    if (parts[0] === "patients" && parts[1]) {
      let id;
      try { id = decodeURIComponent(parts[1]); } catch (e) { id = parts[1]; }
      return { view: "patient", id: id, tab: TABS.indexOf(parts[2]) >= 0 ? parts[2] : "timeline" };
    }
    return { view: "patients" };
  }

  async function route() {
    if (!tokens()) { showSignin(); return; }
    try {
      if (!state.me) await loadMe();
    } catch (e) {
      const lines = failure(e);
      if (lines) showSignin(lines.join(" / "));
      return;
    }
    const where = parseHash();
    if (where.view === "patient") await openPatient(where.id, where.tab);
    else await showPatients();
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
    setText("patients-status", "読み込んでいます… / Loading");
    try {
      const json = await getJson("/api/v1/patients");
      state.patients = json.items || [];
      renderPatients();
      setText("patients-status", state.patients.length ? "" : "担当の利用者はいません。 / No patients yet.");
    } catch (e) {
      const lines = failure(e);
      if (lines) setText("patients-status", lines.join(" / "));
    }
  }

  function careLevelOf(code) {
    return code ? CARE_LEVEL[code] || code : "";
  }

  function renderPatients() {
    const list = $("patient-list");
    list.textContent = "";
    state.patients.forEach((p) => {
      const item = el("li");
      const link = el("a", "patient-link");
      link.href = "#/patients/" + enc(p.id);
      link.dataset.id = p.id;
      const main = el("span", "patient-main");
      main.append(el("span", "patient-name", p.name), el("span", "kana", p.name_kana));
      const meta = [];
      const age = ageOf(p.birth_date);
      if (age !== null) meta.push(age + "歳");
      if (p.care_level) meta.push(careLevelOf(p.care_level));
      main.appendChild(el("span", "patient-meta", meta.join("・")));
      const badge = el("span", "unread");
      badge.append("未読 ", el("span", "unread-count", String(p.unread || 0)), "件 ", en("unread"));
      badge.hidden = !p.unread;
      link.append(main, badge);
      item.appendChild(link);
      list.appendChild(item);
    });
  }

  // --- one patient -----------------------------------------------------------------------

  function resetPatient(id) {
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
    // A message being written belongs to the patient it was started for.
    $("post-form").reset();
    $("post-file-list").textContent = "";
    showLines("post-errors", []);
    ["post-status", "timeline-status", "patient-status", "vital-status", "nearby-status", "patient-name", "patient-kana", "patient-summary"].forEach((i) => setText(i, ""));
    ["timeline", "patient-facts", "team-list", "nearby-list", "vitals-latest", "team-status", "nearby-result"].forEach((i) => { $(i).textContent = ""; });
    showLines("vital-errors", []);
    clearChart();
    $("timeline-more").hidden = true;
    $("nearby-note").value = "";
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
    setText("patient-status", "読み込んでいます… / Loading");
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

  function renderTeam() {
    const list = $("team-list");
    list.textContent = "";
    (state.patient.team || []).forEach((m) => {
      const item = el("li", "member");
      item.dataset.id = m.id;
      const who = el("div", "member-who");
      const name = el("strong", "member-name", m.name);
      who.appendChild(name);
      if (state.me && m.id === state.me.id) who.appendChild(el("span", "me-badge", "あなた"));
      who.appendChild(el("span", "member-role", PROFESSION[m.profession] || m.profession));
      who.appendChild(el("span", "member-org", m.organization));
      const remove = el("button", "secondary danger small");
      remove.type = "button";
      remove.dataset.remove = m.id;
      if (state.me && m.id === state.me.id) bilingual(remove, "チームを抜ける", "Leave");
      else bilingual(remove, "外す", "Remove");
      item.append(who, remove);
      list.appendChild(item);
    });
  }

  async function onTeamClick(event) {
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
      showLines("team-status", [member.name + " さんをチームから外しました。 / Removed."], true);
      await loadPatient(id);
    } catch (e) {
      const lines = failure(e);
      if (lines && current(id)) showLines("team-status", lines, false);
    } finally {
      button.disabled = false;
    }
  }

  async function addMember(event) {
    event.preventDefault();
    const id = state.patientId;
    const professional = $("team-professional").value.trim();
    if (!professional) { showLines("team-status", ["職員IDを入力してください。 / Enter a staff ID."], false); return; }
    $("team-add").disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/team", { json: { professional_id: professional } });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const patient = await resp.json();
      if (!current(id)) return;
      state.patient = patient;
      renderPatient();
      $("team-professional").value = "";
      const added = (patient.team || []).find((m) => m.id === professional);
      showLines("team-status", [(added ? added.name + " さん" : "メンバー") + "をチームに追加しました。 / Added."], true);
    } catch (e) {
      const lines = failure(e);
      if (lines && current(id)) showLines("team-status", lines, false);
    } finally {
      $("team-add").disabled = false;
    }
  }

  // --- the timeline ----------------------------------------------------------------------

  async function loadTimeline(more) {
    const id = state.patientId;
    const path = "/api/v1/patients/" + enc(id) + "/posts?limit=20" + (more && state.nextCursor ? "&cursor=" + enc(state.nextCursor) : "");
    setText("timeline-status", "読み込んでいます… / Loading");
    $("timeline-more").disabled = true;
    try {
      const page = await getJson(path);
      if (!current(id)) return;
      const items = page.items || [];
      items.forEach((p) => { if (isUnread(p)) state.seenUnread.add(p.id); });
      if (more) {
        const known = new Set(state.posts.map((p) => p.id));
        state.posts = state.posts.concat(items.filter((p) => !known.has(p.id)));
      } else {
        state.posts = items;
      }
      state.nextCursor = page.next_cursor || null;
      renderTimeline();
      setText("timeline-status", state.posts.length ? "" : "まだ投稿はありません。 / No posts yet.");
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
    if (summary && marked) summary.unread = Math.max(0, (summary.unread || 0) - marked);
  }

  function renderTimeline() {
    const box = $("timeline");
    box.textContent = "";
    state.posts.forEach((post) => box.appendChild(postCard(post)));
    $("timeline-more").hidden = !state.nextCursor;
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
    who.append(el("strong", null, post.author_name), " ", el("span", "org", post.author_organization));
    const when = el("time", "post-time", timeOf(post.created_at));
    when.dateTime = post.created_at;
    head.append(who, when);
    card.appendChild(head);

    const body = el("div", "post-body");
    bodyText(body, post.body);
    card.appendChild(body);

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
    if (readers.length === 0) list.appendChild(el("li", "muted", "まだ誰も読んでいません。 / No one yet."));
    readers.forEach((r) => {
      const item = el("li", "reader");
      item.append(el("span", "reader-name", r.name), " ", el("span", "muted", timeOf(r.read_at)));
      list.appendChild(item);
    });
    receipts.appendChild(list);
    foot.appendChild(receipts);
    if (state.me && post.author_id === state.me.id) {
      const edit = el("button", "secondary small edit-post");
      edit.type = "button";
      bilingual(edit, "編集", "Edit");
      foot.appendChild(edit);
    }
    card.appendChild(foot);
    return card;
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
        button.title = "拡大 / Enlarge";
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
    if (!body.trim()) { show(["本文を入力してください。 / Please write a message."]); return; }
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
    const thumb = event.target.closest("button.thumb-button");
    if (thumb) { thumb.classList.toggle("expanded"); return; }
    const file = event.target.closest("button.attachment-download");
    if (file) download(file);
  }

  function onTimelineSubmit(event) {
    const form = event.target.closest("form.edit-form");
    if (!form) return;
    event.preventDefault();
    saveEdit(form);
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
    if (!typeOf(file)) lines.push(file.name + "：写真（PNG・JPEG・WebP）か PDF を選んでください。 / Images or PDF only.");
    if (file.size > MAX_FILE_BYTES) lines.push(file.name + "：5MB を超えています（" + sizeOf(file.size) + "）。 / Larger than 5 MB.");
    if (file.size === 0) lines.push(file.name + "：空のファイルです。 / The file is empty.");
    return lines;
  }

  function renderFileList() {
    const list = $("post-file-list");
    list.textContent = "";
    state.uploads = new Map();
    const files = Array.from($("post-files").files || []);
    const problems = files.length > MAX_FILES ? ["添付できるのは1回に" + MAX_FILES + "件までです。 / Up to " + MAX_FILES + " files per post."] : [];
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
      if (bad.length) { status.textContent = "送信できません / not allowed"; item.classList.add("bad"); }
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
    if (!body.trim()) problems.push("本文を入力してください。 / Please write a message.");
    if (files.length > MAX_FILES) problems.push("添付できるのは1回に" + MAX_FILES + "件までです。 / Up to " + MAX_FILES + " files per post.");
    files.forEach((f) => problems.push(...fileProblems(f)));
    showLines("post-errors", problems);
    if (problems.length) { (body.trim() ? $("post-files") : $("post-body")).focus(); return; }

    state.posting = true;
    $("post-submit").disabled = true;
    setText("post-status", files.length ? "添付ファイルを送信しています… / Uploading" : "送信しています… / Sending");
    try {
      const ids = [];
      for (let i = 0; i < files.length; i++) ids.push(await upload(patient, files[i], i));
      const input = { category: category, body: body };
      if (ids.length) input.attachments = ids;
      // A resend of the same post (after a dropped connection) keeps its key, so it is
      // never posted twice; anything changed makes a new post with a new key.
      const signature = JSON.stringify([patient, input]);
      if (!state.draft || state.draft.signature !== signature) state.draft = { signature: signature, key: newKey() };
      setText("post-status", "送信しています… / Sending");
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
      setText("post-status", "投稿しました。 / Posted.");
    } catch (e) {
      if (!current(patient)) return;
      const lines = failure(e);
      if (lines) {
        showLines("post-errors", e instanceof TypeError
          ? ["送信できませんでした。通信状態を確認して、もう一度「投稿する」を押してください（二重には投稿されません）。 / Not sent; press Post again."]
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

  function fillVitalKinds() {
    const select = $("vital-kind");
    VITALS.forEach((k) => {
      const option = el("option", null, k.ja + "（" + k.unit + "） " + k.en);
      option.value = k.code;
      select.appendChild(option);
    });
    onVitalKind();
  }

  function onVitalKind() {
    const bp = $("vital-kind").value === "blood_pressure";
    $("vital-value2-box").hidden = !bp;
    const k = vitalKind($("vital-kind").value);
    bilingual($("vital-value-label"), bp ? "収縮期（上）" : "値（" + k.unit + "）", bp ? "Systolic" : "Value");
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
    setText("vital-status", "読み込んでいます… / Loading");
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
    kinds.forEach((c, i) => chart.appendChild(vitalPanel(vitalKind(c), byKind.get(c), i * panelHeight, panelHeight)));
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

  // One small line chart: the y axis from the lowest to the highest reading (labelled),
  // the x axis from the first to the last measurement (dated); blood pressure as two lines.
  function vitalPanel(k, series, top, height) {
    const left = 46, right = 350, plotTop = top + 34, plotBottom = top + height - 30;
    const g = svg("g", { class: "vital-panel", "data-kind": k.code });
    const bp = k.code === "blood_pressure";
    g.appendChild(svg("text", { x: 4, y: top + 20, class: "panel-title" }, k.ja + "（" + k.unit + "） " + k.en));
    if (bp) g.appendChild(svg("text", { x: 356, y: top + 20, class: "panel-legend", "text-anchor": "end" }, "実線 上 ／ 点線 下"));

    const values = [];
    series.forEach((v) => {
      values.push(v.value);
      if (bp && typeof v.value2 === "number") values.push(v.value2);
    });
    const lo = Math.min.apply(null, values);
    const hi = Math.max.apply(null, values);
    const pad = hi > lo ? (hi - lo) * 0.12 : Math.max(1, Math.abs(hi) * 0.05);
    const y0 = lo - pad, y1 = hi + pad;
    const y = (v) => plotBottom - (v - y0) / (y1 - y0) * (plotBottom - plotTop);
    const times = series.map((v) => Date.parse(v.measured_at));
    const t0 = Math.min.apply(null, times), t1 = Math.max.apply(null, times);
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
    const kind = $("vital-kind").value;
    const bp = kind === "blood_pressure";
    const value = numberOf($("vital-value").value);
    const value2 = bp ? numberOf($("vital-value2").value) : null;
    const problems = [];
    if (isNaN(value)) problems.push((bp ? "収縮期" : "値") + "を数字で入力してください。 / Enter a number.");
    if (bp && isNaN(value2)) problems.push("拡張期を数字で入力してください。 / Enter the diastolic pressure.");
    const input = { kind: kind, value: value };
    if (bp) input.value2 = value2;
    const at = $("vital-measured-at").value;
    if (at && state.measuredSet) {
      // Japan time, sent as UTC like the server's own timestamps, so readings sort by time.
      const ms = Date.parse(at + (at.length === 16 ? ":00" : "") + "+09:00");
      if (isNaN(ms)) problems.push("測定日時を正しく入力してください。 / Check the time.");
      else input.measured_at = new Date(ms).toISOString();
    }
    showLines("vital-errors", problems);
    if (problems.length) return;
    $("vital-submit").disabled = true;
    setText("vital-status", "記録しています… / Saving");
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/vitals", {
        json: input, headers: { "idempotency-key": newKey() },
      });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const vital = await resp.json();
      if (!current(id)) return;
      state.vitals.push(vital);
      renderVitals();
      $("vital-value").value = "";
      $("vital-value2").value = "";
      resetMeasuredAt();
      setText("vital-status", vitalKind(vital.kind).ja + " " + reading(vital) + " を記録しました。 / Saved.");
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
    setText("nearby-status", "探しています… / Searching");
    $("nearby-search").disabled = true;
    try {
      const json = await getJson("/api/v1/patients/" + enc(id) + "/nearby?radius_m=" + enc(radius) + (category ? "&category=" + enc(category) : ""));
      if (!current(id)) return;
      state.nearby = json.items || [];
      state.nearbyPrintUrl = json.print_url || null;
      renderNearby();
      setText("nearby-status", state.nearby.length
        ? "自宅から近い順に " + state.nearby.length + " 件 / " + state.nearby.length + " nearest first"
        : "この範囲には見つかりませんでした。範囲を広げてください。 / Nothing in this radius.");
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
      const title = el("span", "resource-name", r.name);
      text.append(title, " ", el("span", "distance", distanceOf(r.distance_m)));
      text.appendChild(el("span", "resource-meta", [r.category_name, r.address].filter(Boolean).join("・")));
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

  async function introduce() {
    const id = state.patientId;
    const ids = checkedResources();
    if (ids.length === 0 || ids.length > 20) {
      showLines("nearby-result", ["紹介する資源を1〜20件選んでください。 / Tick 1 to 20 resources."], false);
      return;
    }
    const input = { resource_ids: ids };
    const note = $("nearby-note").value.trim();
    if (note) input.note = note;
    $("nearby-introduce").disabled = true;
    try {
      const resp = await authorized("POST", "/api/v1/patients/" + enc(id) + "/nearby/introduce", { json: input });
      if (!resp.ok) throw new ApiError(await problemLines(resp));
      const post = await resp.json();
      if (!current(id)) return;
      if (state.loaded.timeline) prependPost(post);
      $("nearby-note").value = "";
      const box = $("nearby-result");
      showLines("nearby-result", [ids.length + " 件の紹介をタイムラインに記録しました。 / Recorded on the timeline."], true);
      const links = el("p", "actions");
      const toTimeline = el("a", "button secondary");
      toTimeline.href = "#/patients/" + enc(id) + "/timeline";
      bilingual(toTimeline, "タイムラインを見る", "Timeline");
      links.appendChild(toTimeline);
      const match = PRINT_LINK.exec(post.body || "");
      if (match) {
        const print = el("a", "button secondary handout-link");
        print.href = match[1];
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

  // --- wiring ----------------------------------------------------------------------------

  function start() {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", logout);
    $("patients-reload").addEventListener("click", loadPatients);
    $("post-form").addEventListener("submit", submitPost);
    $("post-files").addEventListener("change", renderFileList);
    $("timeline-refresh").addEventListener("click", () => { if (state.patientId) loadTimeline(false); });
    $("timeline-more").addEventListener("click", () => loadTimeline(true));
    $("timeline").addEventListener("click", onTimelineClick);
    $("timeline").addEventListener("submit", onTimelineSubmit);
    $("team-list").addEventListener("click", onTeamClick);
    $("team-form").addEventListener("submit", addMember);
    $("vital-kind").addEventListener("change", onVitalKind);
    $("vital-measured-at").addEventListener("input", () => { state.measuredSet = true; });
    $("vital-form").addEventListener("submit", recordVital);
    $("nearby-form").addEventListener("submit", searchNearby);
    $("nearby-list").addEventListener("change", updatePrintLink);
    $("nearby-introduce").addEventListener("click", introduce);
    window.addEventListener("hashchange", route);
    fillVitalKinds();
    route();
  }

  start();
})();
