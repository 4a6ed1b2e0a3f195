"""Exporting a search: CSV and XLSX hold exactly the search's results (up to the limit), are
labelled in the reader's language, and cannot carry a formula into a spreadsheet."""
from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import quote

import pytest

from tests.apps import close_app, make_app
from openpyxl import load_workbook

from indexer import IndexDoc
from web.proxies import current_search, current_services
from web.services.export import COLUMNS, ExportService, clean_text
from web.services.identity import anonymous_identity
from web.services.search import SearchParams

TYPES = ["achievement", "patent", "instrument", "all"]
ZH_HEADERS = {
    "achievement": ["成果名称", "登记号", "完成单位", "技术领域", "技术就绪度", "成果水平", "转化方式", "意向价格(元)", "所在地市", "登记日期", "链接"],
    "patent": ["专利名称", "申请号", "公开号", "专利类型", "法律状态", "主分类号", "申请人", "开放许可", "许可费(元)", "申请日", "链接"],
    "instrument": ["仪器名称", "所在单位", "仪器分类", "规格型号", "生产厂商", "原值(元)", "是否共享", "所在地市", "链接"],
    "all": ["类型", "名称", "单位", "所在地市", "技术领域", "年份", "链接"],
}
HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    " =1+1",  # a formula behind a space
    "\t=1+1",
    "\x07=bell\x01",  # characters XML forbids, and a formula once they are gone
]
MARKER = "注入测试单位"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("export"), "demo", "load", "--achievements", "120", "--patents", "80", "--instruments", "40")
    yield app
    close_app(app)


@pytest.fixture
def client(app):
    return app.test_client()


def search_total(app, record_type: str, **selections: list[str]) -> int:
    with app.app_context():
        return current_services.search.count(anonymous_identity, SearchParams(record_type, selections=dict(selections)))


def search_ids(app, record_type: str) -> list[str]:
    """Ids in the search page's order, page by page."""
    ids: list[str] = []
    with app.app_context():
        page = 1
        while True:
            view = current_services.search.search(anonymous_identity, SearchParams(record_type, page=page, size=100))
            ids += [h["id"] for h in view.hits]
            if page >= view.pages:
                return ids
            page += 1


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def read_xlsx(response):
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def query_sheet(wb) -> dict[str, object]:
    return {row[0]: row[1] for row in wb["检索条件 Query"].iter_rows(values_only=True)}


@pytest.mark.parametrize("record_type", TYPES)
def test_the_csv_holds_every_result_in_the_search_order(app, client, record_type):
    rows = read_csv(client.get(f"/search/export.csv?type={record_type}"))
    assert rows[0] == ZH_HEADERS[record_type]
    ids = search_ids(app, record_type)
    assert len(rows) - 1 == search_total(app, record_type) == len(ids) > 0
    assert [r[-1] for r in rows[1:]] == [f"http://localhost/records/{i}" for i in ids]
    assert all(len(r) == len(ZH_HEADERS[record_type]) for r in rows)


@pytest.mark.parametrize("record_type", TYPES)
def test_the_xlsx_holds_every_result_with_a_query_sheet(app, client, record_type):
    response = client.get(f"/search/export.xlsx?type={record_type}")
    wb = read_xlsx(response)
    assert wb.sheetnames == ["检索结果 Results", "检索条件 Query"]
    ws = wb.worksheets[0]
    total = search_total(app, record_type)
    assert ws.max_row == total + 1
    assert [c.value for c in ws[1]] == ZH_HEADERS[record_type]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(ZH_HEADERS[record_type])).column_letter}{total + 1}"
    assert all((ws.column_dimensions[c.column_letter].width or 0) >= 8 for c in ws[1])
    link = ws.cell(2, len(ZH_HEADERS[record_type]))
    assert link.value.startswith("http://localhost/records/") and link.hyperlink.target == link.value
    info = query_sheet(wb)
    assert info["检索结果总数"] == total and info["导出条数"] == total
    assert str(info["是否截断"]).startswith("否")
    assert info["排序"] == "最新发布" and info["筛选条件"] == "（无）"
    assert response.headers["X-Export-Truncated"] == "false"


def test_walking_with_the_cursor_gives_the_pages_in_order(app):
    with app.app_context():
        service = ExportService(current_services.search, page_size=7)
        for record_type in ("achievement", "all"):
            ids = [doc["id"] for doc in service.rows(anonymous_identity, SearchParams(record_type))]
            assert ids == search_ids(app, record_type)


def test_the_export_stops_at_the_limit_and_says_so(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 50)
    total = search_total(app, "all")
    response = client.get("/search/export.csv?type=all")
    rows = read_csv(response)
    assert len(rows) == 51 and response.headers["X-Export-Truncated"] == "true"
    assert response.headers["X-Export-Rows"] == "50" and response.headers["X-Total-Count"] == str(total)
    assert [r[-1].rsplit("/", 1)[1] for r in rows[1:]] == search_ids(app, "all")[:50]  # data only, no note row
    response = client.get("/search/export.xlsx?type=all&lang=en")
    wb = read_xlsx(response)
    assert wb.worksheets[0].max_row == 51 and response.headers["X-Export-Truncated"] == "true"
    info = query_sheet(wb)
    assert info["Rows exported"] == 50 and info["Matching records"] == total
    assert str(info["Truncated"]).startswith(f"Yes: only the first 50 of {total}")


def test_labels_follow_the_reader_language(client):
    zh = read_csv(client.get("/search/export.csv?type=achievement&city=changchun"))
    en = read_csv(client.get("/search/export.csv?type=achievement&city=changchun&lang=en"))
    assert en[0][:4] == ["Title", "Registration no.", "Holders", "Technology field"]
    city = ZH_HEADERS["achievement"].index("所在地市")
    assert {r[city] for r in zh[1:]} == {"长春市"} and {r[city] for r in en[1:]} == {"Changchun"}
    modes = ZH_HEADERS["achievement"].index("转化方式")
    several = [i for i, r in enumerate(zh) if "；" in r[modes]]
    assert several and all("; " in en[i][modes] for i in several)
    assert len(en[0]) == len(zh[0]) and len(en) == len(zh)

    fresh = client.application.test_client()  # the language also comes from the cookie, then the browser
    fresh.set_cookie("lang", "en")
    assert read_csv(fresh.get("/search/export.csv?type=patent"))[0][0] == "Title"
    browser = client.application.test_client()
    assert read_csv(browser.get("/search/export.csv?type=instrument", headers={"Accept-Language": "en"}))[0][0] == "Name"
    assert read_csv(client.application.test_client().get("/search/export.csv?type=instrument"))[0][0] == "仪器名称"


def test_values_are_labels_dates_and_numbers(app):
    with app.app_context():
        service = ExportService(current_services.search)
        doc = {"id": "ach-x", "title": "样例", "holders": ["甲大学", "乙研究所"], "field": "new_materials", "trl": 6, "level": "intl_leading",
               "transfer_modes": ["license", "transfer"], "price_amount": 100000.0, "price_mode": "range",
               "display": {"price_amount_max": 500000.0}, "city": "jilin", "registered_at": "2024-03-01"}
        cols = COLUMNS["achievement"]
        zh = {c.zh: service.value(c, doc, "zh", "https://kj.jl.gov.cn/") for c in cols}
        en = {c.en: service.value(c, doc, "en", "https://kj.jl.gov.cn/") for c in cols}
    assert zh["完成单位"] == "甲大学；乙研究所" and en["Holders"] == "甲大学; 乙研究所"
    assert zh["技术领域"] == "新材料" and en["Technology field"] == "New materials"
    assert zh["技术就绪度"].startswith("6（") and en["TRL"].startswith("6 (")
    assert zh["转化方式"] == "许可；转让" and en["Transfer modes"] == "Licence; Assignment"
    assert zh["意向价格(元)"] == "100000-500000"
    assert zh["登记日期"] == date(2024, 3, 1) and zh["链接"] == "https://kj.jl.gov.cn/records/ach-x"
    assert service.value(cols[7], {"price_mode": "negotiable"}, "zh", "") == "面议"
    assert service.value(cols[7], {"price_amount": 80000.0, "price_mode": "fixed"}, "zh", "") == 80000


@pytest.fixture
def hostile(app):
    """Published records whose titles are formulas (and one draft that must never show)."""
    base = {"record_type": "achievement", "holders": [MARKER], "city": "changchun", "field": "new_materials", "year": 2024,
            "trl": 5, "published_at": "2024-01-01T00:00:00Z", "registered_at": "2024-01-01"}
    docs = [IndexDoc(f"ach-90{i}", 1, base | {"id": f"ach-90{i}", "status": "published", "title": title, "registration_no": title})
            for i, title in enumerate(HOSTILE)]
    docs.append(IndexDoc("ach-999", 1, base | {"id": "ach-999", "status": "draft", "title": "草稿不可导出"}))
    with app.app_context():
        report = current_search.index_documents("achievements", docs)
        assert not report.errors
        current_search.refresh("achievements")
    yield [d.id for d in docs]
    with app.app_context():
        current_search.delete_documents("achievements", [d.id for d in docs])
        current_search.refresh("achievements")


def test_formulas_never_reach_the_spreadsheet(client, hostile):
    rows = read_csv(client.get(f"/search/export.csv?type=achievement&holder={quote(MARKER)}&sort=registered"))
    titles = {r[0] for r in rows[1:]}
    assert len(rows) - 1 == len(HOSTILE) and "草稿不可导出" not in titles  # drafts stay hidden
    assert all(t.startswith("'") for t in titles), titles
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in titles and "'=bell" in titles and "'=1+1" in titles
    assert all(r[1].startswith("'") for r in rows[1:])  # every text column, not only the title

    wb = read_xlsx(client.get(f"/search/export.xlsx?type=achievement&holder={quote(MARKER)}"))
    ws = wb.worksheets[0]
    cells = [ws.cell(row, col) for row in range(2, ws.max_row + 1) for col in (1, 2)]
    assert len(cells) == 2 * len(HOSTILE)
    assert all(c.data_type == "s" and c.value.startswith("'") for c in cells), [(c.value, c.data_type) for c in cells]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_clean_text_removes_what_xml_forbids_and_escapes_formulas():
    assert clean_text("普通标题") == "普通标题"
    assert clean_text("a\x00b\x1fc\ufffe") == "abc"
    assert clean_text("\r\n@cmd") == "'@cmd"
    assert clean_text("说明：-5 ℃ 保存") == "说明：-5 ℃ 保存"


def test_filters_in_the_url_narrow_the_export(app, client):
    narrowed = search_total(app, "achievement", city=["changchun"], trl=["6"])
    assert 0 < narrowed < search_total(app, "achievement")
    rows = read_csv(client.get("/search/export.csv?type=achievement&city=changchun&trl=6"))
    assert len(rows) - 1 == narrowed
    header = rows[0]
    assert all(r[header.index("所在地市")] == "长春市" and r[header.index("技术就绪度")].startswith("6（") for r in rows[1:])
    wb = read_xlsx(client.get("/search/export.xlsx?type=achievement&city=changchun&trl=6&q="))
    info = query_sheet(wb)
    assert info["筛选条件：所在地市"] == "长春市" and info["筛选条件：技术就绪度"] == "相关环境中的系统/子系统验证"
    assert info["导出条数"] == narrowed and "city=changchun" in str(info["检索页面"])


def test_the_file_is_an_excel_friendly_attachment(client):
    response = client.get("/search/export.csv?type=instrument")
    assert response.data.startswith("\ufeff".encode()) and b"\r\n" in response.data
    assert response.data.count(b"\n") == response.data.count(b"\r\n")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="search-results-') and disposition.endswith(".csv")
    assert "filename*=UTF-8''" + quote("检索结果-") in disposition
    assert response.headers["Cache-Control"] == "private, no-store"


def test_bad_parameters_are_refused(client):
    assert client.get("/search/export.csv?type=bogus").status_code == 422
    assert client.get("/search/export.xlsx?type=patent&trl=6").status_code == 400  # no TRL filter on patents
