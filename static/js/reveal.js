// The results reveal (issue #13, templates/archive/_reveal.html): each step is an htmx request
// for the next place. Here only the pace: after a pause, press the stage's "next" control for
// the reader, unless they prefer reduced motion (then they step with the button, or "Show
// all"). Without JavaScript the page shows the whole list at once.
(function () {
  "use strict";
  var PAUSE_MS = 1400;
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
  var timer = null;

  function schedule() {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
    if (reduced && reduced.matches) { return; }
    var next = document.querySelector("#reveal[data-reveal-running] [data-reveal-next]");
    if (!next || next.closest("[hidden]")) { return; }
    timer = window.setTimeout(function () {
      timer = null;
      if (document.body.contains(next) && window.htmx) { window.htmx.trigger(next, "click"); }
    }, PAUSE_MS);
  }

  // A keyboard reader stepping by hand keeps their place: focus follows to the new control
  // (or, at the end, to the stage's heading).
  var hadFocus = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    hadFocus = event.target && event.target.id === "reveal" &&
      event.target.contains(document.activeElement);
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (hadFocus) {
      hadFocus = false;
      var target = document.querySelector("#reveal [data-reveal-next]") ||
        document.querySelector("#reveal h2");
      if (target) {
        if (target.tagName === "H2") { target.setAttribute("tabindex", "-1"); }
        target.focus();
      }
    }
    schedule();
  });
  // app.js shows the stage (data-js-only) on DOMContentLoaded; start once that has run.
  window.addEventListener("load", schedule);
})();
