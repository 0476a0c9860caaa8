"""Accessibility and layout checks for the browser tests: axe-core and horizontal overflow.

axe-core comes from the ``axe-playwright-python`` package (it bundles ``axe.min.js`` from the
npm package); it is injected with Playwright's ``evaluate``, which the page's CSP does not
govern. A page passes when axe finds no violation of impact "serious" or "critical".
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING_IMPACTS = frozenset({"serious", "critical"})
_axe = Axe()


def blocking_violations(page: Page, context: str | None = None) -> list[str]:
    """Every serious or critical axe violation on the page (or inside ``context``, a CSS
    selector), one line each: rule, impact, and the offending elements. Waits for the page's
    load first: a locator can match while a page is still parsing, and axe measuring colours
    before the stylesheets applied reported contrast failures that are not there."""
    page.wait_for_load_state("load")
    results = _axe.run(page, context=context)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        targets = ", ".join(
            " ".join(str(part) for part in node["target"]) for node in violation["nodes"][:8]
        )
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return lines


def assert_accessible(page: Page, context: str | None = None) -> None:
    """Fail with axe's findings when the page has a serious or critical violation."""
    found = blocking_violations(page, context)
    assert not found, f"axe on {page.url}:\n" + "\n".join(found)


def horizontal_overflow(page: Page) -> list[str]:
    """Elements wider than the viewport (the page scrolls sideways); empty when none."""
    return list(page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width) return [];
          return [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .slice(0, 10)
            .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                       + (el.className && typeof el.className === 'string'
                          ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
        }"""
    ))


def assert_no_horizontal_overflow(page: Page) -> None:
    """Fail naming the elements that stick out when the page scrolls sideways."""
    wide = horizontal_overflow(page)
    assert not wide, f"{page.url} scrolls sideways at {page.viewport_size}: {wide}"
