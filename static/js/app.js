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
  // "wc:slow-tick" paces a widget whose live updates are paused (its board comes from the
  // database while Redis is away): every sixth tick, so a tab asks the database every 30 s.
  var TICK_MS = 5000, SLOW_EVERY = 6, ticks = 0;
  setInterval(function () {
    if (document.visibilityState === "visible") {
      document.body.dispatchEvent(new CustomEvent("wc:tick", { bubbles: false }));
      ticks += 1;
      if (ticks % SLOW_EVERY === 0) {
        document.body.dispatchEvent(new CustomEvent("wc:slow-tick", { bubbles: false }));
      }
    }
  }, TICK_MS);

  // The leaderboard's poll right after this browser's vote (the vote's "wc:board-changed")
  // asks the server for the board as it is now: a periodic poll may be answered from a web
  // process's copy of the board's version, up to a second old (issue #14).
  document.addEventListener("htmx:configRequest", function (event) {
    var trigger = event.detail.triggeringEvent;
    if (trigger && trigger.type === "wc:board-changed") {
      event.detail.headers["X-WC-Fresh"] = "1";
    }
  });

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

  // The submit modal: htmx loads it into #modal. While it is open the focus stays inside it
  // (Tab and Shift-Tab cycle through its controls) and the page behind is inert (pointers and
  // screen readers skip it); Escape, the backdrop or "Cancel" close it and give the focus back
  // to the control that opened it.
  var opener = null;
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), " +
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";
  function modalBox() { return document.querySelector("#modal .modal"); }
  function isShown(el) {
    // Hidden elements and the content of a closed <details> (all but its summary, which
    // Chromium still lays out) cannot take the focus.
    if (!el.getClientRects().length) { return false; }
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      var parent = node.parentElement;
      if (parent && parent.tagName === "DETAILS" && !parent.open && node.tagName !== "SUMMARY") {
        return false;
      }
    }
    return true;
  }
  function focusables(box) {
    return Array.prototype.filter.call(box.querySelectorAll(FOCUSABLE), isShown);
  }
  function setPageInert(on) {
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el.id !== "modal" && el.tagName !== "SCRIPT") { el.inert = on; }
    });
  }
  function focusModal(box) {
    // After a post with errors, the first field to fix; on opening, the first field.
    var target = box.querySelector("[aria-invalid=true]") ||
      box.querySelector("form input:not([type=hidden]), form textarea, form select") ||
      focusables(box)[0];
    if (target) { target.focus(); }
  }
  function closeModal() {
    var modal = document.getElementById("modal");
    if (modal && modal.firstElementChild) {
      modal.innerHTML = "";
      setPageInert(false);
      if (opener && document.contains(opener)) { opener.focus(); }
      opener = null;
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
    var box = modalBox();
    if (!box) { return; }
    if (event.key === "Escape") {
      event.preventDefault();
      closeModal();
      return;
    }
    if (event.key !== "Tab") { return; }
    var items = focusables(box);
    if (!items.length) { event.preventDefault(); return; }
    var first = items[0], last = items[items.length - 1];
    var active = document.activeElement, inside = box.contains(active);
    if (event.shiftKey && (active === first || !inside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !inside)) {
      event.preventDefault();
      first.focus();
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.target && event.detail.target.id === "modal") { opener = event.detail.elt; }
  });

  // A vote swaps its whole form (hx-swap="outerHTML"). When its button had the focus (a vote
  // with Enter or Space), the new button of the same entry takes it back, so the reader stays
  // on that card instead of landing at the top of the page.
  var voteFocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches(".vote-form") && form.contains(document.activeElement)) {
      voteFocus = form.getAttribute("data-entry");
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var form = event.target;
    if (!voteFocus || !form.matches || !form.matches(".vote-form") ||
        form.getAttribute("data-entry") !== voteFocus) { return; }
    voteFocus = null;
    // htmx wires up swapped-in content only when it settles (20 ms later): until then Enter on
    // the new button would submit the form natively (a full page load, the focus lost). Wire it
    // now, then give it the focus.
    htmx.process(form);
    var button = form.querySelector("button");
    if (button) { button.focus(); }
  });

  // "Load more" replaces itself with the next cards: when it had the focus, the first new
  // card's link takes it, so a keyboard reader goes on from where they were.
  var moreFrom = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.closest && elt.closest("#load-more") && elt === document.activeElement) {
      moreFrom = document.querySelectorAll("#entries > .entry-card").length;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (moreFrom === null) { return; }
    var cards = document.querySelectorAll("#entries > .entry-card");
    if (cards.length <= moreFrom) { return; }
    var link = cards[moreFrom].querySelector(".entry-title a");
    moreFrom = null;
    if (link) { link.focus(); }
  });

  // A plain form (htmx forms handle their own submit and stop it first) goes once while its
  // page loads: a double-click on "Create account" sent two requests, and the second one's
  // answer ("That username is taken": the first had just made the account) replaced the
  // first's. The form may go again after a few seconds (a download leaves the page as it is,
  // a slow answer can be asked again) or when the page comes back from the back-forward cache.
  var RESUBMIT_AFTER_MS = 4000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) { return; }
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    setTimeout(function () { form.removeAttribute("data-submitting"); }, RESUBMIT_AFTER_MS);
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
    });
  });

  // Controls that only work with JavaScript (the picker's "Create project" button) are
  // rendered hidden, so pages without JavaScript never show a dead button.
  function revealScriptOnly(root) {
    root.querySelectorAll("[data-js-only][hidden]").forEach(function (el) { el.hidden = false; });
  }

  // A file over the upload limit is refused here at once, instead of after a long upload, with
  // the server's own message in the page's language (data-too-large).
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
      note.textContent = input.getAttribute("data-too-large");
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
    var box = modalBox();
    if (box && (event.target.id === "modal" || event.target.id === "modal-content")) {
      setPageInert(true);
      focusModal(box);
    }
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
