"""Requests an attacker or a careless client sends, answered as client errors (4xx) or handled,
never as a server error, a slow search, a huge page or a link to another site. Each test is
the regression test of a defect found by probing the running site (hardening issue, items 2,
4, 5, 6, 7 and 8; the item is named in each test's docstring)."""
from __future__ import annotations

import base64
import io
import json
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.apps import auth, close_app, make_app
from web import create_app
from web.schemas.search_args import MAX_FILTER_VALUES, MAX_VALUES_PER_FILTER

DEMO = ["demo", "load", "--achievements", "60", "--patents", "40", "--instruments", "20"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("hostile"), *DEMO)
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def admin(app):
    """Headers of an administrator's API token (for the writes)."""
    return auth(app, "admin")


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The same demo data served with the production configuration."""
    folder = tmp_path_factory.mktemp("hostile-production")
    app = make_app(folder, *DEMO, ENV="production", SECRET_KEY="k" * 32, PUBLIC_BASE_URL="https://kjcg.example.cn")
    yield app
    close_app(app)


def api_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


def holders(client, n: int) -> list[str]:
    """Names of real institutions, so that a selection of them finds records and fills facets."""
    body = client.get("/api/v1/search", query_string={"type": "institution", "size": n}).get_json()
    return [h["title"] for h in body["hits"]]


# -- item 2: filter values are capped --------------------------------------------------------------

def test_thousands_of_filter_values_are_refused_by_the_api_at_once(client):
    """Item 2: 3,000 distinct holder= values took 12.7 s; now a 422 naming the field."""
    query = "&".join(f"holder=h{i}" for i in range(3000))
    started = time.perf_counter()
    err = api_error(client.get(f"/api/v1/search?{query}"), 422)
    assert time.perf_counter() - started < 1.0
    assert err["code"] == "validation_error"
    assert [d["field"] for d in err["details"]] == ["holder"]
    assert f"at most {MAX_VALUES_PER_FILTER} per filter" in err["details"][0]["message"]


def test_the_caps_per_filter_and_in_all(client):
    """Item 2: at most MAX_VALUES_PER_FILTER per filter and MAX_FILTER_VALUES over all filters;
    the same value repeated counts once."""
    per = [("holder", f"h{i}") for i in range(MAX_VALUES_PER_FILTER)]
    assert client.get("/api/v1/search", query_string=per).status_code == 200
    assert api_error(client.get("/api/v1/search", query_string=per + [("holder", "one more")]), 422)["details"][0]["field"] == "holder"
    spread = [(key, f"v{i}") for key in ("holder", "city", "year") for i in range(MAX_VALUES_PER_FILTER)]
    spread = [(k, v if k != "year" else str(2000 + int(v[1:]))) for k, v in spread]
    assert len(spread) > MAX_FILTER_VALUES
    err = api_error(client.get("/api/v1/search", query_string=spread), 422)
    assert any("in all" in d["message"] for d in err["details"])
    repeated = [("city", "changchun")] * 500
    assert client.get("/api/v1/search", query_string=repeated).status_code == 200
    # the export takes the same parameters and the same caps
    assert client.get("/search/export.csv", query_string=spread).status_code == 422


def test_the_page_says_why_and_stays_small(client):
    """Item 2: the page answers with a clear message instead of the search, and its links do
    not carry the refused values (2,000 values made a 66 MB page)."""
    plain = client.get("/search")
    assert plain.status_code == 200
    started = time.perf_counter()
    page = client.get("/search?" + "&".join(f"holder=h{i}" for i in range(3000)))
    elapsed = time.perf_counter() - started
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and elapsed < 2.0
    assert f"每个筛选条件最多 {MAX_VALUES_PER_FILTER} 个" in html and 'role="alert"' in html
    assert "holder=h1" not in html
    assert len(page.data) < len(plain.data) + 5_000
    en = client.get("/search?lang=en&" + "&".join(f"city=c{i}" for i in range(100))).get_data(as_text=True)
    assert "Too many filter values" in en


def test_the_page_grows_linearly_with_the_selected_values(client):
    """Item 2: each removable chip carried the whole search in its link, so the page grew with
    the square of the selected values (2,000 made 66 MB). The chips are now buttons of one form
    that carries the search once: each further value adds the same few bytes."""
    def size(n: int) -> int:
        response = client.get("/search", query_string=[("holder", f"无此单位{i:04d}") for i in range(n)])
        assert response.status_code == 200
        return len(response.data)

    low, mid, high = size(2), size(11), size(MAX_VALUES_PER_FILTER)  # none finds anything: the same page but the values
    first, second = mid - low, high - mid
    assert 0 < second <= first * 1.05, (low, mid, high)


def test_the_page_size_at_the_cap(client):
    """Item 2: at the cap, with real values (so every facet link carries them), the page stays modest."""
    names = holders(client, MAX_VALUES_PER_FILTER)
    years = [str(y) for y in range(2000, 2000 + MAX_FILTER_VALUES - len(names))]
    args = [("holder", h) for h in names] + [("year", y) for y in years]
    assert len(args) == MAX_FILTER_VALUES
    response = client.get("/search", query_string=args)
    assert response.status_code == 200
    assert len(response.data) < 250_000


def test_a_chip_removes_its_condition(client):
    """The chips' buttons send the search without one condition; the answer is that search's URL."""
    response = client.get("/search", query_string=[("q", "电池"), ("city", "changchun"), ("city", "jilin"), ("page", "2"),
                                                    ("remove", "city=changchun")])
    assert response.status_code == 303
    assert response.headers["Location"] == "/search?q=%E7%94%B5%E6%B1%A0&city=jilin"
    response = client.get("/search", query_string=[("q", "a b"), ("match", "any"), ("remove", "match")])
    assert response.headers["Location"] == "/search?q=a+b"
    page = client.get("/search", query_string=[("q", "电池"), ("city", "changchun"), ("city", "jilin")]).get_data(as_text=True)
    form = page[page.index('<form class="chips"'):page.index("</form>", page.index('<form class="chips"'))]
    assert form.count('type="hidden"') == 3 and form.count('name="remove"') == 2


# -- item 4: server errors that are client errors ------------------------------------------------

def cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


BAD_CURSORS = {
    "object": cursor({"e": "sqlite", "v": [{"a": 1}, "ach-1"]}),
    "array": cursor([1, 2]),
    "number": cursor(10**30),
    "huge-integer": cursor({"e": "sqlite", "v": [10**30, "ach-1"]}),
    "nested-lists": cursor({"e": "sqlite", "v": [[1], [2]]}),
    "infinity": base64.urlsafe_b64encode(b'{"e":"sqlite","v":[1e999,"ach-1"]}').decode().rstrip("="),
    "deep": base64.urlsafe_b64encode(b"[" * 1400 + b"]" * 1400).decode()[:2000],
    "not-base64": "%%%",
}


@pytest.mark.parametrize("name", list(BAD_CURSORS))
@pytest.mark.parametrize("config", ["development", "production"])
def test_a_forged_cursor_is_a_client_error(client, production, name, config):
    """Item 4: a cursor that decodes to an object, an array or a huge integer was a 500."""
    c = client if config == "development" else production.test_client()
    err = api_error(c.get("/api/v1/search", query_string={"cursor": BAD_CURSORS[name]}), 400 if name != "deep" else 400)
    assert err["code"] == "invalid_cursor"
    page = c.get("/search", query_string={"cursor": BAD_CURSORS[name]})
    assert page.status_code == 200 and "无效的翻页游标" in page.get_data(as_text=True)
    assert c.get("/search/export.csv", query_string={"cursor": BAD_CURSORS[name]}).status_code < 500


@pytest.mark.parametrize("path", ["/imports/99999999999999999999", "/imports/99999999999999999999.json",
                                  "/imports/99999999999999999999/errors.csv", "/imports/2147483648",
                                  "/api/v1/imports/99999999999999999999", "/api/v1/imports/99999999999999999999/errors"])
def test_job_numbers_beyond_any_job_are_not_found(client, admin, path):
    """Item 4: /imports/99999999999999999999 (and .json, errors.csv) were 500s."""
    assert client.get(path, headers=admin).status_code == 404
    assert client.post("/imports/99999999999999999999/cancel", headers=admin).status_code in (400, 404)


@pytest.mark.parametrize("name", ["..", ".", "../../etc/passwd", "..\\..\\boot.ini", "x" * 300 + ".csv", "成果" * 100 + ".csv", "a\x00b.csv"])
def test_any_upload_name_is_stored_safely(app, client, admin, name):
    """Item 4: an upload named ``..`` was an IsADirectoryError, a name over 255 bytes an OSError."""
    data = "成果名称,完成单位\n石墨烯电池,吉林大学\n".encode()
    response = client.post("/api/v1/imports", data={"file": (io.BytesIO(data), name), "record_type": "achievement"},
                           content_type="multipart/form-data", headers=admin)
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()
    assert len(job["filename"].encode()) <= 200 and job["filename"] not in (".", "..") and "/" not in job["filename"]
    if name.endswith(".csv"):
        assert job["filename"].endswith(".csv")  # the readers go by the extension
    from web.extensions import db
    from web.models import ImportJob

    with app.app_context():
        stored = Path(db.session.get(ImportJob, job["id"]).stored_path)
        uploads = Path(app.config["INGEST_UPLOAD_DIR"]).resolve()
        assert stored.is_file() and stored.read_bytes() == data
        assert stored.resolve().parent.parent == uploads  # in its own folder under the upload folder


def test_a_deeply_nested_json_body_is_a_client_error(client, admin):
    """Item 4: a deeply nested JSON body was a RecursionError (500)."""
    for body in ("[" * 100_000 + "]" * 100_000, '{"title": ' + "[" * 5000 + "]" * 5000 + "}", "[" * 40 + "]" * 40):
        response = client.post("/api/v1/records", data=body, content_type="application/json", headers=admin)
        assert 400 <= response.status_code < 500, response.status_code
        assert response.get_json()["error"]["code"] in ("bad_request", "validation_error")
    # brackets inside strings are text, not nesting
    record = {"record_type": "institution", "name": "[[[[" * 20 + "测试研究院", "type": "research_institute"}
    created = client.post("/api/v1/records", json=record, headers=admin)
    assert created.status_code == 201, created.get_json()


# -- item 5: the no-results help never breaks the page ---------------------------------------------

def test_a_long_query_with_no_results_still_offers_any_word(client):
    """Item 5: the "match any word" suggestion built an OR query over the 256-character limit,
    and the page answered 400 while the API answered 200."""
    words = ["电池"] + [f"不存在的检索词{i:02d}号" for i in range(20)]
    q = " ".join(words)
    assert len(q) <= 256 < len(" OR ".join(words))
    assert client.get("/api/v1/search", query_string={"q": q}).get_json()["total"] == 0
    page = client.get("/search", query_string={"q": q})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="error-note"' not in html
    link = re.search(r'<a href="([^"]+)" data-any-word>', html)
    assert link, "the any-word suggestion is offered"
    following = client.get(link.group(1).replace("&amp;", "&"))
    assert following.status_code == 200
    any_word = client.get("/api/v1/search", query_string={"q": q, "match": "any"}).get_json()
    assert any_word["total"] == client.get("/api/v1/search", query_string={"q": "电池"}).get_json()["total"] > 0
    assert "data-match-any" in following.get_data(as_text=True)  # a chip says so and removes it


# -- item 6: the language link never leaves the site ----------------------------------------------

def browser_resolve(base: str, href: str) -> str:
    """Resolve a link as a browser does for http(s): tabs and newlines are removed, a backslash
    counts as a slash (WHATWG URL standard)."""
    href = re.sub(r"[\t\n\r]", "", href).replace("\\", "/")
    return urljoin(base, href)


@pytest.mark.parametrize("path", ["/%5Cevil.example/", "/%09/evil.example/", "/%5C%5Cevil.example/x", "//evil.example/",
                                  "/\\evil.example/", "/records/%5Cevil.example", "/imports/%5Cevil.example"])
def test_the_language_link_stays_on_the_site(app, path):
    """Item 6: on a 404 page the link was built from request.path: /%5Cevil.example/ gave
    href="/\\evil.example/?lang=en", which browsers resolve to another site."""
    page = app.test_client().get(path)  # a new visitor: Chinese, the link offers English
    html = page.get_data(as_text=True)
    if page.status_code == 400 and "untrusted_host" in html:
        return  # the client took //evil.example as the host: refused before any page (and any link)
    hrefs = re.findall(r'href="([^"]*lang=en[^"]*)"', html)
    assert hrefs, html[:500]
    for href in hrefs:
        href = href.replace("&amp;", "&")
        assert "\\" not in href and "\t" not in href
        target = urlsplit(browser_resolve("http://localhost" + path, href))
        assert target.netloc == "localhost", href


def test_the_language_link_keeps_the_page_and_its_search(app):
    client = app.test_client()
    html = client.get("/search?q=电池&type=patent").get_data(as_text=True)
    assert re.search(r'href="/search\?q=%E7%94%B5%E6%B1%A0&amp;type=patent&amp;lang=en"', html)
    record = client.get("/records/ach-1").get_data(as_text=True)
    assert 'href="/records/ach-1?lang=en"' in record


# -- item 7: one id rule for pages and API ---------------------------------------------------------

@pytest.mark.parametrize("public_id", ["ach-01", "ach-１", "ach-+1", "ach-1.0", "ach-0", "ach- 1", "ach-1 ", "ach-١", "ach-99999999999999999999"])
def test_non_canonical_ids_name_no_record(client, public_id):
    """Item 7: /records/ach-01 and /records/ach-１ answered 200 while the API answered 404."""
    assert client.get("/records/ach-1").status_code == 200
    assert client.get(f"/records/{public_id}").status_code == 404
    assert client.get(f"/api/v1/records/{public_id}").status_code == 404


# -- item 8: exports -------------------------------------------------------------------------------

def test_csv_files_say_their_charset_once(client):
    """Item 8: the CSV Content-Type repeated charset=utf-8."""
    for url in ("/search/export.csv?q=电池", "/imports/templates/achievement.csv"):
        assert client.get(url).headers["Content-Type"] == "text/csv; charset=utf-8", url


def test_links_in_exports_come_from_the_public_address(app, production):
    """Item 8: links written into exports came from the request's Host header. A host the site
    does not serve is refused outright; one it does (127.0.0.1, for the health checks) still
    never makes the links."""
    from openpyxl import load_workbook

    c = production.test_client()
    assert c.get("/search/export.csv", headers={"Host": "evil.example"}).status_code == 400
    local = {"Host": "127.0.0.1:8000"}
    csv_text = c.get("/search/export.csv?type=achievement", headers=local).data.decode("utf-8-sig")
    assert "https://kjcg.example.cn/records/ach-" in csv_text and "127.0.0.1" not in csv_text
    xlsx = c.get("/search/export.xlsx?type=achievement&q=技术", headers=local)
    wb = load_workbook(io.BytesIO(xlsx.data))
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    assert not [v for v in cells if "127.0.0.1" in v]
    assert any(v.startswith("https://kjcg.example.cn/search?") for v in cells)
    api = c.get("/api/v1/records/ach-1", headers=local).get_json()
    assert api["links"]["self"] == "https://kjcg.example.cn/api/v1/records/ach-1"


@pytest.mark.parametrize("value", [None, "", "kjcg.example.cn", "ftp://kjcg.example.cn", "https://", "https://x.cn/?a=b"])
def test_production_refuses_to_start_without_a_public_address(tmp_path, value):
    """Item 8: production must not fall back to the request's Host header."""
    config = {"ENV": "production", "SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.sqlite3'}",
              "CELERY": {"broker_url": "memory://"}, "PUBLIC_BASE_URL": value}
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(config)
    app = create_app({**config, "PUBLIC_BASE_URL": "https://kjcg.example.cn/"})
    assert app.config["PUBLIC_BASE_URL"] == "https://kjcg.example.cn"
