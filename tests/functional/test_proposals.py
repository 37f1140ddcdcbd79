"""Citizens write proposals where the round allows it; everyone can list, filter, search and read them."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Proposal, ProposalState, Role, utcnow
from tests.conftest import login


@pytest.fixture
def seoul(make):
    city = make.city()
    plan = make.plan(city, items=("cycling-network", "clean-air"))
    process = make.process(city, plan=plan)
    return city, plan, process


def _form(**overrides):
    data = {"title": "Protected bike lane on Worldcup-ro",
            "body": "Separate the bike lane from traffic with kerbs between Mangwon and Hapjeong stations.",
            "district": 0, "sdg_targets": ["11.2", "3.6"], "plan_items": [], "cost": "450000000"}
    data.update(overrides)
    return data


def test_citizen_writes_a_proposal_linked_to_targets_and_plan_items(client, make, db, seoul):
    city, plan, process = seoul
    author = make.member(city)
    login(client, author)
    item_id = plan.items[0].id
    response = client.post(f"/c/seoul/processes/{process.id}/proposals/new",
                           data=_form(plan_items=[item_id], district=city.districts[0].id))
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.author_id == author.id and proposal.state == ProposalState.PUBLISHED
    assert [t.code for t in proposal.sdg_targets] == ["3.6", "11.2"]
    assert [i.id for i in proposal.plan_items] == [item_id]
    assert proposal.cost == 450000000
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Protected bike lane on Worldcup-ro" in page and "11.2" in page and "Cycling Network" in page
    assert "₩450,000,000" in page


@pytest.mark.parametrize("overrides,message", [
    ({"title": ""}, "This field is required"),
    ({"title": "x" * 151}, "150"),
    ({"body": "too short"}, "20"),
    ({"cost": "-5"}, "between 0"),
    ({"cost": "lots"}, "Not a valid decimal"),
    ({"sdg_targets": ["99.9"]}, "Not a valid choice"),
    ({"district": "999999"}, "Not a valid choice"),
    ({"plan_items": ["999999"]}, "Not a valid choice"),
])
def test_bad_input_stays_on_the_form(client, make, db, seoul, overrides, message):
    city, plan, process = seoul
    login(client, make.member(city))
    response = client.post(f"/c/seoul/processes/{process.id}/proposals/new", data=_form(**overrides))
    assert response.status_code == 200
    assert message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_plan_items_of_another_plan_are_refused(client, make, db, seoul):
    city, plan, process = seoul
    other_plan = make.plan(city, items=("other-item",))
    login(client, make.member(city))
    response = client.post(f"/c/seoul/processes/{process.id}/proposals/new",
                           data=_form(plan_items=[other_plan.items[0].id]))
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_proposing_outside_a_propose_round_is_refused_with_when_it_opens(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-5, 1, ("comment",)), (3, 9, ("propose",))))
    login(client, make.member(city))
    for response in (client.get(f"/c/seoul/processes/{process.id}/proposals/new"),
                     client.post(f"/c/seoul/processes/{process.id}/proposals/new", data=_form())):
        assert response.status_code == 403
        text = response.get_data(as_text=True)
        assert "Proposals are not open" in text and "It opens on" in text
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_non_members_and_unconfirmed_users_are_told_why(client, make, seoul):
    city, plan, process = seoul
    outsider = make.user()
    login(client, outsider)
    response = client.get(f"/c/seoul/processes/{process.id}/proposals/new")
    assert response.status_code == 403 and "Join this city" in response.get_data(as_text=True)
    unconfirmed = make.member(city, confirmed=False)
    other = client.application.test_client()
    login(other, unconfirmed)
    response = other.get(f"/c/seoul/processes/{process.id}/proposals/new")
    assert response.status_code == 403 and "Confirm your e-mail" in response.get_data(as_text=True)


def test_author_edits_within_the_window_then_not(client, make, db, app, seoul):
    city, plan, process = seoul
    author = make.member(city)
    proposal = make.proposal(process, author)
    login(client, author)
    response = client.post(f"/c/seoul/proposals/{proposal.id}/edit", data=_form(title="A better title here"))
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Proposal, proposal.id)
    assert edited.title == "A better title here" and edited.edited_at is not None
    assert "edited" in client.get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    edited.created_at = utcnow() - app.config["PROPOSAL_EDIT_WINDOW"] - timedelta(minutes=1)
    db.session.commit()
    late = client.post(f"/c/seoul/proposals/{proposal.id}/edit", data=_form(title="Too late to change"))
    assert late.status_code == 403 and "editing this proposal has passed" in late.get_data(as_text=True)


def test_others_cannot_edit_or_withdraw(client, make, seoul):
    city, plan, process = seoul
    proposal = make.proposal(process, make.member(city))
    login(client, make.member(city, Role.ADMIN))
    assert client.get(f"/c/seoul/proposals/{proposal.id}/edit").status_code == 403
    assert client.post(f"/c/seoul/proposals/{proposal.id}/withdraw", data={"reason": "x"}).status_code == 403


def test_withdraw_with_a_reason(client, make, db, seoul):
    city, plan, process = seoul
    author = make.member(city)
    proposal = make.proposal(process, author)
    login(client, author)
    assert client.post(f"/c/seoul/proposals/{proposal.id}/withdraw", data={"reason": ""}).status_code == 200
    response = client.post(f"/c/seoul/proposals/{proposal.id}/withdraw", data={"reason": "Merged with another"})
    assert response.status_code == 302
    db.session.expire_all()
    withdrawn = db.session.get(Proposal, proposal.id)
    assert withdrawn.state == ProposalState.WITHDRAWN and withdrawn.withdraw_reason == "Merged with another"
    page = client.get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    assert "Merged with another" in page and "Withdrawn" in page
    assert client.post(f"/c/seoul/proposals/{proposal.id}/withdraw", data={"reason": "again"}).status_code == 403


def test_search_finds_korean_two_syllable_words_and_ignores_case(client, make, seoul):
    city, plan, process = seoul
    author = make.member(city)
    make.proposal(process, author, title="망원동 자전거 보호 차선 설치", body="한강공원까지 안전하게 자전거로 갑니다.")
    make.proposal(process, author, title="Quieter BUSES at night", body="Electric buses on route 7011 after 10 pm.")
    make.proposal(process, author, title="공원 화장실 개선", body="망원한강공원 화장실을 늘려 주세요.")
    base = f"/c/seoul/processes/{process.id}/proposals"
    page = client.get(base, query_string={"q": "자전거"}).get_data(as_text=True)
    assert "망원동 자전거" in page and "Quieter" not in page and "화장실" not in page
    page = client.get(base, query_string={"q": "buses"}).get_data(as_text=True)
    assert "Quieter BUSES" in page and "자전거" not in page
    # Decomposed (NFD) Hangul in the query is normalised to match.
    import unicodedata
    page = client.get(base, query_string={"q": unicodedata.normalize("NFD", "공원")}).get_data(as_text=True)
    assert "공원 화장실" in page and "망원동 자전거" in page
    # LIKE wildcards are literal.
    page = client.get(base, query_string={"q": "%"}).get_data(as_text=True)
    assert "0 proposals" in page


def test_filters_by_goal_district_and_state(client, make, db, seoul):
    city, plan, process = seoul
    author = make.member(city)
    from app.models import SdgTarget

    a = make.proposal(process, author, title="Bike lanes for Mapo", district_id=city.districts[0].id)
    a.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    b = make.proposal(process, author, title="Solar roofs for schools", district_id=city.districts[1].id)
    b.sdg_targets = [db.session.get(SdgTarget, "7.2")]
    make.proposal(process, author, title="Withdrawn idea here", state="withdrawn", withdrawn_at=utcnow())
    db.session.commit()
    base = f"/c/seoul/processes/{process.id}/proposals"
    page = client.get(base, query_string={"goal": 7}).get_data(as_text=True)
    assert "Solar roofs" in page and "Bike lanes" not in page
    page = client.get(base, query_string={"district": city.districts[0].id}).get_data(as_text=True)
    assert "Bike lanes" in page and "Solar roofs" not in page
    page = client.get(base, query_string={"state": "withdrawn"}).get_data(as_text=True)
    assert "Withdrawn idea" in page and "Bike lanes" not in page
    # Nonsense filters are ignored, not a 500.
    assert client.get(base, query_string={"goal": "abc", "district": "x", "state": "lost", "page": "-3"}).status_code == 200


def test_list_paginates_and_sorts(client, make, db, app, seoul):
    city, plan, process = seoul
    author = make.member(city)
    now = utcnow()
    for n in range(25):
        make.proposal(process, author, title=f"Proposal number {n:02d}", created_at=now - timedelta(hours=25 - n))
    base = f"/c/seoul/processes/{process.id}/proposals"
    first = client.get(base).get_data(as_text=True)
    assert "Proposal number 24" in first and "Proposal number 04" not in first and "Page 1 of 2" in first
    second = client.get(base, query_string={"page": 2}).get_data(as_text=True)
    assert "Proposal number 04" in second and "Proposal number 24" not in second
    oldest = client.get(base, query_string={"sort": "oldest"}).get_data(as_text=True)
    assert oldest.index("Proposal number 00") < oldest.index("Proposal number 01")
    assert client.get(base, query_string={"page": 99}).status_code == 200


def test_list_queries_do_not_grow_with_the_number_of_proposals(app, make, db, seoul, count_queries):
    city, plan, process = seoul
    from app.models import SdgTarget

    targets = [db.session.get(SdgTarget, code) for code in ("11.2", "3.6", "7.2")]

    def add(n):
        for i in range(n):
            author = make.member(city)
            p = make.proposal(process, author, title=f"Idea number {i} with a title", district_id=city.districts[0].id)
            p.sdg_targets = targets
        db.session.commit()

    def queries_for_list() -> int:
        client = app.test_client()
        with count_queries() as counter:
            assert client.get(f"/c/seoul/processes/{process.id}/proposals").status_code == 200
        return counter.count

    add(2)
    few = queries_for_list()
    add(18)
    many = queries_for_list()
    assert many == few, (few, many)


def test_unknown_and_foreign_ids_are_404(client, make, seoul):
    city, plan, process = seoul
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    busan_process = make.process(busan)
    busan_proposal = make.proposal(busan_process, make.member(busan))
    assert client.get("/c/seoul/proposals/999999").status_code == 404
    assert client.get(f"/c/seoul/proposals/{busan_proposal.id}").status_code == 404
    assert client.get(f"/c/seoul/processes/{busan_process.id}").status_code == 404
    assert client.get(f"/c/seoul/processes/{busan_process.id}/proposals").status_code == 404
    assert client.get("/c/nowhere/").status_code == 404


def test_xss_in_every_field_is_inert(client, make, db, seoul):
    city, plan, process = seoul
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    author = make.member(city, name=payload)
    login(client, author)
    response = client.post(f"/c/seoul/processes/{process.id}/proposals/new",
                           data=_form(title=f"Title {payload}", body=f"Body {payload} [x](javascript:alert(1))"))
    assert response.status_code == 302
    for url in (response.headers["Location"], f"/c/seoul/processes/{process.id}/proposals"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page and 'href="javascript' not in page
        assert "&lt;script&gt;" in page


def test_long_lists_count_up_to_a_cap(app, make, db, seoul):
    from app.pagination import paginate
    from app.proposals.services import ProposalFilters, proposals_query

    city, plan, process = seoul
    author = make.member(city)
    for n in range(7):
        make.proposal(process, author, title=f"Idea {n} for the city")
    query = proposals_query(process, ProposalFilters())
    with app.test_request_context():
        capped = paginate(query, 1, 2, count_cap=5)
        assert capped.total_is_capped and capped.pages is None and capped.has_next and len(capped.items) == 2
        exact = paginate(query, 4, 2, count_cap=10)
        assert not exact.total_is_capped and exact.total == 7 and exact.pages == 4
        assert not exact.has_next and exact.has_prev and len(exact.items) == 1


def test_detail_page_queries_do_not_grow_with_links(app, make, db, seoul, count_queries):
    from app.models import SdgTarget

    city, plan, process = seoul
    author = make.member(city)
    few = make.proposal(process, author, title="One target only here")
    few.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    few.plan_items = plan.items[:1]
    many = make.proposal(process, author, title="Many targets and items")
    many.sdg_targets = [db.session.get(SdgTarget, code) for code in ("1.1", "3.6", "7.2", "11.2", "13.2")]
    many.plan_items = list(plan.items)
    db.session.commit()
    counts = []
    for proposal in (few, many):
        client = app.test_client()
        with count_queries() as counter:
            assert client.get(f"/c/seoul/proposals/{proposal.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("cost,message", [("1000000000000", "999,999,999,999"), ("999999999999.999", "999,999,999,999"),
                                          ("sNaN", "in numbers"), ("Infinity", "in numbers")])
def test_costs_beyond_the_column_are_refused_on_the_form(client, make, db, seoul, cost, message):
    city, plan, process = seoul
    login(client, make.member(city))
    response = client.post(f"/c/seoul/processes/{process.id}/proposals/new", data=_form(cost=cost))
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_length_is_measured_after_unicode_normalisation(client, make, db, seoul):
    """U+0958 becomes two code points under NFC: 150 of them are 300 characters, too long for the title."""
    city, plan, process = seoul
    login(client, make.member(city))
    response = client.post(f"/c/seoul/processes/{process.id}/proposals/new", data=_form(title="\u0958" * 150))
    assert response.status_code == 200 and "150" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_page_links_ignore_odd_query_arguments(client, make, seoul):
    city, plan, process = seoul
    author = make.member(city)
    for n in range(25):
        make.proposal(process, author, title=f"Proposal number {n:02d}")
    base = f"/c/seoul/processes/{process.id}/proposals"
    for extra in ({"process_id": 9}, {"_method": "POST"}, {"city_slug": "busan"}, {"_anchor": "x", "_external": "1"}):
        response = client.get(base, query_string={"page": 1, **extra})
        assert response.status_code == 200, extra
        page = response.get_data(as_text=True)
        assert "/c/busan/" not in page and "http://localhost" not in page and "#x" not in page


def test_a_page_past_the_end_shows_the_last_page(client, make, seoul):
    city, plan, process = seoul
    author = make.member(city)
    for n in range(25):
        make.proposal(process, author, title=f"Proposal number {n:02d}")
    page = client.get(f"/c/seoul/processes/{process.id}/proposals", query_string={"page": 50}).get_data(as_text=True)
    assert "Page 2 of 2" in page and "Proposal number 00" in page


def test_proposals_cannot_be_edited_once_proposing_closes(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-1, 1, ("propose",)), (1, 5, ("support",))))
    author = make.member(city)
    proposal = make.proposal(process, author)
    process.phases[0].ends_at = utcnow() - timedelta(minutes=1)
    process.phases[1].starts_at = process.phases[0].ends_at
    db.session.commit()
    login(client, author)
    response = client.get(f"/c/seoul/proposals/{proposal.id}/edit")
    assert response.status_code == 403 and "only while proposing is open" in response.get_data(as_text=True)
