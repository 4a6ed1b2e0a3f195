"""The yearly statistics report: an administrator makes the PDF of a year at /admin/reports (or
with ``flask stats report``), it is archived (every version kept, newest first) and downloadable
by administrators only; the PDF embeds the CJK font and prints the year's numbers."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from tests.apps import close_app, make_app, signed_in
from tests.factories import AchievementInput
from tests.pdfread import pdf_streams, pdf_texts
from web.extensions import db
from web.models import AuditEvent, StatsReport
from web.proxies import current_search, current_services
from web.services.identity import Identity, system_identity
from web.services.records import PermissionDenied
from web.services.stats_report import REPORT_CHARTS
from web.stats_options import DASHBOARDS

pytestmark = pytest.mark.integration

YEAR = 2025
HOLDER = "吉林大学"


def patent(n: int, filed: str, kind: str = "invention", granted: str | None = None, open_licence: bool = False) -> dict:
    return {"title": f"一种测试用装置及方法{n}", "application_no": f"CN{filed[:4]}1{n:08d}", "filed_at": filed, "kind": kind,
            "granted_at": granted, "legal_status": "in_force" if granted else "pending", "applicants": [HOLDER],
            "ipc_main": "G01N 21/00", "ipc": ["G01N 21/00"], "city": "changchun",
            "open_licence": {"declared_at": f"{filed[:4]}-06-01", "payment": "lump_sum", "fee": 50_000} if open_licence else None}


def instrument(n: int, commissioned: str, shared: bool, hours: float = 0, external: float = 0, income: float = 0) -> dict:
    return {"name": f"测试用质谱仪{n}", "institution": HOLDER, "commissioned_at": commissioned, "value": 1_200_000,
            "instrument_class": "analytical", "city": "changchun", "run_status": "normal", "shared": shared,
            "service_modes": ["commissioned_testing"], "annual_open_hours": hours, "external_hours_per_year": external,
            "external_income_per_year": income}


def load(app, record_type: str, items: list[dict]) -> None:
    """Validate and store records as published, as the demo loader and tests/factories do."""
    with app.app_context():
        service = current_services.for_type(record_type)
        with current_services.unit_of_work() as uow:
            service.upsert_many(system_identity, [service.validate(i) for i in items], uow, source="tests")
        current_search.refresh()
        db.session.remove()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """2025: 7 achievements (2 transferred), 4 patents filed (3 inventions, 1 under an open
    licence), 1 instrument put in service; before: 3 achievements, 2 patents (one granted in
    2025), 3 instruments. In service by the end of 2025: 4 instruments, 3 of them shared."""
    app = make_app(tmp_path_factory.mktemp("stats-report"))
    load(app, "achievement", [AchievementInput(transferred=n < 2) for n in range(7)]
         + [AchievementInput(registered_at="2024-05-01") for _ in range(3)])
    load(app, "patent", [patent(1, "2025-02-01", open_licence=True), patent(2, "2025-03-01"), patent(3, "2025-04-01"),
                         patent(4, "2025-05-01", kind="utility"), patent(5, "2024-02-01", granted="2025-03-15"),
                         patent(6, "2024-03-01")])
    load(app, "instrument", [instrument(1, "2025-03-01", True, 1200, 500, 80_000), instrument(2, "2020-06-01", True, 1000, 400, 50_000),
                             instrument(3, "2018-06-01", True, 800, 300, 20_000), instrument(4, "2019-06-01", False)])
    yield app
    close_app(app)


def generate_on_the_page(app, client, year: int = YEAR, locale: str = "zh"):
    page = client.get("/admin/reports")
    assert page.status_code == 200
    made = client.post("/admin/reports", data={"year": year, "locale": locale, "csrf_token": client.csrf})
    assert made.status_code == 303 and made.headers["Location"].endswith("/admin/reports"), made.get_data(as_text=True)[:500]
    with app.app_context():
        report = db.session.scalars(select(StatsReport).order_by(StatsReport.id.desc())).first()
        db.session.expunge_all()
    return report


# -- tests ---------------------------------------------------------------------------------------
def test_the_report_charts_are_charts_of_the_dashboards():
    for board, keys in REPORT_CHARTS.items():
        assert all(DASHBOARDS[board].chart(k) is not None for k in keys), board


def test_an_administrator_makes_a_report_that_is_archived_listed_and_downloadable(app):
    admin = signed_in(app, "admin")
    report = generate_on_the_page(app, admin)
    assert report.year == YEAR and report.locale == "zh" and report.created_by == admin.user_id
    s = report.summary
    assert s["records"] == {"achievement": 7, "patent": 4, "instrument": 1, "total": 12}
    assert s["achievements"]["registered"] == 7 and s["achievements"]["transferred"] == 2
    assert s["patents"] | {"change": None} == {"filed": 4, "change": None, "invention": 3, "granted": 1, "open_licence": 1,
                                                "open_licence_total": 1}
    assert s["instruments"] == {"new": 1, "in_service": 4, "shared": 3, "value": 4_800_000, "annual_open_hours": 3000,
                                "external_hours": 1200, "external_income": 150_000}
    assert s["version"] == 1 and s["pages"] >= 8 and 0 < s["seconds"] < 60
    print(f"\nPDF: {s['pages']} pages, {report.size:,} bytes, made in {s['seconds']} s")

    # the flash and the archive list
    page = admin.get("/admin/reports").get_data(as_text=True)
    assert "已生成 2025 年度统计报告（第 1 版" in page
    assert report.filename in page and f"/admin/reports/{report.id}.pdf" in page and "年度报告" in page  # the admin nav links it

    # the download: the archived bytes, as an attachment
    got = admin.get(f"/admin/reports/{report.id}.pdf")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;") and "filename*=UTF-8''" in got.headers["Content-Disposition"]
    pdf = got.data
    assert pdf.startswith(b"%PDF-") and len(pdf) == report.size and hashlib.sha256(pdf).hexdigest() == report.sha256

    # the CJK font is embedded (subset), and the year's numbers are printed as text
    streams = pdf_streams(pdf)
    objects = b"\n".join(streams)
    assert re.search(rb"/FontFile[23]?\b", objects), "no font is embedded"
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Z]{6}\+[\w-]+)", objects))
    assert any(re.search(rb"Noto-?S(ans|erif)-?CJK", name, re.I) for name in fonts), fonts
    texts = pdf_texts(streams)  # one per font: regular and bold text read in their own font's map

    def printed(pattern: str) -> bool:
        return any(re.search(pattern, t) for t in texts)

    assert printed("吉林省科技成果转化信息平台") and printed("年度统计报告") and printed("2025")
    assert printed(r"科技成果\s*7\s*58\.3%"), "the records table: 7 achievements of 12"
    assert printed(r"专利\s*4\s*33\.3%") and printed(r"大型科研仪器\s*1\s*8\.3%")
    assert printed(r"年份\s*科技成果\s*专利\s*大型科研仪器\s*合计\s*比上年"), "the overview's trend table"
    assert printed(r"2024\s*3\s*2\s*0\s*5") and printed(r"2025\s*7\s*4\s*1\s*12\s*\+140\.0%")
    assert printed(r"截至年底在役 4 台套") and printed(r"共享仪器年开放机时（小时）\s*3,000")
    # the charts are drawn: vector paths with the labels' glyphs as outlines (curves; the tables have none)
    assert len(re.findall(rb"(?m) c$", objects)) > 1_000

    # the audit log has it
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stats_report.generate").order_by(AuditEvent.id.desc()))
        assert event.target == f"stats_report:{report.id}" and event.details["year"] == YEAR and event.actor_id == admin.user_id


def test_a_second_report_of_the_year_is_a_new_version_and_the_command_makes_one(app, tmp_path):
    with app.app_context():
        before = [r.id for r in current_services.stats_reports.list(system_identity, YEAR)]
    out = tmp_path / "report.pdf"
    result = app.test_cli_runner().invoke(args=["stats", "report", str(YEAR), "--lang", "en", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output and "made in" in result.output
    with app.app_context():
        reports = current_services.stats_reports.list(system_identity, YEAR)
        newest = reports[0]
        assert [r.id for r in reports[1:]] == before  # the earlier versions stay, newest first
        assert newest.locale == "en" and newest.created_by is None and newest.summary["version"] == len(before) + 1
        assert newest.filename == f"jilin-statistics-report-{YEAR}-v{len(before) + 1}.pdf"
        assert out.read_bytes() == newest.pdf
        db.session.remove()
    text = "\n".join(pdf_texts(pdf_streams(out.read_bytes())))
    assert "Research instrument" in text  # the labels in English


def test_only_administrators_make_or_read_reports(app):
    with app.app_context():  # an archived report (made here directly: its content is not the point)
        stored = StatsReport(year=2024, locale="zh", filename="2024.pdf", size=8, sha256=hashlib.sha256(b"%PDF-1.7").hexdigest(),
                             summary={}, pdf=b"%PDF-1.7")
        db.session.add(stored)
        db.session.commit()
        report_id = stored.id
        with pytest.raises(PermissionDenied):
            current_services.stats_reports.generate(Identity("1", frozenset({"reviewer"})), YEAR, "zh")
        with pytest.raises(PermissionDenied):
            current_services.stats_reports.get(Identity("1", frozenset({"publisher"}), institution_id=1), report_id)
        with pytest.raises(PermissionDenied):
            current_services.stats_reports.list(Identity("1", frozenset({"investor"})))
        db.session.remove()
    for role in ("publisher", "reviewer", "investor"):
        client = signed_in(app, role)
        assert client.get("/admin/reports").status_code == 403
        assert client.get(f"/admin/reports/{report_id}.pdf").status_code == 403
        assert client.post("/admin/reports", data={"year": YEAR, "locale": "zh", "csrf_token": client.csrf}).status_code == 403
    anonymous = app.test_client().get(f"/admin/reports/{report_id}.pdf")
    assert anonymous.status_code in (302, 303) and "/account/login" in anonymous.headers["Location"]
    assert signed_in(app, "admin").get("/admin/reports/999999.pdf").status_code == 404


def test_a_post_without_the_csrf_token_makes_nothing(app):
    admin = signed_in(app, "admin")
    with app.app_context():
        count = len(current_services.stats_reports.list(system_identity))
    refused = admin.post("/admin/reports", data={"year": YEAR, "locale": "zh"})
    assert refused.status_code == 403
    forged = admin.post("/admin/reports", data={"year": YEAR, "locale": "zh", "csrf_token": "not-the-token"})
    assert forged.status_code == 403
    with app.app_context():
        assert len(current_services.stats_reports.list(system_identity)) == count
        db.session.remove()
