// Small helpers that progressively enhance server-rendered pages. Nothing here is required:
// every page works without JavaScript.
(function () {
  "use strict";

  // Show <time data-local> elements in the viewer's time zone; the title keeps the exact UTC.
  function localizeTimes(root) {
    var fmt = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) { el.textContent = fmt.format(when); }
    });
  }

  // Polling ticks without eval: htmx trigger filters ("[document.visibilityState ...]") need
  // 'unsafe-eval' under our CSP, so widgets listen for "wc:tick" instead, which only fires
  // while the tab is visible.
  var TICK_MS = 5000;
  setInterval(function () {
    if (document.visibilityState === "visible") {
      document.body.dispatchEvent(new CustomEvent("wc:tick", { bubbles: false }));
    }
  }, TICK_MS);

  document.addEventListener("DOMContentLoaded", function () { localizeTimes(document); });
  document.addEventListener("htmx:afterSwap", function (event) { localizeTimes(event.target); });
})();
