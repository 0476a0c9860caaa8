// The header's menus are <details> elements, so they open without JavaScript. This adds what a
// menu button is expected to do: aria-expanded on the button, Escape closes the menu and puts
// focus back on its button, and a click or focus elsewhere (or opening the other menu) closes it.
(function () {
  "use strict";

  function menus() { return document.querySelectorAll("details[data-menu]"); }

  function sync(menu) {
    var button = menu.querySelector("summary");
    if (button) { button.setAttribute("aria-expanded", menu.open ? "true" : "false"); }
  }

  function close(menu, refocus) {
    if (!menu.open) { return; }
    menu.open = false;
    sync(menu);
    if (refocus) { menu.querySelector("summary").focus(); }
  }

  function init() {
    menus().forEach(function (menu) {
      sync(menu);
      menu.addEventListener("toggle", function () {
        sync(menu);
        if (menu.open) {
          menus().forEach(function (other) { if (other !== menu) { close(other, false); } });
        }
      });
      // Tabbing past the last link leaves the menu: close it, as a click elsewhere does.
      menu.addEventListener("focusout", function (event) {
        var next = event.relatedTarget;
        if (next && !menu.contains(next)) { close(menu, false); }
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus().forEach(function (menu) {
      if (menu.open) { close(menu, true); }
    });
  });

  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) { close(menu, false); }
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
