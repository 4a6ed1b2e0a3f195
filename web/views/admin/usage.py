"""Usage statistics for administrators: what people search for, what they search for and do not
find (the gaps in the database), which records they read, how often they export."""
from __future__ import annotations

from flask import render_template, request

from ...models import BY_PREFIX
from ...proxies import current_services
from ...security import require_admin
from ...services.holdings import title_of
from . import bp

PERIODS = (7, 30, 90, 365)


@bp.get("/usage")
def usage():
    require_admin()
    days = request.args.get("days", 30, type=int)
    days = days if days in PERIODS else 30
    log = current_services.usage
    viewed = []
    for top in log.top("view", days, limit=20):
        cls = BY_PREFIX.get(top.key.split("-", 1)[0])
        number = cls.parse_public_id(top.key) if cls else None
        rec = current_services.usage.session.get(cls, number) if number else None
        viewed.append((top, title_of(rec) if rec is not None else None))
    return render_template("admin/usage.html", days=days, periods=PERIODS, totals=log.totals(days),
                           searches=log.top("search", days), zero=log.top("zero", days), viewed=viewed)
