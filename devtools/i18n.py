"""Extract the site's message ids, write the English catalogue from devtools/translations_en.py,
and compile it:  python -m devtools.i18n   (run after changing any _() text)."""
from __future__ import annotations

import tempfile
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .translations_en import EN

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "web" / "translations" / "en" / "LC_MESSAGES"


def extract() -> Catalog:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_", "-k", "_l", "-k", "lazy_gettext",
             "--no-location", "--sort-output", "-o", str(pot), "."],
            cwd=ROOT, capture_output=True, check=True,
        )
        with open(pot, "rb") as fh:
            return read_po(fh)


def build(template: Catalog) -> tuple[Catalog, list[str]]:
    catalog = Catalog(locale="en", domain="messages", project="jilin-techtransfer", fuzzy=False)
    missing = []
    for message in template:
        if not message.id:
            continue
        english = EN.get(message.id)
        if english is None:
            missing.append(message.id)
        catalog.add(message.id, english or "")
    return catalog, missing


def main() -> int:
    catalog, missing = build(extract())
    TARGET.mkdir(parents=True, exist_ok=True)
    with open(TARGET / "messages.po", "wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True)
    with open(TARGET / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    print(f"{len(catalog)} messages; {len(missing)} without English")
    for m in missing:
        print(f"  missing: {m!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
