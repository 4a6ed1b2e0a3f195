"""The published annual list as files: the XLSX holds every entry and runs no formula, the PDF
embeds a Chinese font and shows the Chinese titles, fetches nothing, and the Atom feed reads
as a feed reader reads it. Lists are built in memory (no store): a published list is only data."""
from __future__ import annotations

import http.server
import io
import re
import threading
from datetime import datetime, timezone

import feedparser
import pytest
from openpyxl import load_workbook

from tests.apps import close_app, make_app
from tests.pdfread import pdf_streams, pdf_texts
from web.models import SelectionList
from web.services import selection_export as sx

pytestmark = pytest.mark.unit

FORMULA = {"auto_weight": 0.3, "expert_weight": 0.7,
           "auto_weights": {"trl": 25, "level": 25, "ip": 20, "transfer": 15, "completeness": 15},
           "rubric": {"innovation": 20, "indicators": 20, "difficulty": 20, "maturity": 20, "impact": 20},
           "outlier_gap": 20.0, "min_scores": 2, "tie_break": ["combined", "expert", "auto", "achievement_id"]}
CITIES = ["changchun", "jilin", "siping", None]
FIELDS = ["new_energy", "new_materials", "biomedicine", None]
LEVELS = ["intl_leading", "intl_advanced", "domestic_leading", None]
FIRST_TITLE = "风电机组故障诊断关键技术"
HOSTILE_TITLE = '=HYPERLINK("http://evil.example","点击")'
HOSTILE_HOLDER = "+cmd|' /C calc'!A0"
MARKUP_TITLE = '<img src="http://127.0.0.1:9/x.png">玉米秸秆还田技术'


def make_entry(rank: int) -> dict:
    """An entry as finalising stores it; rank 1 has a known title, rank 7 a hostile one."""
    title = {1: FIRST_TITLE, 7: HOSTILE_TITLE, 9: MARKUP_TITLE}.get(rank, f"第{rank}项 高性能复合材料制备工艺")
    holders = [{"id": f"org-{rank % 17 + 1}", "name": "吉林大学"}]
    if rank % 5 == 0:
        holders.append({"id": "org-99", "name": "中国科学院长春应用化学研究所"})
    if rank == 10:
        holders = [{"id": "org-66", "name": HOSTILE_HOLDER}]
    combined = round(95 - rank * 0.05, 2)
    return {
        "rank": rank, "achievement": f"ach-{1000 + rank}", "achievement_id": 1000 + rank, "title": title,
        "title_en": f"Achievement {rank}" if rank % 2 else None, "holders": holders, "nominated_by": "吉林大学",
        "source": "institution", "city": CITIES[rank % 4], "field": FIELDS[rank % 4], "level": LEVELS[rank % 4],
        "trl": rank % 9 + 1, "registered_at": "2025-03-01", "statement": "@SUM(1+1)" if rank == 3 else "推荐理由：技术成熟，已在省内企业应用。",
        "highlights": [{"code": "level", "value": LEVELS[rank % 4]}, {"code": "trl", "value": rank % 9 + 1}],
        "auto_parts": {"trl": 88.89, "level": 100.0, "ip": 80.0, "transfer": 85.0, "completeness": 91.67}, "auto": 89.64,
        "expert_scores": [{"scores": {"innovation": 90, "indicators": 85, "difficulty": 80, "maturity": 88, "impact": 86},
                           "total": 85.8, "kept": True}],
        "expert": None if rank == 250 else 84.1, "combined": combined,
    }


def make_list(year: int = 2026, revision: int = 1, count: int = 250, note: str | None = None,
              published_at: datetime = datetime(2026, 12, 20, 2, 30, tzinfo=timezone.utc)) -> SelectionList:
    entries = [make_entry(rank) for rank in range(1, count + 1)]
    return SelectionList(year=year, revision=revision, title=f"{year}年度吉林省高质量科技成果榜单",
                         title_en=f"Jilin high-quality achievements {year}", note=note, formula=FORMULA, entries=entries,
                         entry_count=len(entries), digest=f"{year:04d}{revision:02d}" + "ab" * 29, published_by="admin@test.local",
                         published_at=published_at)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("selection-export"))
    yield app
    close_app(app)


# -- XLSX ----------------------------------------------------------------------------------------
def test_xlsx_holds_every_entry_and_runs_no_formula():
    listing = make_list(note="更正：第12名成果的完成单位有误")
    wb = load_workbook(io.BytesIO(sx.list_xlsx(listing, "zh")))
    assert wb.sheetnames == ["榜单", "说明"]
    ws = wb["榜单"]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 250 + 1
    assert rows[0] == ("排名", "成果编号", "成果名称", "完成单位", "所在地市", "技术领域", "成果水平", "TRL", "预评分", "专家评分",
                       "综合得分", "推荐理由")
    assert ws.freeze_panes == "A2"
    first = rows[1]
    assert first[:3] == (1, "ach-1001", FIRST_TITLE)
    assert first[4:7] == ("吉林市", "新材料", "国际先进")  # rank 1: the second city, field and level
    assert first[8:11] == (89.64, 84.1, 94.95)
    assert rows[3][4:7] == (None, None, None)  # rank 3: no city, field or level
    assert rows[250][9] is None  # no expert score

    # nothing a spreadsheet would run: each cell keeps its text behind an apostrophe
    assert rows[7][2] == "'" + HOSTILE_TITLE
    assert rows[10][3] == "'" + HOSTILE_HOLDER
    assert rows[5][3] == "吉林大学；中国科学院长春应用化学研究所"
    assert rows[3][11] == "'@SUM(1+1)"
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate

    about = dict(wb["说明"].iter_rows(values_only=True))
    assert about["年度"] == 2026 and about["版本"] == 1 and about["入选成果数"] == 250
    assert about["数据摘要（SHA-256）"] == listing.digest
    assert about["更正说明"] == "更正：第12名成果的完成单位有误"
    assert about["发布时间"] == "2026-12-20 10:30 (UTC+08:00)"
    assert about["预评分权重"] == "30%" and about["专家评分权重"] == "70%"
    assert about["预评分：技术就绪度"] == 25 and about["专家评分：技术创新程度"] == 20
    assert "综合得分 = 预评分 × 30% + 专家评分 × 70%" in about["计算方法"]


def test_xlsx_in_english():
    wb = load_workbook(io.BytesIO(sx.list_xlsx(make_list(count=3), "en")))
    assert wb.sheetnames == ["List", "About"]
    rows = list(wb["List"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Rank", "ID", "Title", "Holders")
    assert rows[1][2] == "Achievement 1" and rows[2][2] == "第2项 高性能复合材料制备工艺"  # no English title: the Chinese one
    assert rows[1][4] == "Jilin City"
    assert dict(wb["About"].iter_rows(values_only=True))["Correction"] == "—"


def test_pdf_embeds_a_chinese_font_and_shows_the_titles(app):
    listing = make_list(note="更正：第12名成果的完成单位有误")
    with app.app_context():  # no request: a worker could make it too
        html = sx.render_list_pdf_html(listing, "zh")
        pdf = sx.list_pdf(listing, "zh")
    assert pdf.startswith(b"%PDF-")
    # escaped, not markup
    assert "&lt;img src=" in html and '<img src="http://127.0.0.1:9' not in html
    assert FIRST_TITLE in html and "更正：第12名成果的完成单位有误" in html

    streams = pdf_streams(pdf)
    objects = b"\n".join(streams)
    assert re.search(rb"/FontFile[23]?\b", objects), "no font is embedded"
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", objects))
    assert any(re.search(rb"Noto-?S(ans|erif)-?CJK", name, re.I) for name in fonts), fonts
    texts = pdf_texts(streams)
    assert any(FIRST_TITLE in text for text in texts)
    assert any("2026年度吉林省高质量科技成果榜单" in text for text in texts)
    assert any("玉米秸秆还田技术" in text for text in texts)


def test_pdf_fetches_nothing(tmp_path):
    """Neither the network nor the server's files: WeasyPrint may read data: URLs only."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        from PIL import Image

        local = tmp_path / "local.png"
        Image.new("RGB", (4, 4), "red").save(local)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        html = (f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{base}/style.css">'
                f'<style>@import url("{base}/more.css");</style></head><body>'
                f'<img src="{base}/remote.png"><img src="{local.as_uri()}"><p>测试</p></body></html>')
        pdf = sx.html_to_pdf(html)
    finally:
        server.shutdown()
        server.server_close()
    assert pdf.startswith(b"%PDF-")
    assert requests == []
    assert b"/Subtype /Image" not in b"\n".join([pdf, *pdf_streams(pdf)])


# -- Atom ----------------------------------------------------------------------------------------
def page_url(listing: SelectionList) -> str:
    return f"https://kjcg.example.cn/selection/{listing.year}/revisions/{listing.revision}"


def test_feed_lists_every_revision_newest_first():
    lists = [
        make_list(2025, 1, count=3, published_at=datetime(2025, 12, 18, 1, 0)),  # naive, as SQLite gives it back: UTC
        make_list(2026, 2, count=4, note="更正：第2名成果名称有误", published_at=datetime(2026, 12, 28, 8, 0, tzinfo=timezone.utc)),
        make_list(2026, 1, count=5, published_at=datetime(2026, 12, 20, 2, 30, tzinfo=timezone.utc)),
    ]
    feed_url = "https://kjcg.example.cn/selection/feed.atom"
    body = sx.lists_feed(lists, "zh", "https://kjcg.example.cn/", feed_url, page_url)
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == feed_url
    assert any(link.rel == "self" and link.href == feed_url for link in parsed.feed.links)
    assert parsed.feed.updated_parsed[:5] == (2026, 12, 28, 8, 0)

    entries = parsed.entries
    assert [e.link for e in entries] == [page_url(lists[1]), page_url(lists[2]), page_url(lists[0])]
    assert [e.id for e in entries] == [e.link for e in entries]
    assert entries[0].title == "2026年度吉林省高质量科技成果榜单（第2版，4项）"
    assert "更正：第2名成果名称有误" in entries[0].summary and lists[1].digest in entries[0].summary
    assert "共5项成果" in entries[1].summary and "更正" not in entries[1].summary
    assert entries[2].updated_parsed[:5] == (2025, 12, 18, 1, 0)


def test_feed_in_english_and_each_revision_needs_its_own_page():
    listing = make_list(2026, 1, count=2)
    parsed = feedparser.parse(sx.lists_feed([listing], "en", "https://kjcg.example.cn/", "https://kjcg.example.cn/f.atom", page_url))
    assert not parsed.bozo
    assert parsed.entries[0].title == "Jilin high-quality achievements 2026 (revision 1, 2 achievements)"
    with pytest.raises(ValueError):
        sx.lists_feed([listing, make_list(2026, 2, count=2)], "zh", "https://kjcg.example.cn/", "https://kjcg.example.cn/f.atom",
                      lambda _listing: "https://kjcg.example.cn/selection/2026")


def test_formula_text_follows_the_lists_own_weights():
    formula = {**FORMULA, "auto_weight": 0.35, "expert_weight": 0.65, "outlier_gap": 0}
    zh = sx.formula_text(formula, "zh")
    assert "预评分 × 35% + 专家评分 × 65%" in zh and "中位数" not in zh
    assert "依次比较专家评分、预评分、成果入库先后" in zh
    en = sx.formula_text(FORMULA, "en")
    assert "pre-score × 30% + expert score × 70%" in en and "more than 20 points from the median" in en
    assert sx.filenames(make_list(count=1), "pdf") == ("2026年度高质量科技成果榜单-第1版.pdf", "selection-2026-r1.pdf")
