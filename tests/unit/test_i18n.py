"""Every text on the site exists in English, and the compiled catalogue is current."""
from __future__ import annotations

from babel.messages.mofile import read_mo

from devtools import i18n


def test_every_message_has_english_and_the_catalogue_is_compiled():
    catalog, missing = i18n.build(i18n.extract())
    assert missing == [], f"add English for these to devtools/translations_en.py: {missing}"
    with open(i18n.TARGET / "messages.mo", "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    wanted = {m.id: m.string for m in catalog if m.id}
    assert compiled == wanted, "run: python -m devtools.i18n"


def test_pages_switch_language(tmp_path):
    from web import create_app
    from web.extensions import db
    from web.proxies import current_search

    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.sqlite3'}", "CELERY": {"broker_url": "memory://"}})
    with app.app_context():
        db.create_all()
        current_search.ensure_indices()
    client = app.test_client()
    zh = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh and "检索" in zh
    en = client.get("/?lang=en")
    assert '<html lang="en">' in en.get_data(as_text=True) and "lang=en" in en.headers["Set-Cookie"]
    assert "Search" in client.get("/").get_data(as_text=True)  # the cookie remembers
    assert "English" in client.get("/?lang=zh").get_data(as_text=True)
    with app.app_context():
        current_search.close()
