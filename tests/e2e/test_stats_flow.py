"""The statistics pages in a real browser: each dashboard draws its charts, a filter applies to
every chart, a click on a bar (with the mouse, and with the keyboard) opens the search of its
records, and a chart's CSV carries the numbers of the API and of the search totals."""
from __future__ import annotations

import csv
import io
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.a11y import assert_accessible

TITLES = {"zh": {"all": "总览", "achievement": "科技成果", "patent": "专利", "instrument": "大型科研仪器"},
          "en": {"all": "Overview", "achievement": "Achievements", "patent": "Patents", "instrument": "Research instruments"}}
TEXT = {"zh": {"apply": "应用筛选", "csv": "下载 CSV", "png": "保存为 PNG", "table": "以表格显示", "records": "查看这些记录"},
        "en": {"apply": "Apply filters", "csv": "Download CSV", "png": "Save as PNG", "table": "Show as a table", "records": "List these records"}}

# where a bar of this chart is: the pixel of (category index, value) on the chart's own axes
BAR_PIXEL = """([key, index]) => {
  const el = document.querySelector(`[data-chart="${key}"]`), chart = el._chart;
  const d = JSON.parse(document.getElementById(`chart-data-${key}`).textContent);
  const horizontal = d.kind === "hbar", value = d.counts[index];
  const [x, y] = chart.convertToPixel({seriesIndex: 0}, horizontal ? [value, index] : [index, value]);
  const box = el.getBoundingClientRect();
  // just inside the bar's end
  return {x: box.left + (horizontal ? x - 4 : x), y: box.top + (horizontal ? y : y + 4), count: value, link: d.links[index]};
}"""


def api_stats(page, query: str) -> dict:
    response = page.request.get(f"/api/v1/stats?{query}")
    assert response.ok
    return response.json()


def search_total(page, link: str) -> int:
    query = dict(parse_qsl(urlsplit(link).query))
    response = page.request.get("/api/v1/search", params={**query, "size": "1"})
    assert response.ok
    return response.json()["total"]


def page_total(page) -> int:
    return int(page.locator("[data-total]").inner_text().replace(",", ""))


def drawn(page) -> None:
    """Every chart of the page has its canvas."""
    page.locator("[data-chart] canvas").first.wait_for()
    assert page.locator("[data-chart]").count() == page.locator("[data-chart] canvas").count() > 0


@pytest.mark.parametrize("record_type, lang", [("all", "zh"), ("achievement", "zh"), ("patent", "en"), ("instrument", "zh")])
def test_each_dashboard_filters_and_clicks_through(open_page, shoot, record_type, lang):
    t = TEXT[lang]
    page = open_page("desktop")
    page.goto(f"/stats?type={record_type}&lang={lang}")
    drawn(page)
    assert page.locator(".type-tabs a[aria-current=page]").inner_text() == TITLES[lang][record_type]
    # with scripts the tables fold away under their charts; one click brings a table back
    first = page.locator("section.chart-card").first
    assert not first.locator("table").is_visible()
    first.get_by_text(t["table"]).click()
    assert first.locator("table").is_visible()
    assert_accessible(page, "dashboard")
    shoot(page, f"stats-{record_type}-{lang}")
    everything = page_total(page)

    # a filter from the bar above the charts applies to every chart, and the URL carries it
    select = page.locator("select[name=city]")
    select.select_option("changchun")
    with page.expect_navigation():
        page.get_by_role("button", name=t["apply"]).click()
    drawn(page)
    assert ("city", "changchun") in parse_qsl(urlsplit(page.url).query)
    filtered = page_total(page)
    api = api_stats(page, f"type={record_type}&city=changchun")
    assert filtered == api["total"] < everything
    assert filtered == search_total(page, api["search"])

    # a click on the largest bar of a bar chart opens the search that lists its records
    chart = next(c for c in api["charts"] if c["kind"] in ("bar", "hbar") and c["key"] != "city" and any(b["count"] for b in c["buckets"]))
    index = max(range(len(chart["buckets"])), key=lambda i: chart["buckets"][i]["count"])
    page.locator(f'[data-chart="{chart["key"]}"]').scroll_into_view_if_needed()
    spot = page.evaluate(BAR_PIXEL, [chart["key"], index])
    assert spot["count"] == chart["buckets"][index]["count"]
    with page.expect_navigation():
        page.mouse.click(spot["x"], spot["y"])
    assert urlsplit(page.url).path == "/search"
    opened = dict(parse_qsl(urlsplit(page.url).query))
    assert opened["city"] == "changchun" and opened[chart["key"]] == chart["buckets"][index]["value"]
    shown = page.locator(".summary").first.inner_text()
    assert f"{chart['buckets'][index]['count']:,}" in shown or str(chart["buckets"][index]["count"]) in shown


def test_the_keyboard_reaches_a_bar_and_opens_it(open_page):
    page = open_page("desktop")
    page.goto("/stats?type=achievement&lang=zh")
    drawn(page)
    api = api_stats(page, "type=achievement&lang=zh")
    trl = next(c for c in api["charts"] if c["key"] == "trl")
    page.locator('[data-chart="trl"]').focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    second = trl["buckets"][1]
    assert page.locator("#chart-status").inner_text().startswith(f"{second['label']}：{second['count']:,}")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert dict(parse_qsl(urlsplit(page.url).query))["trl"] == second["value"]


def test_a_chart_downloads_as_csv_and_png_with_the_numbers_of_the_api(open_page, tmp_path):
    page = open_page("desktop")
    page.goto("/stats?type=patent&lang=zh&open_licence=true")
    drawn(page)
    card = page.locator("#chart-legal_status")
    with page.expect_download() as got:
        card.get_by_role("link", name=TEXT["zh"]["csv"]).click()
    path = tmp_path / "legal_status.csv"
    got.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    api = api_stats(page, "type=patent&open_licence=true&lang=zh")
    buckets = next(c for c in api["charts"] if c["key"] == "legal_status")["buckets"]
    assert [(r[0], r[1], int(r[2])) for r in rows[1:]] == [(b["value"], b["label"], b["count"]) for b in buckets]
    # each row's count is the total of the search its link opens
    for row in rows[1:]:
        if int(row[2]):
            assert int(row[2]) == search_total(page, row[-1])
    assert sum(int(r[2]) for r in rows[1:]) == api["total"] == page_total(page)  # one legal status per patent
    with page.expect_download() as got:
        card.get_by_role("button", name=TEXT["zh"]["png"]).click()
    png = tmp_path / "legal_status.png"
    got.value.save_as(png)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and png.stat().st_size > 5_000


def test_without_scripts_the_tables_stand_in(open_page):
    page = open_page("desktop", java_script_enabled=False)
    page.goto("/stats?type=instrument&lang=zh")
    tables = page.locator("section.chart-card table")
    assert tables.count() == page.locator("section.chart-card").count()
    assert tables.first.is_visible()
    link = tables.first.locator("tbody a").first
    href = link.get_attribute("href")
    assert href.startswith("/search?type=instrument&instrument_class=")
