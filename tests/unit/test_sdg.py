"""The SDG reference data: every goal, target and indicator of the source, loaded idempotently."""
import re

from sqlalchemy import func, select

from app.models import SdgGoal, SdgIndicator, SdgTarget
from app.sdg import load_sdg_reference, read_reference



def test_counts_match_the_data_file(db):
    data = read_reference()
    assert len(data["goals"]) == 17
    assert len(data["targets"]) == 169
    assert db.session.scalar(select(func.count()).select_from(SdgGoal)) == 17
    assert db.session.scalar(select(func.count()).select_from(SdgTarget)) == 169
    assert db.session.scalar(select(func.count()).select_from(SdgIndicator)) == len(data["indicators"])


def test_loading_twice_changes_nothing(db):
    before = db.session.scalar(select(func.count()).select_from(SdgIndicator))
    counts = load_sdg_reference()
    db.session.commit()
    assert counts["indicators"] == before
    assert db.session.scalar(select(func.count()).select_from(SdgIndicator)) == before


def test_goals_have_korean_names_and_official_colours(db):
    goals = db.session.scalars(select(SdgGoal).order_by(SdgGoal.number)).all()
    assert all(re.fullmatch(r"#[0-9A-F]{6}", g.colour) for g in goals)
    assert len({g.colour for g in goals}) == 17
    assert goals[10].colour == "#FD9D24"  # Goal 11, sustainable cities
    assert all(re.search(r"[\uac00-\ud7a3]", g.short_ko) for g in goals)


def test_target_codes_are_natural_and_belong_to_their_goal(db):
    targets = db.session.scalars(select(SdgTarget).order_by(SdgTarget.position)).all()
    assert targets[0].code == "1.1"
    assert all(t.code.split(".")[0] == str(t.goal_number) for t in targets)
    codes = [t.code for t in targets if t.goal_number == 11]
    assert codes[:2] == ["11.1", "11.2"] and "11.a" in codes
    indicator = db.session.get(SdgIndicator, "11.2.1")
    assert indicator is not None and indicator.target_code == "11.2"
