"""Snapshot-style checks of the Elasticsearch compiler: neutral request in, JSON out."""
from indexer import FacetSpec, Highlight, Page, Range, SearchRequest, Sort, Term, Terms, Text
from indexer.catalog import Catalog
from indexer.elasticsearch.compiler import compile_search, compile_suggest

CAT = Catalog()
FIELDS = ["title^5", "title_en^3", "keywords.text^4", "holders.text^2", "summary^1", "innovations^1", "people^1", "holders_en^2", "labels^1"]


def test_text_becomes_cross_fields_and_per_word():
    body = compile_search(CAT, SearchRequest(indices=("achievements",), query=Text('电池 "正极材料" -固态')))
    assert body["query"] == {"bool": {
        "must": [
            {"multi_match": {"query": "电池", "type": "cross_fields", "operator": "and", "fields": FIELDS}},
            {"multi_match": {"query": "正极材料", "type": "phrase", "fields": FIELDS}},
        ],
        "must_not": [{"multi_match": {"query": "固态", "type": "cross_fields", "operator": "and", "fields": FIELDS}}],
    }}
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    assert body["from"] == 0 and body["size"] == 20 and body["track_total_hits"] is True


def test_filters_selections_and_multi_select_aggregations():
    req = SearchRequest(
        indices=("achievements",),
        filters=(Term("status", "published"), Range("trl", gte=4)),
        facet_filters=(("city", Terms("city", ("jilin",))),),
        facets=(FacetSpec("city", size=5), FacetSpec("field")),
        sort=(Sort("price_amount", desc=True),),
        page=Page(3, 10),
    )
    body = compile_search(CAT, req)
    assert body["query"] == {"bool": {"must": [{"match_all": {}}], "filter": [
        {"term": {"status": "published"}}, {"range": {"trl": {"gte": 4}}}]}}
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"city": ["jilin"]}}]}}
    assert body["aggs"]["city"]["terms"]["field"] == "city"  # its own selection does not narrow it
    assert body["aggs"]["field"] == {
        "filter": {"bool": {"filter": [{"terms": {"city": ["jilin"]}}]}},
        "aggs": {"buckets": {"terms": {"field": "field", "size": 10, "shard_size": 100, "order": [{"_count": "desc"}, {"_key": "asc"}]}}},
    }
    assert body["sort"][0] == {"price_amount": {"order": "desc", "missing": "_last"}}
    assert body["from"] == 20


def test_cursor_replaces_from_and_highlight_escapes():
    body = compile_search(CAT, SearchRequest(indices=("patents",), query=Text("激光"), highlight=Highlight()), search_after=[1.5, "pat-1"])
    assert body["search_after"] == [1.5, "pat-1"] and "from" not in body
    assert body["highlight"]["encoder"] == "html"
    assert set(body["highlight"]["fields"]) == {"title", "summary", "first_claim"}


def test_text_without_terms_matches_nothing():
    body = compile_search(CAT, SearchRequest(indices=("achievements",), query=Text("* 😀")))
    assert body["query"] == {"match_none": {}}


def test_suggest():
    assert compile_suggest(__import__("indexer").SuggestRequest("吉林", ("institutions",), 5)) == {
        "_source": False, "suggest": {"s": {"prefix": "吉林", "completion": {"field": "suggest", "size": 15, "skip_duplicates": False}}}}


def test_shards_and_replicas_from_the_configuration_override_the_mapping_files():
    from indexer.elasticsearch.backend import ElasticsearchBackend

    default = ElasticsearchBackend({}, client=object())
    spec = default.catalog.get("achievements")
    assert default._body(spec)["settings"]["number_of_shards"] == 1
    tuned = ElasticsearchBackend({"es_number_of_shards": "2", "es_number_of_replicas": 0}, client=object())
    assert tuned._body(spec)["settings"]["number_of_shards"] == 2
    assert tuned._body(spec, for_rebuild=True)["settings"]["number_of_shards"] == 2
    assert tuned._body(spec)["settings"]["number_of_replicas"] == 0
