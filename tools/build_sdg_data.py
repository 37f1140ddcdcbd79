#!/usr/bin/env python3
"""Build app/data/sdg.json from Open SDG's sdg-translations YAML files.

Usage (from the repository root):

    python tools/build_sdg_data.py ../shared/data/sdg

Reads global_goals.en.yml, global_targets.en.yml and global_indicators.en.yml
from the given directory (default: ../shared/data/sdg relative to the
repository root) and writes app/data/sdg.json.

Standard library only. The source files are flat YAML mappings of
``key: value`` pairs whose values are plain or single-quoted scalars, folded
over indented continuation lines, so a tiny strict parser is used instead of
PyYAML. Anything outside that subset makes the script fail loudly rather
than produce silently wrong data.
"""

import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = REPO_ROOT.parent / "shared" / "data" / "sdg"
OUTPUT = REPO_ROOT / "app" / "data" / "sdg.json"

SOURCE = "Open SDG sdg-translations, commit 0cda585 (2025-08-19), MIT licence"

EXPECTED_GOALS = 17
EXPECTED_TARGETS = 169

# Added by Madang: Korean short names as used by the Korean government /
# UN Korea, and the official UN SDG colours (UN SDG communications
# guidelines).
GOAL_EXTRAS = {
    1: ("빈곤 종식", "#E5243B"),
    2: ("기아 종식", "#DDA63A"),
    3: ("건강과 웰빙", "#4C9F38"),
    4: ("양질의 교육", "#C5192D"),
    5: ("성평등", "#FF3A21"),
    6: ("깨끗한 물과 위생", "#26BDE2"),
    7: ("적정한 친환경 에너지", "#FCC30B"),
    8: ("양질의 일자리와 경제성장", "#A21942"),
    9: ("산업, 혁신과 사회기반시설", "#FD6925"),
    10: ("불평등 감소", "#DD1367"),
    11: ("지속가능한 도시와 공동체", "#FD9D24"),
    12: ("지속가능한 소비와 생산", "#BF8B2E"),
    13: ("기후변화 대응", "#3F7E44"),
    14: ("해양생태계 보전", "#0A97D9"),
    15: ("육상생태계 보전", "#56C02B"),
    16: ("평화, 정의와 강력한 제도", "#00689D"),
    17: ("지구촌 협력", "#19486A"),
}

GOAL_KEY = re.compile(r"^(\d+)-(short|title)$")
TARGET_KEY = re.compile(r"^(\d+)-(\d+|[a-z])-title$")
INDICATOR_KEY = re.compile(r"^(\d+)-(\d+|[a-z])-(\d+)-title$")

TOP_LINE = re.compile(r"^([0-9A-Za-z_-]+):(?: (.*))?$")


class SourceError(Exception):
    pass


def clean(text):
    """Collapse all runs of whitespace (folded lines) to one space; strip."""
    return " ".join(text.split())


def parse_flat_yaml(path):
    """Parse a flat ``key: scalar`` YAML mapping; return {key: value}.

    Supported: top-level keys, plain scalars, single-quoted scalars (with
    ``''`` escapes), continuation lines indented by spaces, comment lines and
    blank lines between entries. Everything else raises SourceError.
    """
    entries = []  # (key, [raw value lines], "file:line")
    after_blank = False
    for lineno, line in enumerate(
            path.read_text(encoding="utf-8").splitlines(), start=1):
        where = "%s:%d" % (path.name, lineno)
        if "\t" in line:
            raise SourceError("%s: tab character not supported" % where)
        if not line.strip():
            after_blank = True
            continue
        if line.startswith("#"):
            continue
        if line.startswith(" "):
            if not entries:
                raise SourceError("%s: continuation before any key" % where)
            if after_blank:
                # Inside a folded scalar a blank line means a literal newline.
                raise SourceError("%s: blank line inside a value" % where)
            entries[-1][1].append(line.strip())
            continue
        after_blank = False
        if line.startswith(("---", "...")):
            raise SourceError("%s: YAML document markers not supported" % where)
        m = TOP_LINE.match(line)
        if not m or not (m.group(2) or "").strip():
            raise SourceError("%s: expected 'key: value', got %r" % (where, line))
        entries.append((m.group(1), [m.group(2).strip()], where))

    result = {}
    for key, lines, where in entries:
        if key in result:
            raise SourceError("%s: duplicate key %r" % (where, key))
        raw = " ".join(lines)
        if raw.startswith("'"):
            if not raw.endswith("'") or len(raw) < 2:
                raise SourceError("%s: unterminated single-quoted value" % where)
            inner = raw[1:-1]
            if "'" in inner.replace("''", ""):
                raise SourceError("%s: stray quote in quoted value" % where)
            value = inner.replace("''", "'")
        else:
            if raw[0] in "\"[]{}&*!|>%@`#," or raw.startswith(("- ", "? ")):
                raise SourceError(
                    "%s: unsupported YAML scalar syntax: %r" % (where, raw[:40]))
            if ": " in raw or " #" in raw or raw.endswith(":"):
                raise SourceError(
                    "%s: plain value would not parse as YAML: %r" % (where, raw[:60]))
            value = raw
        result[key] = clean(value)
    return result


def part_key(part):
    """Natural-order key for one code part: numbers first, then letters."""
    return (0, int(part), "") if part.isdigit() else (1, 0, part)


def code_key(code):
    return tuple(part_key(p) for p in code.split("."))


def build(src):
    problems = []

    # Goals -----------------------------------------------------------------
    raw_goals = parse_flat_yaml(src / "global_goals.en.yml")
    goal_fields = {}
    for key, value in raw_goals.items():
        m = GOAL_KEY.match(key)
        if not m:
            problems.append("global_goals: unexpected key %r" % key)
            continue
        goal_fields.setdefault(int(m.group(1)), {})[m.group(2)] = value
    goals = []
    for number in sorted(goal_fields):
        fields = goal_fields[number]
        missing = {"short", "title"} - set(fields)
        if missing:
            problems.append("goal %d: missing %s" % (number, ", ".join(sorted(missing))))
            continue
        if number not in GOAL_EXTRAS:
            problems.append("goal %d: no Korean name / colour defined" % number)
            continue
        short_ko, colour = GOAL_EXTRAS[number]
        goals.append({
            "number": number,
            "short_en": fields["short"],
            "title_en": fields["title"],
            "short_ko": short_ko,
            "colour": colour,
        })
    goal_numbers = {g["number"] for g in goals}
    if len(goals) != EXPECTED_GOALS or goal_numbers != set(range(1, EXPECTED_GOALS + 1)):
        problems.append("expected goals 1..%d, got %s"
                        % (EXPECTED_GOALS, sorted(goal_numbers)))

    # Targets ---------------------------------------------------------------
    targets = []
    for key, value in parse_flat_yaml(src / "global_targets.en.yml").items():
        m = TARGET_KEY.match(key)
        if not m:
            problems.append("global_targets: unexpected key %r" % key)
            continue
        goal = int(m.group(1))
        code = "%d.%s" % (goal, m.group(2))
        if goal not in goal_numbers:
            problems.append("target %s: orphan, goal %d does not exist" % (code, goal))
        targets.append({"code": code, "goal": goal, "title_en": value})
    targets.sort(key=lambda t: code_key(t["code"]))
    if len(targets) != EXPECTED_TARGETS:
        problems.append("expected %d targets, got %d" % (EXPECTED_TARGETS, len(targets)))
    target_codes = {t["code"] for t in targets}

    # Indicators ------------------------------------------------------------
    indicators = []
    for key, value in parse_flat_yaml(src / "global_indicators.en.yml").items():
        m = INDICATOR_KEY.match(key)
        if not m:
            problems.append("global_indicators: unexpected key %r" % key)
            continue
        target = "%d.%s" % (int(m.group(1)), m.group(2))
        code = "%s.%d" % (target, int(m.group(3)))
        if target not in target_codes:
            problems.append("indicator %s: orphan, target %s does not exist" % (code, target))
        indicators.append({"code": code, "target": target, "title_en": value})
    indicators.sort(key=lambda i: code_key(i["code"]))

    for item in goals + targets + indicators:
        for field in ("short_en", "title_en"):
            if field in item and not item[field]:
                problems.append("%s: empty %s" % (item.get("code", item.get("number")), field))

    # Informational only: targets that have no indicator in the source.
    covered = {i["target"] for i in indicators}
    bare = [t["code"] for t in targets if t["code"] not in covered]

    return {
        "source": SOURCE,
        "goals": goals,
        "targets": targets,
        "indicators": indicators,
    }, problems, bare


def main(argv):
    if len(argv) > 2:
        print("usage: build_sdg_data.py [SDG_YAML_DIR]", file=sys.stderr)
        return 2
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    if not src.is_dir():
        print("error: %s is not a directory" % src, file=sys.stderr)
        return 2
    try:
        data, problems, bare = build(src)
    except (SourceError, OSError, UnicodeDecodeError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 1
    if problems:
        for p in problems:
            print("error: %s" % p, file=sys.stderr)
        print("%d problem(s); %s not written" % (len(problems), OUTPUT), file=sys.stderr)
        return 1
    if bare:
        print("note: %d target(s) without indicators: %s" % (len(bare), ", ".join(bare)))

    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    with open(OUTPUT, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    print("goals: %d" % len(data["goals"]))
    print("targets: %d" % len(data["targets"]))
    print("indicators: %d" % len(data["indicators"]))
    print("wrote %s" % OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
