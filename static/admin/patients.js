// Bulk patient registration from the care-certification export. The access token stays in
// this tab's sessionStorage only (shared with the resource administration page); every
// message is put in the page as text, never as HTML.
(function () {
  "use strict";
  var TOKEN_KEY = "rainbownet-admin-token";
  var $ = function (id) { return document.getElementById(id); };

  function show(lines, ok) {
    var box = $("patients-result");
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
    var lines = [(problem.title || "エラー") + "：" + (problem.detail || "")];
    (problem.errors || []).forEach(function (e) {
      lines.push((e.pointer || "").replace("#/", "") + "：" + (e.detail_ja || e.detail));
    });
    return lines;
  }

  fetch("/api/v1/public/municipalities").then(function (r) { return r.json(); }).then(function (data) {
    var select = $("patients-municipality");
    (data.items || []).forEach(function (m) {
      var option = document.createElement("option");
      option.value = m.code;
      option.textContent = m.name + "（" + m.code + "）";
      select.appendChild(option);
    });
  }).catch(function () { /* the list stays empty; the form still reports the server's answer */ });

  $("login-status").textContent = sessionStorage.getItem(TOKEN_KEY) ? "ログイン済みです。 Logged in." : "";
  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: $("login-email").value,
        password: $("login-password").value,
        totp: $("login-totp").value.replace(/\s/g, ""),
      }),
    }).then(function (resp) {
      return resp.json().then(function (json) {
        $("login-password").value = "";
        $("login-totp").value = "";
        if (!resp.ok) { $("login-status").textContent = problemLines(json).join(" "); return; }
        sessionStorage.setItem(TOKEN_KEY, json.access_token);
        $("login-status").textContent = "ログインしました（10分間有効）。 Logged in for 10 minutes.";
      });
    }).catch(function () { $("login-status").textContent = "送信できませんでした。通信状態を確認してください。"; });
  });

  $("patients-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var file = $("patients-file").files[0];
    if (!file) return;
    var town = $("patients-municipality").value;
    show(["取り込み中… Importing…"], true);
    fetch("/api/v1/patients/imports?municipality=" + encodeURIComponent(town), {
      method: "POST",
      headers: { "authorization": "Bearer " + (sessionStorage.getItem(TOKEN_KEY) || ""), "content-type": "text/csv" },
      body: file,
    }).then(function (resp) {
      return resp.json().then(function (r) {
        if (!resp.ok) { show(problemLines(r), false); return; }
        var lines = [
          "登録 " + r.registered + "件・変更なし " + r.unchanged + "件・同意なし " + r.without_consent + "件・エラー " + r.rejected + "件",
          "registered " + r.registered + ", unchanged " + r.unchanged + ", without consent " + r.without_consent + ", rejected " + r.rejected,
        ];
        (r.errors || []).forEach(function (e) { lines.push(e.line + "行目：" + (e.reason_ja || e.reason)); });
        show(lines, r.rejected === 0);
      });
    }).catch(function () { show(["送信できませんでした。通信状態を確認してください。"], false); });
  });
})();
