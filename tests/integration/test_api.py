"""The JSON API (``/api/v1``) on the SQLite engine with demo data: search, facets, sorts,
paging and cursors, suggestions, records and similar records, the operator's writes, import
jobs, and the OpenAPI document. Every test with an app runs on the embedded store and on
production's (PostgreSQL)."""
from __future__ import annotations

import io
import math
import re

import pytest
import schemathesis

from web.api.openapi import openapi_document
from web.schemas import AchievementSchema
from tests.apps import STORES, auth, close_app, make_app, store_config

ANONYMOUS = {"REMOTE_ADDR": "127.0.0.1"}  # this machine: no longer trusted for it
DEMO = ["demo", "load", "--achievements", "60", "--patents", "40", "--instruments", "20"]


@pytest.fixture(scope="module", params=STORES)
def app(request, tmp_path_factory):
    """Demo data that no test in this module changes."""
    app = make_app(tmp_path_factory.mktemp("api"), *DEMO, **store_config(request))
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(params=STORES)
def writable(request, tmp_path):
    """A small store of its own for a test that writes."""
    app = make_app(tmp_path, "demo", "load", "--achievements", "6", "--patents", "4", "--instruments", "3", **store_config(request))
    yield app
    close_app(app)


def put_record(client, public_id: str, body: dict):
    """PUT as an editor does: with the ETag just read in If-Match."""
    current = client.get(f"/api/v1/records/{public_id}")
    headers = {"If-Match": current.headers["ETag"]} if current.status_code == 200 else {"If-Match": '"1"'}
    return client.put(f"/api/v1/records/{public_id}", json=body, headers=headers)


def admin_client(app):
    """A test client whose requests carry an administrator's API token."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = auth(app, "admin")["Authorization"]
    return client


def search(client, **args):
    response = client.get("/api/v1/search", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()["error"]


def detail_fields(err: dict) -> set[str]:
    return {d["field"] for d in err.get("details", [])}


# -- search ----------------------------------------------------------------------------------------

def test_search_answers_the_documented_shape(client):
    body = search(client, size=5)
    assert set(body) == {"total", "page", "size", "pages", "sort", "next_cursor", "hits", "facets"}
    assert body["total"] == 120 and body["page"] == 1 and body["size"] == 5 and body["pages"] == 24
    assert body["sort"] == "newest"  # no words: newest first
    assert len(body["hits"]) == 5 and body["next_cursor"]
    hit = body["hits"][0]
    assert set(hit) == {"id", "record_type", "score", "title", "title_en", "summary", "highlights", "source"}
    assert hit["record_type"] in {"achievement", "patent", "instrument"}
    assert "suggest" not in hit["source"]
    assert set(body["facets"]) == {"record_type", "field", "city", "holder", "year"}
    assert {v["key"]: v["count"] for v in body["facets"]["record_type"]} == {"achievement": 60, "patent": 40, "instrument": 20}


def test_a_facet_selection_narrows_the_hits_and_is_marked_selected(client):
    facets = search(client, type="achievement", size=1)["facets"]["field"]
    first, second = facets[0], facets[1]
    one = search(client, type="achievement", field=first["key"], size=100)
    assert one["total"] == first["count"]
    assert {h["source"]["field"] for h in one["hits"]} == {first["key"]}
    assert [v for v in one["facets"]["field"] if v["selected"]] == [{**first, "selected": True}]
    # a facet's own counts ignore its own selection (multi-select): both values stay offered
    two = client.get("/api/v1/search", query_string=[("type", "achievement"), ("field", first["key"]), ("field", second["key"])]).get_json()
    assert two["total"] == first["count"] + second["count"]
    assert {v["key"] for v in two["facets"]["field"] if v["selected"]} == {first["key"], second["key"]}


def test_range_and_number_facets(client):
    prices = {v["key"]: v["count"] for v in search(client, type="achievement", size=1)["facets"]["price"]}
    assert set(prices) <= {"lt100k", "100k-1m", "1m-10m", "gte10m"}
    key, count = next((k, c) for k, c in prices.items() if c)
    assert search(client, type="achievement", price=key, size=1)["total"] == count
    trl = search(client, type="achievement", trl="7", size=100)
    assert trl["hits"] and {h["source"]["trl"] for h in trl["hits"]} == {7}


def test_sorts(client):
    by_trl = search(client, type="achievement", sort="trl", size=100)["hits"]
    levels = [h["source"].get("trl", 0) for h in by_trl]
    assert levels == sorted(levels, reverse=True)
    words = search(client, q="技术", size=10)
    assert words["sort"] == "relevance" and all(h["score"] is not None for h in words["hits"])
    assert any(h["highlights"] for h in words["hits"])


def test_page_numbers_split_the_results(client):
    first, second = search(client, type="patent", size=15), search(client, type="patent", size=15, page=2)
    assert first["pages"] == second["pages"] == math.ceil(40 / 15)
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    last = search(client, type="patent", size=15, page=3)
    assert len(last["hits"]) == 10


@pytest.mark.parametrize("args", [{"size": 7}, {"size": 9, "q": "技术 OR 系统"}, {"size": 4, "type": "instrument", "sort": "value_desc"}])
def test_a_cursor_walks_every_result_once(client, args):
    first = search(client, **args)
    seen, body, calls = [h["id"] for h in first["hits"]], first, 1
    while body["next_cursor"]:
        body = search(client, **args, cursor=body["next_cursor"])
        seen += [h["id"] for h in body["hits"]]
        calls += 1
        assert calls < 100
    assert len(seen) == len(set(seen)) == first["total"] > args["size"]


def test_page_numbers_stop_at_ten_thousand_results(client):
    err = error(client.get("/api/v1/search", query_string={"page": 101, "size": 100}), 400)
    assert err["code"] == "page_too_deep" and detail_fields(err) == {"page"}
    # with a cursor the page number is not used, so the same page number is fine
    cursor = search(client, size=100)["next_cursor"]
    assert client.get("/api/v1/search", query_string={"page": 101, "size": 100, "cursor": cursor}).status_code == 200


def test_invalid_search_parameters_are_422_with_one_detail_per_field(client):
    err = error(client.get("/api/v1/search", query_string={"page": 0, "size": 1000, "type": "book", "q": "x" * 300}), 422)
    assert err["code"] == "validation_error"
    assert detail_fields(err) == {"page", "size", "type", "q"}
    assert all(d["message"] for d in err["details"])


def test_parameters_that_do_not_fit_the_type_are_400(client):
    err = error(client.get("/api/v1/search", query_string={"type": "patent", "sort": "trl"}), 400)
    assert err["code"] == "invalid_sort" and err["details"] == [{"field": "sort", "message": err["message"]}]
    err = error(client.get("/api/v1/search", query_string={"type": "patent", "trl": "7"}), 400)
    assert err["code"] == "invalid_filter" and detail_fields(err) == {"trl"}
    err = error(client.get("/api/v1/search", query_string={"type": "achievement", "trl": "seven"}), 400)
    assert err["code"] == "invalid_filter"
    err = error(client.get("/api/v1/search", query_string={"cursor": "not-a-cursor"}), 400)
    assert err["code"]


def test_unknown_parameters_are_ignored(client):
    assert search(client, utm_source="newsletter", size=1)["total"] == 120


# -- suggestions -----------------------------------------------------------------------------------

def test_suggest(client):
    items = client.get("/api/v1/suggest", query_string={"q": "吉林", "size": 5}).get_json()
    assert 0 < len(items) <= 5
    assert all(set(i) == {"text", "record_type", "id"} and i["text"].startswith("吉林") for i in items)
    institutions = client.get("/api/v1/suggest", query_string={"q": "吉林", "type": "institution"}).get_json()
    assert institutions and {i["record_type"] for i in institutions} == {"institution"}
    assert all(i["id"].startswith("org-") for i in institutions)
    assert client.get("/api/v1/suggest", query_string={"q": "  "}).get_json() == []
    assert detail_fields(error(client.get("/api/v1/suggest", query_string={"q": "吉", "size": 0}), 422)) == {"size"}


# -- records ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("public_id,record_type", [("ach-1", "achievement"), ("pat-1", "patent"), ("ins-1", "instrument"), ("org-1", "institution")])
def test_read_a_record(client, public_id, record_type):
    response = client.get(f"/api/v1/records/{public_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == public_id and body["record_type"] == record_type and body["status"] == "published"
    assert body["links"] == {
        "self": f"http://localhost/api/v1/records/{public_id}",
        "html": f"http://localhost/records/{public_id}",
        "similar": f"http://localhost/api/v1/records/{public_id}/similar",
    }
    assert body["created_at"].endswith("+00:00")  # RFC 3339: the zone is part of the date-time


@pytest.mark.parametrize("public_id", ["ach-99999", "xyz-1", "ach-abc", "ach-01", "ach-99999999999999999999", "ach-"])
def test_unknown_or_malformed_ids_are_404(client, public_id):
    err = error(client.get(f"/api/v1/records/{public_id}"), 404)
    assert err["code"] == "not_found"
    assert error(client.get(f"/api/v1/records/{public_id}/similar"), 404)["code"] == "not_found"


def test_similar_records(client):
    body = client.get("/api/v1/records/ach-1/similar", query_string={"size": 3}).get_json()
    assert 0 < len(body["hits"]) <= 3
    assert "ach-1" not in {h["id"] for h in body["hits"]}
    assert set(body["hits"][0]) == {"id", "record_type", "score", "title", "title_en", "summary", "highlights", "source"}
    assert detail_fields(error(client.get("/api/v1/records/ach-1/similar", query_string={"size": 99}), 422)) == {"size"}


def test_anyone_reads_but_only_an_administrator_writes(app, client):
    assert client.get("/api/v1/records/ach-1", environ_base=ANONYMOUS).status_code == 200
    assert client.get("/api/v1/search", environ_base=ANONYMOUS).status_code == 200
    writes = [("post", "/api/v1/records"), ("put", "/api/v1/records/ach-1"), ("delete", "/api/v1/records/ach-1"),
              ("post", "/api/v1/imports"), ("get", "/api/v1/imports/1")]
    for method, path in writes:
        response = getattr(client, method)(path, json={"record_type": "achievement"}, environ_base=ANONYMOUS)
        assert error(response, 401)["code"] == "unauthorized", (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    investor = auth(app, "investor")
    for method, path in writes:
        response = getattr(client, method)(path, json={"record_type": "achievement"}, headers=investor)
        assert error(response, 403)["code"] == "forbidden", (method, path)
    assert error(client.get("/api/v1/search", headers={"Authorization": "Bearer jlt_0000_wrong"}), 401)["code"] == "unauthorized"


ACHIEVEMENT = {
    "record_type": "achievement",
    "title": "寒地玉米秸秆全量还田装备",
    "institutions": ["吉大"],  # an alias: stored as 吉林大学
    "field": "现代农业",  # a Chinese label: stored as its code
    "trl": "TRL6",
    "keywords": "秸秆还田；黑土地保护",
    "price": {"amount": "50万元"},
    "registration_no": "220202599999",
}


def test_create_read_update_and_delete_a_record(writable):
    client = admin_client(writable)
    created = client.post("/api/v1/records", json=ACHIEVEMENT)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    public_id = body["id"]
    assert created.headers["Location"] == body["links"]["self"] == f"http://localhost/api/v1/records/{public_id}"
    assert (body["institutions"], body["field"], body["trl"], body["keywords"]) == (["吉林大学"], "modern_agriculture", 6, ["秸秆还田", "黑土地保护"])
    assert body["price"] == {"mode": "fixed", "amount": 500000.0, "amount_max": None}
    assert client.get(f"/api/v1/records/{public_id}").get_json() == body
    assert public_id in {h["id"] for h in search(client, q="秸秆全量还田")["hits"]}  # indexed after the commit

    again = client.post("/api/v1/records", json=ACHIEVEMENT)  # the same registration number: the same record
    assert again.status_code == 200 and again.get_json()["id"] == public_id

    replaced = put_record(client, public_id, {**ACHIEVEMENT, "trl": 8, "title_en": "Straw return machinery"})
    assert replaced.status_code == 200
    assert replaced.get_json()["trl"] == 8 and replaced.get_json()["revision_id"] > body["revision_id"]
    assert search(client, q="Straw return machinery")["hits"][0]["id"] == public_id

    deleted = client.delete(f"/api/v1/records/{public_id}")
    assert deleted.status_code == 204 and deleted.data == b""
    assert error(client.get(f"/api/v1/records/{public_id}"), 404)["code"] == "not_found"
    assert public_id not in {h["id"] for h in search(client, q="秸秆全量还田")["hits"]}
    assert error(client.delete(f"/api/v1/records/{public_id}"), 404)["code"] == "not_found"


@pytest.mark.parametrize("record_type,fields", [
    ("patent", {"title": "一种黑土保护性耕作方法", "application_no": "CN202310012345.6", "applicants": ["吉林大学"], "kind": "发明"}),
    ("instrument", {"name": "场发射扫描电子显微镜", "institution": "吉林大学", "value": "350万", "shared": "是"}),
    ("institution", {"name": "长春黑土地研究院", "type": "科研院所", "city": "长春"}),
])
def test_create_each_record_type(writable, record_type, fields):
    response = admin_client(writable).post("/api/v1/records", json={"record_type": record_type, **fields})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["record_type"] == record_type


def test_invalid_records_are_422_with_field_details(writable):
    client = admin_client(writable)
    err = error(client.post("/api/v1/records", json={"record_type": "achievement", "trl": 12, "colour": "blue",
                                                     "contact": {"email": "nobody"}}), 422)
    assert err["code"] == "validation_error"
    assert detail_fields(err) == {"title", "institutions", "trl", "colour", "contact.email"}
    assert detail_fields(error(client.post("/api/v1/records", json={"title": "x"}), 422)) == {"record_type"}
    assert detail_fields(error(client.post("/api/v1/records", json=["not", "an", "object"]), 422)) == {"_record"}
    assert detail_fields(error(put_record(client, "ach-1", {**ACHIEVEMENT, "record_type": "patent"}), 422)) == {"record_type"}
    assert detail_fields(error(put_record(client, "ach-1", {"title": ""}), 422)) == {"title", "institutions"}
    assert error(client.post("/api/v1/records", data="title=x"), 415)["code"] == "unsupported_media_type"
    assert error(client.post("/api/v1/records", data="{", content_type="application/json"), 400)["code"] == "bad_request"
    assert error(put_record(client, "ach-99999", ACHIEVEMENT), 404)["code"] == "not_found"


def test_blank_text_counts_as_missing(writable):
    response = admin_client(writable).post("/api/v1/records", json={**ACHIEVEMENT, "title_en": "  ", "people": ["张三", " "], "summary": ""})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title_en"] is None and body["people"] == ["张三"] and body["summary"] is None


def test_a_uniqueness_conflict_is_409(writable):
    client = admin_client(writable)
    first = client.post("/api/v1/records", json=ACHIEVEMENT).get_json()
    other = client.post("/api/v1/records", json={**ACHIEVEMENT, "title": "另一项成果", "registration_no": "220202588888"}).get_json()
    assert other["id"] != first["id"]
    clash = put_record(client, other["id"], {**ACHIEVEMENT, "title": "另一项成果"})  # takes the first one's number
    assert error(clash, 409)["code"] == "conflict"
    assert client.get(f"/api/v1/records/{other['id']}").get_json()["registration_no"] == "220202588888"


def test_an_institution_that_holds_records_is_not_deleted(writable):
    client = admin_client(writable)
    assert error(client.delete("/api/v1/records/org-1"), 409)["code"] == "record_in_use"
    assert client.get("/api/v1/records/org-1").status_code == 200
    free = client.post("/api/v1/records", json={"record_type": "institution", "name": "吉林省某孵化器有限公司"}).get_json()
    assert client.delete(f"/api/v1/records/{free['id']}").status_code == 204


# -- imports ---------------------------------------------------------------------------------------

def test_import_jobs(writable):
    client = admin_client(writable)
    csv = "成果名称,完成单位,技术就绪度\n黑土地保护性耕作技术,吉林大学,6\n".encode()
    response = client.post("/api/v1/imports", data={"file": (io.BytesIO(csv), "成果.csv"), "record_type": "achievement"})
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert response.headers["Location"] == job["links"]["self"] == f"http://localhost/api/v1/imports/{job['id']}"
    assert job["status"] == "queued" and job["record_type"] == "achievement" and job["filename"] == "成果.csv"
    assert job["created_at"].endswith("+00:00") and job["counts"]["read"] == 0

    assert client.get(f"/api/v1/imports/{job['id']}").get_json() == job
    cancelled = client.post(f"/api/v1/imports/{job['id']}/cancel").get_json()
    assert cancelled["status"] == "cancelled" and cancelled["cancel_requested"] is True
    errors = client.get(f"/api/v1/imports/{job['id']}/errors")
    assert errors.status_code == 200 and errors.mimetype == "text/csv"
    assert errors.data.startswith("\ufeff".encode()) and "原因 reason" in errors.get_data(as_text=True)

    assert error(client.get("/api/v1/imports/999"), 404)["code"] == "not_found"
    assert error(client.post("/api/v1/imports/999/cancel"), 404)["code"] == "not_found"
    assert detail_fields(error(client.post("/api/v1/imports", data={"record_type": "achievement"}), 422)) == {"file"}
    bad_type = client.post("/api/v1/imports", data={"file": (io.BytesIO(csv), "a.csv"), "record_type": "book"})
    assert detail_fields(error(bad_type, 422)) == {"record_type"}


# -- the OpenAPI document --------------------------------------------------------------------------

def validate_openapi(doc: dict) -> None:
    try:
        from openapi_spec_validator import validate
    except ImportError:  # schemathesis validates against the OpenAPI 3.0 meta-schema
        schemathesis.openapi.from_dict(doc).validate()
    else:
        validate(doc)


def test_the_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.get_json()
    assert doc == openapi_document()
    validate_openapi(doc)
    assert doc["openapi"].startswith("3.0.")
    assert doc["info"]["title"] == "吉林省科技成果转化信息检索 API / Jilin technology-transfer search API"
    assert doc["info"]["version"] == "1.0.0"


def test_the_document_lists_every_api_route(app):
    doc = openapi_document()
    documented = {(path, method) for path, item in doc["paths"].items() for method in item if method != "parameters"}
    served = {
        (re.sub(r"<(?:[^<>]*:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served


def test_search_parameters_come_from_the_search_args_schema():
    params = {p["name"]: p for p in openapi_document()["paths"]["/api/v1/search"]["get"]["parameters"]}
    assert {"q", "type", "sort", "page", "size", "cursor"} <= set(params)
    assert {"field", "city", "holder", "year", "trl", "price", "kind", "ipc_class", "shared", "inst_type"} <= set(params)
    assert params["city"]["style"] == "form" and params["city"]["explode"] is True
    assert params["city"]["schema"]["type"] == "array"
    assert params["page"]["schema"] == {"type": "integer", "default": 1, "minimum": 1, "maximum": 500}
    assert params["type"]["schema"]["enum"] == ["all", "achievement", "patent", "instrument", "institution", "need"]
    assert set(params["price"]["schema"]["items"]["enum"]) == {"lt100k", "100k-1m", "1m-10m", "gte10m"}
    assert all("nullable" not in p["schema"] and p["schema"].get("default", "") is not None for p in params.values())


def test_record_schemas_differ_going_in_and_out():
    schemas = openapi_document()["components"]["schemas"]
    out, given = schemas["Achievement"]["properties"], schemas["AchievementInput"]["properties"]
    system = {"id", "status", "revision_id", "created_at", "updated_at", "published_at", "links"}
    assert system <= set(out) and all(out[k].get("readOnly") for k in system - {"links"})
    assert not system & set(given)
    assert given["record_type"]["enum"] == ["achievement"] and "record_type" in schemas["AchievementCreate"]["required"]
    # vocabulary codes are an enum in answers; a request may also use a label, so there it is described
    assert "modern_agriculture" in out["field"]["enum"] and None in out["field"]["enum"]
    assert "enum" not in given["field"] and "现代农业" in given["field"]["description"]
    assert "enum" not in given["transfer_modes"]["items"] and "license" in out["transfer_modes"]["items"]["enum"]
    assert out["trl"]["minimum"] == 1 and out["trl"]["maximum"] == 9
    keywords = AchievementSchema().fields["keywords"]
    assert given["institutions"]["minItems"] == 1 and given["keywords"]["maxItems"] == keywords.max_items
    # a nullable nested object is null or the object, not "any object"
    assert {"type": "object", "nullable": True, "enum": [None]} in out["price"]["anyOf"]


def test_every_error_response_has_the_error_schema():
    doc = openapi_document()
    statuses = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    statuses.add(int(status))
                    schema = response["content"]["application/json"]["schema"]
                    if int(status) == 412:  # a stale edit: the error and the record as it is now
                        assert schema["properties"]["error"] == {"$ref": "#/components/schemas/ErrorBody"}, (path, method)
                    else:
                        assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    assert {400, 404, 422, 503} <= statuses
    search_errors = set(doc["paths"]["/api/v1/search"]["get"]["responses"])
    assert {"400", "422", "503"} <= search_errors


# -- blank optional text is missing, not an error ----------------------------------------------

def test_the_record_schema_reads_blank_optional_text_as_missing():
    data = AchievementSchema().load({"title": "成果", "institutions": ["吉林大学"], "title_en": " "})
    assert data.get("title_en") is None
