// Share buttons (templates/sharing/_buttons.html), no third-party scripts. Without this file
// the block still works: the link sits in a read-only field to select, and every network is
// a plain link. With it: "Copy link" (its status announced in an aria-live region), the
// browser's own share sheet where navigator.share exists, and a Mastodon server remembered in
// localStorage so the question is asked once.
(function () {
  "use strict";

  var MASTODON_KEY = "wc-mastodon-instance";
  // The same shape the server accepts (challenges/sharing/service.py HOSTNAME_RE).
  var HOST_RE = /^(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

  function storedInstance() {
    try {
      var value = window.localStorage.getItem(MASTODON_KEY) || "";
      return HOST_RE.test(value) ? value : "";
    } catch (e) {
      return "";  // storage blocked: the server's page asks (and its cookie remembers)
    }
  }

  function remember(instance) {
    try { window.localStorage.setItem(MASTODON_KEY, instance); } catch (e) { /* blocked */ }
  }

  function say(block, key) {
    var status = block.querySelector("[data-share-status]");
    if (!status) { return; }
    status.textContent = "";
    // A fresh text node each time, so screen readers announce a repeated "copied" too.
    window.setTimeout(function () { status.textContent = status.getAttribute(key) || ""; }, 50);
  }

  function fallbackCopy(input) {
    input.focus();
    input.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  function setUp(block) {
    if (block.dataset.shareReady) { return; }
    block.dataset.shareReady = "1";
    var url = block.getAttribute("data-share-url");
    var text = block.getAttribute("data-share-text");
    var input = block.querySelector("[data-share-input]");
    var copy = block.querySelector("[data-share-copy]");
    var native = block.querySelector("[data-share-native]");

    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", function () {
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(url).then(function () {
            say(block, "data-copied");
          }, function () {
            say(block, fallbackCopy(input) ? "data-copied" : "data-copy-failed");
          });
        } else {
          say(block, fallbackCopy(input) ? "data-copied" : "data-copy-failed");
        }
      });
    }
    if (native && typeof navigator.share === "function") {
      native.hidden = false;
      native.addEventListener("click", function () {
        navigator.share({ title: text, text: text, url: url }).catch(function () {
          /* the member closed the share sheet: nothing to do */
        });
      });
    }
    if (input) {
      input.addEventListener("focus", function () { input.select(); });
    }
    var change = block.querySelector("[data-share-mastodon-change]");
    if (change) {
      change.addEventListener("click", function () {
        try { window.localStorage.removeItem(MASTODON_KEY); } catch (e) { /* blocked */ }
      });
    }
    var mastodon = block.querySelector("[data-share-mastodon]");
    if (mastodon) {
      mastodon.addEventListener("click", function (event) {
        var instance = storedInstance();
        if (!instance) { return; }  // our page asks, once
        event.preventDefault();
        var body = mastodon.getAttribute("data-share-mastodon-text") || "";
        window.location.href = "https://" + instance + "/share?text=" + encodeURIComponent(body);
      });
    }
  }

  function setUpMastodonForm(form) {
    var field = form.querySelector("input[name=instance]");
    if (!field) { return; }
    if (!field.value) { field.value = storedInstance(); }
    form.addEventListener("submit", function () {
      // Keep what the server will check too; it normalises "https://x/" and "@me@x" itself.
      var value = field.value.trim().toLowerCase().replace(/^https?:\/\//, "").split("/")[0];
      value = value.split("@").pop();
      if (HOST_RE.test(value)) { remember(value); }
    });
  }

  function init() {
    // After the Mastodon form: go on to the server's compose page (a link, which the CSP's
    // form-action allows where a redirect from the form would be stopped).
    var go = document.querySelector("[data-mastodon-go]");
    if (go && /^https:\/\//.test(go.href)) {
      var host = go.hostname;
      if (HOST_RE.test(host)) { remember(host); }
      window.location.replace(go.href);
      return;
    }
    document.querySelectorAll("[data-share]").forEach(setUp);
    document.querySelectorAll("[data-mastodon-form]").forEach(setUpMastodonForm);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
