"""Results through the web: who may manage them, results from accepted proposals and from certified budget
winners (once), parents whose progress comes from their parts, cycles refused, dated progress updates, bad
input kept in the form, and the public progress page by SDG goal (exact figures, bounded queries)."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    AuditEvent,
    Budget,
    BudgetOutcome,
    Indicator,
    Membership,
    Phase,
    Proposal,
    ProposalState,
    Result,
    ResultStatus,
    ResultUpdate,
    Role,
    SdgTarget,
)
from tests.conftest import login


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


class World:
    pass


@pytest.fixture
def w(make):
    w = World()
    w.city = make.city()
    w.other = make.city(slug="busan", name_en="Busan", name_ko="부산")
    w.planner = make.member(w.city, Role.PLANNER)
    w.admin = make.member(w.city, Role.ADMIN)
    w.facilitator = make.member(w.city, Role.FACILITATOR)
    w.citizen = make.member(w.city)
    w.other_planner = make.member(w.other, Role.PLANNER)
    w.plan = make.plan(w.city, items=("cycling-network", "school-routes"))
    w.item = w.plan.items[0]
    w.indicator = Indicator(plan_item_id=w.item.id, name_en="Protected bike lanes", unit="km")
    _db.session.add(w.indicator)
    w.process = make.process(w.city, plan=w.plan)
    w.proposal = make.proposal(w.process, w.citizen, state=ProposalState.ACCEPTED)
    w.proposal.plan_items = [w.item]
    w.proposal.sdg_targets = [_db.session.get(SdgTarget, "3.6")]
    _db.session.commit()
    return w


def _as(client, user):
    each = client.application.test_client()
    login(each, user)
    return each


def _result(w, title="Bike lanes on Worldcup-ro", **fields) -> Result:
    result = Result(city_id=w.city.id, title_en=title, **fields)
    _db.session.add(result)
    _db.session.commit()
    return result


def _form(**changes) -> dict:
    data = {"title_ko": "월드컵로 자전거 도로", "title_en": "Bike lanes on Worldcup-ro", "description_ko": "",
            "description_en": "Kerb-separated lanes.", "starts_on": "2027-03-01", "ends_on": "2027-10-31",
            "parent": "0"}
    data.update(changes)
    return data


def _update(**changes) -> dict:
    data = {"on": date.today().isoformat(), "status": "in_progress", "progress": "40",
            "text_ko": "", "text_en": "Works started on the first kilometre."}
    data.update(changes)
    return data


# Who may manage results -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("planner", 200), ("admin", 200), ("facilitator", 403), ("citizen", 403),
                                         ("other_planner", 403)])
def test_only_planners_and_admins_of_the_city_manage_results(client, w, who, status):
    result = _result(w)
    each = _as(client, getattr(w, who))
    assert each.get("/c/seoul/manage/results/new").status_code == status
    assert each.get(f"/c/seoul/manage/results/{result.id}/edit").status_code == status
    assert each.get(f"/c/seoul/manage/results/{result.id}/update").status_code == status
    posted = each.post("/c/seoul/manage/results/new", data=_form())
    assert posted.status_code == (302 if status == 200 else 403)
    sent = each.post(f"/c/seoul/manage/results/{result.id}/update", data=_update())
    assert sent.status_code == (302 if status == 200 else 403)
    if status == 403:
        assert "Only planners and administrators" in posted.get_data(as_text=True)
        assert _count(Result) == 1 and _count(ResultUpdate) == 0


def test_anonymous_visitors_are_sent_to_log_in_and_see_the_public_pages(client, w):
    result = _result(w)
    assert client.get("/c/seoul/manage/results/new").status_code == 302
    assert client.post(f"/c/seoul/proposals/{w.proposal.id}/result").status_code == 302
    for path in ("/c/seoul/results", f"/c/seoul/results/{result.id}", "/c/seoul/progress", "/c/seoul/progress/11"):
        assert client.get(path).status_code == 200, path
    assert client.get("/c/seoul/progress/18").status_code == 404


def test_a_result_of_another_city_is_not_found_here(client, w):
    theirs = Result(city_id=w.other.id, title_en="Busan harbour walk")
    _db.session.add(theirs)
    _db.session.commit()
    assert client.get(f"/c/seoul/results/{theirs.id}").status_code == 404
    assert client.get(f"/c/busan/results/{theirs.id}").status_code == 200
    assert _as(client, w.planner).get(f"/c/seoul/manage/results/{theirs.id}/edit").status_code == 404


# Creating and editing -------------------------------------------------------------------------------------

def test_a_planner_creates_a_result_with_links_and_it_is_audited(client, w):
    planner = _as(client, w.planner)
    response = planner.post("/c/seoul/manage/results/new", data=_form(
        proposals=[str(w.proposal.id)], plan_items=[str(w.item.id)], indicators=[str(w.indicator.id)],
        sdg_targets=["11.2", "13.2"]))
    assert response.status_code == 302
    result = _db.session.scalar(select(Result))
    assert result.title_en == "Bike lanes on Worldcup-ro" and result.starts_on == date(2027, 3, 1)
    assert [p.id for p in result.proposals] == [w.proposal.id]
    assert [i.id for i in result.plan_items] == [w.item.id]
    assert [i.id for i in result.indicators] == [w.indicator.id]
    assert [t.code for t in result.sdg_targets] == ["11.2", "13.2"]
    assert result.status == ResultStatus.PLANNED and result.progress == 0
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "result.create"))
    assert event.target_type == "result" and event.target_id == result.id and event.actor_id == w.planner.id
    page = client.get(f"/c/seoul/results/{result.id}").get_data(as_text=True)
    for text in ("Bike lanes on Worldcup-ro", w.proposal.title, "Cycling Network", "Protected bike lanes", "13.2",
                 "Kerb-separated lanes."):
        assert text in page, text

    edit = planner.post(f"/c/seoul/manage/results/{result.id}/edit", data=_form(title_en="Worldcup-ro lanes",
                                                                                 sdg_targets=["11.2"]))
    assert edit.status_code == 302
    _db.session.refresh(result)
    assert result.title_en == "Worldcup-ro lanes" and result.proposals == [] and len(result.sdg_targets) == 1
    changes = _db.session.scalar(select(AuditEvent.changes).where(AuditEvent.action == "result.edit"))
    assert changes["title_en"] == ["Bike lanes on Worldcup-ro", "Worldcup-ro lanes"]
    assert changes["sdg_targets"] == [["11.2", "13.2"], ["11.2"]]


def test_links_to_another_citys_rows_are_not_valid_choices(client, w, make):
    plan = make.plan(w.other, items=("harbour",))
    process = make.process(w.other, title="Busan budget")
    theirs = make.proposal(process, w.other_planner)
    response = _as(client, w.planner).post("/c/seoul/manage/results/new", data=_form(
        proposals=[str(theirs.id)], plan_items=[str(plan.items[0].id)]))
    assert response.status_code == 422
    assert _count(Result) == 0


@pytest.mark.parametrize("changes, message", [
    ({"title_ko": "", "title_en": ""}, "Write it in Korean, in English, or both."),
    ({"starts_on": "2027-05-01", "ends_on": "2027-04-30"}, "The end date must not be before the start date."),
    ({"starts_on": "2027-02-30"}, "Not a valid date value."),
    ({"ends_on": "3027-01-01"}, "Enter a date between the years 1900 and 2100."),
    ({"parent": "999999"}, "Not a valid choice."),
    ({"sdg_targets": ["99.9"]}, "is not a valid choice"),
])
def test_bad_result_input_is_refused_and_the_form_kept(client, w, changes, message):
    response = _as(client, w.planner).post("/c/seoul/manage/results/new", data=_form(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page.replace("&#39;", "'")
    assert "Please correct the marked fields." in page
    assert "Kerb-separated lanes." in page  # what was typed is shown again
    assert _count(Result) == 0


# From citizens' input -------------------------------------------------------------------------------------

def test_an_accepted_proposal_becomes_a_result_once(client, w):
    planner = _as(client, w.planner)
    assert "Track it as a result" in planner.get(f"/c/seoul/proposals/{w.proposal.id}").get_data(as_text=True)
    assert "Track it as a result" not in _as(client, w.citizen).get(
        f"/c/seoul/proposals/{w.proposal.id}").get_data(as_text=True)
    first = planner.post(f"/c/seoul/proposals/{w.proposal.id}/result")
    result = _db.session.scalar(select(Result))
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/manage/results/{result.id}/edit")
    assert result.title_en == w.proposal.title and result.process_id == w.process.id
    assert [p.id for p in result.proposals] == [w.proposal.id] and [i.id for i in result.plan_items] == [w.item.id]
    again = planner.post(f"/c/seoul/proposals/{w.proposal.id}/result")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/results/{result.id}")
    assert _count(Result) == 1 and _count(AuditEvent, AuditEvent.action == "result.create") == 1


def test_a_korean_proposal_gives_a_korean_title(client, w, make):
    proposal = make.proposal(w.process, w.citizen, title="망원동 자전거 보호 차선",
                             body="월드컵로에 연석으로 분리된 자전거 보호 차선을 만들어 주세요.",
                             state=ProposalState.IMPLEMENTED)
    assert _as(client, w.planner).post(f"/c/seoul/proposals/{proposal.id}/result").status_code == 302
    result = _db.session.scalar(select(Result))
    assert result.title_ko == "망원동 자전거 보호 차선" and result.title_en == ""


@pytest.mark.parametrize("state", [ProposalState.PUBLISHED, ProposalState.EVALUATING, ProposalState.REJECTED])
def test_only_accepted_or_implemented_proposals_become_results(client, w, state):
    w.proposal.state = state
    _db.session.commit()
    planner = _as(client, w.planner)
    assert "Track it as a result" not in planner.get(f"/c/seoul/proposals/{w.proposal.id}").get_data(as_text=True)
    response = planner.post(f"/c/seoul/proposals/{w.proposal.id}/result")
    assert response.status_code == 403 and "accepted or implemented" in response.get_data(as_text=True)
    assert _count(Result) == 0


def test_citizens_cannot_make_results_from_proposals(client, w):
    assert _as(client, w.citizen).post(f"/c/seoul/proposals/{w.proposal.id}/result").status_code == 403
    assert _count(Result) == 0


@pytest.fixture
def budget(make, w):
    """A certified budget of 100,000 over three projects: two win."""
    from app.voting import budget_services

    process = make.process(w.city, phases=((-1, 5, ("budget_vote",)),), title="Neighbourhood budget")
    _db.session.add(Budget(process_id=process.id, amount=Decimal(100000), currency="KRW", ballot_style="knapsack",
                           rule="greedy"))
    now = datetime.now(timezone.utc)
    projects = [make.proposal(process, w.citizen, title=title, cost=Decimal(cost), feasible=True,
                              feasibility_reviewed_at=now)
                for title, cost in (("Bigger park", 60000), ("Bike racks", 30000), ("Moon base", 90000))]
    projects[1].sdg_targets = [_db.session.get(SdgTarget, "11.7")]
    _db.session.commit()
    for chosen in ((0, 1), (0,), (1,), (2,)):
        voter = make.member(w.city)
        membership = _db.session.scalar(select(Membership).where(Membership.user_id == voter.id))
        budget_services.cast_ballot(membership, process, {projects[i].id: 1 for i in chosen})
    for phase in _db.session.scalars(select(Phase).where(Phase.process_id == process.id)):
        phase.starts_at, phase.ends_at = now - timedelta(days=10), now - timedelta(minutes=1)
    _db.session.flush()
    _db.session.refresh(process)
    budget_services.certify(w.facilitator, process)
    _db.session.commit()
    outcome = _db.session.get(BudgetOutcome, process.id)
    assert sorted(outcome.winner_ids) == sorted([projects[0].id, projects[1].id])
    return process, projects


def test_certified_winners_become_results_in_one_click_once(client, w, budget):
    process, projects = budget
    planner = _as(client, w.planner)
    page = planner.get(f"/c/seoul/processes/{process.id}/budget/results").get_data(as_text=True)
    assert "Create results from the winners" in page
    assert "Create results from the winners" not in _as(client, w.facilitator).get(
        f"/c/seoul/processes/{process.id}/budget/results").get_data(as_text=True)
    # The bike racks already have a result of their own: they are skipped.
    existing = _result(w, title="Racks", process_id=process.id)
    existing.proposals = [projects[1]]
    _db.session.commit()
    url = f"/c/seoul/processes/{process.id}/budget/results/create"
    assert planner.post(url).status_code == 302
    results = list(_db.session.scalars(select(Result).order_by(Result.id)))
    assert [r.title_en for r in results] == ["Racks", "Bigger park"]
    assert results[1].process_id == process.id and [p.id for p in results[1].proposals] == [projects[0].id]
    assert planner.post(url).status_code == 302
    assert _count(Result) == 2
    assert _as(client, w.citizen).post(url).status_code == 403


def test_winners_of_an_uncertified_budget_are_refused(client, w):
    response = _as(client, w.planner).post(f"/c/seoul/processes/{w.process.id}/budget/results/create")
    assert response.status_code == 403 and "certified" in response.get_data(as_text=True)


# Progress -------------------------------------------------------------------------------------------------

def test_an_update_sets_status_and_progress_and_joins_the_timeline(client, w):
    result = _result(w)
    planner = _as(client, w.planner)
    assert planner.post(f"/c/seoul/manage/results/{result.id}/update", data=_update()).status_code == 302
    _db.session.refresh(result)
    assert result.status == "in_progress" and result.progress == 40
    earlier = (date.today() - timedelta(days=30)).isoformat()
    assert planner.post(f"/c/seoul/manage/results/{result.id}/update", data=_update(
        on=earlier, status="planned", progress="5", text_en="Design approved.")).status_code == 302
    _db.session.refresh(result)
    assert result.status == "in_progress" and result.progress == 40  # an older update fills in the history
    assert planner.post(f"/c/seoul/manage/results/{result.id}/update", data=_update(
        status="completed", progress="", text_ko="개통했습니다.", text_en="")).status_code == 302
    _db.session.refresh(result)
    assert result.status == "completed" and result.progress == 40  # empty progress keeps it
    updates = list(_db.session.scalars(select(ResultUpdate).order_by(ResultUpdate.at)))
    assert [u.text_en or u.text_ko for u in updates] == ["Design approved.", "Works started on the first kilometre.",
                                                         "개통했습니다."]
    assert _count(AuditEvent, AuditEvent.action == "result.progress") == 3
    page = client.get(f"/c/seoul/results/{result.id}").get_data(as_text=True)
    assert 'value="40.00"' in page and "Design approved." in page and page.index("Works started") < page.index(
        "Design approved.")


@pytest.mark.parametrize("changes, message", [
    ({"progress": "150"}, "Enter a percentage between 0 and 100."),
    ({"progress": "-1"}, "Enter a percentage between 0 and 100."),
    ({"progress": "NaN"}, "Enter an amount in numbers."),
    ({"progress": "Infinity"}, "Enter an amount in numbers."),
    ({"progress": "forty"}, "Not a valid decimal value."),
    ({"progress": "33.333"}, "Use at most two decimal places."),
    ({"on": ""}, "Enter the date of this update."),
    ({"on": (date.today() + timedelta(days=3)).isoformat()}, "choose today or an earlier date"),
    ({"status": "finished"}, "Not a valid choice."),
    ({"text_en": "", "text_ko": ""}, "Write it in Korean, in English, or both."),
])
def test_bad_updates_are_refused_and_the_form_kept(client, w, changes, message):
    result = _result(w)
    data = _update(**changes)
    response = _as(client, w.planner).post(f"/c/seoul/manage/results/{result.id}/update", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    if data["text_en"]:
        assert data["text_en"] in page
    assert _count(ResultUpdate) == 0
    _db.session.refresh(result)
    assert result.status == "planned" and result.progress == 0


def test_a_parents_progress_is_its_parts_average_and_cannot_be_set(client, w):
    parent = _result(w, title="Safer school routes", progress=Decimal(90))
    a = _result(w, title="Crossing A", parent_id=parent.id, progress=Decimal(20))
    b = _result(w, title="Crossing B", parent_id=parent.id, progress=Decimal("65.5"))
    _result(w, title="Crossing C", parent_id=parent.id, progress=Decimal(100), status="cancelled")
    page = client.get(f"/c/seoul/results/{parent.id}").get_data(as_text=True)
    assert "Progress: 42.8%" in page and 'value="42.75"' in page and "the average of its parts" in page
    assert "Crossing A" in page and "Crossing C" in page
    planner = _as(client, w.planner)
    refused = planner.post(f"/c/seoul/manage/results/{parent.id}/update", data=_update(progress="10"))
    assert refused.status_code == 422
    assert "progress comes from its parts" in refused.get_data(as_text=True)
    assert _count(ResultUpdate) == 0
    ok = planner.post(f"/c/seoul/manage/results/{parent.id}/update", data=_update(progress=""))
    assert ok.status_code == 302
    _db.session.refresh(parent)
    assert parent.status == "in_progress" and parent.progress == 90  # stored value untouched; shown derived
    assert planner.post(f"/c/seoul/manage/results/{b.id}/update", data=_update(progress="80")).status_code == 302
    assert "Progress: 50%" in client.get(f"/c/seoul/results/{parent.id}").get_data(as_text=True)
    assert a.id  # the parts stay as they were


def test_a_parent_whose_parts_are_all_cancelled_has_nothing_to_report(client, w):
    parent = _result(w, title="Safer school routes", progress=Decimal(30))
    _result(w, title="Crossing A", parent_id=parent.id, status="cancelled", progress=Decimal(50))
    page = client.get(f"/c/seoul/results/{parent.id}").get_data(as_text=True)
    assert "No progress to report" in page and "<progress" not in page.split("h-timeline")[0].split("<dt>")[2]


def test_cycles_are_refused_with_a_clear_error(client, w):
    top = _result(w, title="Top")
    middle = _result(w, title="Middle", parent_id=top.id)
    bottom = _result(w, title="Bottom", parent_id=middle.id)
    planner = _as(client, w.planner)
    for parent in (bottom, middle):
        response = planner.post(f"/c/seoul/manage/results/{top.id}/edit", data=_form(parent=str(parent.id)))
        assert response.status_code == 422
        assert "that one is already part of this result" in response.get_data(as_text=True)
    own = planner.post(f"/c/seoul/manage/results/{top.id}/edit", data=_form(parent=str(top.id)))
    assert own.status_code == 422 and "Not a valid choice" in own.get_data(as_text=True)
    _db.session.refresh(top)
    assert top.parent_id is None and top.title_en == "Top"
    moved = planner.post(f"/c/seoul/manage/results/{bottom.id}/edit", data=_form(parent=str(top.id)))
    assert moved.status_code == 302
    _db.session.refresh(bottom)
    assert bottom.parent_id == top.id


# The public pages ----------------------------------------------------------------------------------------

@pytest.fixture
def figures(w, make):
    """A hand-made set. Goal 11 by a result's own target, goal 3 through the accepted proposal's target 3.6,
    goal 11 again through the plan item (target 11.2), goal 13 by target 13.2.

    r1 own 11.2 + 13.2, 40%, in progress · r2 plan item (11.2), 70%, completed · r3 proposal (3.6) and own 11.6,
    cancelled, 90% · r4 parent with own 3.4 and parts r5 (10%) and r6 (30%): 20% derived (stored 99)."""
    targets = {code: _db.session.get(SdgTarget, code) for code in ("11.2", "13.2", "11.6", "3.4")}
    r1 = _result(w, title="r1", status="in_progress", progress=Decimal(40))
    r1.sdg_targets = [targets["11.2"], targets["13.2"]]
    r2 = _result(w, title="r2", status="completed", progress=Decimal(70))
    r2.plan_items = [w.item]
    r3 = _result(w, title="r3", status="cancelled", progress=Decimal(90))
    r3.proposals = [w.proposal]
    r3.sdg_targets = [targets["11.6"]]
    r4 = _result(w, title="r4", status="in_progress", progress=Decimal(99))
    r4.sdg_targets = [targets["3.4"]]
    _db.session.commit()
    _result(w, title="r5", parent_id=r4.id, progress=Decimal(10))
    _result(w, title="r6", parent_id=r4.id, progress=Decimal(30))
    return r1, r2, r3, r4


def _table(page: str) -> dict[int, list[str]]:
    rows = {}
    for goal, body in re.findall(r'<tr data-goal="(\d+)">(.*?)</tr>', page, re.S):
        rows[int(goal)] = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r'<td class="num">(.*?)</td>', body, re.S)]
    return rows


def test_the_progress_page_counts_and_averages_by_goal_exactly(client, w, figures):
    page = client.get("/c/seoul/progress").get_data(as_text=True)
    table = _table(page)
    assert len(table) == 17
    # results, completed, cancelled, average
    assert table[11] == ["3", "1", "1", "55%"]  # r1 40, r2 70; r3 cancelled is counted, not averaged
    assert table[13] == ["1", "0", "0", "40%"]
    assert table[3] == ["2", "0", "1", "20%"]  # r3 (cancelled) through its proposal, r4 derived 20
    assert table[1] == ["0", "0", "0", "—"]
    # six results; average over the non-cancelled: (40 + 70 + 20 + 10 + 30) / 5 = 34
    assert re.search(r"<dt>Average progress</dt><dd>34%</dd>", page)
    colours = ["#E5243B", "#DDA63A", "#4C9F38", "#C5192D", "#FF3A21", "#26BDE2", "#FCC30B", "#A21942", "#FD6925",
               "#DD1367", "#FD9D24", "#BF8B2E", "#3F7E44", "#0A97D9", "#56C02B", "#00689D", "#19486A"]
    wheel = page[page.index("<svg"):page.index("</svg>")]
    for number, colour in enumerate(colours, start=1):
        assert f'href="/c/seoul/progress/{number}"' in wheel
        assert f'fill="{colour}"' in wheel.replace(colour.lower(), colour)
    assert wheel.count("<title>") == 17 and wheel.count("<a ") == 17
    assert "Goal 11, Sustainable cities and communities: 3 results, average progress 55%" in wheel or \
        "Goal 11," in wheel and "3 results, average progress 55%" in wheel


def test_a_goal_page_lists_its_results_with_their_timelines(client, w, figures):
    r1 = figures[0]
    client_planner = _as(client, w.planner)
    client_planner.post(f"/c/seoul/manage/results/{r1.id}/update", data=_update(progress="45",
                                                                                text_en="Half-way at Mapo."))
    page = client.get("/c/seoul/progress/11").get_data(as_text=True)
    assert all(f">r{n}</a>" in page for n in (1, 2, 3)) and ">r4</a>" not in page
    assert "Half-way at Mapo." in page
    assert "<h1>" in page and page.count("<h1") == 1


def test_the_list_filters_by_status_and_goal(client, w, figures):
    def titles(query):
        return re.findall(r'/results/\d+">(r\d)</a>', client.get("/c/seoul/results" + query).get_data(as_text=True))

    assert sorted(titles("")) == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert sorted(titles("?status=in_progress")) == ["r1", "r4"]
    assert sorted(titles("?goal=11")) == ["r1", "r2", "r3"]
    assert sorted(titles("?goal=11&status=completed")) == ["r2"]
    assert sorted(titles("?goal=99&status=nonsense")) == ["r1", "r2", "r3", "r4", "r5", "r6"]


def test_the_public_pages_run_a_bounded_number_of_queries(client, w, count_queries, make):
    def queries(path):
        client.get(path)  # warm up: the first request loads what every page loads once
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    def add(n):
        for i in range(n):
            result = _result(w, title=f"extra {i}", progress=Decimal(i))
            result.sdg_targets = [_db.session.get(SdgTarget, "11.2")]
            result.plan_items = [w.item]
            result.proposals = [w.proposal]
            child = _result(w, title=f"part {i}", parent_id=result.id)
            _db.session.add(ResultUpdate(result_id=child.id, status="planned", text_en="x"))
        _db.session.commit()

    add(2)
    few = {path: queries(path) for path in ("/c/seoul/progress", "/c/seoul/progress/11", "/c/seoul/results",
                                            "/c/seoul/results?goal=11")}
    add(12)
    many = {path: queries(path) for path in few}
    assert many == few
    assert few["/c/seoul/progress"] <= 8
