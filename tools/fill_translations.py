"""Fill Korean translations from a JSON object {msgid: msgstr} given on standard input, and list what is
still missing. Usage: python tools/fill_translations.py < new.json   (or with no input, just list)."""
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "app/translations/ko/LC_MESSAGES/messages.po"


def main() -> int:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="ko")
    raw = "" if sys.stdin.isatty() else sys.stdin.read()
    updates = json.loads(raw) if raw.strip() else {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in updates:
            message.string = updates[key] if isinstance(message.id, str) else (updates[key],)
            message.flags.discard("fuzzy")
    with PO.open("wb") as f:
        write_po(f, catalog, omit_header=False, no_location=True, sort_output=True, width=76)
    missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    for msgid in missing:
        print("MISSING:", json.dumps(msgid, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
