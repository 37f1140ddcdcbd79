"""A process's dashboard: who may see it, its figures (exact on a hand-made process), the timeline actions with
their refusals, audit and announcements, the CSV, the census shares and a bounded number of queries."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.models import (
    AuditEvent,
    CensusAgeBand,
    Comment,
    District,
    Follow,
    Membership,
    Notification,
    NotificationKind,
    Participant,
    Phase,
    Role,
    Support,
)
from tests.conftest import login

SEOUL = ZoneInfo("Asia/Seoul")


def _local(dt: datetime) -> str:
    return dt.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def _url(process, tail="dashboard"):
    return f"/c/seoul/manage/processes/{process.id}/{tail}"


# Who may see it ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("roles, status", [
    ((Role.FACILITATOR,), 200), ((Role.ADMIN,), 200), ((), 403), ((Role.PLANNER,), 403), ((Role.MODERATOR,), 403),
])
def test_dashboard_is_for_facilitators_and_admins(client, make, roles, status):
    city = make.city()
    process = make.process(city)
    login(client, make.member(city, *roles))
    assert client.get(_url(process)).status_code == status
    assert client.get(_url(process, "dashboard.csv")).status_code == status


def test_a_facilitator_of_another_city_is_refused(client, make):
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    process = make.process(seoul)
    login(client, make.member(busan, Role.FACILITATOR))
    assert client.get(_url(process)).status_code == 403
    assert client.get(f"/c/busan/manage/processes/{process.id}/dashboard").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, make):
    process = make.process(make.city())
    assert client.get(_url(process)).status_code == 302
    assert client.get("/c/seoul/manage/census-shares").status_code == 302


@pytest.mark.parametrize("roles, status", [
    ((Role.PLANNER,), 200), ((Role.ADMIN,), 200), ((Role.FACILITATOR,), 403), ((), 403),
])
def test_census_shares_are_for_planners(client, make, roles, status):
    city = make.city()
    login(client, make.member(city, *roles))
    assert client.get("/c/seoul/manage/census-shares").status_code == status


def test_the_process_page_links_to_its_dashboard(client, make):
    city = make.city()
    process = make.process(city)
    login(client, make.member(city, Role.FACILITATOR))
    assert _url(process) in client.get(f"/c/seoul/manage/processes/{process.id}").get_data(as_text=True)


# Figures -----------------------------------------------------------------------------------------------

def _hand_made(make, db):
    """Two proposals; supports by members of two districts and three ages, one member with neither, one
    imported voter; two comments. Census: Mapo 40 %, Jongno 60 %; ages 14–29 26 %, 30–64 50 %, 65+ 24 %."""
    city = make.city()
    mapo, jongno = sorted(city.districts, key=lambda d: d.code)[1], sorted(city.districts, key=lambda d: d.code)[0]
    assert (mapo.code, jongno.code) == ("mapo", "jongno")
    mapo.population_share, jongno.population_share = Decimal("0.4"), Decimal("0.6")
    for low, high, share in ((14, 29, "0.26"), (30, 64, "0.5"), (65, None, "0.24")):
        db.session.add(CensusAgeBand(city_id=city.id, min_age=low, max_age=high, share=Decimal(share)))
    db.session.commit()
    year = datetime.now(SEOUL).year
    process = make.process(city)
    author = make.member(city)
    p1, p2 = make.proposal(process, author, title="Bike lanes"), make.proposal(process, author, title="More trees")

    def resident(district, age):
        user = make.member(city)
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        membership.district_id = district.id if district else None
        membership.birth_year = year - age if age is not None else None
        db.session.commit()
        return user, membership

    def supports(membership, *proposals, participant=None):
        participant = participant or Participant(city_id=city.id, membership_id=membership.id)
        db.session.add(participant)
        db.session.flush()
        for proposal in proposals:
            db.session.add(Support(participant_id=participant.id, proposal_id=proposal.id))
        db.session.commit()

    def comment(user, proposal):
        db.session.add(Comment(proposal_id=proposal.id, author_id=user.id, body="Yes", body_html="<p>Yes</p>"))
        db.session.commit()

    _, a = resident(mapo, 20)
    supports(a, p1)
    _, b = resident(mapo, 40)
    supports(b, p1, p2)
    _, c = resident(mapo, 70)
    supports(c, p2)
    d_user, _ = resident(jongno, 25)
    comment(d_user, p1)
    e_user, e = resident(jongno, 45)
    supports(e, p1)
    comment(e_user, p1)
    _, f = resident(None, None)
    supports(f, p1)
    supports(None, p1, participant=Participant(city_id=city.id, source="pabulib/x", external_id="1"))
    return city, process


def test_figures_on_a_hand_made_process(client, make, db):
    city, process = _hand_made(make, db)
    admin = make.member(city, Role.ADMIN)
    login(client, admin)
    page = client.get(_url(process)).get_data(as_text=True)
    assert "more than 5.0 percentage points below" in page
    csv = client.get(_url(process, "dashboard.csv")).get_data().decode("utf-8-sig")
    lines = csv.splitlines()
    today = datetime.now(SEOUL).date().isoformat()
    assert lines[0] == "Date,Proposals,Comments,Supports,Budget ballots,Poll ballots"
    assert f"{today},2,2,7,0,0" in lines
    inclusion = lines[lines.index("") + 1:]
    assert inclusion == [
        "Dimension,Group,Participants,Share of participants (%),Census share (%),Gap (percentage points),"
        "Under-represented",
        "District,Jongno-gu,2,40.0,60.0,-20.0,yes",
        "District,Mapo-gu,3,60.0,40.0,20.0,",
        "District,Unknown,2,,,,",
        "Age band,14–29,2,40.0,26.0,14.0,",
        "Age band,30–64,2,40.0,50.0,-10.0,yes",
        "Age band,65+,1,20.0,24.0,-4.0,",
        "Age band,Unknown,2,,,,",
    ]
    # The page says the same, and counts each person once (7: five residents, one without district, one imported).
    assert page.count("Under-represented</strong>") == 2
    assert '<th scope="row">Participants</th><td class="num">7</td>' in page
    assert "+14.0" in page and "-20.0" in page


def test_queues_of_the_process(client, make, db):
    from app.models import Flag

    city = make.city()
    process = make.process(city)
    other = make.process(city, title="Another")
    author = make.member(city)
    due = make.proposal(process, author, answer_due_since=datetime.now(timezone.utc))
    make.proposal(other, author, answer_due_since=datetime.now(timezone.utc))
    for n in range(2):
        flagger = make.member(city)
        db.session.add(Flag(city_id=city.id, user_id=flagger.id, target_type="proposal", target_id=due.id,
                            reason="spam"))
    db.session.commit()
    login(client, make.member(city, Role.ADMIN))
    page = client.get(_url(process)).get_data(as_text=True)
    assert "1 item of this process is flagged" in page and "(2 open flags)" in page
    assert "1 proposal waits for an official answer." in page
    assert 'href="/c/seoul/manage/answers"' in page and 'href="/c/seoul/moderation"' in page


def test_debates_and_polls_are_listed(client, make, db):
    from app.models import Debate, Poll

    city = make.city()
    process = make.process(city)
    db.session.add(Debate(process_id=process.id, title_en="Close the road on Sundays?"))
    db.session.add(Poll(process_id=process.id, question_en="Which park first?"))
    db.session.commit()
    login(client, make.member(city, Role.FACILITATOR))
    page = client.get(_url(process)).get_data(as_text=True)
    assert "Close the road on Sundays?" in page and "Which park first?" in page
    assert f"/c/seoul/processes/{process.id}/debates/new" in page


# Timeline actions --------------------------------------------------------------------------------------

def _followed(make, db, city, process):
    """Two followers: one follows two proposals and a debate, the other one proposal; the facilitator follows
    one too (and, as the actor, hears nothing)."""
    from app.models import Debate

    author = make.member(city)
    p1, p2 = make.proposal(process, author), make.proposal(process, author, title="Trees")
    debate = Debate(process_id=process.id, title_en="Sundays?")
    db.session.add(debate)
    db.session.commit()
    keen, quiet = make.member(city), make.member(city)
    facilitator = make.member(city, Role.FACILITATOR)
    for user, target_type, target_id in ((keen, "proposal", p1.id), (keen, "proposal", p2.id),
                                         (keen, "debate", debate.id), (quiet, "proposal", p2.id),
                                         (facilitator, "proposal", p1.id)):
        db.session.add(Follow(user_id=user.id, target_type=target_type, target_id=target_id))
    db.session.commit()
    return keen, quiet, facilitator


def _notes(db):
    return db.session.execute(select(Notification.user_id, Notification.kind)).all()


def test_extend_the_current_round(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-1, 10, ("propose",)), (10, 20, ("support",))))
    keen, quiet, facilitator = _followed(make, db, city, process)
    current, upcoming = process.phases
    login(client, facilitator)
    now = datetime.now(timezone.utc)
    field = f"extend{current.id}-ends_at"
    refused = client.post(f"/c/seoul/manage/phases/{current.id}/extend", data={field: _local(now + timedelta(days=15))})
    assert refused.status_code == 422
    assert "overlaps the round “Round 10”" in refused.get_data(as_text=True)
    past = client.post(f"/c/seoul/manage/phases/{current.id}/extend", data={field: _local(now - timedelta(hours=2))})
    assert past.status_code == 422 and "cannot end in the past" in past.get_data(as_text=True)
    assert _notes(db) == []

    new_end = _minute(now + timedelta(days=8))
    response = client.post(f"/c/seoul/manage/phases/{current.id}/extend", data={field: _local(new_end)})
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(process))
    db.session.expire_all()
    assert db.session.get(Phase, current.id).ends_at == new_end
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phase.update"))
    assert event.target_id == current.id and list(event.changes) == ["ends_at"]
    assert sorted(_notes(db)) == sorted([(keen.id, NotificationKind.ROUNDS_CHANGED.value),
                                         (quiet.id, NotificationKind.ROUNDS_CHANGED.value)])
    reader = client.application.test_client()
    login(reader, keen)
    assert f"The rounds of “{process.title}” have new dates" in reader.get("/notifications").get_data(as_text=True)
    # A round that is not on now cannot be extended.
    wrong = client.post(f"/c/seoul/manage/phases/{upcoming.id}/extend",
                        data={f"extend{upcoming.id}-ends_at": _local(now + timedelta(days=30))})
    assert wrong.status_code == 302
    assert "Only the round that is on now" in client.get(wrong.headers["Location"]).get_data(as_text=True)


def test_reschedule_an_upcoming_round(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-5, -1, ("propose",)), (-1, 10, ("comment",)), (10, 20, ("support",))))
    keen, quiet, facilitator = _followed(make, db, city, process)
    finished, current, upcoming = process.phases
    login(client, facilitator)
    now = datetime.now(timezone.utc)

    def move(phase, start, end):
        return client.post(f"/c/seoul/manage/phases/{phase.id}/reschedule",
                           data={f"move{phase.id}-starts_at": _local(start), f"move{phase.id}-ends_at": _local(end)})

    overlap = move(upcoming, now + timedelta(days=5), now + timedelta(days=12))
    assert overlap.status_code == 422 and "overlaps the round" in overlap.get_data(as_text=True)
    into_past = move(upcoming, now - timedelta(days=1), now + timedelta(days=12))
    assert into_past.status_code == 422 and "start in the past" in into_past.get_data(as_text=True)
    started = move(current, now + timedelta(days=1), now + timedelta(days=3))
    assert started.status_code == 302
    assert "keeps its start" in client.get(started.headers["Location"]).get_data(as_text=True)
    assert move(finished, now + timedelta(days=30), now + timedelta(days=31)).status_code == 302
    backwards = move(upcoming, now + timedelta(days=14), now + timedelta(days=12))
    assert backwards.status_code == 422 and "must end after it starts" in backwards.get_data(as_text=True)
    assert _notes(db) == [] and db.session.scalar(select(func.count(AuditEvent.id))) == 0

    start, end = _minute(now + timedelta(days=12)), _minute(now + timedelta(days=22))
    assert move(upcoming, start, end).status_code == 302
    db.session.expire_all()
    moved = db.session.get(Phase, upcoming.id)
    assert (moved.starts_at, moved.ends_at) == (start, end)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "phase.update"))
    assert sorted(event.changes) == ["ends_at", "starts_at"]
    assert sorted(user for user, _ in _notes(db)) == sorted([keen.id, quiet.id])


def test_close_from_the_dashboard_comes_back_and_announces(client, make, db):
    city = make.city()
    process = make.process(city)
    keen, quiet, facilitator = _followed(make, db, city, process)
    login(client, facilitator)
    phase = process.phases[0]
    response = client.post(f"/c/seoul/manage/phases/{phase.id}/close?next={_url(process)}")
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(process))
    assert db.session.scalar(select(AuditEvent.action)) == "phase.close"
    assert len(_notes(db)) == 2


def test_the_dashboard_offers_the_right_action_per_round(client, make):
    city = make.city()
    process = make.process(city, phases=((-5, -1, ("propose",)), (-1, 10, ("comment",)), (10, 20, ("support",))))
    finished, current, upcoming = process.phases
    login(client, make.member(city, Role.FACILITATOR))
    page = client.get(_url(process)).get_data(as_text=True)
    assert f"/phases/{current.id}/extend" in page and f"/phases/{current.id}/close" in page
    assert f"/phases/{upcoming.id}/reschedule" in page
    assert f"/phases/{finished.id}/" not in page


# CSV ---------------------------------------------------------------------------------------------------

def test_csv_has_a_bom_a_header_and_a_row_per_day(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-2, 10, ("propose",)),))
    login(client, make.member(city, Role.FACILITATOR))
    response = client.get(_url(process, "dashboard.csv"))
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    today = datetime.now(SEOUL).date()
    days = [line.split(",")[0] for line in lines[1:lines.index("")]]
    assert days[-1] == today.isoformat() and len(days) in (3, 4)  # the process started two days ago
    assert all(line.endswith(",0,0,0,0,0") for line in lines[1:lines.index("")])
    korean = client.get(_url(process, "dashboard.csv"), headers={"Accept-Language": "ko"}).get_data()
    assert korean.startswith(b"\xef\xbb\xbf")


# Census shares -----------------------------------------------------------------------------------------

def _census(city, districts=("60", "40"), bands=(("14", "29", "30"), ("30", "", "70")), remove=()):
    data = {}
    for index, (district, share) in enumerate(zip(sorted(city.districts, key=lambda d: d.name_en), districts)):
        data[f"districts-{index}-district_id"] = str(district.id)
        data[f"districts-{index}-share"] = share
    for index, (low, high, share) in enumerate(bands):
        data.update({f"bands-{index}-min_age": low, f"bands-{index}-max_age": high, f"bands-{index}-share": share})
        if index in remove:
            data[f"bands-{index}-remove"] = "y"
    return data


def test_planner_saves_census_shares(client, make, db):
    city = make.city()
    login(client, make.member(city, Role.PLANNER))
    page = client.get("/c/seoul/manage/census-shares").get_data(as_text=True)
    assert "Jongno-gu: share of the population (%)" in page
    response = client.post("/c/seoul/manage/census-shares", data=_census(city, ("60.05", "39.9")))
    assert response.status_code == 302
    db.session.expire_all()
    shares = {d.code: d.population_share for d in db.session.scalars(select(District))}
    assert shares == {"jongno": Decimal("0.60050"), "mapo": Decimal("0.39900")}
    bands = db.session.scalars(select(CensusAgeBand).order_by(CensusAgeBand.min_age)).all()
    assert [(b.min_age, b.max_age, b.share) for b in bands] == [(14, 29, Decimal("0.3")), (30, None, Decimal("0.7"))]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "city.census_shares"))
    assert event.target_type == "city" and event.target_id == city.id and "age bands" in event.changes

    # Edit one band, remove the other, add one in a blank row.
    response = client.post("/c/seoul/manage/census-shares", data=_census(
        city, bands=(("14", "29", "30"), ("30", "", "70"), ("30", "64", "50"), ("65", "", "20")), remove=(1,)))
    assert response.status_code == 302
    db.session.expire_all()
    bands = db.session.scalars(select(CensusAgeBand).order_by(CensusAgeBand.min_age)).all()
    assert [(b.min_age, b.max_age) for b in bands] == [(14, 29), (30, 64), (65, None)]


@pytest.mark.parametrize("data, message", [
    (dict(districts=("60", "30")), "The district shares add up to 90 %; they must add up to 100 %."),
    (dict(bands=(("14", "29", "30"), ("30", "", "60"))), "The age band shares add up to 90 %"),
    (dict(bands=(("14", "40", "30"), ("30", "", "70"))), "This band overlaps the band from age 14."),
    (dict(bands=(("14", "29", "30"), ("30", "20", "70"))), "The oldest age cannot be below the youngest."),
    (dict(bands=(("14", "29", "30"), ("", "", "70"))), "Enter the youngest age of the band."),
    (dict(districts=("160", "-60")), "Enter a share between 0 and 100."),
    (dict(districts=("abc", "40")), "Not a valid decimal value"),
    (dict(districts=("", "100")), "Enter a share (0 if nobody lives there)."),
])
def test_census_shares_are_validated(client, make, db, data, message):
    city = make.city()
    login(client, make.member(city, Role.PLANNER))
    response = client.post("/c/seoul/manage/census-shares", data=_census(city, **data))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CensusAgeBand.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_within_a_tenth_of_a_point_is_enough(client, make, db):
    city = make.city()
    login(client, make.member(city, Role.PLANNER))
    ok = client.post("/c/seoul/manage/census-shares", data=_census(city, ("60", "40.1"), (("0", "", "99.9"),)))
    assert ok.status_code == 302
    off = client.post("/c/seoul/manage/census-shares", data=_census(city, ("60", "40.2")))
    assert off.status_code == 422


def test_census_form_cannot_name_another_citys_district(client, make, db):
    city = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    login(client, make.member(city, Role.PLANNER))
    data = _census(city)
    data["districts-0-district_id"] = str(busan.districts[0].id)
    assert client.post("/c/seoul/manage/census-shares", data=data).status_code == 400


# Bounded queries ---------------------------------------------------------------------------------------

def test_dashboard_queries_do_not_grow_with_the_process(client, make, db, count_queries):
    city = make.city()
    process = make.process(city, phases=((-3, 10, ("support", "comment")),))
    login(client, make.member(city, Role.FACILITATOR))
    author = make.member(city)

    def grow(n):
        for i in range(n):
            user = make.member(city, birth_year=1950 + i)
            membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
            participant = Participant(city_id=city.id, membership_id=membership.id)
            db.session.add(participant)
            proposal = make.proposal(process, author, title=f"Idea {i}")
            db.session.add(Support(participant_id=participant.id, proposal_id=proposal.id,
                                   created_at=datetime.now(timezone.utc) - timedelta(days=i % 3)))
            db.session.add(Comment(proposal_id=proposal.id, author_id=user.id, body="x", body_html="x"))
            db.session.add(Follow(user_id=user.id, target_type="proposal", target_id=proposal.id))
        db.session.commit()

    grow(2)
    with count_queries() as small:
        assert client.get(_url(process)).status_code == 200
    grow(12)
    with count_queries() as large:
        assert client.get(_url(process)).status_code == 200
    assert large.count == small.count
    assert large.count <= 30
