"""Languages: Chinese first, English on every page.

The locale comes from ``?lang=`` (remembered in a cookie), then the cookie, then the browser's
Accept-Language, then Chinese. Message ids in templates and code are the Chinese texts;
``web/translations/en`` holds the English catalogue. Numbers, dates and money are formatted
for the reader's locale (万元 in Chinese, ¥…K/M in English)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request
from flask_babel import Babel, format_date, format_decimal, get_locale
from jinja2 import Undefined

COOKIE = "lang"
babel = Babel()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang") or request.cookies.get(COOKIE)
    if wanted in languages:
        return wanted
    return request.accept_languages.best_match(languages) or languages[0]


def lang() -> str:
    """'zh' or 'en' for the current request (vocabulary labels are keyed so)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def money(amount: Any, *, negotiable: bool = True) -> str:
    if amount is None or isinstance(amount, Undefined) or amount == "":
        return "面议" if lang() == "zh" else ("negotiable" if negotiable else "")
    value = float(amount)
    if lang() == "zh":
        if value >= 100_000_000:
            return f"{format_decimal(value / 100_000_000, format='#,##0.##')}亿元"
        if value >= 10_000:
            return f"{format_decimal(value / 10_000, format='#,##0.##')}万元"
        return f"{format_decimal(value, format='#,##0')}元"
    if value >= 1_000_000:
        return f"¥{format_decimal(value / 1_000_000, format='#,##0.##')}M"
    if value >= 1_000:
        return f"¥{format_decimal(value / 1_000, format='#,##0.#')}K"
    return f"¥{format_decimal(value, format='#,##0')}"


def number(value: Any) -> str:
    if value is None or isinstance(value, Undefined) or value == "":
        return ""
    return format_decimal(value)


def day(value: Any) -> str:
    """A date (or ISO text) in the reader's style: 2024年3月1日 / Mar 1, 2024."""
    if value is None or isinstance(value, Undefined) or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="long" if lang() == "zh" else "medium")


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")

    @app.after_request
    def remember_language(response):
        wanted = request.args.get("lang")
        if wanted in app.config["LANGUAGES"] and request.cookies.get(COOKIE) != wanted:
            response.set_cookie(COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax")
        if "Content-Language" not in response.headers:
            response.headers["Content-Language"] = "zh-CN" if lang() == "zh" else "en"
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
        return response
