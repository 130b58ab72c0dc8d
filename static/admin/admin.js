// Administration of the resource map through the public API, and for a signed-in account
// the invitation of staff (organization admins) and the usage figures (municipal staff,
// sysadmins). The token stays in this tab's sessionStorage only. Every message is put in the
// page as text, never as HTML.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  // "日本語 / English" texts: the Japanese alone unless English hints are on (static/lang.js).
  var say = window.RainbowNetLang ? window.RainbowNetLang.say : function (text) { return text; };
  var token = function () { return sessionStorage.getItem("rainbownet-admin-token") || ""; };
  var townNames = {}; // municipality code → name, for the usage figures

  function show(target, lines, ok) {
    var box = $(target);
    box.textContent = "";
    box.className = ok ? "notice" : "errors";
    var list = document.createElement("ul");
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = say(line);
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function problemLines(problem) {
    var fields = (problem.errors || []).map(function (e) { return e.detail_ja || e.detail; });
    if (fields.length) return fields;
    return [problem.detail_ja || problem.title_ja || problem.detail || problem.title];
  }

  function api(method, path, body, contentType) {
    return fetch(path, {
      method: method,
      headers: { "authorization": "Bearer " + token(), "content-type": contentType || "application/json" },
      body: body,
    }).then(function (resp) {
      return resp.json().then(function (json) { return { ok: resp.ok, status: resp.status, json: json }; });
    });
  }

  function fillSelect(id, items, value, label) {
    var select = $(id);
    select.textContent = "";
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = value(item);
      option.textContent = label(item);
      select.appendChild(option);
    });
  }

  fetch("/api/v1/public/municipalities").then(function (r) { return r.json(); }).then(function (data) {
    ["import-municipality", "r-municipality_code", "n-municipality_code", "patients-municipality"].forEach(function (id) {
      fillSelect(id, data.items, function (m) { return m.code; }, function (m) { return m.name + "（" + m.code + "）"; });
    });
    var usage = $("usage-municipality");
    data.items.forEach(function (m) {
      townNames[m.code] = m.name;
      var option = document.createElement("option");
      option.value = m.code;
      option.textContent = m.name + "（" + m.code + "）";
      usage.appendChild(option);
    });
  });
  fetch("/api/v1/public/categories").then(function (r) { return r.json(); }).then(function (data) {
    fillSelect("r-category", data.items.filter(function (c) { return c.parent; }),
      function (c) { return c.code; }, function (c) { return c.name_ja; });
    data.items.forEach(function (c) { categoryNames[c.code] = c.name_ja; });
    fillSelect("w-categories", data.items, function (c) { return c.code; },
      function (c) { return (c.parent ? "　" : "") + c.name_ja; });
  });

  $("token-status").textContent = token() ? "トークンを設定済みです。" : "";
  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: $("login-email").value, password: $("login-password").value, totp: $("login-totp").value }),
    })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (res) {
        $("login-password").value = "";
        $("login-totp").value = "";
        if (!res.ok) { $("token-status").textContent = res.json.title + "：" + res.json.detail; return; }
        // The access token lives 10 minutes; log in again after that.
        sessionStorage.setItem("rainbownet-admin-token", res.json.access_token);
        $("token-status").textContent = "ログインしました（10分間有効）。";
        loadAccount();
      });
  });
  $("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem("rainbownet-admin-token", $("token").value);
    $("token").value = "";
    $("token-status").textContent = "トークンを設定しました。";
    loadAccount();
  });

  // Upload with a progress bar: XMLHttpRequest reports upload progress, fetch does not.
  $("import-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("import-file").files[0];
    if (!file) return;
    var progress = $("import-progress");
    progress.hidden = false;
    progress.value = 0;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/public/imports?municipality=" + encodeURIComponent($("import-municipality").value));
    xhr.setRequestHeader("authorization", "Bearer " + token());
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) progress.value = Math.round(100 * e.loaded / e.total); };
    xhr.onload = function () {
      progress.value = 100;
      var report;
      try { report = JSON.parse(xhr.responseText); } catch (e) { show("import-result", ["応答を読めませんでした。"], false); return; }
      if (xhr.status !== 200) { show("import-result", problemLines(report), false); return; }
      var lines = [report.dataset_label + "：新規 " + report.imported + " 件、更新 " + report.updated +
        " 件、変更なし " + report.unchanged + " 件、取り込めなかった行 " + report.rejected + " 件"];
      if (report.detected_by && report.detected_by.length) {
        lines.push("判定に使った列：" + report.detected_by.join("・"));
      }
      report.errors.forEach(function (e) { lines.push(e.line + " 行目：" + e.reason_ja); });
      (report.warnings || []).forEach(function (w) { lines.push(w.line + " 行目（取り込み済み）：" + w.reason_ja); });
      show("import-result", lines, report.rejected === 0);
    };
    xhr.onerror = function () { show("import-result", ["送信できませんでした。通信状態を確認してください。"], false); };
    xhr.send(file);
  });

  // Bulk patient registration from the care-certification export (municipal staff).
  $("patients-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("patients-file").files[0];
    if (!file) return;
    show("patients-result", ["取り込み中… / Importing…"], true);
    api("POST", "/api/v1/patients/imports?municipality=" + encodeURIComponent($("patients-municipality").value), file, "text/csv")
      .then(function (res) {
        if (!res.ok) { show("patients-result", problemLines(res.json), false); return; }
        var r = res.json;
        var lines = [
          "登録 " + r.registered + "件・変更なし " + r.unchanged + "件・同意なし " + r.without_consent + "件・エラー " + r.rejected + "件",
        ];
        (r.errors || []).forEach(function (e) { lines.push(e.line + "行目：" + (e.reason_ja || e.reason)); });
        show("patients-result", lines, r.rejected === 0);
      })
      .catch(function () { show("patients-result", ["送信できませんでした。通信状態を確認してください。"], false); });
  });

  var fields = ["name", "name_kana", "municipality_code", "category", "address", "lat", "lng", "phone",
    "website", "target", "fee", "description", "status"];
  var flags = ["wheelchair", "accessible_toilet", "parking", "shelter"];
  // What the server computes or keeps about a resource; the rest of a loaded resource is
  // sent back as it was, so that saving the form never drops a field it does not show.
  var derived = ["id", "url", "category_name", "category_name_en", "schema_type", "schedule_text",
    "source", "created_at", "updated_at", "municipality_name", "district", "matched", "distance_m"];
  var loaded = {};
  var categoryNames = {};

  fetch("/api/v1/public/vocabulary").then(function (r) { return r.json(); }).then(function (v) {
    var box = $("r-hazards");
    (v.hazards || []).forEach(function (h) {
      var label = document.createElement("label");
      label.className = "check";
      var input = document.createElement("input");
      input.type = "checkbox";
      input.name = "hazards";
      input.value = h.code;
      var text = document.createElement("span");
      text.className = "check-text";
      text.textContent = h.ja;
      label.appendChild(input);
      label.appendChild(text);
      box.appendChild(label);
    });
  });

  function fillResourceForm(r) {
    fields.forEach(function (f) { var v = r[f]; $("r-" + f).value = v === null || v === undefined ? "" : v; });
    flags.forEach(function (f) { $("r-" + f).value = r[f] === true ? "true" : r[f] === false ? "false" : ""; });
    $("r-capacity").value = r.capacity === null || r.capacity === undefined ? "" : r.capacity;
    Array.prototype.forEach.call(document.querySelectorAll("#r-hazards input"), function (box) {
      box.checked = (r.hazards || []).indexOf(box.value) >= 0;
    });
    scheduleRows(r.schedule || []);
  }

  $("resource-load").addEventListener("submit", function (event) {
    event.preventDefault();
    var id = $("resource-id").value.trim();
    if (!id) { loaded = {}; $("resource-form").reset(); scheduleRows([]); return; }
    fetch("/api/v1/public/resources/" + encodeURIComponent(id), { headers: { authorization: "Bearer " + token() } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (res) {
        if (!res.ok) { show("resource-result", problemLines(res.json), false); return; }
        loaded = {};
        Object.keys(res.json).forEach(function (k) { if (derived.indexOf(k) < 0) loaded[k] = res.json[k]; });
        fillResourceForm(res.json);
        show("resource-result", ["読み込みました：" + res.json.name], true);
      });
  });

  $("resource-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var id = $("resource-id").value.trim();
    var body = {};
    if (id) Object.keys(loaded).forEach(function (k) { body[k] = loaded[k]; });
    // An emptied field is cleared (null), not left as it was.
    fields.forEach(function (f) { var v = $("r-" + f).value.trim(); body[f] = v === "" ? null : v; });
    ["lat", "lng"].forEach(function (f) { if (body[f] !== null) body[f] = Number(body[f]); });
    flags.forEach(function (f) { var v = $("r-" + f).value; body[f] = v === "" ? null : v === "true"; });
    var capacity = $("r-capacity").value.trim();
    body.capacity = capacity === "" ? null : Number(capacity);
    body.hazards = Array.prototype.map.call(document.querySelectorAll("#r-hazards input:checked"), function (b) { return b.value; });
    if (body.status === null) delete body.status;
    body.schedule = scheduleValue();
    api(id ? "PUT" : "POST", "/api/v1/public/resources" + (id ? "/" + encodeURIComponent(id) : ""), JSON.stringify(body))
      .then(function (res) {
        if (!res.ok) { show("resource-result", problemLines(res.json), false); return; }
        $("resource-id").value = res.json.id;
        loaded = {};
        Object.keys(res.json).forEach(function (k) { if (derived.indexOf(k) < 0) loaded[k] = res.json[k]; });
        show("resource-result", ["保存しました：" + res.json.name], true);
      });
  });

  // A row of an administrator's table: its cells as text, then its action buttons.
  function tableRow(texts, actions) {
    var row = document.createElement("tr");
    texts.forEach(function (text) { var cell = document.createElement("td"); cell.textContent = text; row.appendChild(cell); });
    var cell = document.createElement("td");
    actions.forEach(function (a) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = a.text;
      button.setAttribute("aria-label", a.label);
      button.addEventListener("click", a.onClick);
      cell.appendChild(button);
    });
    row.appendChild(cell);
    return row;
  }

  // The network's municipalities (sysadmins): list and edit.
  var townFields = ["name", "name_kana", "name_en", "prefecture", "lat", "lng"];
  // Administrators see their own edits at once: revalidate instead of the public cache.
  function loadTowns() {
    fetch("/api/v1/public/municipalities", { cache: "no-cache" }).then(function (r) { return r.json(); }).then(function (data) {
      var body = document.querySelector("#town-table tbody");
      body.textContent = "";
      data.items.forEach(function (t) {
        body.appendChild(tableRow([t.code, t.name, t.name_kana, t.prefecture || "", t.lat + ", " + t.lng], [{
          text: "編集", label: t.name + "を編集",
          onClick: function () {
            $("t-code").value = t.code;
            townFields.forEach(function (f) { $("t-" + f).value = t[f] === undefined || t[f] === null ? "" : t[f]; });
            $("t-name").focus();
          },
        }]));
      });
    });
  }

  $("town-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {};
    townFields.forEach(function (f) { body[f] = $("t-" + f).value.trim(); });
    body.lat = Number(body.lat);
    body.lng = Number(body.lng);
    var code = $("t-code").value.trim();
    api("PUT", "/api/v1/public/municipalities/" + encodeURIComponent(code), JSON.stringify(body)).then(function (res) {
      if (!res.ok) { show("town-result", problemLines(res.json), false); return; }
      show("town-result", [(res.status === 201 ? "登録しました：" : "更新しました：") + res.json.name + "（" + res.json.code + "）"], true);
      loadTowns();
    });
  });

  // The search dictionary (sysadmins): list, set, remove.
  function loadWords() {
    fetch("/api/v1/public/search-words", { cache: "no-cache" }).then(function (r) { return r.json(); }).then(function (data) {
      var body = document.querySelector("#word-table tbody");
      body.textContent = "";
      data.items.forEach(function (w) {
        var categories = w.categories.map(function (c) { return categoryNames[c] || c; }).join("、");
        body.appendChild(tableRow([w.word, categories, w.alternatives.join(" ")], [{
          text: "編集", label: "「" + w.word + "」を編集",
          onClick: function () {
            $("w-word").value = w.word;
            $("w-alternatives").value = w.alternatives.join(" ");
            Array.prototype.forEach.call($("w-categories").options, function (o) { o.selected = w.categories.indexOf(o.value) >= 0; });
            $("w-word").focus();
          },
        }, {
          text: "削除", label: "「" + w.word + "」を削除",
          onClick: function () {
            if (!window.confirm("「" + w.word + "」を検索のことばから削除しますか？")) return;
            fetch("/api/v1/public/search-words/" + encodeURIComponent(w.word), { method: "DELETE", headers: { authorization: "Bearer " + token() } })
              .then(function (r) {
                if (r.ok) { show("word-result", ["削除しました：" + w.word], true); loadWords(); return; }
                return r.json().then(function (j) { show("word-result", problemLines(j), false); });
              });
          },
        }]));
      });
    });
  }

  $("word-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var word = $("w-word").value.trim();
    var body = {
      categories: Array.prototype.filter.call($("w-categories").options, function (o) { return o.selected; }).map(function (o) { return o.value; }),
      alternatives: $("w-alternatives").value.split(/[\s　]+/).filter(function (w) { return w; }),
    };
    api("PUT", "/api/v1/public/search-words/" + encodeURIComponent(word), JSON.stringify(body)).then(function (res) {
      if (!res.ok) { show("word-result", problemLines(res.json), false); return; }
      show("word-result", ["保存しました：" + res.json.word], true);
      loadWords();
    });
  });

  $("notice-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {};
    ["municipality_code", "kind", "title", "event_date", "body"].forEach(function (f) {
      var v = $("n-" + f).value.trim(); if (v !== "") body[f] = v;
    });
    body.body = body.body || "";
    api("POST", "/api/v1/public/notices", JSON.stringify(body)).then(function (res) {
      show("notice-result", res.ok ? ["掲載しました。"] : problemLines(res.json), res.ok);
    });
  });

  // --- the signed-in account: what this page offers it ---------------------------------
  //
  // Inviting staff needs an organization admin (or sysadmin); the usage figures need
  // municipal staff (their own town) or a sysadmin (the region or any town). The bootstrap
  // token is no account: both sections stay hidden for it.

  var PROFESSION = {
    physician: "医師", nurse: "看護師", pharmacist: "薬剤師", dentist: "歯科医師",
    care_manager: "介護支援専門員", care_worker: "介護職員", therapist: "リハビリ専門職",
    social_worker: "社会福祉士・相談員", municipal_staff: "市町職員",
  };
  var ROLE = {
    professional: "専門職", org_admin: "事業所の管理者", municipal_staff: "市町の職員",
    disaster_hq: "災害対策本部", sysadmin: "システム管理者",
  };
  var me = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- the schedule picker: rows of 毎週 (weekdays) or 毎月 (第N/最終 weekday), with times ---
  // It writes the resource's `schedule` rules (functions/core/src/resources/schedule.rs).
  var DAYS = [["mon", "月"], ["tue", "火"], ["wed", "水"], ["thu", "木"], ["fri", "金"], ["sat", "土"], ["sun", "日"]];
  var WEEKS = [["1", "第1"], ["2", "第2"], ["3", "第3"], ["4", "第4"], ["5", "第5"], ["-1", "最終"]];
  var scheduleSeq = 0;

  var controlSeq = 0;
  // A control with its label beside it (for=id: the label's name is its text alone).
  function labelled(text, control) {
    var box = el("span", "inline");
    control.id = control.id || "schedule-control-" + (++controlSeq);
    var label = el("label", null, text);
    label.htmlFor = control.id;
    box.appendChild(label);
    box.appendChild(control);
    return box;
  }

  function selectOf(options, value) {
    var select = document.createElement("select");
    options.forEach(function (o) {
      var option = el("option", null, o[1]);
      option.value = o[0];
      select.appendChild(option);
    });
    if (value !== undefined) select.value = String(value);
    return select;
  }

  function timeInput(value) {
    var input = document.createElement("input");
    input.type = "time";
    input.value = value || "";
    return input;
  }

  function scheduleText(rule) {
    var day = function (code) { var d = DAYS.filter(function (x) { return x[0] === code; })[0]; return d ? d[1] : code; };
    var times = (rule.start || "--:--") + "〜" + (rule.end || "--:--");
    if (rule.freq === "weekly") return "毎週 " + (rule.days.length ? rule.days.map(day).join("・") : "（曜日を選んでください）") + " " + times;
    var week = WEEKS.filter(function (w) { return w[0] === String(rule.week); })[0];
    return "毎月 " + (week ? week[1] : "") + day(rule.day) + "曜 " + times;
  }

  function scheduleRow(rule) {
    var n = ++scheduleSeq;
    var row = el("li", "schedule-row");
    var freq = selectOf([["weekly", "毎週"], ["monthly", "毎月"]], rule.freq || "weekly");
    var days = el("fieldset", "days");
    days.appendChild(el("legend", null, "曜日"));
    DAYS.forEach(function (d) {
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = d[0];
      box.id = "schedule-" + n + "-" + d[0];
      box.checked = (rule.days || []).indexOf(d[0]) >= 0;
      var label = el("label", "day", d[1]);
      label.htmlFor = box.id;
      days.appendChild(box);
      days.appendChild(label);
    });
    var week = selectOf(WEEKS, rule.week !== undefined ? rule.week : 1);
    var day = selectOf(DAYS.map(function (d) { return [d[0], d[1] + "曜"]; }), rule.day || "mon");
    var monthly = el("p", "monthly");
    monthly.appendChild(labelled("週", week));
    monthly.appendChild(labelled("曜日", day));
    var start = timeInput(rule.start);
    var end = timeInput(rule.end);
    var times = el("p", "times");
    times.appendChild(labelled("開始", start));
    times.appendChild(labelled("終了", end));
    var preview = el("p", "schedule-preview");
    preview.setAttribute("aria-live", "polite");
    var remove = el("button", "secondary small", "この日時を削除");
    remove.type = "button";
    remove.addEventListener("click", function () { row.parentNode.removeChild(row); });
    row.appendChild(labelled("くり返し", freq));
    row.appendChild(days);
    row.appendChild(monthly);
    row.appendChild(times);
    row.appendChild(preview);
    row.appendChild(remove);
    row.ruleOf = function () {
      var base = { freq: freq.value, start: start.value, end: end.value };
      if (freq.value === "weekly") {
        base.days = Array.prototype.filter.call(days.querySelectorAll("input"), function (b) { return b.checked; })
          .map(function (b) { return b.value; });
      } else {
        base.week = Number(week.value);
        base.day = day.value;
      }
      return base;
    };
    var refresh = function () {
      days.hidden = freq.value !== "weekly";
      monthly.hidden = freq.value === "weekly";
      preview.textContent = scheduleText(row.ruleOf());
    };
    row.addEventListener("change", refresh);
    row.addEventListener("input", refresh);
    refresh();
    return row;
  }

  function scheduleRows(rules) {
    var list = $("schedule-rows");
    list.textContent = "";
    rules.forEach(function (rule) { list.appendChild(scheduleRow(rule)); });
  }

  function scheduleValue() {
    return Array.prototype.map.call($("schedule-rows").children, function (row) { return row.ruleOf(); });
  }

  $("schedule-add").addEventListener("click", function () {
    var row = scheduleRow({ freq: "weekly", days: [], start: "10:00", end: "11:30" });
    $("schedule-rows").appendChild(row);
    row.querySelector("select").focus();
  });

  function en(text) {
    var span = el("span", "en", text);
    span.lang = "en";
    return span;
  }

  function hasRole(role) {
    return !!me && (me.roles || []).indexOf(role) >= 0;
  }

  // Japan time, as the staff read it.
  function dateTime(iso) {
    var date = new Date(iso);
    if (isNaN(date)) return iso || "";
    return date.toLocaleString("ja-JP", { timeZone: "Asia/Tokyo", year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function loadAccount() {
    var status = $("account-status");
    if (!token()) { me = null; applyAccount(); return Promise.resolve(); }
    return fetch("/api/v1/auth/me", { headers: { authorization: "Bearer " + token() }, cache: "no-store" })
      .then(function (resp) {
        if (!resp.ok) { me = null; applyAccount(); return; }
        return resp.json().then(function (json) {
          me = json;
          applyAccount();
        });
      })
      .catch(function () {
        me = null;
        applyAccount();
        status.hidden = false;
        status.textContent = say("サーバーに接続できません。 / Cannot reach the server.");
      });
  }

  function applyAccount() {
    var status = $("account-status");
    var inviter = hasRole("org_admin") || hasRole("sysadmin");
    var counter = hasRole("municipal_staff") || hasRole("sysadmin");
    $("invite-section").hidden = !inviter;
    $("usage-section").hidden = !counter;
    $("patients-section").hidden = !counter;
    $("words-section").hidden = !hasRole("sysadmin");
    $("towns-section").hidden = !hasRole("sysadmin");
    if (hasRole("sysadmin")) { loadWords(); loadTowns(); }
    if (!me) { status.hidden = true; status.textContent = ""; return; }
    status.hidden = false;
    status.textContent = "";
    status.append("ログイン中：", el("strong", null, me.name), "（" + (me.organization ? me.organization.name : "") + "） ",
      (me.roles || []).map(function (r) { return ROLE[r] || r; }).join("・"));
    if (!inviter && !counter) {
      status.append(el("br"), "職員の招待は事業所の管理者が、利用状況は市町の職員が使えます。 ", en("Inviting needs an organization admin; usage needs municipal staff."));
    }
    $("invite-org-box").hidden = !hasRole("sysadmin");
    $("usage-municipality-box").hidden = !hasRole("sysadmin");
    if (inviter) loadInvitations();
    if (counter) loadUsage();
  }

  // --- inviting staff ----------------------------------------------------------------------

  function clearFieldErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (p) { p.hidden = true; p.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
  }

  var INVITE_FIELDS = {
    "#/email": "invite-email", "#/name": "invite-name", "#/profession": "invite-profession",
    "#/roles": "invite-roles", "#/organization_id": "invite-organization",
  };

  // Each field error under its field; the rest (and a summary) in the box.
  function showInviteProblem(status, problem) {
    var form = $("invite-form");
    var rest = [];
    var first = null;
    var placed = 0;
    (problem.errors || []).forEach(function (e) {
      var id = INVITE_FIELDS[e.pointer];
      var line = id && $(id + "-error");
      if (!line) { rest.push((e.pointer || "").replace("#/", "") + "：" + (e.detail_ja || e.detail)); return; }
      line.textContent = e.detail_ja || e.detail;
      line.hidden = false;
      var input = id === "invite-roles" ? form.querySelector("input[name=roles]") : $(id);
      input.setAttribute("aria-invalid", "true");
      if (!first) first = input;
      placed += 1;
    });
    if (!(problem.errors || []).length) {
      rest.push(status === 403
        ? "この権限では招待できません（事業所の管理者は専門職・事業所の管理者を、市町の権限は市町の組織でのみ付けられます）。 / Not allowed."
        : (problem.detail_ja || problem.detail || problem.title || "HTTP " + status));
    }
    if (placed) rest.unshift("入力内容を確認してください（" + placed + "項目）。 / Please check the marked fields.");
    show("invite-errors", rest, false);
    $("invite-errors").hidden = false;
    if (first) first.focus();
  }

  $("invite-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = $("invite-form");
    clearFieldErrors(form);
    $("invite-errors").hidden = true;
    var roles = Array.prototype.map.call(form.querySelectorAll("input[name=roles]:checked"), function (b) { return b.value; });
    var body = {
      email: $("invite-email").value.trim(),
      name: $("invite-name").value.trim(),
      profession: $("invite-profession").value,
      roles: roles,
    };
    var org = $("invite-organization").value.trim();
    if (org && hasRole("sysadmin")) body.organization_id = org;
    $("invite-submit").disabled = true;
    api("POST", "/api/v1/auth/invitations", JSON.stringify(body))
      .then(function (res) {
        if (!res.ok) { showInviteProblem(res.status, res.json || {}); return; }
        var inv = res.json;
        form.reset();
        $("invite-result-who").textContent = inv.name;
        $("invite-url").value = inv.accept_url;
        $("invite-copy-status").textContent = "";
        $("invite-expires").textContent = "有効期限 " + dateTime(inv.expires_at) + "（" + inv.email + "）";
        $("invite-result").hidden = false;
        $("invite-url").focus();
        $("invite-url").select();
        loadInvitations();
      })
      .catch(function () { show("invite-errors", ["送信できませんでした。通信状態を確認してください。 / Not sent."], false); $("invite-errors").hidden = false; })
      .then(function () { $("invite-submit").disabled = false; });
  });

  $("invite-copy").addEventListener("click", function () {
    var input = $("invite-url");
    var done = function () { $("invite-copy-status").textContent = say("コピーしました。 / Copied."); };
    var fallback = function () {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      $("invite-copy-status").textContent = ok ? "コピーしました。 / Copied." : "URLを選択しました。長押しまたは Ctrl+C でコピーしてください。 / Selected; copy it by hand.";
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(input.value).then(done, fallback);
    else fallback();
  });

  function invitationState(inv) {
    if (inv.accepted_at) return { code: "accepted", text: "登録済み（" + dateTime(inv.accepted_at) + "）", en: "Accepted" };
    if (Date.parse(inv.expires_at) < Date.now()) return { code: "expired", text: "期限切れ（" + dateTime(inv.expires_at) + "）", en: "Expired" };
    return { code: "pending", text: "招待中（期限 " + dateTime(inv.expires_at) + "）", en: "Pending" };
  }

  function loadInvitations() {
    $("invitations-status").textContent = say("読み込んでいます… / Loading");
    return fetch("/api/v1/auth/invitations", { headers: { authorization: "Bearer " + token() }, cache: "no-store" })
      .then(function (resp) {
        return resp.json().then(function (json) {
          if (!resp.ok) { $("invitations-status").textContent = problemLines(json).join(" "); return; }
          var list = $("invitation-list");
          list.textContent = "";
          (json.items || []).forEach(function (inv) {
            var item = el("li", "invitation");
            item.dataset.id = inv.id;
            var st = invitationState(inv);
            item.dataset.state = st.code;
            var head = el("p", "invitation-head");
            head.append(el("strong", null, inv.name), " ", el("span", "muted", inv.email));
            var badge = el("span", "state state-" + st.code, st.text + " ");
            badge.appendChild(en(st.en));
            item.append(head, el("p", "invitation-meta",
              (PROFESSION[inv.profession] || inv.profession) + "・" + (inv.roles || []).map(function (r) { return ROLE[r] || r; }).join("・")), badge);
            list.appendChild(item);
          });
          $("invitations-status").textContent = (json.items || []).length ? "" : say("まだ招待はありません。 / No invitations yet.");
        });
      })
      .catch(function () { $("invitations-status").textContent = say("読み込めませんでした。 / Could not load."); });
  }
  $("invitations-reload").addEventListener("click", loadInvitations);

  // --- usage (利用状況) --------------------------------------------------------------------

  var SVG = "http://www.w3.org/2000/svg";
  var TOTALS = [
    ["organizations", "事業所", "Organizations"],
    ["professionals", "専門職", "Professionals"],
    ["patients", "登録患者", "Patients"],
    ["patients_consent_revoked", "同意撤回", "Consent revoked"],
    ["resources_published", "公開中の地域資源", "Resources published"],
    ["posts", "投稿", "Posts"],
    ["projects", "プロジェクト", "Projects"],
    ["messages", "メッセージ", "Messages"],
  ];
  var MONTH_COLUMNS = ["professionals_joined", "patients_registered", "posts", "vitals", "active_professionals"];

  function svgNode(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function usageQuery() {
    var town = hasRole("sysadmin") ? $("usage-municipality").value : "";
    return town ? "?municipality=" + encodeURIComponent(town) : "";
  }

  function loadUsage() {
    $("usage-status").textContent = say("集計しています… / Counting");
    return fetch("/api/v1/care/usage" + usageQuery(), { headers: { authorization: "Bearer " + token() }, cache: "no-store" })
      .then(function (resp) {
        return resp.json().then(function (json) {
          if (!resp.ok) { $("usage-status").textContent = problemLines(json).join(" "); $("usage-report").hidden = true; return; }
          renderUsage(json);
          $("usage-status").textContent = "";
        });
      })
      .catch(function () { $("usage-status").textContent = say("読み込めませんでした。 / Could not load."); });
  }

  function renderUsage(u) {
    $("usage-report").hidden = false;
    var scope = u.municipality_code ? (townNames[u.municipality_code] || "") + "（" + u.municipality_code + "）" : "地域全体";
    $("usage-scope").textContent = scope + "・" + dateTime(u.generated_at) + " 集計" + (u.municipality_code ? "（" + u.municipality_code + "）" : "（地域全体）");
    var totals = $("usage-totals");
    totals.textContent = "";
    TOTALS.forEach(function (t) {
      var item = el("li", "figure");
      item.dataset.key = t[0];
      var value = u.totals ? u.totals[t[0]] : null;
      item.append(el("span", "figure-value", value === null || value === undefined ? "—" : Number(value).toLocaleString("ja-JP")),
        el("span", "figure-label", t[1] + " "));
      item.lastChild.appendChild(en(t[2]));
      totals.appendChild(item);
    });
    var body = $("usage-table").querySelector("tbody");
    body.textContent = "";
    (u.months || []).forEach(function (m) {
      var row = el("tr");
      row.dataset.month = m.month;
      row.appendChild(el("th", null, m.month)).scope = "row";
      MONTH_COLUMNS.forEach(function (c) { row.appendChild(el("td", "num", String(m[c]))); });
      body.appendChild(row);
    });
    drawChart(u.months || []);
  }

  // Posts per month as bars, each with its count above it and its month below.
  function drawChart(months) {
    var chart = $("usage-chart");
    Array.prototype.slice.call(chart.childNodes).forEach(function (n) { if (n.nodeName !== "title") chart.removeChild(n); });
    var left = 8, right = 352, top = 22, bottom = 160;
    var max = Math.max.apply(null, [1].concat(months.map(function (m) { return m.posts; })));
    var slot = (right - left) / Math.max(1, months.length);
    chart.appendChild(svgNode("line", { x1: left, y1: bottom, x2: right, y2: bottom, class: "axis" }));
    months.forEach(function (m, i) {
      var h = (bottom - top) * m.posts / max;
      var x = left + i * slot + slot * 0.15;
      var bar = svgNode("rect", { x: x.toFixed(1), y: (bottom - h).toFixed(1), width: (slot * 0.7).toFixed(1), height: h.toFixed(1), class: "bar" });
      bar.appendChild(svgNode("title", {}, m.month + "：投稿 " + m.posts + "件"));
      chart.appendChild(bar);
      chart.appendChild(svgNode("text", { x: (x + slot * 0.35).toFixed(1), y: (bottom - h - 4).toFixed(1), "text-anchor": "middle", class: "bar-value" }, String(m.posts)));
      chart.appendChild(svgNode("text", { x: (x + slot * 0.35).toFixed(1), y: bottom + 16, "text-anchor": "middle", class: "bar-label" }, Number(m.month.slice(5)) + "月"));
      if (i === 0 || m.month.slice(5) === "01") {
        chart.appendChild(svgNode("text", { x: (x + slot * 0.35).toFixed(1), y: bottom + 30, "text-anchor": "middle", class: "bar-year" }, m.month.slice(0, 4)));
      }
    });
  }

  $("usage-form").addEventListener("submit", function (event) {
    event.preventDefault();
    loadUsage();
  });

  // The CSV needs the bearer token: fetched here and handed over as a file.
  function filenameFrom(disposition) {
    if (!disposition) return null;
    var star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
    if (star) { try { return decodeURIComponent(star[1]); } catch (e) { /* fall through */ } }
    var plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
    return plain ? plain[1] : null;
  }

  $("usage-csv").addEventListener("click", function () {
    var town = usageQuery();
    $("usage-csv").disabled = true;
    fetch("/api/v1/care/usage.csv" + town, { headers: { authorization: "Bearer " + token() }, cache: "no-store" })
      .then(function (resp) {
        if (!resp.ok) return resp.json().then(function (json) { $("usage-status").textContent = problemLines(json).join(" "); });
        return resp.blob().then(function (blob) {
          var link = el("a");
          link.href = URL.createObjectURL(blob);
          link.download = filenameFrom(resp.headers.get("content-disposition")) ||
            "利用状況_" + (town ? town.replace(/\D/g, "") : "地域全体") + ".csv";
          document.body.appendChild(link);
          link.click();
          link.remove();
          // Revoke later: the download reads the Blob after click() returns.
          setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
        });
      })
      .catch(function () { $("usage-status").textContent = say("ダウンロードできませんでした。 / Download failed."); })
      .then(function () { $("usage-csv").disabled = false; });
  });

  loadAccount();
})();
