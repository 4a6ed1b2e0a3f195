"""The site on a phone (390×844 and 360×740, touch, mobile viewport): the first result on the
first screen with the filters behind a button, a menu that collapses, nothing wider than the
screen on any page, labels above values on record pages, tap targets of a usable size, and the
same without JavaScript. Screenshots: phone-*.png in test-artifacts/screenshots/."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import use_account
from tests.e2e.pages import (PAGES, RECORD_KINDS, SEARCH_KINDS, SIGNED_IN_KINDS, STATS_KINDS, assert_no_horizontal_scroll, box_in_first_screen,
                             boxes, url_of)

PHONES = ["phone", "phone-small"]
LANGS = ["zh", "en"]
TEXT = {
    "zh": {"menu": "菜单", "nav": "主导航", "filters": "筛选", "other": "English", "count": re.compile(r"共 ([\d,]+) 条结果"),
           "links": ["检索", "科技成果", "开放许可专利", "共享仪器", "技术需求", "年度榜单", "统计分析", "登录"]},
    "en": {"menu": "Menu", "nav": "Main navigation", "filters": "Filters", "other": "中文", "count": re.compile(r"([\d,]+) results?"),
           "links": ["Search", "Achievements", "Open-licence patents", "Shared instruments", "Technology needs", "Annual list", "Statistics", "Sign in"]},
}
# WCAG 2.5.8 asks 24×24 CSS px at least; the menu, the filters and the buttons get a thumb's 44 px
THUMB = 44


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def result_count(page, lang="zh") -> int:
    found = TEXT[lang]["count"].search(page.locator(".results .summary").inner_text())
    assert found
    return int(found.group(1).replace(",", ""))


def assert_height_at_least(locator, minimum: float, what: str) -> None:
    for i, box in enumerate(boxes(locator)):
        assert box and box["height"] >= minimum - 0.5 and box["width"] >= 24, (what, locator.nth(i).inner_text(), box)


def assert_within_width(page, locator, what: str) -> None:
    width = page.viewport_size["width"]
    for i, box in enumerate(boxes(locator)):
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (what, locator.nth(i).inner_text(), box)


@pytest.mark.parametrize("size", PHONES)
@pytest.mark.parametrize("lang", LANGS)
def test_phone_search_shows_results_first(open_page, shoot, lang, size):
    page = open_page(size)
    page.goto(f"/search?q=电池&lang={lang}")
    # the first result, whole, on the first screen; the filters wait behind their button
    box_in_first_screen(page, page.locator(".hits .hit").first)
    box_in_first_screen(page, page.locator(".results .summary"))
    assert result_count(page, lang) > 20
    assert page.locator("#filters").is_hidden()
    assert page.get_by_role("button", name=TEXT[lang]["filters"]).is_visible()
    assert_no_horizontal_scroll(page)
    if size == "phone":
        shoot(page, f"phone-search-{lang}")
        shoot(page, f"phone-search-first-screen-{lang}", full_page=False)


@pytest.mark.parametrize("size", PHONES)
def test_phone_filters_open_from_a_button_and_apply(open_page, shoot, size):
    page = open_page(size)
    page.goto("/search?q=电池")
    total = result_count(page)
    button = page.get_by_role("button", name="筛选")
    panel = page.locator("#filters")
    assert button.get_attribute("aria-controls") == "filters"
    assert button.get_attribute("aria-expanded") == "false" and panel.is_hidden()
    assert_height_at_least(button, THUMB, "filters button")
    # a tap opens them, under the button, above the results
    button.tap()
    assert button.get_attribute("aria-expanded") == "true" and panel.is_visible()
    city = panel.locator("section.facet[data-facet=city]")
    assert city.locator("h3").inner_text() == "所在地市"
    assert panel.bounding_box()["y"] < page.locator(".hits .hit").first.bounding_box()["y"]
    links = panel.locator("li a")
    assert_height_at_least(links, THUMB, "facet links")
    assert_within_width(page, links, "facet links")
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "filters open")
    if size == "phone":
        shoot(page, "phone-filters-open-zh")
    # the keyboard works them too: Escape closes and gives the focus back, Enter opens
    links.first.focus()
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false" and panel.is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('filters-toggle')")
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and panel.is_visible()
    # applying one: the results narrow, a chip says so, the results come first again
    first = city.locator("li").first
    name = first.locator("a").inner_text()
    count = int(first.locator(".count").inner_text().replace(",", ""))
    assert 0 < count < total
    with page.expect_navigation():
        first.locator("a").tap()
    assert query_of(page)["city"] and query_of(page)["q"] == ["电池"]
    assert result_count(page) == count
    chip = page.locator(".chips .chip:not(.clear)")
    assert chip.inner_text().startswith(f"所在地市: {name}")
    assert re.sub(r"\s", "", page.get_by_role("button", name="筛选").inner_text()) == "筛选(1)"
    assert page.locator("#filters").is_hidden()
    box_in_first_screen(page, page.locator(".hits .hit").first)
    assert_no_horizontal_scroll(page)
    if size == "phone":
        shoot(page, "phone-search-facet-zh")
    with page.expect_navigation():
        chip.tap()
    assert "city" not in query_of(page) and result_count(page) == total


@pytest.mark.parametrize("size", PHONES)
@pytest.mark.parametrize("lang", LANGS)
def test_phone_menu_collapses_and_opens(open_page, shoot, lang, size):
    t = TEXT[lang]
    page = open_page(size)
    page.goto(f"/search?q=电池&lang={lang}")
    nav = page.locator("nav#main-nav")
    assert nav.get_attribute("aria-label") == t["nav"]
    links = nav.locator("a")
    toggle = page.get_by_role("button", name=t["menu"])
    assert links.evaluate_all("els => els.map(e => e.textContent)") == t["links"]
    # the header is one line: name, menu button, language; the brand and the language stay in view
    assert toggle.get_attribute("aria-expanded") == "false" and toggle.get_attribute("aria-controls") == nav.get_attribute("id")
    assert nav.is_hidden()
    for item in (page.locator(".site-header .brand"), toggle, page.get_by_role("link", name=t["other"])):
        box_in_first_screen(page, item)
    assert_height_at_least(toggle, THUMB, "menu button")
    assert_height_at_least(page.get_by_role("link", name=t["other"]), THUMB, "language link")
    assert page.locator(".site-header").bounding_box()["height"] <= 80
    # open: every item shows, fits the width and is a thumb high
    toggle.tap()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("navigation", name=t["nav"]).get_by_role("link").all_inner_texts() == t["links"]
    for i in range(links.count()):
        assert links.nth(i).is_visible()
    assert_height_at_least(links, THUMB, "menu links")
    assert_within_width(page, links, "menu links")
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "menu open")
    if size == "phone":
        shoot(page, f"phone-menu-open-{lang}")
    # keyboard: Escape closes and puts the focus back on the button; Enter opens, Tab goes in
    links.first.focus()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and nav.is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == t["links"][0]
    # and an item leads where it says
    with page.expect_navigation():
        links.last.tap()  # sign in
    assert urlsplit(page.url).path == "/account/login"


# every page in both languages on the common phone, and on the narrow one in English (its words
# are the longest to wrap)
FIT_SIZES = [("zh", "phone"), ("en", "phone"), ("en", "phone-small")]


@pytest.mark.parametrize("lang, size", FIT_SIZES)
@pytest.mark.parametrize("kind", list(PAGES))
def test_phone_page_fits_the_screen(open_page, shoot, samples, kind, lang, size):
    """Every page fits a phone's screen and has what a thumb needs; on the larger phone axe-core
    finds nothing either (tests/e2e/test_accessibility.py runs it on a desktop)."""
    page = open_page(size)
    if kind in SIGNED_IN_KINDS:
        use_account(page, SIGNED_IN_KINDS[kind])
    response = page.goto(url_of(kind, samples, lang))
    assert response.status == (404 if kind == "not-found" else 200)
    page.evaluate("document.fonts.ready")
    if size == "phone":
        assert_accessible(page)
    assert_no_horizontal_scroll(page)
    width = page.viewport_size["width"]
    assert page.get_by_role("heading", level=1).count() == 1
    if kind in SEARCH_KINDS:
        box_in_first_screen(page, page.locator(".hits .hit").first)
        assert_height_at_least(page.locator(".type-tabs a"), THUMB, "type tabs")
        assert_height_at_least(page.locator(".chips .chip"), 32, "chips")
        assert_height_at_least(page.locator(".pager a"), THUMB, "pager")
        assert_height_at_least(page.locator(".summary .sort a, .summary .export a"), 32, "sort and export links")
    if kind in RECORD_KINDS:
        # one column: each label above its value, both at the left edge of the card
        dts, dds = page.locator("dl.fields dt"), page.locator("dl.fields dd")
        dt_boxes, dd_boxes = boxes(dts), boxes(dds)
        assert len(dt_boxes) == len(dd_boxes) > 3
        for i, (dt, dd) in enumerate(zip(dt_boxes, dd_boxes)):
            assert dt and dd, (dts.nth(i).inner_text(), dt, dd)
            assert abs(dt["x"] - dd["x"]) < 1 and dd["y"] >= dt["y"] + dt["height"] - 1, (dts.nth(i).inner_text(), dt, dd)
            assert dd["x"] + dd["width"] <= width
        h1 = page.locator("article.record h1").bounding_box()
        assert h1["x"] + h1["width"] <= width
    if kind in STATS_KINDS:
        # one column of charts, each drawn within the screen, with thumb-sized downloads
        page.locator("[data-chart] canvas").first.wait_for()
        assert_within_width(page, page.locator(".chart"), "charts")
        assert_height_at_least(page.locator(".chart-actions a, .chart-actions button"), THUMB, "chart downloads")
        assert_height_at_least(page.locator(".type-tabs a"), THUMB, "dashboard tabs")
    if kind in ("imports", "import-job"):
        # the table scrolls inside its own box, which fits the screen and takes the keyboard
        scrollers = page.locator(".table-scroll")
        assert scrollers.count() >= 1
        for i in range(scrollers.count()):
            scroller = scrollers.nth(i)
            assert scroller.locator("table").count() == 1 and scroller.get_attribute("tabindex") == "0"
            box = scroller.bounding_box()
            assert box["x"] + box["width"] <= width + 0.5
        assert_height_at_least(page.locator("form.upload button, form.cancel button"), THUMB, "form buttons")
    if size == "phone" and kind in ("search-home", "search-chips", "search-patents", "search-instruments", "no-results",
                                    "achievement", "patent", "instrument", "institution", "institution-long", "patent-long",
                                    "imports", "import-job", "not-found", *STATS_KINDS):
        shoot(page, f"phone-{kind}-{lang}")


@pytest.mark.parametrize("size", PHONES)
def test_phone_without_javascript(open_page, size):
    """No script: the menu shows whole (no button), the results still come first and a link
    leads down to the filters."""
    page = open_page(size, java_script_enabled=False)
    page.goto("/search?q=电池")
    assert_no_horizontal_scroll(page)
    assert page.get_by_role("button", name="菜单").count() == 0 or page.get_by_role("button", name="菜单").is_hidden()
    links = page.get_by_role("navigation", name="主导航").get_by_role("link")
    assert links.count() == len(TEXT["zh"]["links"])
    for i in range(links.count()):
        box_in_first_screen(page, links.nth(i))
    assert_height_at_least(links, THUMB, "menu links")
    first_hit = page.locator(".hits .hit").first.bounding_box()
    assert first_hit["y"] < page.viewport_size["height"]  # starts on the first screen
    filters = page.locator("#filters")
    assert filters.bounding_box()["y"] > first_hit["y"]
    jump = page.get_by_role("link", name="筛选")
    assert jump.is_visible()
    jump.tap()
    page.wait_for_url(re.compile(r"#filters$"))
    city = filters.locator("section.facet[data-facet=city] li a").first
    assert city.is_visible()
    assert page.evaluate("window.scrollY") > 0
