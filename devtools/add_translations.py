"""Add English for new message ids to devtools/translations_en.py, keeping it sorted:

    python -m devtools.add_translations new.json      # {"中文": "English", ...}
    python -m devtools.add_translations --missing      # print the ids that still lack English (JSON)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from . import i18n
from .translations_en import EN

FILE = Path(__file__).with_name("translations_en.py")


def write(table: dict[str, str]) -> None:
    text = FILE.read_text(encoding="utf-8")
    head = text[: text.index("EN = {")]
    body = "".join(f"    {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)},\n" for k, v in sorted(table.items()))
    FILE.write_text(head + "EN = {\n" + body + "}\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--missing"]:
        _, missing = i18n.build(i18n.extract())
        print(json.dumps({m: "" for m in missing}, ensure_ascii=False, indent=1))
        return 0
    new = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    blank = [k for k, v in new.items() if not v]
    if blank:
        print(f"no English given for: {blank}", file=sys.stderr)
        return 1
    write({**EN, **new})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
