"""Who may vote: a process for every member, for verified residents, for some districts, from an age; the
refusal says why, on the page and on a 403. Facilitators set it (audited). Residents are verified by the
census codes a planner imports (only digests kept; a bad line rejects the whole file), by entering their code
(one code, one member; guesses are rate-limited), or by a planner's hand (audited)."""
from __future__ import annotations

import hashlib
import re
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db
from app.models import (
    AuditEvent,
    BudgetBallot,
    BudgetRollEntry,
    District,
    Membership,
    Poll,
    PollBallot,
    PollRollEntry,
    ResidentCode,
    Role,
    Support,
    utcnow,
)
from app.voting import residents
from app.voting.services import participant_for
from tests.conftest import all_at_once, login, postgres_only, posting

THIS_YEAR = date.today().year


@pytest.fixture
def seoul(make):
    city = make.city()
    process = make.process(city)
    author = make.member(city, name="Proposal Author")
    proposal = make.proposal(process, author)
    mapo, jongno = (next(d for d in city.districts if d.code == code) for code in ("mapo", "jongno"))
    # The factory's members live in the city's first district by name (Jongno-gu); "away" is the other one.
    home, away = city.districts[0], city.districts[1]
    return SimpleNamespace(city=city, process=process, proposal=proposal, author=author, mapo=mapo, jongno=jongno,
                           home=home, away=away)


def _count(model, *where) -> int:
    _db.session.commit()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _membership(user, city=None) -> Membership:
    _db.session.commit()
    query = select(Membership).where(Membership.user_id == user.id)
    if city is not None:
        query = query.where(Membership.city_id == city.id)
    return _db.session.scalar(query)


def _signed_in(app, person):
    client = app.test_client()
    login(client, person)
    return client


def _support(client, proposal):
    return client.post(f"/c/seoul/proposals/{proposal.id}/support")


def _supports_section(client, proposal) -> str:
    page = client.get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    return page[page.index('id="supports"'):]


# Who may vote: the matrix ----------------------------------------------------------------------------------

def _restrict(seoul, verified=False, districts=(), min_age=None):
    seoul.process.require_verified = verified
    seoul.process.eligible_districts = list(districts)
    seoul.process.min_age = min_age
    _db.session.commit()


CASES = {
    # name: (process rules, person, expected reason)
    "unverified": (dict(verified=True), dict(), "Only verified residents can vote in this process."),
    "wrong-district": (dict(districts="jongno"), dict(), "Only residents of these districts can vote"),
    "too-young": (dict(min_age=18), dict(birth_year=THIS_YEAR - 17), "This vote is for people aged 18 or over."),
    "no-birth-year": (dict(min_age=18), dict(birth_year=None), "add your birth year"),
    "blocked": (dict(), dict(blocked=True), "A moderator has blocked you from taking part in this city"),
    "not-a-member": (dict(), dict(member=False), "Join this city to take part."),
    "unconfirmed": (dict(), dict(confirmed=False), "Confirm your e-mail address to take part."),
}


@pytest.mark.parametrize("case", CASES)
def test_ineligible_people_are_told_why_on_the_page_and_on_a_403(app, make, db, seoul, case):
    rules, person_kind, reason = CASES[case]
    if rules.get("districts"):
        rules = {**rules, "districts": [seoul.away]}
    _restrict(seoul, **rules)
    if person_kind.get("member") is False:
        person = make.user()
    else:
        person = make.member(seoul.city, birth_year=person_kind.get("birth_year", 1990),
                             confirmed=person_kind.get("confirmed", True))
        if person_kind.get("blocked"):
            membership = _membership(person, seoul.city)
            membership.blocked_at, membership.blocked_reason = utcnow(), "spam"
            db.session.commit()
    client = _signed_in(app, person)
    section = _supports_section(client, seoul.proposal)
    assert reason in section and "Support this proposal</button>" not in section
    response = _support(client, seoul.proposal)
    assert response.status_code == 403 and reason in response.get_data(as_text=True)
    assert _count(Support) == 0
    if case in ("unverified", "no-birth-year", "wrong-district"):
        assert 'href="/c/seoul/residence"' in section  # where to fix it


def test_anonymous_visitors_are_sent_to_log_in(client, seoul):
    _restrict(seoul, verified=True)
    response = _support(client, seoul.proposal)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("rules,person", [
    (dict(verified=True), dict(verified=True)),
    (dict(districts="mapo"), dict()),
    (dict(min_age=18), dict(birth_year=THIS_YEAR - 18)),  # turns 18 this year: counted by year of birth
    (dict(verified=True, districts="mapo", min_age=14), dict(verified=True, birth_year=2000)),
])
def test_eligible_people_support(app, make, db, seoul, rules, person):
    if rules.get("districts"):
        rules = {**rules, "districts": [seoul.home]}
    _restrict(seoul, **rules)
    user = make.member(seoul.city, birth_year=person.get("birth_year", 1990))
    if person.get("verified"):
        _membership(user, seoul.city).verified_at = utcnow()
        db.session.commit()
    client = _signed_in(app, user)
    assert "Support this proposal</button>" in _supports_section(client, seoul.proposal)
    assert _support(client, seoul.proposal).status_code == 302
    assert _count(Support) == 1


def test_process_and_proposal_pages_say_who_can_vote(client, make, db, seoul):
    page = client.get(f"/c/seoul/processes/{seoul.process.id}").get_data(as_text=True)
    assert "Who can vote" in page and "Every member of this city can vote." in page
    _restrict(seoul, verified=True, districts=[seoul.mapo, seoul.jongno], min_age=16)
    for url in (f"/c/seoul/processes/{seoul.process.id}", f"/c/seoul/proposals/{seoul.proposal.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Residents who have verified their residence" in page
        assert "Residents of these districts only: Jongno-gu, Mapo-gu." in page
        assert "People aged 16 or over (counted by year of birth)." in page
        assert "Every member of this city can vote." not in page


# Facilitators set who may vote ---------------------------------------------------------------------------------

def test_facilitator_sets_who_can_vote_and_it_is_audited(client, make, db, seoul):
    facilitator = make.member(seoul.city, Role.FACILITATOR)
    login(client, facilitator)
    url = f"/c/seoul/manage/processes/{seoul.process.id}/voting/eligibility"
    response = client.post(url, data={"who-who": "verified", "who-districts": [str(seoul.mapo.id)],
                                      "who-min_age": "14"})
    assert response.status_code == 302
    db.session.refresh(seoul.process)
    assert seoul.process.require_verified and seoul.process.min_age == 14
    assert [d.id for d in seoul.process.eligible_districts] == [seoul.mapo.id]
    page = client.get(f"/c/seoul/manage/processes/{seoul.process.id}/voting").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="verified"', page)
    assert re.search(rf'name="who-districts"[^>]*value="{seoul.mapo.id}" checked', page) and 'value="14"' in page
    response = client.post(url, data={"who-who": "members", "who-min_age": ""})
    assert response.status_code == 302
    db.session.refresh(seoul.process)
    assert not seoul.process.require_verified and seoul.process.min_age is None
    assert seoul.process.eligible_districts == []
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "process.eligibility")
                                .order_by(AuditEvent.id)).all()
    assert len(events) == 2 and events[0].actor_id == facilitator.id and events[0].target_id == seoul.process.id
    assert events[0].changes == {"require_verified": [False, True], "min_age": [None, 14],
                                 "district_ids": [[], [seoul.mapo.id]]}
    # Saving the same again changes nothing and records nothing.
    client.post(url, data={"who-who": "members", "who-min_age": ""})
    assert _count(AuditEvent, AuditEvent.action == "process.eligibility") == 2


def test_eligibility_form_refuses_bad_values(client, make, db, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    login(client, make.member(seoul.city, Role.ADMIN))
    url = f"/c/seoul/manage/processes/{seoul.process.id}/voting/eligibility"
    for data, message in (
        ({"who-who": "members", "who-districts": [str(busan.districts[0].id)]}, "not a valid choice"),
        ({"who-who": "members", "who-min_age": "200"}, "between 0 and 130"),
        ({"who-who": "everyone"}, "Not a valid choice"),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    db.session.refresh(seoul.process)
    assert not seoul.process.require_verified and seoul.process.eligible_districts == []


def test_only_facilitators_and_admins_set_who_can_vote(app, make, seoul):
    url = f"/c/seoul/manage/processes/{seoul.process.id}/voting/eligibility"
    for person in (make.member(seoul.city), make.member(seoul.city, Role.PLANNER)):
        assert _signed_in(app, person).post(url, data={"who-who": "verified"}).status_code == 403
    _db.session.refresh(seoul.process)
    assert not seoul.process.require_verified


# The census import ------------------------------------------------------------------------------------------

CENSUS = "code,district,birth_year\nMP-4821-XK,mapo,1990\njn 7733 qa,jongno,2011\nMP-0001-AA,MAPO,1958\n"


def _import(client, content, filename="census.csv"):
    import io

    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/c/seoul/manage/residents", data={"census": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_planner_imports_a_census_and_only_digests_are_kept(client, make, db, seoul):
    planner = make.member(seoul.city, Role.PLANNER)
    login(client, planner)
    assert client.get("/c/seoul/manage/residents").status_code == 200
    response = _import(client, "\ufeff" + CENSUS)  # with a byte-order mark, as spreadsheets save it
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 codes imported." in page and "were imported before" not in page
    codes = db.session.scalars(select(ResidentCode).order_by(ResidentCode.id)).all()
    assert [c.code_digest for c in codes] == [hashlib.sha256(code.encode()).hexdigest()
                                              for code in ("MP4821XK", "JN7733QA", "MP0001AA")]
    assert [(c.district_id, c.birth_year, c.imported_by_id) for c in codes] == [
        (seoul.mapo.id, 1990, planner.id), (seoul.jongno.id, 2011, planner.id), (seoul.mapo.id, 1958, planner.id)]
    for table_dump in db.session.execute(select(ResidentCode.__table__)).all():
        assert "4821" not in " ".join(str(v) for v in table_dump)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resident_codes.import"))
    assert event.changes == {"file": "census.csv", "imported": 3, "duplicates": 0}

    # The same file again, with one new code: the others are reported as imported before.
    response = _import(client, CENSUS + "ZZ-9999-ZZ,jongno,1977\n")
    assert response.status_code == 302
    assert ("1 code imported. 3 codes were imported before and are left as they were."
            in client.get("/c/seoul/manage/residents").get_data(as_text=True))
    assert _count(ResidentCode) == 4
    response = _import(client, "code,district,birth_year\nZZ-9999-ZZ,jongno,1977\nNEW-0001,mapo,1980\n"
                               "NEW-0002,mapo,1981\n")
    assert ("2 codes imported. 1 code was imported before and is left as it was."
            in client.get("/c/seoul/manage/residents").get_data(as_text=True))


def test_a_file_with_bad_lines_imports_nothing_and_names_each_line(client, make, db, seoul):
    login(client, make.member(seoul.city, Role.ADMIN))
    content = ("code,district,birth_year\n"
               "GOOD-0001,mapo,1990\n"
               ",mapo,1990\n"                 # 3: no code
               "GOOD-0002,gangnam,1990\n"     # 4: unknown district
               "GOOD-0003,mapo,nineteen\n"    # 5: no year
               "GOOD-0004,mapo,1850\n"        # 6: out of range
               "\n"                           # blank lines are skipped
               "good 0001,jongno,1991\n"      # 8: the same code as line 2, once normalised
               "GOOD-0005,mapo\n"             # 9: a column short
               "코드-0006,mapo,1990\n")       # 10: not letters and digits
    response = _import(client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in page
    for line, message in ((3, "The code is empty."), (4, "No district of this city has the code “gangnam”."),
                          (5, "The year of birth must be a year between 1900"),
                          (6, "The year of birth must be a year between 1900"),
                          (8, "This code is on line 2 already."), (9, "This line has 2 columns"),
                          (10, "A code is 4 to 64 letters and digits")):
        assert f"Line {line}: {message}" in page, line
    assert "Line 2:" not in page and "Line 7:" not in page
    assert _count(ResidentCode) == 0
    assert _count(AuditEvent) == 0


@pytest.mark.parametrize("content,message", [
    ("code;district;birth_year\nA1B2C3,mapo,1990\n", "The first line must name the columns"),
    ("A1B2C3,mapo,1990\n", "The first line must name the columns"),
    ("", "The first line must name the columns"),
    ("code,district,birth_year\n\n", "The file has no codes"),
    ("code,district,birth_year\nA1B2C3,마포,1990\n".encode("cp949"), "not UTF-8"),
])
def test_files_that_are_not_a_census_are_refused(client, make, db, seoul, content, message):
    login(client, make.member(seoul.city, Role.PLANNER))
    response = _import(client, content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _count(ResidentCode) == 0


def test_a_line_that_is_not_csv_is_named_in_words_the_page_translates(client, make, db, seoul):
    """Python's csv error text is English and technical: the page names the line instead."""
    login(client, make.member(seoul.city, Role.PLANNER))
    content = "code,district,birth_year\nGOOD-0001,mapo,1990\n" + "X" * 140_000 + ",mapo,1990\n"
    response = _import(client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Line 3 could not be read as CSV." in page
    assert "field larger" not in page and "Line 3: Line 3" not in page
    assert _count(ResidentCode) == 0


def test_only_planners_and_admins_import_codes(app, make, seoul):
    for person, status in ((make.member(seoul.city), 403), (make.member(seoul.city, Role.FACILITATOR), 403),
                           (make.member(seoul.city, Role.MODERATOR), 403)):
        client = _signed_in(app, person)
        assert client.get("/c/seoul/manage/residents").status_code == status
        assert _import(client, CENSUS).status_code == status
    assert app.test_client().get("/c/seoul/manage/residents").status_code == 302
    assert _count(ResidentCode) == 0


def test_codes_of_one_city_do_not_verify_in_another(app, make, db, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    planner = make.member(busan, Role.PLANNER)
    residents.import_census(planner, busan, b"code,district,birth_year\nBUSAN-0001,haeundae,1980\n")
    db.session.commit()
    client = _signed_in(app, make.member(seoul.city))
    response = client.post("/c/seoul/residence/verify", data={"code-code": "BUSAN-0001"})
    assert response.status_code == 422 and "not valid or has been used" in response.get_data(as_text=True)


def test_codes_are_compared_in_one_normal_form():
    assert residents.normalise_code("  mp-4821 xk ") == "MP4821XK"
    assert residents.normalise_code("ＭＰ－４８２１　ＸＫ") == "MP4821XK"  # full-width, as an IME may type it
    assert residents.code_digest("mp 4821-xk") == hashlib.sha256(b"MP4821XK").hexdigest()


# Members verify with a code ---------------------------------------------------------------------------------

@pytest.fixture
def codes(make, db, seoul):
    planner = make.member(seoul.city, Role.PLANNER)
    residents.import_census(planner, seoul.city, CENSUS.encode())
    db.session.commit()
    return planner


def test_a_member_verifies_with_a_code_and_takes_its_district_and_birth_year(app, make, db, seoul, codes):
    member = make.member(seoul.city, birth_year=1985)
    client = _signed_in(app, member)
    page = client.get("/c/seoul/residence").get_data(as_text=True)
    assert "Verify my residence" in page and 'name="code-code"' in page
    response = client.post("/c/seoul/residence/verify", data={"code-code": "jn-7733-QA"})
    assert response.status_code == 302
    membership = _membership(member, seoul.city)
    assert membership.verified_at is not None
    assert (membership.district_id, membership.birth_year) == (seoul.jongno.id, 2011)
    code = db.session.scalar(select(ResidentCode).where(ResidentCode.used_by_id == membership.id))
    assert code.used_at is not None and code.birth_year == 2011
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.verify"))
    assert event.target_type == "membership" and event.target_id == membership.id
    assert event.changes["method"] == "code" and event.changes["birth_year_changed"] is True
    assert "2011" not in str(event.changes) and "1985" not in str(event.changes)  # never in the audit log
    page = client.get("/c/seoul/residence").get_data(as_text=True)
    assert "Your residence is verified since" in page and 'name="code-code"' not in page
    assert 'name="residence-district"' not in page  # a verified residence is the city's to change


def test_a_wrong_code_and_a_used_code_get_the_same_message(app, make, db, seoul, codes):
    first, second = make.member(seoul.city), make.member(seoul.city)
    assert _signed_in(app, first).post("/c/seoul/residence/verify",
                                       data={"code-code": "MP4821XK"}).status_code == 302
    client = _signed_in(app, second)
    used = client.post("/c/seoul/residence/verify", data={"code-code": "MP-4821-XK"})
    wrong = client.post("/c/seoul/residence/verify", data={"code-code": "MP-4821-XX"})
    empty = client.post("/c/seoul/residence/verify", data={"code-code": "- -"})
    message = "This code is not valid or has been used."
    for response in (used, wrong, empty):
        assert response.status_code == 422 and message in response.get_data(as_text=True)
        assert 'class="error-summary"' in response.get_data(as_text=True)
    assert _membership(second, seoul.city).verified_at is None
    assert _count(ResidentCode, ResidentCode.used_by_id.is_not(None)) == 1


def test_the_same_code_sent_twice_by_its_owner_is_not_an_error(app, make, db, seoul, codes):
    client = _signed_in(app, make.member(seoul.city))
    assert client.post("/c/seoul/residence/verify", data={"code-code": "MP4821XK"}).status_code == 302
    again = client.post("/c/seoul/residence/verify", data={"code-code": "MP4821XK"})
    assert again.status_code == 302
    assert "verified already" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_member_whose_verification_was_taken_back_cannot_use_a_second_code(app, make, db, seoul, codes):
    member = make.member(seoul.city)
    client = _signed_in(app, member)
    client.post("/c/seoul/residence/verify", data={"code-code": "MP4821XK"})
    membership = _membership(member, seoul.city)
    membership.verified_at = None
    db.session.commit()
    response = client.post("/c/seoul/residence/verify", data={"code-code": "MP0001AA"})
    assert response.status_code == 422 and "You have used a resident code before" in response.get_data(as_text=True)
    assert _count(ResidentCode, ResidentCode.used_by_id.is_not(None)) == 1


def test_non_members_have_no_residence_here(app, make, seoul):
    client = _signed_in(app, make.user())
    assert client.get("/c/seoul/residence").status_code == 403
    assert client.post("/c/seoul/residence/verify", data={"code-code": "MP4821XK"}).status_code == 403
    assert app.test_client().get("/c/seoul/residence").status_code == 302


def test_joining_again_leads_a_member_to_their_residence(app, make, seoul):
    client = _signed_in(app, make.member(seoul.city))
    response = client.get("/c/seoul/join")
    assert response.status_code == 302 and response.headers["Location"].endswith("/c/seoul/residence")


def test_code_guesses_are_limited_per_person(app, make, db, seoul, codes):
    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "x",
        "RESIDENT_CODE_RATE_LIMIT": "3 per minute",
    })
    guesser, honest = make.member(seoul.city), make.member(seoul.city)
    guessing, calm = limited.test_client(), limited.test_client()
    login(guessing, guesser)
    login(calm, honest)
    statuses = [guessing.post("/c/seoul/residence/verify", data={"code-code": f"GUESS{n:04d}"}).status_code
                for n in range(4)]
    assert statuses == [422, 422, 422, 429]
    response = guessing.post("/c/seoul/residence/verify", data={"code-code": "MP4821XK"})  # even the right one
    assert response.status_code == 429 and "Too many" in response.get_data(as_text=True)
    assert _membership(guesser, seoul.city).verified_at is None
    assert calm.post("/c/seoul/residence/verify", data={"code-code": "MP4821XK"}).status_code == 302
    assert _membership(honest, seoul.city).verified_at is not None




def test_one_code_entered_by_two_members_at_once_verifies_one(app, make, db, seoul, codes):
    postgres_only(db)
    people = [make.member(seoul.city) for _ in range(8)]
    clients = [_signed_in(app, person) for person in people]
    results = all_at_once(clients, posting("/c/seoul/residence/verify", {"code-code": "MP4821XK"}))
    assert sorted(results) == [302] + [422] * 7, results
    verified = [p for p in people if _membership(p, seoul.city).verified_at is not None]
    assert len(verified) == 1
    code = db.session.scalar(select(ResidentCode).where(ResidentCode.used_by_id.is_not(None)))
    assert code.used_by_id == _membership(verified[0], seoul.city).id


def test_two_imports_of_the_same_codes_at_once_keep_one_row_each(app, make, db, seoul):
    postgres_only(db)
    clients = [_signed_in(app, make.member(seoul.city, Role.PLANNER)) for _ in range(4)]
    results = all_at_once(clients, lambda index, client: _import(client, CENSUS).status_code)
    assert results == [302] * 4, results
    assert _count(ResidentCode) == 3


# A member's own residence --------------------------------------------------------------------------------------

def test_an_unverified_member_corrects_their_district_and_birth_year(app, make, db, seoul):
    member = make.member(seoul.city)
    client = _signed_in(app, member)
    response = client.post("/c/seoul/residence", data={"residence-district": seoul.away.id,
                                                      "residence-birth_year": 1979})
    assert response.status_code == 302
    membership = _membership(member, seoul.city)
    assert (membership.district_id, membership.birth_year) == (seoul.away.id, 1979)
    response = client.post("/c/seoul/residence", data={"residence-district": 0, "residence-birth_year": 1979})
    assert response.status_code == 422 and "Choose your district." in response.get_data(as_text=True)


def test_a_verified_member_cannot_change_their_district_or_birth_year(app, make, db, seoul):
    member = make.member(seoul.city)
    membership = _membership(member, seoul.city)
    membership.verified_at = utcnow()
    db.session.commit()
    client = _signed_in(app, member)
    response = client.post("/c/seoul/residence", data={"residence-district": seoul.away.id,
                                                      "residence-birth_year": 2015})
    assert response.status_code == 403 and "Your residence is verified" in response.get_data(as_text=True)
    membership = _membership(member, seoul.city)
    assert (membership.district_id, membership.birth_year) == (seoul.home.id, 1990)


VOTES = ("support", "budget ballot", "budget roll", "poll ballot", "poll roll")


def _vote(seoul, member, kind, process=None):
    """A vote of `kind` on record for the member in the process (the seoul process by default)."""
    process = process or seoul.process
    participant = participant_for(_membership(member, seoul.city))
    if kind == "support":
        proposal = seoul.proposal if process.id == seoul.process.id else None
        assert proposal is not None
        _db.session.add(Support(participant_id=participant.id, proposal_id=proposal.id))
    elif kind == "budget ballot":
        _db.session.add(BudgetBallot(process_id=process.id, participant_id=participant.id, updated_at=utcnow()))
    elif kind == "budget roll":
        _db.session.add(BudgetRollEntry(process_id=process.id, participant_id=participant.id))
    else:
        poll = Poll(process_id=process.id, question_en="Which name?")
        _db.session.add(poll)
        _db.session.flush()
        if kind == "poll ballot":
            _db.session.add(PollBallot(poll_id=poll.id, participant_id=participant.id, updated_at=utcnow()))
        else:
            _db.session.add(PollRollEntry(poll_id=poll.id, participant_id=participant.id))
    _db.session.commit()


@pytest.mark.parametrize("restriction", ["districts", "min_age"])
@pytest.mark.parametrize("kind", VOTES)
def test_a_member_who_voted_where_residence_counts_cannot_change_it(app, make, db, seoul, kind, restriction):
    """Otherwise they could vote, move to another district (or change their age) and vote again as someone
    else, or vote where they may not."""
    _restrict(seoul, **({"districts": [seoul.home]} if restriction == "districts" else {"min_age": 14}))
    member = make.member(seoul.city, birth_year=1990)
    _vote(seoul, member, kind)
    client = _signed_in(app, member)
    message = "You have voted where only some districts or ages may vote; ask a planner to correct your residence."
    page = client.get("/c/seoul/residence").get_data(as_text=True)
    assert message in page and 'name="residence-district"' not in page
    response = client.post("/c/seoul/residence", data={"residence-district": seoul.away.id,
                                                      "residence-birth_year": 1979})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and message in text and 'class="error-summary"' in text
    assert 'name="residence-district"' in text  # the form, shown again with the reason
    membership = _membership(member, seoul.city)
    assert (membership.district_id, membership.birth_year) == (seoul.home.id, 1990)
    with pytest.raises(residents.ResidenceCounted):
        residents.update_own_residence(membership, seoul.away.id, 1979)
    db.session.rollback()


def test_votes_where_residence_does_not_count_leave_it_free_to_change(app, make, db, seoul):
    """A vote in a process open to every district and age does not lock the residence, nor does a restricted
    process the member has not voted in."""
    restricted = make.process(seoul.city, title="Mapo park")
    restricted.eligible_districts = [seoul.home]
    restricted.min_age = 14
    db.session.commit()
    member = make.member(seoul.city)
    client = _signed_in(app, member)
    assert _support(client, seoul.proposal).status_code == 302
    for kind in VOTES[1:]:
        _vote(seoul, member, kind)
    page = client.get("/c/seoul/residence").get_data(as_text=True)
    assert 'name="residence-district"' in page and "ask a planner" not in page
    response = client.post("/c/seoul/residence", data={"residence-district": seoul.away.id,
                                                      "residence-birth_year": 1979})
    assert response.status_code == 302
    membership = _membership(member, seoul.city)
    assert (membership.district_id, membership.birth_year) == (seoul.away.id, 1979)


@pytest.mark.parametrize("kind", VOTES)
def test_who_can_vote_is_frozen_once_anyone_has_voted(app, make, db, seoul, kind):
    _restrict(seoul, min_age=14)
    _vote(seoul, make.member(seoul.city), kind)
    client = _signed_in(app, make.member(seoul.city, Role.FACILITATOR))
    message = "Votes have been cast in this process: who can vote can no longer change."
    page = client.get(f"/c/seoul/manage/processes/{seoul.process.id}/voting").get_data(as_text=True)
    assert message in page and 'name="who-who"' not in page
    response = client.post(f"/c/seoul/manage/processes/{seoul.process.id}/voting/eligibility",
                           data={"who-who": "verified", "who-districts": [str(seoul.away.id)], "who-min_age": "18"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.refresh(seoul.process)
    assert (seoul.process.require_verified, seoul.process.min_age, seoul.process.eligible_districts) == (
        False, 14, [])
    assert _count(AuditEvent, AuditEvent.action == "process.eligibility") == 0
    # The same rules sent again (a page opened before the first vote) change nothing and pass.
    response = client.post(f"/c/seoul/manage/processes/{seoul.process.id}/voting/eligibility",
                           data={"who-who": "members", "who-min_age": "14"})
    assert response.status_code == 302 and _count(AuditEvent, AuditEvent.action == "process.eligibility") == 0


def test_votes_in_another_process_do_not_freeze_who_can_vote(app, make, db, seoul):
    other = make.process(seoul.city, phases=((-1, 10, ("poll_vote",)),), title="Plaza name")
    member = make.member(seoul.city)
    for kind in VOTES[1:]:
        _vote(seoul, member, kind, process=other)
    client = _signed_in(app, make.member(seoul.city, Role.FACILITATOR))
    assert 'name="who-who"' in client.get(f"/c/seoul/manage/processes/{seoul.process.id}/voting").get_data(
        as_text=True)
    response = client.post(f"/c/seoul/manage/processes/{seoul.process.id}/voting/eligibility",
                           data={"who-who": "verified", "who-min_age": ""})
    assert response.status_code == 302
    db.session.refresh(seoul.process)
    assert seoul.process.require_verified


# Planners verify by hand ---------------------------------------------------------------------------------------

def test_a_planner_verifies_a_member_by_hand_and_takes_it_back(app, make, db, seoul):
    member = make.member(seoul.city, birth_year=1970)
    planner = make.member(seoul.city, Role.PLANNER)
    client = _signed_in(app, planner)
    page = client.get(f"/c/seoul/people/{member.id}").get_data(as_text=True)
    assert "Residence verification" in page and "Not verified" in page
    response = client.post(f"/c/seoul/people/{member.id}/verification",
                           data={"verification-district": seoul.away.id, "verification-birth_year": 1971})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/people/{member.id}#verification")
    membership = _membership(member, seoul.city)
    assert membership.verified_at is not None
    assert (membership.district_id, membership.birth_year) == (seoul.away.id, 1971)
    assert "Verified as a resident since" in client.get(f"/c/seoul/people/{member.id}").get_data(as_text=True)
    assert client.post(f"/c/seoul/people/{member.id}/verification/remove").status_code == 302
    assert _membership(member, seoul.city).verified_at is None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.target_type == "membership")
                                .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.target_id) for e in events] == [
        ("membership.verify", planner.id, membership.id), ("membership.unverify", planner.id, membership.id)]
    assert events[0].changes["method"] == "hand"
    assert events[0].changes["district_id"] == [seoul.home.id, seoul.away.id]
    assert "1970" not in str(events[0].changes) and "1971" not in str(events[0].changes)


def test_a_bad_manual_verification_stays_on_the_member_page(app, make, db, seoul):
    member = make.member(seoul.city)
    client = _signed_in(app, make.member(seoul.city, Role.ADMIN))
    response = client.post(f"/c/seoul/people/{member.id}/verification",
                           data={"verification-district": seoul.jongno.id, "verification-birth_year": 1700})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'class="error-summary"' in text and "Enter a year between" in text
    assert _membership(member, seoul.city).verified_at is None


def test_only_planners_and_admins_verify_by_hand(app, make, db, seoul):
    member = make.member(seoul.city)
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    for person in (make.member(seoul.city), make.member(seoul.city, Role.FACILITATOR),
                   make.member(seoul.city, Role.MODERATOR), make.member(busan, Role.PLANNER), member):
        client = _signed_in(app, person)
        assert "Residence verification" not in client.get(f"/c/seoul/people/{member.id}").get_data(as_text=True)
        assert client.post(f"/c/seoul/people/{member.id}/verification",
                           data={"verification-district": seoul.mapo.id}).status_code == 403
        assert client.post(f"/c/seoul/people/{member.id}/verification/remove").status_code == 403
    assert _membership(member, seoul.city).verified_at is None
    planner = _signed_in(app, make.member(seoul.city, Role.PLANNER))
    outsider = make.member(busan)
    assert planner.post(f"/c/seoul/people/{outsider.id}/verification",
                        data={"verification-district": seoul.mapo.id}).status_code == 404


@pytest.mark.parametrize("role", [Role.PLANNER, Role.ADMIN])
def test_planners_cannot_verify_themselves(app, make, db, seoul, role):
    planner = make.member(seoul.city, role, birth_year=1980)
    client = _signed_in(app, planner)
    page = client.get(f"/c/seoul/people/{planner.id}").get_data(as_text=True)
    assert 'name="verification-district"' not in page and "Your residence and its verification" in page
    reason = "You cannot verify your own residence or take its verification back. Ask another planner."
    response = client.post(f"/c/seoul/people/{planner.id}/verification",
                           data={"verification-district": seoul.away.id, "verification-birth_year": 1960})
    assert response.status_code == 403 and reason in response.get_data(as_text=True)
    membership = _membership(planner, seoul.city)
    assert membership.verified_at is None
    assert (membership.district_id, membership.birth_year) == (seoul.home.id, 1980)
    membership.verified_at = utcnow()  # verified by another planner, say
    db.session.commit()
    response = client.post(f"/c/seoul/people/{planner.id}/verification/remove")
    assert response.status_code == 403 and reason in response.get_data(as_text=True)
    assert _membership(planner, seoul.city).verified_at is not None
    assert _count(AuditEvent, AuditEvent.target_type == "membership") == 0
    with pytest.raises(residents.OwnResidence):
        residents.verify_by_hand(planner, _membership(planner, seoul.city), seoul.away.id, 1960)
    with pytest.raises(residents.OwnResidence):
        residents.unverify(planner, _membership(planner, seoul.city))
    db.session.rollback()


def test_a_district_of_another_city_is_refused(app, make, db, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    member = make.member(seoul.city)
    client = _signed_in(app, make.member(seoul.city, Role.PLANNER))
    response = client.post(f"/c/seoul/people/{member.id}/verification",
                           data={"verification-district": busan.districts[0].id})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert _membership(member, seoul.city).verified_at is None
    assert db.session.get(District, busan.districts[0].id) is not None
