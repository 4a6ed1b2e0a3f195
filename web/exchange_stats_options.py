"""What the exchange statistics show (``/stats/exchanges``, ``/api/v1/stats/exchanges``), declared
as data like :mod:`web.stats_options`: each table's title in both languages and how its chart is
drawn, and the names of the inquiry statuses.

The words live here rather than in the message catalogue because the API answers them too, in the
request's language, without a request's translations: the page and the API then say the same."""
from __future__ import annotations

from dataclasses import dataclass

from . import vocabularies
from .stats_options import ChartKind

TOP = 10  # patents and instruments listed by licences and hours


@dataclass(frozen=True)
class TableDef:
    key: str
    kind: ChartKind
    zh: str
    en: str
    wide: bool = False  # across the grid (long lists of names)

    def title(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


TABLES: tuple[TableDef, ...] = (
    TableDef("status", "bar", "洽谈状态", "Inquiries by status"),
    TableDef("mode", "pie", "成交方式", "Agreements by mode of transfer"),
    TableDef("field", "hbar", "成交技术领域", "Agreements by technology field", wide=True),
    TableDef("city", "bar", "成交所在地市", "Agreements by city or prefecture", wide=True),
    TableDef("patents", "hbar", "许可最多的专利（前十）", "Most licensed patents (top 10)", wide=True),
    TableDef("instruments", "hbar", "服务机时最多的仪器（前十）", "Instruments by hours of service (top 10)", wide=True),
)
BY_KEY = {t.key: t for t in TABLES}

# an inquiry's status as the statistics name it (the same words as the inquiry pages)
STATUS: dict[str, tuple[str, str]] = {
    "sent": ("已发送", "Sent"),
    "answered": ("已答复", "Answered"),
    "negotiating": ("谈判中", "In negotiation"),
    "agreed": ("达成协议", "Agreement reached"),
    "closed": ("已关闭（未达成协议）", "Closed without agreement"),
}
UNKNOWN = "unknown"  # an agreement whose record had no field or city
UNKNOWN_LABEL = ("未注明", "Not stated")
# the vocabulary of each dimension agreements are counted by
VOCABULARY = {"mode": "transfer_mode", "field": "tech_field", "city": "city"}


def group_label(dimension: str, key: str, locale: str) -> str:
    """A status, mode, field or city by its name in ``locale`` (an unknown code stays itself)."""
    en = locale.startswith("en")
    if key == UNKNOWN:
        return UNKNOWN_LABEL[en]
    if dimension == "status":
        names = STATUS.get(key)
        return names[en] if names else key
    return vocabularies.get(VOCABULARY[dimension]).label(key, locale)
