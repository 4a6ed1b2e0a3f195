"""What a reader does with the site, in a real headless Chromium against the running app:
search in Chinese, type-ahead, facets and chips, paging, record pages and cross links, the
language switch, exports, the no-results help, and the imports page. Each test checks what is
on the screen, and the main pages are saved as screenshots in both languages."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in, unavailable

COUNT_ZH = re.compile(r"共 ([\d,]+) 条结果")
COUNT_EN = re.compile(r"([\d,]+) results?")
# the search box is an ARIA combobox (its type-ahead list), named "检索词" ("Search words")
SEARCH_WORDS = re.compile(r"^(检索词|Search words)$")


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def result_count(page, pattern=COUNT_ZH) -> int:
    text = page.locator(".results .summary").inner_text()
    found = pattern.search(text)
    assert found, f"no result count in {text!r}"
    return int(found.group(1).replace(",", ""))


def hit_links(page) -> list[str]:
    return page.locator(".hits .hit a.title").evaluate_all("links => links.map(a => a.getAttribute('href'))")


FIRST_GLYPH = """el => {
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const at = node.data.search(/\\S/);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + 1);
    const glyph = range.getBoundingClientRect(), box = el.getBoundingClientRect();
    return {top: glyph.top, left: glyph.left - box.left};
  }
  return null;
}"""


def assert_values_beside_labels(page) -> None:
    """A value starts on its label's line, at the start of its column: no blank line or indent
    pushed in before it."""
    for dt, dd in list(zip(page.locator("dl.fields dt").all(), page.locator("dl.fields dd").all()))[:3]:
        label, value = dt.evaluate(FIRST_GLYPH), dd.evaluate(FIRST_GLYPH)
        assert abs(label["top"] - value["top"]) < 4, (dt.inner_text(), label, value)
        assert value["left"] < 4, (dt.inner_text(), value)


def search_for(page, text: str) -> None:
    """Type into the search box on the home page and press the search button."""
    page.goto("/")
    box = page.get_by_role("combobox", name=SEARCH_WORDS)
    box.fill(text)
    with page.expect_navigation():
        page.locator("form.search-box button[type=submit]").click()
    assert query_of(page)["q"] == [text]


SAME_GLYPH = """([a, b]) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const g = canvas.getContext("2d");
  g.font = "48px " + getComputedStyle(document.body).fontFamily;
  const draw = ch => { g.clearRect(0, 0, 64, 64); g.fillText(ch, 4, 52); return g.getImageData(0, 0, 64, 64).data.join(","); };
  return draw(a) === draw(b);
}"""


def test_chinese_text_has_a_font(page):
    """Without a CJK font every Chinese character is drawn as the same box (tofu), and the
    screenshots are unreadable: two different characters must look different."""
    page.goto("/")
    assert not page.evaluate(SAME_GLYPH, ["A", "B"])
    if page.evaluate(SAME_GLYPH, ["电", "池"]):
        unavailable("no font draws Chinese characters", "apt-get install fonts-noto-cjk")


def test_search_in_chinese(page, shoot):
    search_for(page, "电池")
    assert page.title().startswith("电池 - 检索")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    hits = page.locator(".hits .hit")
    assert hits.count() > 0
    n = result_count(page)
    assert n >= hits.count()
    marks = page.locator(".hits .hit mark")
    assert "电池" in marks.all_inner_texts()
    first = hits.first.locator("a.title, .snippet").evaluate_all("els => els.map(e => e.innerHTML).join(' ')")
    assert "<mark>电池</mark>" in first
    # the search box keeps the query
    assert page.get_by_role("combobox", name=SEARCH_WORDS).input_value() == "电池"
    assert_accessible(page)
    shoot(page, "search-results-zh")


def test_typeahead_suggests_as_you_type(page):
    page.goto("/")
    box = page.get_by_role("combobox", name=SEARCH_WORDS)
    box.press_sequentially("吉林", delay=50)
    options = page.locator("#suggestions li[role=option]")
    options.first.wait_for(state="visible")
    assert page.locator("#suggestions").is_visible()
    texts = options.all_inner_texts()
    assert texts and all("吉林" in t for t in texts), texts
    assert box.get_attribute("aria-expanded") == "true"
    # the arrow key picks one and Enter searches for it
    box.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    assert_accessible(page, "suggestions open", within=".search-box")
    with page.expect_navigation():
        box.press("Enter")
    assert query_of(page)["q"] == [texts[0]]
    assert result_count(page) >= 1
    # Escape closes the list
    page.get_by_role("combobox", name=SEARCH_WORDS).fill("")
    page.get_by_role("combobox", name=SEARCH_WORDS).press_sequentially("吉林", delay=50)
    page.locator("#suggestions li").first.wait_for(state="visible")
    page.get_by_role("combobox", name=SEARCH_WORDS).press("Escape")
    assert page.locator("#suggestions").is_hidden()


def test_apply_and_remove_a_facet(page, shoot):
    search_for(page, "电池")
    total = result_count(page)
    city = page.locator("section.facet[data-facet=city]")
    assert city.locator("h3").inner_text() == "所在地市"
    first = city.locator("li").first
    name = first.locator("a").inner_text()
    count = int(first.locator(".count").inner_text().replace(",", ""))
    assert 0 < count < total
    with page.expect_navigation():
        first.locator("a").click()
    assert "city" in query_of(page) and query_of(page)["q"] == ["电池"]
    assert result_count(page) == count
    chip = page.locator(".chips .chip:not(.clear)")
    assert chip.count() == 1
    assert chip.inner_text().startswith(f"所在地市: {name}")
    selected = page.locator("section.facet[data-facet=city] li.selected a")
    assert selected.inner_text() == name
    # every result shown is in that city
    assert all(name in meta for meta in page.locator(".hits .hit .meta").all_inner_texts())
    assert_accessible(page)
    shoot(page, "search-facet-city-zh")
    with page.expect_navigation():
        chip.click()
    assert "city" not in query_of(page)
    assert result_count(page) == total
    assert page.locator(".chips").count() == 0


def test_paging_and_back(page):
    search_for(page, "电池")
    total = result_count(page)
    first_page = hit_links(page)
    assert len(first_page) == 20 < total
    pager = page.get_by_role("navigation", name="分页")
    assert pager.locator("[aria-current=page]").inner_text() == "1"
    with page.expect_navigation():
        pager.get_by_role("link", name="2", exact=True).click()
    assert query_of(page)["page"] == ["2"]
    assert query_of(page)["q"] == ["电池"]
    second_page = hit_links(page)
    assert second_page and not set(second_page) & set(first_page)
    assert pager.locator("[aria-current=page]").inner_text() == "2"
    assert_accessible(page)
    assert result_count(page) == total
    with page.expect_navigation():
        pager.get_by_role("link", name="上一页").click()
    assert "page" not in query_of(page)
    assert hit_links(page) == first_page
    with page.expect_navigation():
        pager.get_by_role("link", name="下一页").click()
    assert query_of(page)["page"] == ["2"]
    page.go_back()
    page.wait_for_url(lambda url: "page=" not in url)
    assert hit_links(page) == first_page


def test_record_page_and_cross_links(page, shoot):
    page.goto("/search?type=achievement&q=电池")
    hit = page.locator(".hits .hit").first
    title = hit.locator("a.title").inner_text()
    with page.expect_navigation():
        hit.locator("a.title").click()
    assert re.search(r"/records/ach-\d+$", page.url)
    assert page.locator("article.record h1").inner_text() == title
    assert page.title().startswith(title)
    labels = page.locator("dl.fields dt").all_inner_texts()
    assert {"登记号", "技术领域", "成果简介"} <= set(labels), labels
    assert page.locator("dl.fields dd").count() == len(labels)
    assert_values_beside_labels(page)
    similar = page.locator("section.similar")
    if similar.count():
        assert similar.locator("h2").inner_text() == "相似记录"
        assert similar.locator("li a").count() >= 1
    assert_accessible(page)
    shoot(page, "record-achievement-zh")
    record_url = page.url
    # the institution that holds it, and back
    holder = page.locator("p.holders a").first
    name = holder.inner_text()
    with page.expect_navigation():
        holder.click()
    assert re.search(r"/records/org-\d+$", page.url)
    assert page.locator("article.record h1").inner_text() == name
    assert_values_beside_labels(page)
    related = page.locator("section.related h2")
    assert related.count() >= 1
    assert_accessible(page)
    shoot(page, "record-institution-zh")
    page.go_back()
    page.wait_for_url(record_url)
    assert page.locator("article.record h1").inner_text() == title
    # a similar record leads to another record page
    if similar.count():
        other = similar.locator("li a").first
        other_title = other.inner_text()
        with page.expect_navigation():
            other.click()
        assert page.url != record_url
        assert page.locator("article.record h1").inner_text() == other_title


def test_switch_language(page, shoot):
    page.goto("/search?q=电池")
    total = result_count(page)
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert query_of(page)["lang"] == ["en"] and query_of(page)["q"] == ["电池"]
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Search", exact=True).is_visible()
    assert page.locator("form.search-box button[type=submit]").inner_text() == "Search"
    assert result_count(page, COUNT_EN) == total
    assert page.locator("section.facet[data-facet=city] h3").inner_text() == "City"
    assert page.get_by_role("link", name="中文").is_visible()
    assert_accessible(page)
    shoot(page, "search-results-en")
    # the choice is remembered on the next page (no lang= in its URL)
    link = page.locator(".hits .hit a.title").first
    with page.expect_navigation():
        link.click()
    assert "lang=" not in page.url
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Similar records" in page.locator(".record-side").inner_text() or page.locator("section.similar").count() == 0
    assert page.locator("p.holders").inner_text().startswith("Institutions")
    assert_accessible(page)
    shoot(page, "record-achievement-en")
    holder = page.locator("p.holders a").first
    with page.expect_navigation():
        holder.click()
    assert page.locator("html").get_attribute("lang") == "en"
    shoot(page, "record-institution-en")
    # and back to Chinese, which is remembered too
    with page.expect_navigation():
        page.get_by_role("link", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.goto("/search?q=电池")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert result_count(page) == total
    assert page.get_by_role("link", name="English").is_visible()


def test_export_csv_and_excel(page, tmp_path):
    page.goto("/search?q=电池")
    total = result_count(page)
    export = page.locator(".summary .export")
    assert export.inner_text().startswith("导出")

    with page.expect_download() as info:
        export.get_by_role("link", name="CSV").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("检索结果-") and download.suggested_filename.endswith(".csv")
    target = tmp_path / "results.csv"
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), data[:16]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:3] == ["类型", "名称", "单位"]
    assert len(rows) == total + 1
    assert any("电池" in row[1] for row in rows[1:])

    with page.expect_download() as info:
        export.get_by_role("link", name="Excel").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / "results.xlsx"
    download.save_as(target)
    workbook = openpyxl.load_workbook(target, read_only=True)
    try:
        sheet = workbook.worksheets[0]
        table = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    assert list(table[0][:3]) == ["类型", "名称", "单位"]
    assert len(table) == total + 1
    assert [row[1] for row in table[1:]] == [row[1] for row in rows[1:]]
    # downloading did not leave the result page
    assert query_of(page)["q"] == ["电池"]


def test_no_results_offers_a_spelling(page, shoot):
    search_for(page, "锂电吃")
    assert result_count(page) == 0
    help_box = page.locator(".no-results")
    assert "没有找到与“锂电吃”匹配的记录" in help_box.inner_text()
    assert help_box.locator(".hint").is_visible()
    assert page.locator(".summary .export").count() == 0
    suggestion = help_box.locator("a[data-spelling]")
    assert suggestion.count() >= 1
    assert "您是不是要找" in help_box.locator("li").first.inner_text()
    assert_accessible(page)
    shoot(page, "no-results-zh")
    corrected = suggestion.first.inner_text()
    assert corrected == "锂电池"
    with page.expect_navigation():
        suggestion.first.click()
    assert query_of(page)["q"] == [corrected]
    assert result_count(page) > 0
    assert page.locator(".hits .hit").count() > 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_imports_page_shows_the_upload_form(page, shoot, lang):
    sign_in(page)
    page.goto(f"/imports/?lang={lang}")
    title = "批量导入" if lang == "zh" else "Bulk import"
    assert page.get_by_role("heading", level=1).inner_text() == title
    form = page.locator("form.upload")
    assert form.is_visible()
    assert form.locator("input[type=file][name=file]").is_visible()
    assert form.locator("select[name=record_type] option").count() == 5
    assert form.locator("input[name=csrf_token]").get_attribute("value")
    assert form.locator("button[type=submit]").inner_text() == ("上传并导入" if lang == "zh" else "Upload and import")
    assert page.locator("table.jobs").is_visible()
    assert_accessible(page)
    shoot(page, f"imports-{lang}")
