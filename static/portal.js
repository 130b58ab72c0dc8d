// Small enhancements for the public portal. Every page works without this file.
(function () {
  "use strict";

  // "Near me": ask the browser for the location, then search around it.
  var form = document.getElementById("near-me");
  if (form && "geolocation" in navigator) {
    var status = document.getElementById("near-me-status");
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      if (form.elements.lat.value) return;
      event.preventDefault();
      status.textContent = "現在地を確認しています…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lng.value = position.coords.longitude.toFixed(6);
          form.submit();
        },
        function () {
          status.textContent = "現在地を取得できませんでした。ことばや分類でお探しください。";
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });
  }

  // Print handout: a real button instead of a javascript: link (the CSP forbids those).
  var printButton = document.getElementById("print-button");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }
})();
