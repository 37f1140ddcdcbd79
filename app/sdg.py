"""Loading the SDG reference data shipped in app/data/sdg.json. Idempotent: rows are inserted or updated."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import SdgGoal, SdgIndicator, SdgTarget

DATA_FILE = Path(__file__).resolve().parent / "data" / "sdg.json"


def read_reference() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def load_sdg_reference() -> dict[str, int]:
    """Insert or update goals, targets and indicators; returns the counts in the data file."""
    data = read_reference()
    goals = {g.number: g for g in db.session.scalars(select(SdgGoal))}
    for row in data["goals"]:
        goal = goals.get(row["number"]) or SdgGoal(number=row["number"])
        goal.short_en, goal.short_ko = row["short_en"], row["short_ko"]
        goal.title_en, goal.colour = row["title_en"], row["colour"]
        db.session.add(goal)
    db.session.flush()
    targets = {t.code: t for t in db.session.scalars(select(SdgTarget))}
    for position, row in enumerate(data["targets"]):
        target = targets.get(row["code"]) or SdgTarget(code=row["code"])
        target.goal_number, target.title_en, target.position = row["goal"], row["title_en"], position
        db.session.add(target)
    db.session.flush()
    indicators = {i.code: i for i in db.session.scalars(select(SdgIndicator))}
    for position, row in enumerate(data["indicators"]):
        indicator = indicators.get(row["code"]) or SdgIndicator(code=row["code"])
        indicator.target_code, indicator.title_en, indicator.position = row["target"], row["title_en"], position
        db.session.add(indicator)
    db.session.flush()
    return {"goals": len(data["goals"]), "targets": len(data["targets"]), "indicators": len(data["indicators"])}
