// Administration of the resource map through the public API. The bootstrap token stays in
// this tab's sessionStorage only. Every message is put in the page as text, never as HTML.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var token = function () { return sessionStorage.getItem("rainbownet-admin-token") || ""; };

  function show(target, lines, ok) {
    var box = $(target);
    box.textContent = "";
    box.className = ok ? "notice" : "errors";
    var list = document.createElement("ul");
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function problemLines(problem) {
    var lines = [problem.title + "：" + problem.detail];
    (problem.errors || []).forEach(function (e) {
      lines.push((e.pointer || "").replace("#/", "") + "：" + (e.detail_ja || e.detail));
    });
    return lines;
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
    ["import-municipality", "r-municipality_code", "n-municipality_code"].forEach(function (id) {
      fillSelect(id, data.items, function (m) { return m.code; }, function (m) { return m.name + "（" + m.code + "）"; });
    });
  });
  fetch("/api/v1/public/categories").then(function (r) { return r.json(); }).then(function (data) {
    fillSelect("r-category", data.items.filter(function (c) { return c.parent; }),
      function (c) { return c.code; }, function (c) { return c.name_ja; });
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
      });
  });
  $("token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    sessionStorage.setItem("rainbownet-admin-token", $("token").value);
    $("token").value = "";
    $("token-status").textContent = "トークンを設定しました。";
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
      report.errors.forEach(function (e) { lines.push(e.line + " 行目：" + e.reason_ja); });
      show("import-result", lines, report.rejected === 0);
    };
    xhr.onerror = function () { show("import-result", ["送信できませんでした。通信状態を確認してください。"], false); };
    xhr.send(file);
  });

  var fields = ["name", "name_kana", "municipality_code", "category", "address", "lat", "lng", "phone",
    "website", "target", "fee", "description", "status"];

  $("resource-load").addEventListener("submit", function (event) {
    event.preventDefault();
    var id = $("resource-id").value.trim();
    if (!id) { $("resource-form").reset(); return; }
    fetch("/api/v1/public/resources/" + encodeURIComponent(id), { headers: { authorization: "Bearer " + token() } })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (res) {
        if (!res.ok) { show("resource-result", problemLines(res.json), false); return; }
        fields.forEach(function (f) { var v = res.json[f]; $("r-" + f).value = v === null || v === undefined ? "" : v; });
        $("r-schedule").value = JSON.stringify(res.json.schedule);
        show("resource-result", ["読み込みました：" + res.json.name], true);
      });
  });

  $("resource-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = {};
    fields.forEach(function (f) { var v = $("r-" + f).value.trim(); if (v !== "") body[f] = v; });
    ["lat", "lng"].forEach(function (f) { if (body[f] !== undefined) body[f] = Number(body[f]); });
    try { body.schedule = JSON.parse($("r-schedule").value || "[]"); }
    catch (e) { show("resource-result", ["日時の JSON が正しくありません。"], false); return; }
    var id = $("resource-id").value.trim();
    api(id ? "PUT" : "POST", "/api/v1/public/resources" + (id ? "/" + encodeURIComponent(id) : ""), JSON.stringify(body))
      .then(function (res) {
        if (!res.ok) { show("resource-result", problemLines(res.json), false); return; }
        $("resource-id").value = res.json.id;
        show("resource-result", ["保存しました：" + res.json.name + "（" + res.json.url + "）"], true);
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
})();
