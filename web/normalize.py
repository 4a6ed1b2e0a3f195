"""Normal forms for the keys records are matched by (institution names, patent numbers,
registration numbers, titles), so that the same thing written two ways is one record."""
from __future__ import annotations

import re
import unicodedata

# Common short names (简称) of Jilin institutions -> full official name.
INSTITUTION_ALIASES: dict[str, str] = {
    "吉大": "吉林大学",
    "jlu": "吉林大学",
    "东北师大": "东北师范大学",
    "东师": "东北师范大学",
    "nenu": "东北师范大学",
    "长春理工": "长春理工大学",
    "长理": "长春理工大学",
    "吉农": "吉林农业大学",
    "吉林农大": "吉林农业大学",
    "延大": "延边大学",
    "北华": "北华大学",
    "长工大": "长春工业大学",
    "吉建大": "吉林建筑大学",
    "长春光机所": "中国科学院长春光学精密机械与物理研究所",
    "中科院长春光机所": "中国科学院长春光学精密机械与物理研究所",
    "长春应化所": "中国科学院长春应用化学研究所",
    "中科院长春应化所": "中国科学院长春应用化学研究所",
    "应化所": "中国科学院长春应用化学研究所",
    "东北地理所": "中国科学院东北地理与农业生态研究所",
    "一汽": "中国第一汽车集团有限公司",
    "中国一汽": "中国第一汽车集团有限公司",
    "吉林省农科院": "吉林省农业科学院",
    "省农科院": "吉林省农业科学院",
}
_ALIAS_KEYS = {re.sub(r"\s+", "", k.lower()): v for k, v in INSTITUTION_ALIASES.items()}


def clean_text(value: str | None) -> str:
    """NFKC (full-width letters and digits to half-width), collapse white space, strip."""
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def institution_name(value: str) -> str:
    """The official name to store: aliases expanded, width and spaces normalised."""
    name = clean_text(value)
    name = re.sub(r"\s*([（(])\s*", "(", name)
    name = re.sub(r"\s*([）)])\s*", ")", name)
    return _ALIAS_KEYS.get(re.sub(r"\s+", "", name.lower()), name)


def institution_key(value: str) -> str:
    """A key two spellings of the same institution share (case, spaces, brackets ignored)."""
    name = institution_name(value).lower()
    return re.sub(r"[\s()（）·.,，、\-]", "", name)


def application_number(value: str | None) -> str | None:
    """Patent application number without CN/ZL, dots or spaces; check digit kept.

    ``CN202310123456.7`` / ``ZL 2023 1 0123456.7`` / ``202310123456.7`` -> ``2023101234567``.
    Foreign numbers keep their country code: ``US 17/123,456`` -> ``US17123456``."""
    if not value:
        return None
    text = clean_text(value).upper().replace(" ", "")
    text = re.sub(r"^(CN|ZL)", "", text)
    if re.fullmatch(r"[\d.]+X?", text):
        return text.replace(".", "")
    return re.sub(r"[^A-Z0-9]", "", text) or None


def format_application_number(value: str | None) -> str | None:
    """``2023101234567`` -> ``202310123456.7`` (the form printed on CNIPA documents)."""
    if value and re.fullmatch(r"\d{8,12}[\dX]", value):
        return f"{value[:-1]}.{value[-1]}"
    return value


def publication_number(value: str | None) -> str | None:
    """``cn 116123456 a`` -> ``CN116123456A``."""
    if not value:
        return None
    text = re.sub(r"[\s.\-/]", "", clean_text(value).upper())
    return text or None


def registration_number(value: str | None) -> str | None:
    """科技成果登记号: the 12-digit form, digits only."""
    if not value:
        return None
    text = re.sub(r"\s", "", clean_text(value))
    return text or None


def title_key(title: str, holder: str | None) -> str:
    """Natural key for an achievement without a registration number: title + lead holder."""
    t = re.sub(r"[\W_]+", "", clean_text(title).lower())
    h = institution_key(holder) if holder else ""
    return f"{t}|{h}"[:400]
