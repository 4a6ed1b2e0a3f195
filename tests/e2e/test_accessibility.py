"""Accessibility (WCAG 2.1 AA, the bar of GB/T 37668 and a little more): axe-core finds nothing
on any type of page, in Chinese and English, on a desktop and on a phone; the search page has a
level-one heading that changes nothing on screen; the keyboard reaches and shows everything;
record data keeps its own language inside a page in the other one; an error page says what
happened."""
from __future__ import annotations

import re

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import use_account
from tests.e2e.pages import PAGES, SIGNED_IN_KINDS, url_of


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_no_axe_violations(open_page, samples, kind, lang):
    """On a desktop; tests/e2e/test_phone.py runs axe on every page at phone size too."""
    page = open_page("desktop")
    if kind in SIGNED_IN_KINDS:
        use_account(page, SIGNED_IN_KINDS[kind])
    page.goto(url_of(kind, samples, lang))
    page.evaluate("document.fonts.ready")
    assert_accessible(page)


@pytest.mark.parametrize("lang, heading", [("zh", "“电池”的检索结果"), ("en", "Search results for “电池”")])
def test_search_page_has_a_level_one_heading(page, lang, heading):
    page.goto(f"/search?q=电池&lang={lang}")
    h1 = page.get_by_role("heading", level=1)
    assert h1.count() == 1 and h1.inner_text() == heading
    # read by screen readers, not drawn: the design shows the box and the results
    box = h1.bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1
    page.goto(f"/?lang={lang}")
    assert page.get_by_role("heading", level=1).inner_text() == ("检索结果" if lang == "zh" else "Search results")


def test_keyboard_reaches_everything_with_a_visible_focus(page):
    page.goto("/search?q=电池")
    # the first Tab shows a link that skips the header and lands in the main content
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] >= 24
    page.keyboard.press("Enter")
    # following the link changes the URL's fragment a moment later: wait for it (a bare check raced)
    page.wait_for_url(re.compile(r"#main$"), timeout=5000)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "combobox"
    # every focused link, button and field draws an outline of at least 2 px with enough contrast
    seen = set()
    for _ in range(25):
        page.keyboard.press("Tab")
        style = page.evaluate("""() => {
          const el = document.activeElement, s = getComputedStyle(el);
          return {tag: el.tagName, text: el.textContent.trim().slice(0, 20), outline: s.outlineStyle,
                  width: parseFloat(s.outlineWidth), visible: el.matches(':focus-visible')};
        }""")
        assert style["visible"] and style["outline"] != "none" and style["width"] >= 2, style
        seen.add(style["tag"])
    assert {"A", "BUTTON"} <= seen or {"A", "INPUT"} <= seen, seen


def test_typeahead_is_a_combobox_the_keyboard_works(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="检索词")
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("吉林", delay=50)
    listbox = page.get_by_role("listbox", name="检索建议")
    options = listbox.get_by_role("option")
    # on a slow machine "吉"'s list can show before "吉林"'s replaces it (resetting the arrow keys' place)
    page.locator('#suggestions[data-query="吉林"]').wait_for(state="attached")
    options.first.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true" and box.get_attribute("aria-controls") == "suggestions"
    assert box.get_attribute("aria-activedescendant") is None
    box.press("ArrowDown")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    assert options.nth(1).get_attribute("aria-selected") == "true" and options.first.get_attribute("aria-selected") == "false"
    assert_accessible(page, "suggestions open", within=".search-box")
    box.press("Escape")
    assert listbox.is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None


def test_language_of_parts(open_page, samples):
    """English inside a Chinese page, and Chinese inside an English one, say which they are."""
    page = open_page("desktop")
    page.goto("/records/org-1")
    assert page.locator("article.record p.en").get_attribute("lang") == "en"  # Jilin University
    assert page.locator("article.record h1").get_attribute("lang") is None
    page.goto(samples["patent-english"])
    assert page.locator("article.record h1").get_attribute("lang") == "en"
    page.goto("/search?q=电池&lang=en")
    titles = page.locator(".hits .hit a.title")
    assert titles.count() > 0
    assert set(titles.evaluate_all("els => els.map(e => e.getAttribute('lang'))")) == {"zh-CN"}
    assert set(page.locator(".hits .hit .title-en").evaluate_all("els => els.map(e => e.lang)")) <= {"en"}
    page.goto("/records/org-1?lang=en")
    assert page.locator("article.record h1").get_attribute("lang") == "zh-CN"


@pytest.mark.parametrize("lang, heading, title", [("zh", "页面不存在", "页面不存在 (404)"), ("en", "Page not found", "Page not found (404)")])
def test_error_page_says_what_happened(page, lang, heading, title):
    response = page.goto(f"/no-such-page?lang={lang}")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.title().startswith(title)
    assert "404" in page.locator(".error .status").inner_text()
    link = page.get_by_role("link", name="返回检索" if lang == "zh" else "Back to search")
    with page.expect_navigation():
        link.click()
    assert page.locator(".hits .hit").count() > 0
