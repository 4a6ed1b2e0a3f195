"""The annual selection's part of the OpenAPI document (``selection.py``'s routes), merged into
it by ``openapi.py``: its component schemas and its paths.

The request bodies come from the marshmallow schemas the routes load (``web/schemas/selection.py``);
the answers, which ``selection.py`` builds as plain dicts (``round_body``, ``candidate_body`` ...),
are described here as JSON schemas of the same shape. Who may do what is the service's
(``web/services/selection.py``): a round exists only for those who take part in the selection
(administrators, publishers, experts), so everyone else gets 404, not 403."""
from __future__ import annotations

from typing import Any

from apispec.ext.marshmallow import MarshmallowPlugin

from ..models.selection import AUTO_PARTS, CANDIDATE_STATES, ROUND_STATES, RUBRIC
from ..schemas.selection import AssignSchema, NominationSchema, NoteSchema, ReasonSchema, RoundSchema, ScoreSchema
from .openapi_attachments import _errors, _json, _ref  # the document's shared helpers

TAG = {"name": "selection", "description": "年度高质量科技成果遴选：遴选轮次、推荐、专家评分、排名，以及公开的年度榜单 / the annual "
                                          "selection of high-quality achievements: rounds, nominations, expert scores, the ranking, and "
                                          "the published lists (public)"}
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}
NULL_STRING = {"type": "string", "nullable": True}
NULL_NUMBER = {"type": "number", "nullable": True}
NULL_TIME = {"type": "string", "format": "date-time", "nullable": True}
TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
URI = {"type": "string", "format": "uri"}
NUMBERS = {"type": "object", "additionalProperties": {"type": "number"}}




def _obj(required: list[str] | tuple[str, ...], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties}


def _keys(schema: dict[str, Any], keys: tuple[str, ...], value: dict[str, Any], required: bool = False) -> dict[str, Any]:
    """A weights or scores object: these keys only (marshmallow checks them; apispec says only
    "an object of numbers")."""
    schema.pop("additionalProperties", None)
    schema.update(properties={k: dict(value) for k in keys}, additionalProperties=False)
    if required:
        schema["required"] = list(keys)
    return schema


# -- component schemas ---------------------------------------------------------------------------------

def components(plugin: MarshmallowPlugin) -> dict[str, dict[str, Any]]:
    """The request bodies (from the routes' schemas) and the answers, by component name."""
    def body(schema: Any, description: str) -> dict[str, Any]:
        out = plugin.converter.schema2jsonschema(schema)
        out["description"] = description
        return out

    weight = {"type": "number", "minimum": 0, "maximum": 100}
    create = body(RoundSchema, "开启一轮遴选；未给出的设置取默认值（名额 200，每项 3 位专家，至少 2 份评分 ...）/ opens a round; "
                               "settings left out take their defaults (quota 200, 3 experts a candidate, at least 2 scores ...)")
    change = body(RoundSchema(partial=True, exclude=("year",)),
                  "只改给出的设置；评分规则和年度范围只能在提名阶段修改 / changes only the settings given; the scoring rules and "
                  "the eligibility window only while nominations are open")
    for schema in (create, change):
        _keys(schema["properties"]["auto_weights"], AUTO_PARTS, weight)
        _keys(schema["properties"]["rubric"], RUBRIC, weight)
    score = body(ScoreSchema, "每个评分维度 0-100 分，可附意见 / every rubric dimension 0-100, and an optional comment")
    _keys(score["properties"]["scores"], RUBRIC, {"type": "number", "minimum": 0, "maximum": 100}, required=True)
    score["properties"]["comment"].pop("default", None)  # load_default=None: left out is the same as null

    check = _obj(("rule", "ok", "zh", "en"), rule={"type": "string", "description": "published | window | required | not_selected"},
                 ok={"type": "boolean"}, zh={"type": "string"}, en={"type": "string"})
    round_ = _obj(
        ("year", "title", "status", "quota", "links"),
        year={"type": "integer"}, title={"type": "string"}, title_en=NULL_STRING, criteria={"type": "string"}, criteria_en=NULL_STRING,
        status={"type": "string", "enum": list(ROUND_STATES),
                "description": "nominating（提名中）→ scoring（评分中）→ closed（评分结束）→ published（已发布）"},
        quota={"type": "integer"}, auto_weight={"type": "number"}, auto_weights=NUMBERS, rubric=NUMBERS,
        experts_per_candidate={"type": "integer"}, min_scores={"type": "integer"}, outlier_gap={"type": "number"},
        window_start=DATE, window_end=DATE, nomination_opens=DATE, nomination_closes=DATE, scoring_closes=DATE,
        created_at=NULL_TIME, scoring_started_at=NULL_TIME, closed_at=NULL_TIME, published_at=NULL_TIME,
        progress={"type": "object", "additionalProperties": {"type": "integer"},
                  "description": "仅管理员：各状态的候选数、指派数和已评分数（不含分数）/ administrators only: counts of candidates "
                                 "by status, assignments and scores given (no scores)"},
        links=_obj(("self", "candidates"), self=URI, candidates=URI))
    candidate = _obj(
        ("id", "achievement", "title", "status", "source", "links"),
        id={"type": "integer"}, achievement={"type": "string"}, title={"type": "string"},
        status={"type": "string", "enum": list(CANDIDATE_STATES)}, status_reason=NULL_STRING,
        source={"type": "string", "enum": ["institution", "admin"]}, statement={"type": "string"},
        nominated_by={**NULL_STRING, "description": "推荐单位 / the nominating institution, org-N"}, nominated_at=NULL_TIME,
        checks={"type": "array", "items": _ref("SelectionCheck")},
        experts={"type": "array", "description": "仅管理员 / administrators only",
                 "items": _obj(("assignment", "expert", "scored"), assignment={"type": "integer"}, expert={"type": "integer"},
                               scored={"type": "boolean"})},
        auto_score={**NULL_NUMBER, "description": "自动预评分：管理员；评分结束后也给推荐单位 / the pre-score: administrators; "
                                                  "the nominating publisher once scoring closes"},
        auto_parts=NUMBERS,
        scores={"type": "array", "description": "专家评分：仅管理员，且评分结束后 / the experts' scores: administrators, once scoring closes",
                "items": _obj(("expert", "scores", "total"), expert={"type": "integer"}, scores=NUMBERS, total={"type": "number"},
                              comment=NULL_STRING)},
        links=_obj(("self", "achievement"), self=URI, achievement=URI))
    assignment = _obj(
        ("id", "candidate", "achievement", "rubric", "open", "links"),
        id={"type": "integer"}, candidate={"type": "integer"}, achievement={"type": "string"}, title={"type": "string"},
        statement={"type": "string"}, scores={**NUMBERS, "nullable": True, "description": "本人的评分，未评时为 null / your scores, "
                                                                                           "null until given"},
        total=NULL_NUMBER, comment=NULL_STRING, submitted_at=NULL_TIME, rubric=NUMBERS,
        open={"type": "boolean", "description": "评分中，可以评分或修改 / scoring is open: you may score or change your scores"},
        links=_obj(("score", "achievement"), score=URI, achievement=URI))
    ranked = _obj(
        ("rank", "candidate", "achievement", "auto", "expert_totals", "kept", "expert", "combined"),
        rank={"type": "integer", "nullable": True, "description": "null：专家评分不足，不参与排名 / null: too few expert scores to rank"},
        candidate={"type": "integer"}, achievement={"type": "string"}, title={"type": "string"}, auto={"type": "number"},
        expert_totals={"type": "array", "items": {"type": "number"}},
        kept={"type": "array", "items": {"type": "boolean"}, "description": "各专家总分是否计入（离群分剔除）/ whether each total counts "
                                                                             "(the outlier rule)"},
        expert=NULL_NUMBER, combined=NULL_NUMBER)
    entry = _obj(
        ("rank", "achievement", "title", "combined"),
        rank={"type": "integer"}, achievement={"type": "string"}, achievement_id={"type": "integer"}, title={"type": "string"},
        title_en=NULL_STRING, holders={"type": "array", "items": _obj(("id", "name"), id={"type": "string"}, name={"type": "string"})},
        nominated_by={**NULL_STRING, "description": "推荐单位名称 / the nominating institution's name"},
        source={"type": "string"}, city=NULL_STRING, field=NULL_STRING, level=NULL_STRING, trl={"type": "integer", "nullable": True},
        registered_at={**DATE, "nullable": True}, statement={"type": "string"},
        highlights={"type": "array", "items": _obj(("code",), code={"type": "string"}, value={})},
        auto_parts=NUMBERS, auto={"type": "number"},
        expert_scores={"type": "array", "description": "不署专家姓名 / experts are not named",
                       "items": _obj(("total",), scores=NUMBERS, total={"type": "number"}, kept={"type": "boolean"})},
        expert=NULL_NUMBER, combined={"type": "number"})
    summary = _obj(
        ("year", "revision", "title", "published_at", "entry_count", "digest", "formula", "links"),
        year={"type": "integer"}, revision={"type": "integer", "minimum": 1}, title={"type": "string"}, title_en=NULL_STRING,
        note={**NULL_STRING, "description": "更正说明（第 1 版为 null）/ why it was corrected (null for revision 1)"},
        published_at=TIME, entry_count={"type": "integer"},
        digest={"type": "string", "pattern": "^[0-9a-f]{64}$",
                "description": "formula 与 entries 的规范 JSON 的 SHA-256 / SHA-256 of the canonical JSON of formula and entries"},
        formula={"type": "object", "description": "计算综合得分的权重与规则，可据此复算 / the weights and rules the scores were combined "
                                                  "with: enough to recompute the list"},
        links=_obj(("self", "latest", "page", "xlsx", "pdf"), self=URI, latest=URI, page=URI, xlsx=URI, pdf=URI))
    listing = {"allOf": [_ref("SelectionListSummary"), _obj(("entries",), entries={"type": "array", "items": _ref("SelectionEntry")})]}
    year_list = {"allOf": [_ref("SelectionList"), _obj(("revisions",), revisions={"type": "array", "items": _obj(
        ("revision", "published_at", "digest"), revision={"type": "integer"}, published_at=TIME, note=NULL_STRING,
        digest={"type": "string"})})]}
    step = _obj(
        ("round",), round=_ref("SelectionRound"),
        checked={"type": "integer", "description": "start-scoring：重新核查的候选数 / candidates checked again"},
        ineligible={"type": "integer", "description": "start-scoring：不再符合条件的 / of them no longer eligible"},
        assignments={"type": "integer", "description": "start-scoring：指派的评审份数 / expert assignments made"},
        experts={"type": "integer", "description": "start-scoring：参与的专家数 / experts assigned"})
    eligibility = _obj(("achievement", "eligible", "checks"), achievement={"type": "string"}, eligible={"type": "boolean"},
                       checks={"type": "array", "items": _ref("SelectionCheck")})
    assigned = _obj(("assignment", "candidate", "expert"), assignment={"type": "integer"}, candidate={"type": "integer"},
                    expert={"type": "integer"})
    return {
        "SelectionRoundCreate": create, "SelectionRoundChange": change, "SelectionScoreInput": score,
        "SelectionNomination": body(NominationSchema, "推荐一项已发布的成果 / nominate a published achievement"),
        "SelectionReason": body(ReasonSchema, "原因 / why"), "SelectionNote": body(NoteSchema, "更正说明 / why the list is corrected"),
        "SelectionAssign": body(AssignSchema, "指派的专家 / the expert to assign"),
        "SelectionCheck": check, "SelectionRound": round_, "SelectionCandidate": candidate, "SelectionAssignment": assignment,
        "SelectionRanked": ranked, "SelectionEntry": entry, "SelectionListSummary": summary, "SelectionList": listing,
        "SelectionYearList": year_list, "SelectionStepResult": step, "SelectionEligibility": eligibility, "SelectionAssigned": assigned,
    }


# -- paths -------------------------------------------------------------------------------------------

def paths() -> dict[str, dict[str, Any]]:
    """The path items, keyed like ``openapi._paths`` (without the /api/v1 prefix)."""
    year = {"in": "path", "name": "year", "required": True, "description": "年度 / the year",
            "schema": {"type": "integer", "minimum": 2000, "maximum": 2100, "example": 2026}}
    candidate_id = {"in": "path", "name": "candidate_id", "required": True, "description": "候选编号 / candidate id", "schema": ID}
    assignment_id = {"in": "path", "name": "assignment_id", "required": True, "description": "评审任务编号 / assignment id",
                     "schema": ID}
    revision = {"in": "path", "name": "revision", "required": True, "description": "版本号 / revision",
                "schema": {"type": "integer", "minimum": 1, "maximum": 9999}}
    body = lambda name, required=True: {"required": required, "content": {"application/json": {"schema": _ref(name)}}}  # noqa: E731
    location = {"Location": {"description": "新资源的地址 / where it is", "schema": URI}}
    no_round = "没有该年度的遴选，或您不参与遴选（仅管理员、单位发布者和评审专家）/ no round that year, or you take no part in " \
               "the selection (administrators, publishers and experts do)"
    no_candidate = "没有该轮次、候选成果，或无权查看（推荐单位、被指派的专家和管理员可见）/ no such round or candidate, or not one " \
                   "you may see (its institution, its experts and administrators may)"
    admins = "仅管理员 / administrators only"
    bad_json = "JSON 无法解析 / malformed JSON"
    not_json = "请求体应为 JSON / send the body as application/json"
    invalid = "数据校验未通过，details 逐字段说明 / validation failed; `details` lists each field"
    tags = ["selection"]
    return {
        "/selection/rounds": {
            "get": {
                "operationId": "list_rounds", "tags": tags, "summary": "遴选轮次 / selection rounds", "x-account": True,
                "description": "最新年度在前；不参与遴选的账号得到空列表。/ Newest year first; an account that takes no part in the "
                               "selection gets an empty list.",
                "responses": _errors({"200": _json("轮次 / rounds", {"type": "array", "items": _ref("SelectionRound")})}),
            },
            "post": {
                "operationId": "open_round", "tags": tags, "summary": "开启一轮遴选 / open a round",
                "description": "仅管理员。每年一轮；入选数量不少于 SELECTION_MIN_QUOTA（省规划：200）。/ Administrators only. One round "
                               "a year; the quota is at least SELECTION_MIN_QUOTA (the provincial plan: 200).",
                "requestBody": body("SelectionRoundCreate"),
                "responses": _errors({"201": _json("已开启 / opened", _ref("SelectionRound"), location)},
                                     e400=bad_json, e403=admins, e409="该年度已有遴选 / that year has a round", e415=not_json,
                                     e422=invalid + "；名额少于下限（quota_too_small）/ or a quota below the minimum (quota_too_small)"),
            },
        },
        "/selection/rounds/{year}": {
            "parameters": [year],
            "get": {
                "operationId": "get_round", "tags": tags, "summary": "一轮遴选 / a round", "x-account": True,
                "responses": _errors({"200": _json("轮次；管理员另见 progress / the round; administrators also get `progress`",
                                                   _ref("SelectionRound"))}, e404=no_round),
            },
            "patch": {
                "operationId": "change_round", "tags": tags, "summary": "修改遴选设置 / change a round",
                "description": "仅管理员，榜单发布前。年度不能修改（路径中的年度为准，请求体中的 year 被忽略）。/ Administrators, until the "
                               "list is published. The year cannot change (the path's counts; a `year` in the body is ignored).",
                "requestBody": body("SelectionRoundChange"),
                "responses": _errors({"200": _json("轮次 / the round", _ref("SelectionRound"))},
                                     e400=bad_json, e403=admins, e404=no_round,
                                     e409="榜单已发布（published），或评分已开始而要改评分规则（settings_frozen）/ the list is published, or "
                                          "scoring has started and a scoring rule would change",
                                     e415=not_json, e422=invalid + "；日期顺序、名额下限 / or dates out of order, a quota below the minimum"),
            },
        },
        "/selection/rounds/{year}/actions/{step}": {
            "parameters": [year, {"in": "path", "name": "step", "required": True, "schema": {
                "type": "string", "enum": ["start-scoring", "close", "finalise", "correct"]},
                "description": "start-scoring：结束提名，重新核查、计算预评分并指派专家；close：结束评分；finalise：发布榜单（第 1 版）；"
                               "correct：按当前排名发布更正版本（须附 note）/ start-scoring: close nominations, check every candidate "
                               "again, compute the pre-scores and assign experts; close: close the scoring; finalise: publish "
                               "the list (revision 1); correct: publish a correction from today's ranking (with a note)"}],
            "post": {
                "operationId": "round_action", "tags": tags, "summary": "推进遴选 / move a round on",
                "description": "仅管理员。定稿要求至少 quota 项候选获得足够的专家评分。/ Administrators only. Finalising needs at "
                               "least `quota` candidates with enough expert scores.",
                "requestBody": {**body("SelectionNote", required=False),
                                "description": "仅 correct 需要 / for `correct` only (which requires it)"},
                "responses": _errors({
                    "200": _json("start-scoring、close：轮次（start-scoring 另附核查与指派数）/ start-scoring, close: the round "
                                 "(and, for start-scoring, what was checked and assigned)", _ref("SelectionStepResult")),
                    "201": _json("finalise、correct：发布的版本 / finalise, correct: the revision published", _ref("SelectionListSummary"),
                                 location)},
                    e400=bad_json, e403=admins, e404=no_round,
                    e409="当前阶段不能这样做（wrong_state）、评分足够的候选少于名额（below_quota）、无利益冲突的专家不足（too_few_experts）/ "
                         "not in the round's state, fewer candidates with enough scores than the quota, or too few experts "
                         "without a conflict of interest",
                    e415=not_json + "（correct）", e422=invalid + "；correct 须说明原因（note_required）/ `correct` needs a note"),
            },
        },
        "/selection/rounds/{year}/candidates": {
            "parameters": [year],
            "get": {
                "operationId": "list_candidates", "tags": tags, "summary": "候选成果 / candidates", "x-account": True,
                "description": "管理员：全部；单位发布者：本单位的；专家：无（见 assignments）。/ Administrators: all; publishers: their "
                               "institution's; experts: none (see `assignments`).",
                "parameters": [{"in": "query", "name": "status", "required": False, "description": "只列此状态的 / only those in this state",
                                "schema": {"type": "string", "enum": list(CANDIDATE_STATES)}}],
                "responses": _errors({"200": _json("候选成果 / candidates", {"type": "array", "items": _ref("SelectionCandidate")})},
                                     e404=no_round),
            },
            "post": {
                "operationId": "nominate", "tags": tags, "summary": "推荐成果 / nominate an achievement",
                "description": "单位发布者推荐本单位已发布的成果（提名期内），管理员可添加任何成果。条件逐条核查，不符合时 details 说明。/ "
                               "Publishers nominate their institution's published achievements while nominations are open; "
                               "administrators add any. Each eligibility rule is checked; `details` says which failed.",
                "requestBody": body("SelectionNomination"),
                "responses": _errors({"201": _json("候选成果 / the candidate", _ref("SelectionCandidate"), location)},
                                     e400=bad_json, e403="只能推荐本单位的成果 / your institution's achievements only",
                                     e404=no_round + "；或成果不存在 / or no such achievement",
                                     e409="提名已结束（nominations_closed）或已是候选（already_nominated）/ nominations are closed, or it "
                                          "is a candidate already",
                                     e415=not_json, e422=invalid + "；不符合推荐条件（ineligible，details 为未通过的条件）/ or not "
                                                                  "eligible (ineligible; `details` lists the failed rules)"),
            },
        },
        "/selection/rounds/{year}/candidates/{candidate_id}": {
            "parameters": [year, candidate_id],
            "get": {
                "operationId": "get_candidate", "tags": tags, "summary": "一项候选成果 / a candidate", "x-account": True,
                "description": "专家看不到他人的评分、预评分和总分；管理员在评分结束后可见。/ Experts see no one else's scores, no "
                               "pre-score and no total; administrators see them once scoring closes.",
                "responses": _errors({"200": _json("候选成果 / the candidate", _ref("SelectionCandidate"))}, e404=no_candidate),
            },
        },
        "/selection/rounds/{year}/candidates/{candidate_id}/{step}": {
            "parameters": [year, candidate_id, {"in": "path", "name": "step", "required": True,
                                                "schema": {"type": "string", "enum": ["withdraw", "exclude", "reinstate"]},
                                                "description": "withdraw：推荐单位或管理员在提名期内撤回；exclude、reinstate：管理员在评分"
                                                               "结束后排除或恢复（须说明原因，发布更正版本后公开）/ withdraw: its "
                                                               "institution or an administrator, while nominations are open; "
                                                               "exclude, reinstate: administrators, once scoring closes (with a "
                                                               "reason, made public with the next correction)"}],
            "post": {
                "operationId": "candidate_action", "tags": tags, "summary": "撤回、排除或恢复候选 / withdraw, exclude or reinstate",
                "requestBody": body("SelectionReason"),
                "responses": _errors({"200": _json("候选成果 / the candidate", _ref("SelectionCandidate"))},
                                     e400=bad_json, e403="排除和恢复仅管理员 / administrators only exclude and reinstate",
                                     e404=no_candidate, e409="当前阶段或候选状态不允许（nominations_closed、wrong_state）/ not in the "
                                                             "round's or the candidate's state",
                                     e415=not_json, e422=invalid + "；排除、恢复须说明原因（reason_required）/ exclude and reinstate "
                                                                  "need a reason"),
            },
        },
        "/selection/rounds/{year}/candidates/{candidate_id}/experts": {
            "parameters": [year, candidate_id],
            "post": {
                "operationId": "assign_expert", "tags": tags, "summary": "指派专家 / assign an expert",
                "description": "仅管理员，评分阶段。专家所在单位是成果的完成单位或推荐单位时须回避（403 conflict_of_interest）。/ "
                               "Administrators, while scoring. An expert of a holder or of the nominating institution is "
                               "refused (403 conflict_of_interest).",
                "requestBody": body("SelectionAssign"),
                "responses": _errors({"201": _json("已指派 / assigned", _ref("SelectionAssigned"))},
                                     e400=bad_json, e403=admins + "；或利益冲突 / or a conflict of interest", e404=no_candidate,
                                     e409="不在评分阶段或候选已失效（wrong_state），或已指派（already_assigned）/ not while scoring or "
                                          "not a live candidate, or assigned already",
                                     e415=not_json, e422=invalid + "；不是在用的专家账号（not_an_expert）/ or not an active expert"),
            },
        },
        "/selection/rounds/{year}/eligibility/{public_id}": {
            "parameters": [year, {"in": "path", "name": "public_id", "required": True, "description": "成果编号 / achievement id, ach-N",
                                  "schema": {"type": "string", "pattern": r"^ach-[1-9][0-9]{0,17}$", "example": "ach-1"}}],
            "get": {
                "operationId": "eligibility", "tags": tags, "summary": "推荐条件核查 / check eligibility", "x-account": True,
                "description": "不推荐，只核查：已发布、登记日期在年度范围内、必填项齐全、此前未入选。本单位的成果（管理员：任何成果）。/ "
                               "Checks without nominating: published, registered inside the round's window, required fields "
                               "present, not on an earlier list. Your institution's achievements (administrators: any).",
                "responses": _errors({"200": _json("核查结果 / the checks", _ref("SelectionEligibility"))},
                                     e404=no_round + "；或成果不存在、不是本单位的 / or no such achievement of your institution"),
            },
        },
        "/selection/rounds/{year}/assignments": {
            "parameters": [year],
            "get": {
                "operationId": "my_assignments", "tags": tags, "summary": "我的评审任务 / my assignments", "x-account": True,
                "description": "专家本人的评审任务（只有本人的评分）。/ The expert's own assignments, with their own scores only.",
                "responses": _errors({"200": _json("评审任务 / assignments", {"type": "array", "items": _ref("SelectionAssignment")})},
                                     e404=no_round),
            },
        },
        "/selection/rounds/{year}/assignments/{assignment_id}/score": {
            "parameters": [year, assignment_id],
            "put": {
                "operationId": "score_assignment", "tags": tags, "summary": "评分 / score",
                "description": "被指派的专家本人，评分截止前可以修改。/ The assigned expert, who may change it until scoring closes.",
                "requestBody": body("SelectionScoreInput"),
                "responses": _errors({"200": _json("评审任务 / the assignment", _ref("SelectionAssignment"))},
                                     e400=bad_json, e403="只有被指派的专家评分，且须无利益冲突 / only the assigned expert scores, "
                                                         "without a conflict of interest",
                                     e404="没有该评审任务 / no such assignment of yours", e409="评分已结束 / scoring is closed",
                                     e415=not_json, e422=invalid + "；候选已失效（not_a_candidate）/ or no longer a candidate"),
            },
        },
        "/selection/rounds/{year}/ranking": {
            "parameters": [year],
            "get": {
                "operationId": "ranking", "tags": tags, "summary": "排名 / the ranking",
                "description": "仅管理员，评分结束后：排名的在前，专家评分不足的在后（rank 为 null）。/ Administrators, once scoring "
                               "closes: the ranked first, then those with too few expert scores (rank null).",
                "responses": _errors({"200": _json("排名 / the ranking", {"type": "array", "items": _ref("SelectionRanked")})},
                                     e403=admins, e404=no_round, e409="评分尚未结束 / scoring has not closed"),
            },
        },
        "/selections": {
            "get": {
                "operationId": "list_lists", "tags": tags, "summary": "年度榜单 / the published lists",
                "description": "公开。每年的最新版本，最新年度在前（不含条目）。/ Public. Each year's newest revision, newest year first "
                               "(without entries).",
                "responses": _errors({"200": _json("榜单 / lists", {"type": "array", "items": _ref("SelectionListSummary")})}),
            },
        },
        "/selections/{year}": {
            "parameters": [year],
            "get": {
                "operationId": "get_list", "tags": tags, "summary": "一年的榜单 / a year's list",
                "description": "公开。最新版本及其条目（理由、各项得分），以及所有版本。/ Public. The newest revision with its entries "
                               "(reasons and every score), and every revision.",
                "responses": _errors({"200": _json("榜单 / the list", _ref("SelectionYearList"))},
                                     e404="该年度没有已发布的榜单 / no list published for that year"),
            },
        },
        "/selections/{year}/revisions/{revision}": {
            "parameters": [year, revision],
            "get": {
                "operationId": "get_list_revision", "tags": tags, "summary": "榜单的某一版本 / one revision of a list",
                "description": "公开；已发布的版本不再改变。/ Public; a published revision never changes.",
                "responses": _errors({"200": _json("榜单 / the revision", _ref("SelectionList"))},
                                     e404="没有该版本 / no such revision"),
            },
        },
    }


__all__ = ["TAG", "components", "paths"]
