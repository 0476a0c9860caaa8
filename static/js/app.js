// Small helpers that progressively enhance server-rendered pages. Nothing here is required:
// every page works without JavaScript.
(function () {
  "use strict";

  // The page's language (<html lang>, set by the server), so times and countdowns read in the
  // language of the text around them rather than the browser's.
  function pageLang() { return document.documentElement.lang || undefined; }

  // Show <time data-local> elements in the viewer's time zone; the title keeps the exact UTC.
  function localizeTimes(root) {
    var fmt = new Intl.DateTimeFormat(pageLang(), {
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

  // Countdowns ("3d 4h 22m", es "3 d 4 h 22 min") tick down without a reload, in the page's
  // language with the CLDR unit length the server chose (data-unit-display), so the text
  // reads exactly as the server rendered it.
  function formatLeft(ms, unitDisplay) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    var parts = d ? [[d, "day"], [h, "hour"], [m, "minute"]]
      : h ? [[h, "hour"], [m, "minute"]] : [[m, "minute"]];
    return parts.map(function (part) {
      return new Intl.NumberFormat(pageLang(), {
        style: "unit", unit: part[1], unitDisplay: unitDisplay || "narrow",
      }).format(part[0]);
    }).join(" ");
  }
  function tickCountdowns() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) {
        el.textContent = formatLeft(when - Date.now(), el.getAttribute("data-unit-display"));
      }
    });
  }
  setInterval(tickCountdowns, 30000);

  // The submit modal: htmx loads it into #modal; Escape, the backdrop or "Cancel" close it,
  // and focus goes into it and back to where it came from.
  var opener = null;
  function closeModal() {
    var modal = document.getElementById("modal");
    if (modal && modal.firstElementChild) {
      modal.innerHTML = "";
      if (opener) { opener.focus(); opener = null; }
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest && target.closest("[data-close-modal]")) {
      event.preventDefault();
      closeModal();
    } else if (target.matches && target.matches("[data-modal]")) {
      closeModal();
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeModal(); }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target && event.detail.target.id === "modal") { opener = event.detail.elt; }
  });

  // Controls that only work with JavaScript (the picker's "Create project" button) are
  // rendered hidden, so pages without JavaScript never show a dead button.
  function revealScriptOnly(root) {
    root.querySelectorAll("[data-js-only][hidden]").forEach(function (el) { el.hidden = false; });
  }

  // A file over the upload limit is refused here at once, instead of after a long upload.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) { return; }
    var max = Number(input.getAttribute("data-max-bytes"));
    var file = input.files && input.files[0];
    var note = document.getElementById(input.id + "-size-error");
    if (note) { note.remove(); }
    if (file && max && file.size > max) {
      input.value = "";
      note = document.createElement("p");
      note.className = "error";
      note.id = input.id + "-size-error";
      note.setAttribute("role", "alert");
      note.textContent = "That file is larger than " + Math.round(max / 1048576) +
        " MB. Choose a smaller image.";
      input.insertAdjacentElement("afterend", note);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    localizeTimes(document);
    revealScriptOnly(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    localizeTimes(event.target);
    revealScriptOnly(event.target);
    var first = event.target.querySelector && event.target.querySelector(".modal input:not([type=hidden])");
    if (first && (event.target.id === "modal" || event.target.id === "modal-content")) { first.focus(); }
  });
  // The project picker came back (outerHTML swap): focus its select, or its first bad field.
  document.addEventListener("htmx:afterSettle", function (event) {
    revealScriptOnly(document);
    var xhr = event.detail.xhr;
    var picker = document.getElementById("project-picker");
    if (!picker || !xhr || !/\/me\/projects\/picker$/.test(xhr.responseURL)) { return; }
    var focus = picker.querySelector("[aria-invalid=true]") || picker.querySelector("select");
    if (focus) { focus.focus(); }
  });
})();
