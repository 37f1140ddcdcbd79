"""Facilitators run processes in rounds; the public sees what is on and what they can do."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sqlalchemy import select

from app.models import AuditEvent, Phase, Process, Role
from tests.conftest import login

SEOUL = ZoneInfo("Asia/Seoul")


def _local(dt: datetime) -> str:
    return dt.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


def _phase_form(name, start, end, actions=("propose",)):
    return {"phase-name_en": name, "phase-name_ko": "", "phase-starts_at": _local(start),
            "phase-ends_at": _local(end), "phase-actions": list(actions)}


def test_facilitator_creates_a_process_with_rounds(client, make, db):
    city = make.city()
    plan = make.plan(city)
    facilitator = make.member(city, Role.FACILITATOR)
    login(client, facilitator)
    response = client.post("/c/seoul/manage/processes/new", data={
        "title_en": "Seoul 2030 Green Transport", "title_ko": "서울 2030 녹색 교통",
        "description_en": "Ideas for **cycling**", "description_ko": "**자전거** 아이디어", "plan": plan.id,
        "eligibility_note_en": "Residents aged 14 and over"})
    assert response.status_code == 302
    process = db.session.scalar(select(Process))
    assert process.plan_id == plan.id and "<strong>cycling</strong>" in process.description_html_en
    assert "<strong>자전거</strong>" in process.description_html_ko
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    first = client.post(f"/c/seoul/manage/processes/{process.id}/phases",
                        data=_phase_form("Collect ideas", now - timedelta(days=1), now + timedelta(days=10),
                                         ("propose", "comment")))
    assert first.status_code == 302
    second = client.post(f"/c/seoul/manage/processes/{process.id}/phases",
                         data=_phase_form("Vote", now + timedelta(days=10), now + timedelta(days=20),
                                          ("budget_vote",)))
    assert second.status_code == 302
    db.session.expire_all()
    phases = db.session.scalars(select(Phase).order_by(Phase.starts_at)).all()
    assert [p.name for p in phases] == ["Collect ideas", "Vote"]
    assert phases[0].starts_at == now - timedelta(days=1)  # entered in Seoul time, stored as UTC
    assert {a.value for a in phases[0].actions} == {"propose", "comment"}
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["process.create", "phase.create", "phase.create"]

    page = client.get(f"/c/seoul/processes/{process.id}").get_data(as_text=True)
    assert "Now: Collect ideas" in page and "Propose until" in page and "Comment until" in page
    assert page.index("Propose until") < page.index("Comment until")  # in the order citizens meet them
    korean = client.get(f"/c/seoul/processes/{process.id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "서울 2030 녹색 교통" in korean and "Seoul 2030 Green Transport" not in korean
    assert "자전거" in korean
    # A round named only in English shows its English name to Korean readers too.
    assert "Collect ideas" in korean


def test_overlapping_round_is_refused_with_a_message(client, make, db):
    city = make.city()
    process = make.process(city, phases=((0, 10, ("propose",)),))
    login(client, make.member(city, Role.FACILITATOR))
    now = datetime.now(timezone.utc)
    response = client.post(f"/c/seoul/manage/processes/{process.id}/phases",
                           data=_phase_form("Overlap", now + timedelta(days=5), now + timedelta(days=15)))
    assert response.status_code == 422
    assert "overlaps the round" in response.get_data(as_text=True)
    assert db.session.scalar(select(Phase).where(Phase.name_en == "Overlap")) is None


def test_a_round_must_end_after_it_starts(client, make):
    city = make.city()
    process = make.process(city, phases=())
    login(client, make.member(city, Role.FACILITATOR))
    now = datetime.now(timezone.utc)
    response = client.post(f"/c/seoul/manage/processes/{process.id}/phases",
                           data=_phase_form("Backwards", now + timedelta(days=5), now + timedelta(days=1)))
    assert response.status_code == 422 and "must end after it starts" in response.get_data(as_text=True)


def test_closing_a_round_early_sets_its_end_to_now_and_is_audited(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-1, 10, ("propose",)),))
    phase_id = process.phases[0].id
    login(client, make.member(city, Role.FACILITATOR))
    before = datetime.now(timezone.utc)
    assert client.post(f"/c/seoul/manage/phases/{phase_id}/close").status_code == 302
    db.session.expire_all()
    phase = db.session.get(Phase, phase_id)
    assert before <= phase.ends_at <= datetime.now(timezone.utc)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phase.close"))
    assert event.target_id == phase_id and "ends_at" in event.changes
    # Now proposing is refused, with the reason.
    citizen = make.member(city)
    citizen_client = client.application.test_client()
    login(citizen_client, citizen)
    refused = citizen_client.get(f"/c/seoul/processes/{process.id}/proposals/new")
    assert refused.status_code == 403 and "not open" in refused.get_data(as_text=True)


def test_only_a_future_round_can_be_removed(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-1, 1, ("propose",)), (5, 8, ("support",))))
    running_id, future_id = (p.id for p in process.phases)
    login(client, make.member(city, Role.FACILITATOR))
    client.post(f"/c/seoul/manage/phases/{running_id}/delete")
    client.post(f"/c/seoul/manage/phases/{future_id}/delete")
    db.session.expire_all()
    assert db.session.get(Phase, running_id) is not None
    assert db.session.get(Phase, future_id) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phase.delete")).target_id == future_id


def test_editing_a_round_records_what_changed(client, make, db):
    city = make.city()
    process = make.process(city, phases=((1, 5, ("propose",)),))
    phase = process.phases[0]
    login(client, make.member(city, Role.FACILITATOR))
    form = {"name_en": "Longer round", "name_ko": "더 긴 단계", "starts_at": _local(phase.starts_at),
            "ends_at": _local(phase.ends_at + timedelta(days=3)), "actions": ["propose", "support"]}
    assert client.post(f"/c/seoul/manage/phases/{phase.id}", data=form).status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phase.update"))
    assert event.changes["name_en"] == ["Round 1", "Longer round"]
    assert event.changes["name_ko"] == ["", "더 긴 단계"]
    assert event.changes["actions"] == [["propose"], ["propose", "support"]]


def test_a_process_needs_a_title_in_at_least_one_language(client, make, db):
    city = make.city()
    login(client, make.member(city, Role.FACILITATOR))
    response = client.post("/c/seoul/manage/processes/new", data={"title_en": " ", "title_ko": ""})
    assert response.status_code == 200 and "in Korean, in English, or both" in response.get_data(as_text=True)
    assert db.session.scalar(select(Process)) is None
    assert client.post("/c/seoul/manage/processes/new", data={"title_ko": "우리 동네 공원"}).status_code == 302


def test_city_home_groups_processes(client, make):
    city = make.city()
    make.process(city, title="Running now", phases=((-1, 5, ("propose",)),))
    make.process(city, title="Not yet", phases=((5, 9, ("propose",)),))
    make.process(city, title="All done", phases=((-9, -5, ("propose",)),))
    page = client.get("/c/seoul/").get_data(as_text=True)
    open_now, coming, finished = page.index("Open now"), page.index("Coming up"), page.index("Finished")
    assert open_now < page.index("Running now") < coming < page.index("Not yet") < finished < page.index("All done")


def test_the_only_city_opens_directly_and_several_are_listed(client, make):
    make.city()
    assert client.get("/").headers["Location"].endswith("/c/seoul/")
    make.city(slug="busan", name_en="Busan", name_ko="부산")
    page = client.get("/").get_data(as_text=True)
    assert "Seoul" in page and "Busan" in page


def test_plan_of_another_city_cannot_be_attached(client, make, db):
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    foreign_plan = make.plan(busan)
    login(client, make.member(seoul, Role.FACILITATOR))
    response = client.post("/c/seoul/manage/processes/new", data={"title_en": "Sneaky", "plan": foreign_plan.id})
    assert response.status_code == 200  # not a choice on the form: an error on the field
    assert db.session.scalar(select(Process)) is None


def test_finished_rounds_are_history_and_running_rounds_keep_their_start(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-9, -5, ("propose",)), (-1, 3, ("comment",))))
    finished, running = process.phases
    login(client, make.member(city, Role.FACILITATOR))
    form = {"name_en": "Rewritten", "starts_at": _local(finished.starts_at), "ends_at": _local(finished.ends_at),
            "actions": ["propose"]}
    response = client.post(f"/c/seoul/manage/phases/{finished.id}", data=form)
    assert response.status_code == 200 and "finished round cannot change" in response.get_data(as_text=True)
    moved = {"name_en": "Moved", "starts_at": _local(running.starts_at - timedelta(days=1)),
             "ends_at": _local(running.ends_at), "actions": ["comment"]}
    assert "keeps its start" in client.post(f"/c/seoul/manage/phases/{running.id}", data=moved).get_data(as_text=True)
    extended = {"name_en": "Longer", "starts_at": _local(running.starts_at), "ends_at": _local(running.ends_at + timedelta(days=2)),
                "actions": ["comment"]}
    assert client.post(f"/c/seoul/manage/phases/{running.id}", data=extended).status_code == 302
    db.session.expire_all()
    assert db.session.get(Phase, finished.id).name_en == "Round -9"
    assert db.session.get(Phase, running.id).name_en == "Longer"


@pytest.mark.parametrize("start", ["0001-01-01T00:00", "9999-12-31T23:00", "1999-12-31T10:00"])
def test_dates_outside_the_supported_range_are_refused_on_the_form(client, make, db, start):
    city = make.city()
    process = make.process(city, phases=())
    login(client, make.member(city, Role.FACILITATOR))
    response = client.post(f"/c/seoul/manage/processes/{process.id}/phases",
                           data={"phase-name_en": "Odd", "phase-starts_at": start, "phase-ends_at": "2030-01-01T00:00"})
    assert response.status_code == 422 and "Choose another time" in response.get_data(as_text=True)
