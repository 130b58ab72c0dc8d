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

// Map of the places on the page (Leaflet, loaded only where there is a map). Tiles come
// from the deployment's tile server when one is configured; without one the places are
// still drawn relative to each other.
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("map");
    if (!el || !window.L) return;
    var points;
    try { points = JSON.parse(el.dataset.points || "[]"); } catch (e) { return; }
    if (!points.length) return;
    el.hidden = false;
    var map = window.L.map(el, { scrollWheelZoom: false });
    if (el.dataset.tiles) {
      window.L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    var bounds = [];
    points.forEach(function (p, i) {
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = (points.length > 1 ? (i + 1) + ". " : "") + p.name;
      window.L.circleMarker([p.lat, p.lng], { radius: 9, color: "#0b6b3a", weight: 3, fillOpacity: 0.6 })
        .bindPopup(link)
        .addTo(map);
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length === 1) map.setView(bounds[0], 16);
    else map.fitBounds(bounds, { padding: [24, 24] });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
