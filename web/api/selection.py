"""The annual selection over JSON: rounds, candidates, expert assignments and scores (for those
who take part, signed in), and the published lists (for everyone).

* ``/selection/rounds[/<year>]``: read (administrators, publishers, experts), open and change
  (administrators); ``/selection/rounds/<year>/actions/<step>``: start-scoring, close, finalise,
  correct (administrators);
* ``/selection/rounds/<year>/candidates``: nominate (publishers: their institution's;
  administrators: any), list (administrators: all; publishers: theirs), withdraw, exclude;
  ``/selection/rounds/<year>/eligibility/<ach-N>``: the checks, without nominating;
* ``/selection/rounds/<year>/assignments``: an expert's own, and ``PUT …/<id>/score``;
* ``/selection/rounds/<year>/ranking``: administrators, once scoring is closed;
* ``/selections`` and ``/selections/<year>[/revisions/<n>]``: the published lists, for anyone.

Experts never see another expert's score, the pre-scores or the totals before the round closes:
``candidate_body`` leaves them out unless the reader is an administrator and the round closed."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import jsonify, request

from ..models import ExpertAssignment, SelectionCandidate, SelectionList, SelectionRound
from ..proxies import current_services
from ..schemas.selection import AssignSchema as _Assign
from ..schemas.selection import NominationSchema, RoundSchema, ScoreSchema
from ..schemas.selection import NoteSchema as _Note
from ..schemas.selection import ReasonSchema as _Reason
from ..security import require_signed_in
from ..services.identity import Identity
from ..services.selection import Ranked, SelectionError
from ..urls import external_url
from . import bp
from .common import json_object
from .errors import error_response

YEAR = "<int:year>"
round_create, round_change = RoundSchema(), RoundSchema(partial=True)
score_schema, nomination_schema = ScoreSchema(), NominationSchema()

STATUS = {"below_quota": 409, "wrong_state": 409, "nominations_closed": 409, "scoring_closed": 409, "already_nominated": 409,
          "round_exists": 409, "already_assigned": 409, "published": 409, "settings_frozen": 409, "not_closed": 409,
          "too_few_experts": 409, "conflict_of_interest": 403}


@bp.errorhandler(SelectionError)
def selection_refused(exc: SelectionError):
    details = exc.details if isinstance(exc.details, list) and all(isinstance(d, dict) for d in exc.details) else None
    status = STATUS.get(exc.code, 422)
    body_details = [{"field": d.get("rule", ""), "message": f"{d.get('zh')} / {d.get('en')}"} for d in details if not d.get("ok", False)] \
        if details else None
    return error_response(status, exc.code, str(exc), body_details)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()
    return value.isoformat()


def round_body(rnd: SelectionRound) -> dict[str, Any]:
    return {
        "year": rnd.year, "title": rnd.title, "title_en": rnd.title_en, "criteria": rnd.criteria, "criteria_en": rnd.criteria_en,
        "status": rnd.status, "quota": rnd.quota, "auto_weight": rnd.auto_weight, "auto_weights": rnd.auto_weights, "rubric": rnd.rubric,
        "experts_per_candidate": rnd.experts_per_candidate, "min_scores": rnd.min_scores, "outlier_gap": rnd.outlier_gap,
        **{k: _iso(getattr(rnd, k)) for k in ("window_start", "window_end", "nomination_opens", "nomination_closes", "scoring_closes",
                                               "created_at", "scoring_started_at", "closed_at", "published_at")},
        "links": {"self": external_url("api.get_round", year=rnd.year),
                  "candidates": external_url("api.list_candidates", year=rnd.year)},
    }


def _reveal(identity: Identity, rnd: SelectionRound) -> bool:
    """Scores and totals: administrators, once scoring is closed."""
    return identity.is_admin and rnd.status in ("closed", "published")


def candidate_body(identity: Identity, c: SelectionCandidate) -> dict[str, Any]:
    rec = c.achievement
    body: dict[str, Any] = {
        "id": c.id, "achievement": rec.public_id, "title": rec.title, "status": c.status, "status_reason": c.status_reason,
        "source": c.source, "statement": c.statement, "nominated_by": c.institution.public_id if c.institution else None,
        "nominated_at": _iso(c.nominated_at), "checks": c.checks,
        "links": {"self": external_url("api.get_candidate", year=c.round.year, candidate_id=c.id),
                  "achievement": external_url("api.get_record", public_id=rec.public_id)},
    }
    if identity.is_admin:
        body["experts"] = [{"assignment": a.id, "expert": a.expert_id, "scored": a.submitted_at is not None} for a in c.assignments]
    if identity.is_admin or (identity.is_publisher and c.round.status in ("closed", "published")):
        body["auto_score"], body["auto_parts"] = c.auto_score, c.auto_parts
    if _reveal(identity, c.round):
        body["scores"] = [{"expert": a.expert_id, "scores": a.scores, "total": a.total, "comment": a.comment}
                          for a in c.assignments if a.total is not None]
    return body


def assignment_body(a: ExpertAssignment) -> dict[str, Any]:
    c, rnd = a.candidate, a.candidate.round
    return {
        "id": a.id, "candidate": c.id, "achievement": c.achievement.public_id, "title": c.achievement.title, "statement": c.statement,
        "scores": a.scores, "total": a.total, "comment": a.comment, "submitted_at": _iso(a.submitted_at),
        "rubric": rnd.rubric, "open": rnd.status == "scoring",
        "links": {"score": external_url("api.score_assignment", year=rnd.year, assignment_id=a.id),
                  "achievement": external_url("api.get_record", public_id=c.achievement.public_id)},
    }


def ranked_body(r: Ranked) -> dict[str, Any]:
    return {"rank": r.rank, "candidate": r.candidate.id, "achievement": r.candidate.achievement.public_id,
            "title": r.candidate.achievement.title, "auto": r.auto, "expert_totals": r.totals, "kept": r.kept, "expert": r.expert,
            "combined": r.combined}


def list_body(listing: SelectionList, entries: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "year": listing.year, "revision": listing.revision, "title": listing.title, "title_en": listing.title_en, "note": listing.note,
        "published_at": _iso(listing.published_at), "entry_count": listing.entry_count, "digest": listing.digest,
        "formula": listing.formula,
        "links": {"self": external_url("api.get_list_revision", year=listing.year, revision=listing.revision),
                  "latest": external_url("api.get_list", year=listing.year),
                  "page": external_url("selection.year_list", year=listing.year, revision=listing.revision),
                  "xlsx": external_url("selection.export_xlsx", year=listing.year, revision=listing.revision),
                  "pdf": external_url("selection.export_pdf", year=listing.year, revision=listing.revision)},
    }
    if entries:
        body["entries"] = listing.entries
    return body


# -- rounds ------------------------------------------------------------------------------------
@bp.get("/selection/rounds")
def list_rounds():
    identity = require_signed_in()
    if not (identity.is_admin or identity.is_publisher or identity.is_reviewer):
        return jsonify([])
    return jsonify([round_body(r) for r in current_services.selection.rounds()])


@bp.post("/selection/rounds")
def open_round():
    identity = require_signed_in()
    settings = round_create.load(json_object())
    rnd = current_services.selection.open_round(identity, settings)
    return jsonify(round_body(rnd)), 201, {"Location": external_url("api.get_round", year=rnd.year)}


@bp.get(f"/selection/rounds/{YEAR}")
def get_round(year: int):
    identity = require_signed_in()
    rnd = current_services.selection.get_round(identity, year)
    body = round_body(rnd)
    if identity.is_admin:
        body["progress"] = current_services.selection.progress(identity, year)
    return jsonify(body)


@bp.patch(f"/selection/rounds/{YEAR}")
def change_round(year: int):
    identity = require_signed_in()
    changes = round_change.load(json_object() | {"year": year}, partial=True)
    changes.pop("year", None)
    return jsonify(round_body(current_services.selection.update_round(identity, year, changes)))


@bp.post(f"/selection/rounds/{YEAR}/actions/<any('start-scoring', 'close', 'finalise', 'correct'):step>")
def round_action(year: int, step: str):
    identity = require_signed_in()
    service = current_services.selection
    if step == "start-scoring":
        report = service.start_scoring(identity, year)
        return jsonify({"round": round_body(service.get_round(identity, year)), "checked": report.checked,
                        "ineligible": len(report.ineligible), "assignments": report.assignments, "experts": report.experts})
    if step == "close":
        return jsonify({"round": round_body(service.close(identity, year))})
    if step == "finalise":
        listing = service.finalise(identity, year)
    else:
        listing = service.correct(identity, year, _Note().load(json_object())["note"])
    return jsonify(list_body(listing, entries=False)), 201, {"Location": list_body(listing, False)["links"]["self"]}


# -- candidates ----------------------------------------------------------------------------------
@bp.get(f"/selection/rounds/{YEAR}/candidates")
def list_candidates(year: int):
    identity = require_signed_in()
    status = request.args.get("status") or None
    candidates = current_services.selection.candidates(identity, year, status)
    return jsonify([candidate_body(identity, c) for c in candidates])


@bp.post(f"/selection/rounds/{YEAR}/candidates")
def nominate(year: int):
    identity = require_signed_in()
    data = nomination_schema.load(json_object())
    candidate = current_services.selection.nominate(identity, year, data["achievement"], data["statement"])
    body = candidate_body(identity, candidate)
    return jsonify(body), 201, {"Location": body["links"]["self"]}


@bp.get(f"/selection/rounds/{YEAR}/candidates/<int:candidate_id>")
def get_candidate(year: int, candidate_id: int):
    identity = require_signed_in()
    return jsonify(candidate_body(identity, current_services.selection.get_candidate(identity, year, candidate_id)))


@bp.post(f"/selection/rounds/{YEAR}/candidates/<int:candidate_id>/<any('withdraw', 'exclude', 'reinstate'):step>")
def candidate_action(year: int, candidate_id: int, step: str):
    identity = require_signed_in()
    reason = _Reason().load(json_object())["reason"]
    service = current_services.selection
    if step == "withdraw":
        candidate = service.withdraw(identity, year, candidate_id, reason)
    else:
        candidate = service.exclude(identity, year, candidate_id, reason, reinstate=step == "reinstate")
    return jsonify(candidate_body(identity, candidate))


@bp.post(f"/selection/rounds/{YEAR}/candidates/<int:candidate_id>/experts")
def assign_expert(year: int, candidate_id: int):
    identity = require_signed_in()
    expert = _Assign().load(json_object())["expert"]
    assignment = current_services.selection.assign(identity, year, candidate_id, expert)
    return jsonify({"assignment": assignment.id, "candidate": candidate_id, "expert": expert}), 201


@bp.get(f"/selection/rounds/{YEAR}/eligibility/<public_id>")
def eligibility(year: int, public_id: str):
    identity = require_signed_in()
    rec, checks = current_services.selection.check_achievement(identity, year, public_id)
    return jsonify({"achievement": rec.public_id, "eligible": all(c.ok for c in checks), "checks": [c.to_dict() for c in checks]})


# -- experts -------------------------------------------------------------------------------------
@bp.get(f"/selection/rounds/{YEAR}/assignments")
def my_assignments(year: int):
    identity = require_signed_in()
    return jsonify([assignment_body(a) for a in current_services.selection.assignments(identity, year)])


@bp.put(f"/selection/rounds/{YEAR}/assignments/<int:assignment_id>/score")
def score_assignment(year: int, assignment_id: int):
    identity = require_signed_in()
    data = score_schema.load(json_object())
    assignment = current_services.selection.score(identity, year, assignment_id, data["scores"], data["comment"])
    return jsonify(assignment_body(assignment))


@bp.get(f"/selection/rounds/{YEAR}/ranking")
def ranking(year: int):
    identity = require_signed_in()
    return jsonify([ranked_body(r) for r in current_services.selection.ranking(identity, year)])


# -- published lists (public) ---------------------------------------------------------------------
@bp.get("/selections")
def list_lists():
    return jsonify([list_body(listing, entries=False) for listing in current_services.selection.lists()])


@bp.get(f"/selections/{YEAR}")
def get_list(year: int):
    listing = current_services.selection.published(year)
    body = list_body(listing)
    body["revisions"] = [{"revision": r.revision, "published_at": _iso(r.published_at), "note": r.note, "digest": r.digest}
                         for r in current_services.selection.revisions(year)]
    return jsonify(body)


@bp.get(f"/selections/{YEAR}/revisions/<int:revision>")
def get_list_revision(year: int, revision: int):
    return jsonify(list_body(current_services.selection.published(year, revision)))


__all__ = ["list_body", "candidate_body"]
