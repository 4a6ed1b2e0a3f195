"""A real browser against a real server: Debian's headless Chromium, driven by Playwright's
sync API, talks over HTTP to the app served by werkzeug on 127.0.0.1 (a random free port) from
a fresh SQLite store loaded with demo data.

Playwright never downloads a browser here: it launches the system Chromium
(``/usr/bin/chromium``, or ``TT_TEST_CHROMIUM``). Without it, or without the playwright
package, the browser tests skip with a one-line reason; under CI=true they fail instead.
Chinese text needs a CJK font (Debian: fonts-noto-cjk), or every character is drawn as the
same empty box; ``test_chinese_text_has_a_font`` checks that the same way.

Screenshots of the main pages go to ``test-artifacts/screenshots/`` at the repository root
(git-ignored); a failing test leaves one named ``FAILED-<test>.png`` there too.

Pages open at a desktop size (``page``) or on a phone (``open_page("phone")``: 390×844, or
"phone-small": 360×740, both touch screens with a mobile viewport). Besides the demo data the
store holds a few records made to stress a narrow screen (``SAMPLES``: long titles, a long URL, a
long IPC list, an English-only title) and an import job with rejected records.

``tests.e2e.a11y.assert_accessible(page)`` runs axe-core (``node_modules/``, installed by ``npm ci``
from package-lock.json) on the page and fails with every WCAG 2.1 A/AA violation."""
from __future__ import annotations

import io
import os
import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-gpu", "--disable-quic", "--no-first-run",
]
DEMO = ["demo", "load", "--achievements", "300", "--patents", "200", "--instruments", "100"]
# the Elasticsearch site runs the publishing flow only: a small set loads in seconds
ES_DEMO = ["demo", "load", "--achievements", "40", "--patents", "20", "--instruments", "10"]
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "phone-small": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True},
}
LONG_URL = "https://www.jilin-provincial-technology-transfer-demonstration-centre.example.com.cn/achievements/2026/very-long-path-segment-without-any-break/index.html?source=test&campaign=narrow-screens"
LONG_IPC = "；".join(f"C08K{n}/{n * 7 % 100:02d}" for n in range(3, 23))
# Records made for the narrow-screen and language tests: (record type, file name, columns)
SAMPLE_IMPORTS = [
    ("institution", "长名称单位.csv", {
        "名称": "吉林省先进功能材料与智能制造技术协同创新研究院有限责任公司",
        "英文名称": "Jilin Provincial Collaborative Innovation Institute for Advanced Functional Materials and Intelligent Manufacturing Technology Co., Ltd.",
        "网址": LONG_URL,
        "简介": "研究院的数据接口地址为" + LONG_URL + "，联系邮箱 technology-transfer-office.collaborative-innovation@jilin-advanced-materials.example.com.cn。",
    }),
    ("patent", "long-ipc.csv", {
        "申请号": "202610999001.5", "公开号": "CN119999001A", "授权公告号": "",
        "专利名称": "一种基于多尺度拓扑优化与原位表征的超高强度碳纤维增强热塑性复合材料构件的连续化制备方法及其在新能源汽车轻量化车身中的应用",
        "英文名称": "Continuous preparation of ultra-high-strength carbon-fibre-reinforced thermoplastic composite parts by multiscale topology optimisation",
        "主分类号": "C08K3/21", "分类号": LONG_IPC,
        "主权项": "1. 一种复合材料，其特征在于包含2,2'-双(4-羟基苯基)六氟丙烷-co-4,4'-二氨基二苯醚-block-聚(对苯二甲酰对苯二胺)共聚物PolyHexafluoroisopropylideneDiphenylEtherTerephthalamideCopolymerWithoutAnyBreakingSpace。",
    }),
    ("patent", "uspto.csv", {
        "申请号": "US17999002", "公开号": "US20269999002A1", "授权公告号": "", "申请日": "2024-01-05", "公开日": "2025-07-10",
        "授权公告日": "", "国省代码": "", "开放许可声明日": "", "许可使用费支付方式": "", "提成比例": "", "支付标准": "", "许可期限": "",
        "专利名称": "Solid-state lithium battery with a gradient ceramic electrolyte", "英文名称": "",
        "摘要": "A solid-state lithium battery whose ceramic electrolyte has a composition gradient across its thickness.",
    }),
    ("instrument", "instrument.csv", {
        "仪器名称": "超高分辨率场发射透射电子显微镜（球差校正、冷场发射、原位加热与力学样品杆）",
        "仪器编号": "JLU-TEM-2026-0000000000000000000000000000000001",
        "电子邮箱": "high-resolution-transmission-electron-microscopy-centre@analysis.jlu.example.edu.cn",
    }),
]
# (nothing here mentions 电池, the word the other browser tests search for)
REJECTS_CSV = ("成果名称,完成单位,技术就绪度,关键词\n寒地水稻钵育摆栽新工艺,吉林农业大学,6,水稻\n坏的记录,吉林大学,十二,水稻\n"
               "另一条坏记录，名称很长很长很长很长很长很长很长很长很长很长很长很长,吉林大学,20,水稻\n")


def unavailable(missing: str, install: str) -> None:
    """Skip with a one-line reason; under CI=true fail instead."""
    if IN_CI:
        pytest.fail(f"browser tests cannot run under CI=true: {missing} ({install})")
    pytest.skip(f"browser tests skipped: {missing} ({install})")


def chromium_path() -> str | None:
    given = os.environ.get("TT_TEST_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    return shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def csv_of(record_type: str, values: dict[str, str]) -> bytes:
    """The import template's example row with some columns replaced (headers without the "*")."""
    import csv

    from ingest.templates import example_row, template_headers

    headers = [h.rstrip("*") for h in template_headers(record_type)]
    row = dict(zip(headers, example_row(record_type)))
    unknown = set(values) - set(headers)
    assert not unknown, f"not columns of the {record_type} template: {unknown}"
    row.update(values)
    out = io.StringIO()
    csv.writer(out).writerows([headers, [row[h] for h in headers]])
    return out.getvalue().encode("utf-8")


def import_file(app, data: bytes, filename: str, record_type: str | None):
    """What the upload form and the worker do: a job for the file, run to its end."""
    from ingest.pipeline import ImportPipeline
    from web.services.imports import ImportService

    with app.app_context():
        job = ImportService.from_app().create_file_job(None, io.BytesIO(data), filename, record_type=record_type)
        job = ImportPipeline().run(job.id)
        assert job.status == "done", (filename, job.status, job.message)
        return job.id, job.rejected


def sample_pages(app) -> dict[str, str]:
    """Paths of the stress records and the import job with rejections (see SAMPLE_IMPORTS)."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import Institution, Instrument, Patent

    pages = {}
    for record_type, filename, values in SAMPLE_IMPORTS:
        import_file(app, csv_of(record_type, values), filename, record_type)
    job_id, rejected = import_file(app, REJECTS_CSV.encode("utf-8"), "rejected-records-with-a-rather-long-file-name-2026.csv", "achievement")
    assert rejected == 2
    with app.app_context():
        def path_of(model, column, value):  # by the start of the title: the import normalises punctuation
            rec = db.session.scalars(select(model).where(column.startswith(value[:12]))).one()
            return f"/records/{rec.public_id}"

        pages["institution-long"] = path_of(Institution, Institution.name, SAMPLE_IMPORTS[0][2]["名称"])
        pages["patent-long"] = path_of(Patent, Patent.title, SAMPLE_IMPORTS[1][2]["专利名称"])
        pages["patent-english"] = path_of(Patent, Patent.title, SAMPLE_IMPORTS[2][2]["专利名称"])
        pages["instrument-long"] = path_of(Instrument, Instrument.name, SAMPLE_IMPORTS[3][2]["仪器名称"])
        db.session.remove()
    pages["import-job"] = f"/imports/{job_id}"
    return pages


def build_app(folder: Path, demo: list[str], **config):
    """An app on a fresh store in ``folder``, filled by ``demo`` (``demo load`` arguments), with
    the E2E_USERS accounts; ``config`` picks the search engine (SQLite by default)."""
    from web import create_app

    from tests.apps import add_user, shared_template_code

    app = shared_template_code(create_app({
        "ENV": "development",
        "INSTANCE_PATH": str(folder / "instance"),
        "SIGN_IN_RATE_LIMIT": "1000 per minute",  # every test signs in from 127.0.0.1
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'store.sqlite3'}",
        "SEARCH_SQLITE_PATH": str(folder / "search.sqlite3"),
        "INGEST_UPLOAD_DIR": str(folder / "uploads"),
        "CELERY": {"broker_url": "memory://"},
        **config,
    }))
    result = app.test_cli_runner().invoke(args=demo)
    assert result.exit_code == 0, result.output
    for role, email in E2E_USERS.items():
        add_user(app, role, email=email)
    return app


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app behind the live server: demo data, the stress records, an import job, records
    with files, drafts and versions."""
    app = build_app(tmp_path_factory.mktemp("e2e-store"), DEMO)
    app.config["E2E_SAMPLES"] = sample_pages(app)
    app.config["E2E_SAMPLES"].update(attachment_samples(app))
    app.config["E2E_SAMPLES"].update(publishing_samples(app))
    app.config["E2E_SAMPLES"].update(selection_samples(app))
    app.config["E2E_SAMPLES"].update(alerts_samples(app))
    app.config["E2E_SAMPLES"].update(inquiry_samples(app))  # inquiries and feedback (issue 12)
    app.config["E2E_SAMPLES"].update(booking_samples(app))  # instrument bookings (issue 12)
    app.config["E2E_SAMPLES"].update(licence_samples(app))  # open-licence applications (issue 12)
    app.config["E2E_SAMPLES"].update(needs_samples(app))
    return app


def es_reachable(url: str) -> bool:
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_cluster/health?timeout=5s", timeout=10) as answer:
            return json.load(answer).get("status") in ("green", "yellow")
    except (OSError, ValueError):
        return False


@pytest.fixture(scope="session")
def es_live_app(tmp_path_factory, request):
    """The same site on the Elasticsearch engine (the node of ``es_url``), in indices of its own
    (a unique prefix, dropped at the end): a small demo set and the E2E_USERS accounts. Built
    once per session, and only by the tests that ask for it. Without a node the tests skip;
    under CI=true they fail."""
    import uuid

    from web.proxies import current_search

    url = request.getfixturevalue("es_url")  # fails under CI=true when no node can start
    if not es_reachable(url):
        if IN_CI:
            pytest.fail(f"Elasticsearch is not reachable at {url} (CI=true requires it)")
        pytest.skip(f"Elasticsearch is not reachable at {url} (python -m devtools.esnode start)")
    app = build_app(tmp_path_factory.mktemp("e2e-es-store"), ES_DEMO, SEARCH_BACKEND="elasticsearch",
                    SEARCH_ES_HOSTS=[url], SEARCH_ES_NUMBER_OF_REPLICAS=0, SEARCH_ES_TIMEOUT=10,
                    SEARCH_INDEX_PREFIX=f"e2e{uuid.uuid4().hex[:8]}-")
    yield app
    with app.app_context():
        try:
            current_search.drop_indices()
        except Exception:  # noqa: BLE001 - the node may be gone; the indices then go with it
            pass


def attachment_samples(app) -> dict[str, str]:
    """A record of the e2e publisher's institution (the first) with a public PDF, a public image
    and a confidential file; the reviewer's pending request for that file, and a disclosure (the
    intermediary read the record), so the pages about them have something to show."""
    from sqlalchemy import select

    from tests import filesamples
    from web.extensions import db
    from web.models import AchievementInstitution, User
    from web.proxies import current_services
    from web.services.accounts import identity_of
    from web.services.identity import system_identity

    with app.app_context():
        services = current_services
        achievement_id = db.session.scalar(select(AchievementInstitution.achievement_id)
                                           .order_by(AchievementInstitution.institution_id, AchievementInstitution.achievement_id).limit(1))
        service = services.for_type("achievement")
        rec = service.get(system_identity, f"ach-{achievement_id}")
        for data, name, title, confidential in ((filesamples.PDF, "成果简介.pdf", "成果简介（公开）", False),
                                                (filesamples.PNG, "样机照片.png", "样机照片", False),
                                                (filesamples.PDF, "中试数据.pdf", "中试数据（保密）", True)):
            att = services.attachments.upload(system_identity, rec, io.BytesIO(data), name, title=title, confidential=confidential)
        def identity(role):
            return identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS[role])))

        services.access_requests.ask(identity("reviewer"), att.id, "评审需要核对中试数据")
        services.disclosures.show(identity("intermediary"), rec, service.dump(rec), channel="page")
        db.session.remove()
    return {"achievement-files": f"/records/ach-{achievement_id}"}


# a draft's form values (ingest columns, as typed into the record form) for publishing_samples
SAMPLE_DRAFT = {"summary": "一种用于黑土地的保护性耕作装备，减少风蚀与水蚀，适合东北平原的玉米带。", "field": "modern_agriculture",
                "trl": "6", "transfer_modes": "transfer；license", "price.amount": "50", "keywords": "黑土地；保护性耕作"}


def publishing_samples(app) -> dict[str, str]:
    """Drafts of the e2e publisher's institution in each state a page shows differently: one
    rejected with a reason (the publisher's view), one submitted (the reviewer's view), and a
    record published from a draft then changed by a second one (a history of two versions)."""
    from sqlalchemy import select

    from web.extensions import db
    from web.forms.record import data_from_values
    from web.models import User
    from web.proxies import current_services
    from web.services.accounts import identity_of

    with app.app_context():
        drafts = current_services.drafts

        def identity(role):
            return identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS[role])))

        publisher, reviewer = identity("publisher"), identity("reviewer")

        def draft(title: str, record_public_id: str | None = None, **values: str):
            data, problems = data_from_values("achievement", {**SAMPLE_DRAFT, "title": title, **values})
            assert not problems, problems
            d = drafts.create(publisher, "achievement", data, record_public_id=record_public_id, source="form")
            db.session.commit()
            return d.id

        def step(do, *args):
            do(*args)
            db.session.commit()

        rejected = draft("寒地玉米秸秆全量还田保护性耕作技术（被退回的草稿）")
        step(drafts.submit, publisher, rejected, "请审核")
        step(drafts.reject, reviewer, rejected, "请补充田间试验数据与技术就绪度的依据。")
        submitted = draft("黑土地保护性耕作新装备（待审核的草稿）")
        step(drafts.submit, publisher, submitted, "请审核")
        first = draft("寒地黑土免耕播种机（已发布两次）")
        step(drafts.submit, publisher, first, "")
        step(drafts.approve, reviewer, first, "同意发布")
        record = drafts.get(reviewer, first).record_id
        public_id = f"ach-{record}"
        second = draft("寒地黑土免耕播种机（已发布两次）", public_id, trl="7", **{"price.amount": "80"})
        step(drafts.submit, publisher, second, "技术就绪度提高到 7")
        step(drafts.approve, reviewer, second, "")
        db.session.remove()
    return {"draft-rejected": f"/publish/drafts/{rejected}", "draft-submitted": f"/publish/drafts/{submitted}",
            "record-history": f"/records/{public_id}/history", "record-version": f"/records/{public_id}/history/2"}


def selection_samples(app) -> dict[str, str]:
    """The annual selection in each state a page shows: a 2025 list published from the demo
    achievements (three experts, the e2e reviewer one of them), a 2024 round being scored (the
    reviewer's task list and score form), and a 2026 round open for nominations (the publisher's
    page, the administrator's round page)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from tests.apps import add_user
    from web.extensions import db
    from web.models import Achievement, User
    from web.proxies import current_services
    from web.schemas.selection import RoundSchema
    from web.services.identity import Identity, system_identity

    today = date.today()
    open_dates = {"window_start": "2000-01-01", "nomination_opens": (today - timedelta(days=10)).isoformat(),
                  "nomination_closes": (today + timedelta(days=20)).isoformat(), "scoring_closes": (today + timedelta(days=40)).isoformat()}
    experts = [add_user(app, "reviewer") for _ in range(2)]
    with app.app_context():
        service = current_services.selection
        experts.append(db.session.scalar(select(User.id).where(User.email == E2E_USERS["reviewer"])))
        ids = [f"ach-{i}" for i in db.session.scalars(select(Achievement.id).where(Achievement.status == "published").order_by(Achievement.id))]

        def open_round(year: int, window_end: str):
            return service.open_round(system_identity, RoundSchema().load({"year": year, "window_end": window_end, **open_dates}))

        def nominate(year: int, candidates: list[str], limit: int) -> list[str]:
            done = []
            for public_id in candidates:
                rnd = service.get_round(system_identity, year)
                if all(c.ok for c in service.checks(rnd, db.session.get(Achievement, int(public_id[4:])))):
                    service.nominate(system_identity, year, public_id, "e2e：技术先进，已在省内转化")
                    done.append(public_id)
                if len(done) == limit:
                    break
            return done

        def score(year: int) -> None:
            for n, expert in enumerate(experts):
                identity = Identity(str(expert), frozenset({"reviewer"}))
                for a in service.assignments(identity, year):
                    value = 55 + (a.candidate.achievement_id * 7 + n * 11) % 45
                    service.score(identity, year, a.id, {code: value for code in ("innovation", "indicators", "difficulty", "maturity", "impact")})

        open_round(2025, "2026-12-31")
        chosen = nominate(2025, ids, 230)
        assert len(chosen) >= 200, f"only {len(chosen)} demo achievements are eligible"
        service.start_scoring(system_identity, 2025)
        score(2025)
        service.close(system_identity, 2025)
        service.finalise(system_identity, 2025)
        open_round(2024, "2026-12-31")
        nominate(2024, [i for i in ids if i not in chosen], 6)
        service.start_scoring(system_identity, 2024)
        reviewer = Identity(str(experts[-1]), frozenset({"reviewer"}))
        assignment = service.assignments(reviewer, 2024)[0].id
        open_round(2026, "2026-12-31")
        db.session.remove()
    return {"selection-score": f"/selection/2024/review/{assignment}"}


def alerts_samples(app) -> dict[str, str]:
    """The e2e investor's subscription (a search with words and a filter, a webhook) and three
    alerts of it, one already read; its edit page and the unsubscribe page of its e-mails."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import AlertMatch, User
    from web.proxies import current_services
    from web.services.accounts import identity_of

    with app.app_context():
        investor = identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS["investor"])))
        service = current_services.subscriptions
        sub = service.create(investor, {"name": "长春 新能源成果", "type": "achievement", "q": "电池", "filters": {"city": ["changchun"]},
                                        "frequency": "daily", "webhook_url": "https://1.1.1.1/e2e-hook"})
        params = service.search_params(sub)
        params.size = 3
        found = [h["id"] for h in current_services.search.search(investor, params).hits]
        current_services.alert_matcher.match_records(found)  # as the worker does when they are published
        first = db.session.scalars(select(AlertMatch.id).where(AlertMatch.subscription_id == sub.id).order_by(AlertMatch.id)).first()
        if first is not None:
            service.mark_read(investor, [first])
        pages = {"alerts-edit": f"/alerts/subscriptions/{sub.id}/edit",
                 "alerts-unsubscribe": f"/alerts/unsubscribe/{service.unsubscribe_token(sub)}"}
        db.session.remove()
    return pages


def needs_samples(app) -> dict[str, str]:
    """A technology need of the e2e investor, published through the review (its page offers the
    results that could answer it), and the publisher's institution told of the needs its demo
    results match (the needs page of a holder)."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import Achievement, User
    from web.proxies import current_search, current_services
    from web.services.accounts import identity_of

    with app.app_context():
        investor = identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS["investor"])))
        reviewer = identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS["reviewer"])))
        publisher = db.session.scalar(select(User).where(User.email == E2E_USERS["publisher"]))
        lead = db.session.scalars(select(Achievement).where(Achievement.status == "published").order_by(Achievement.id)).first()
        drafts = current_services.drafts
        draft = drafts.create(investor, "need", {
            "title": f"寻求{lead.keywords[0] if lead.keywords else lead.title[:8]}相关技术合作", "description": lead.summary[:300],
            "keywords": lead.keywords[:3], "field": lead.field or "new_materials", "city": "changchun", "budget_max": 800000,
            "cooperation_modes": ["joint_development", "license"], "organisation": "长春端到端测试科技有限公司"})
        drafts.submit(investor, draft.id)
        need = drafts.approve(reviewer, draft.id)
        db.session.commit()
        current_search.refresh()
        current_services.need_alerts.notify([need.public_id])  # as the worker does once the need is indexed
        pages = {"need": f"/records/{need.public_id}"}
        assert publisher is not None
        db.session.remove()
    return pages


def open_licence_patent(app, title: str, **declaration) -> str:
    """A published patent of the e2e publisher's institution, in force, under an open-licence
    declaration (a lump sum, three years): its public id. The e2e investor's account names its
    company (the apply form fills it in)."""
    import uuid

    from sqlalchemy import select

    from web.extensions import db
    from web.models import User
    from web.proxies import current_services
    from web.services.identity import system_identity

    with app.app_context():
        publisher = db.session.scalar(select(User).where(User.email == E2E_USERS["publisher"]))
        investor = db.session.scalar(select(User).where(User.email == E2E_USERS["investor"]))
        investor.organisation, investor.phone = investor.organisation or "长春端到端新材料有限公司", investor.phone or "0431-85550000"
        db.session.commit()
        rec = current_services.for_type("patent").create(system_identity, {
            "title": title, "application_no": f"2098{uuid.uuid4().int % 10**8:08d}.1", "kind": "invention", "filed_at": "2021-04-01",
            "applicants": [publisher.institution.name], "legal_status": "in_force", "field": "new_materials",
            "open_licence": {"declared_at": "2026-01-05", "payment": "lump_sum", "fee": 80000, "term": "3年",
                             "terms": "一次性支付许可使用费8万元，许可期限3年", **declaration}})
        db.session.remove()
        return rec.public_id


def licence_samples(app) -> dict[str, str]:
    """Open-licence applications: a patent of the publisher's institution the investor has applied
    for (the holder's page of the application), and one nobody has (its page and apply form)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from web.extensions import db
    from web.models import Patent, User
    from web.proxies import current_services
    from web.services.accounts import identity_of

    applied = open_licence_patent(app, "一种高倍率锂离子电池硅碳负极材料的制备方法（开放许可示例）")
    free = open_licence_patent(app, "一种寒地玉米秸秆还田用复合菌剂及其应用（开放许可示例）")
    with app.app_context():
        investor = identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS["investor"])))
        application = current_services.licences.apply(investor, Patent.parse_public_id(applied), {
            "licensee": "长春端到端新材料有限公司", "scope": "动力电池负极材料的生产", "end_date": date.today() + timedelta(days=3 * 365 - 1)})
        pages = {"licence-application": f"/licences/{application.id}", "licence-apply": f"/licences/apply/{free}", "licence-patent": f"/records/{free}"}
        db.session.remove()
    return pages


def shared_instrument(app, name: str) -> str:
    """A published instrument of the e2e publisher's institution, shared and in working order, with
    no openness figures yet (a completed booking's hours are then its whole yearly figure): its id."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import User
    from web.proxies import current_services
    from web.services.identity import system_identity

    with app.app_context():
        publisher = db.session.scalar(select(User).where(User.email == E2E_USERS["publisher"]))
        rec = current_services.for_type("instrument").create(system_identity, {
            "name": name, "institution": publisher.institution.name, "shared": True, "run_status": "normal",
            "instrument_class": "analytical", "service_modes": ["commissioned_testing", "self_operation"], "open_hours": "工作日 8:30-17:00",
            "fees": "校外 400元/小时", "address": "长春市前进大街2699号分析测试中心", "contact": {"name": "张老师", "phone": "0431-85160000"}})
        db.session.remove()
        return rec.public_id


def booking_samples(app) -> dict[str, str]:
    """Instrument bookings: a shared instrument of the publisher's institution with the investor's
    approved booking (two hours tomorrow, China Standard Time: the calendar's busy hours) and a
    request waiting for the holder (its page, the lists of both sides); the request form; and
    another shared instrument with no bookings for the booking flow (tests/e2e/test_booking_flow.py)."""
    from datetime import datetime, time, timedelta, timezone

    from sqlalchemy import select

    from web.extensions import db
    from web.models import User
    from web.proxies import current_services
    from web.services.accounts import identity_of
    from web.services.identity import system_identity

    cst = timezone(timedelta(hours=8))
    instrument = shared_instrument(app, "场发射扫描电子显微镜（能谱与背散射成像，共享预约的示例仪器）")
    flow = shared_instrument(app, "激光扫描共聚焦显微镜（活细胞成像与双通道荧光，预约流程的示例）")
    tomorrow = datetime.now(cst).date() + timedelta(days=1)
    with app.app_context():
        investor = identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS["investor"])))
        service = current_services.bookings
        number = int(instrument.split("-")[1])

        def ask(day, start: int, hours: int, sample: str):
            begin = datetime.combine(day, time(start), tzinfo=cst).astimezone(timezone.utc)
            return service.request(investor, number, {"start_at": begin, "end_at": begin + timedelta(hours=hours), "sample": sample,
                                                      "service_mode": "commissioned_testing", "purpose": "新材料研发"})

        held = ask(tomorrow, 9, 2, "陶瓷粉末样品 3 个，观察形貌与粒径")
        service.approve(system_identity, held.id, "请提前十分钟到场")
        waiting = ask(tomorrow + timedelta(days=2), 14, 3, "锂电池正极材料 5 个，截面形貌与能谱分析")
        db.session.remove()
    return {"booking-instrument": f"/records/{instrument}", "booking-calendar": f"/bookings/calendar/{instrument}?week={tomorrow.isoformat()}",
            "booking-request": f"/bookings/new/{instrument}", "booking-waiting": f"/bookings/{waiting.id}",
            "booking-held": f"/bookings/{held.id}", "booking-flow-instrument": flow}


def inquiry_samples(app) -> dict[str, str]:
    """Inquiries and feedback (issue 12): the e2e investor's inquiry about an achievement of the
    publisher's institution, answered by the publisher (its page shows both sides' contacts), and the
    investor's feedback on that record (the holder's summary on the record page); the form that
    writes to the holder of another of its achievements."""
    from sqlalchemy import select

    from web.extensions import db
    from web.models import Achievement, AchievementInstitution, User
    from web.proxies import current_services
    from web.services.accounts import identity_of

    with app.app_context():
        def identity(role):
            return identity_of(db.session.scalar(select(User).where(User.email == E2E_USERS[role])))

        investor, publisher = identity("investor"), identity("publisher")
        held = list(db.session.scalars(select(AchievementInstitution.achievement_id).join(Achievement).where(
            AchievementInstitution.institution_id == publisher.institution_id, Achievement.status == "published")
            .order_by(AchievementInstitution.achievement_id).limit(3)))
        record, other = f"ach-{held[-1]}", f"ach-{held[-2]}"
        service = current_services.inquiries
        inquiry = service.send(investor, record, "希望了解该成果的许可条件", "我公司拟在长春建设中试线，想了解许可方式、费用和技术支持。")
        service.reply(publisher, inquiry.id, "欢迎洽谈。许可费用可面议，我方可提供半年的技术支持。")
        current_services.feedback.give(investor, record, "price", "许可费用超出预算")
        pages = {"inquiry": f"/inquiries/{inquiry.id}", "inquiry-new": f"/inquiries/new/{other}", "record-exchanges": f"/records/{record}"}
        db.session.remove()
    return pages


# one account per role on the live server, all with tests.apps.PASSWORD
E2E_USERS = {role: f"{role}@e2e.local" for role in ("admin", "reviewer", "publisher", "intermediary", "investor")}


def sign_in(page, role: str = "admin", lang: str | None = None) -> None:
    """Sign in through the sign-in form, as a person does."""
    from tests.apps import PASSWORD

    page.goto("/account/login" + (f"?lang={lang}" if lang else ""))
    page.locator("input[name=email]").fill(E2E_USERS[role])
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    assert urlsplit(page.url).path == "/account/", page.url


_sessions: dict[tuple[str, str], list] = {}


def use_account(page, role: str = "admin") -> None:
    """Signed in as ``role`` for a test about a page, not about signing in: through the form the
    first time on each site, with that session's cookie afterwards (a sign-in costs a password
    hash and three pages)."""
    origin = getattr(page, "tt_origin", None)  # the site open_page opened it on
    if origin is None:
        page.goto("/account/login")
        origin = "/".join(page.url.split("/")[:3])
    cookies = _sessions.get((origin, role))
    if cookies is not None:
        page.context.add_cookies(cookies)
        page.goto("/account/")
        if urlsplit(page.url).path == "/account/":
            return
    sign_in(page, role)  # the first time, or the session ended (a password changed)
    _sessions[(origin, role)] = page.context.cookies()


@pytest.fixture(scope="session")
def samples(live_app) -> dict[str, str]:
    """{"institution-long": "/records/org-…", "patent-long": …, "patent-english": …,
    "instrument-long": …, "import-job": "/imports/…"}"""
    return live_app.config["E2E_SAMPLES"]


@contextmanager
def serving(app):
    """The app served by werkzeug in a background thread: its base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from web.extensions import db
    from web.proxies import current_search

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # one line per request would drown the output
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        with app.app_context():
            current_search.close()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Base URL of the app on the SQLite engine."""
    with serving(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def es_live_server(es_live_app):
    """Base URL of the app on the Elasticsearch engine (``es_live_app``)."""
    with serving(es_live_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        unavailable("Chromium not installed", "apt-get install chromium")
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed", "pip install playwright; no browser download needed")
    manager = sync_playwright().start()
    try:
        try:
            # chromium.launch gives every run a fresh temporary profile (user-data-dir)
            chromium = manager.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except PlaywrightError as exc:
            unavailable(f"Chromium did not start: {str(exc).splitlines()[0]}", executable)
        yield chromium
        chromium.close()
    finally:
        manager.stop()


@pytest.fixture(scope="session")
def idle_pages(browser) -> dict[tuple, list]:
    """Pages a finished test gave back, by (size, site, options), for the next test to reuse:
    a new context and page cost a renderer process each (about 0.2 s), hundreds of times."""
    return {}


def _fresh(ctx, page) -> None:
    """A page given back made like new: no cookies (the only state the site keeps in a browser;
    it uses no web storage), on a blank document. Its HTTP cache stays, as a returning reader's does."""
    page.goto("about:blank")
    ctx.clear_cookies()


@pytest.fixture
def open_page(browser, idle_pages, request):
    """open_page("phone", java_script_enabled=False) → a page without cookies of that size
    (SIZES), for a reader whose browser prefers Chinese; on the SQLite site (``live_server``)
    unless given another one's base URL (``server=es_live_server``). A page that served an
    earlier test and passed is reused; one whose test failed is closed."""
    opened: list[tuple] = []

    def open_(size: str = "desktop", server: str | None = None, **options):
        base_url = server or request.getfixturevalue("live_server")
        key = (size, base_url, tuple(sorted(options.items())))
        if idle_pages.get(key):
            ctx, page = idle_pages[key].pop()
        else:
            ctx = browser.new_context(base_url=base_url, locale="zh-CN", accept_downloads=True, **SIZES[size], **options)
            ctx.set_default_timeout(10_000)
            page = ctx.new_page()
            page.tt_origin = base_url.rstrip("/")  # (use_account's key for the site's sessions)
        errors: list[str] = []

        def on_error(exc) -> None:
            errors.append(str(exc))

        def on_console(msg) -> None:  # anything the Content-Security-Policy blocks (an inline script or style) is a defect
            if msg.type == "error" and "Content Security Policy" in msg.text:
                errors.append(msg.text)

        page.on("pageerror", on_error)
        page.on("console", on_console)
        opened.append((ctx, page, errors, key, (on_error, on_console)))
        return page

    yield open_
    report = getattr(request.node, "rep_call", None)
    failed = report is None or report.failed
    for n, (ctx, page, errors, key, (on_error, on_console)) in enumerate(opened):
        if failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name) + (f"-{n}" if n else "")
            try:
                page.screenshot(path=str(SCREENSHOTS / f"FAILED-{name}.png"), full_page=True)
            except Exception:  # the page may be gone; the failure itself is what matters
                pass
        page.remove_listener("pageerror", on_error)
        page.remove_listener("console", on_console)
        kept = False
        if not failed and not errors and not page.is_closed():
            try:
                _fresh(ctx, page)
                kept = True
            except Exception:  # noqa: BLE001 - a page that cannot be reset is closed instead
                pass
        if kept:
            idle_pages.setdefault(key, []).append((ctx, page))
        else:
            ctx.close()
    for ctx, page, errors, _, _ in opened:
        assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(open_page):
    """A desktop window (1280×900)."""
    return open_page("desktop")


@pytest.fixture(scope="session")
def shoot():
    """shoot(page, "search-results-zh"): a full-page PNG in test-artifacts/screenshots/
    (``full_page=False``: only what the first screen shows)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob("FAILED-*.png"):  # left by an earlier run
        stale.unlink()

    def take(page, name: str, full_page: bool = True) -> Path:
        page.wait_for_load_state("networkidle")
        page.evaluate("document.fonts.ready")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
