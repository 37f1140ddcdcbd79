"""Every user-facing string has a Korean translation, and the catalog knows every string in the code."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app/translations/ko/LC_MESSAGES/messages.po"


def _catalog(path: Path):
    with path.open("rb") as f:
        return read_po(f)


@pytest.mark.single_db
def test_korean_catalog_is_complete():
    catalog = _catalog(PO)
    missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


@pytest.mark.single_db
def test_catalog_has_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
         "--ignore-dirs=.* __pycache__", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(pot) if m.id}
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(PO) if m.id}
    assert in_code - in_catalog == set(), "run `make messages` and translate the new entries"


@pytest.mark.single_db
def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\([a-z_]+\)[sd]")
    for message in _catalog(PO):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(pattern.findall(ids[0]))
        for string in strings:
            assert set(pattern.findall(string)) == expected, message.id
