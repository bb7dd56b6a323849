// gofed console: the only script. It refreshes the System table every 2 seconds; every page works without it
// (the System page has a Reload link). The table is HTML the server rendered, every value escaped there.
"use strict";
(function () {
  const box = document.querySelector("[data-refresh]");
  if (!box) return;
  const url = box.getAttribute("data-refresh");
  async function refresh() {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) box.innerHTML = await response.text();
    } catch (_) {
      // The console itself is unreachable: keep the last table, try again at the next tick.
    }
  }
  setInterval(refresh, 2000);
})();
