"""The opinion map page and its cache: computed on the first view and kept, recomputed when votes change (or a
statement is rejected), shown as it was for processes too large to compute during a request; the viewer's own
group, a page for tiny and empty processes, and a bounded number of queries."""
from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.models import (
    Membership,
    OpinionMap,
    Participant,
    Role,
    Statement,
    StatementState,
    utcnow,
)
from app.vision import opinion
from app.vision import statements as statement_services
from app.voting.services import participant_for
from tests.conftest import all_at_once, login, postgres_only

STATEMENTS = 10


def _participant(db, user) -> Participant:
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    return participant_for(membership)


def _vote(db, voter, statement, value) -> None:
    statement_services.vote(voter, statement, value)
    db.session.commit()


def _statements(db, process, n=STATEMENTS) -> list[Statement]:
    rows = [Statement(process_id=process.id, body=f"Statement number {i + 1} about the river park.", seeded=True,
                      state=StatementState.PUBLISHED) for i in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


@pytest.fixture
def town(make, db):
    """Two camps of eight members each: the first agrees with the first half of the statements and disagrees
    with the rest, the second the opposite (each member passes on one statement). Min-ji belongs to the first camp; Jae-won is a facilitator who
    has not voted."""
    city = make.city()
    process = make.process(city, title="River park", phases=((-2, 5, ("statement_vote",)),))
    statements = _statements(db, process)
    minji = make.member(city, name="김민지")
    camps = ([minji] + [make.member(city) for _ in range(7)], [make.member(city) for _ in range(8)])
    for sign, camp in ((1, camps[0]), (-1, camps[1])):
        for j, person in enumerate(camp):
            voter = _participant(db, person)
            for i, statement in enumerate(statements):
                # Each passes on one statement of their own, so that no two members vote exactly alike.
                value = 0 if i == j else sign if i < STATEMENTS // 2 else -sign
                statement_services.vote(voter, statement, value)
    db.session.commit()
    return SimpleNamespace(city=city, process=process, statements=statements, minji=minji, camps=camps,
                           facilitator=make.member(city, Role.FACILITATOR, name="Jae-won"),
                           path=f"/c/seoul/processes/{process.id}/opinion-map")


@pytest.fixture
def analyses(monkeypatch):
    """Counts the calls of the analysis (each one is a recomputation)."""
    import app.methods.opinion as methods

    calls = []
    real = methods.analyse

    def counted(*args, **kwargs):
        calls.append(args[3:5])
        return real(*args, **kwargs)

    monkeypatch.setattr(methods, "analyse", counted)
    return calls


def _stored(db, process) -> OpinionMap | None:
    db.session.commit()  # a fresh snapshot of what the requests committed
    return db.session.scalar(select(OpinionMap).where(OpinionMap.process_id == process.id)
                             .execution_options(populate_existing=True))


def _text(response) -> str:
    html = response.get_data(as_text=True)
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_the_map_is_computed_on_the_first_view_and_kept(client, db, town, analyses):
    assert _stored(db, town.process) is None
    response = client.get(town.path)
    assert response.status_code == 200
    first = _stored(db, town.process)
    assert first is not None and len(analyses) == 1
    assert first.vote_count == 16 * STATEMENTS and first.statement_count == STATEMENTS
    assert first.participants_clustered == 16
    computed_at = first.computed_at

    assert client.get(town.path).status_code == 200
    assert _stored(db, town.process).computed_at == computed_at
    assert len(analyses) == 1, "the second view reads the stored map"


def test_a_new_vote_or_a_changed_vote_makes_the_map_stale(client, db, make, town, analyses):
    client.get(town.path)
    computed_at = _stored(db, town.process).computed_at
    newcomer = make.member(town.city)
    _vote(db, newcomer, town.statements[0], 1)
    assert client.get(town.path).status_code == 200
    again = _stored(db, town.process)
    assert again.computed_at > computed_at and again.vote_count == 16 * STATEMENTS + 1
    assert len(analyses) == 2

    # Changing a vote keeps the count but moves the newest change: recomputed too.
    _vote(db, newcomer, town.statements[0], -1)
    client.get(town.path)
    assert len(analyses) == 3 and _stored(db, town.process).vote_count == 16 * STATEMENTS + 1
    client.get(town.path)
    assert len(analyses) == 3


def test_rejected_statements_and_their_votes_do_not_count(client, db, town, analyses):
    client.get(town.path)
    rejected = town.statements[0]
    rejected.state, rejected.moderated_at = StatementState.REJECTED, utcnow()
    db.session.commit()
    response = client.get(town.path)
    stored = _stored(db, town.process)
    assert len(analyses) == 2
    assert stored.vote_count == 16 * (STATEMENTS - 1) and stored.statement_count == STATEMENTS - 1
    assert str(rejected.id) not in stored.data["statements"]
    assert all(item["statement_id"] != rejected.id for item in stored.data["consensus"] + stored.data["divisive"])
    assert rejected.body not in response.get_data(as_text=True)
    assert "on 9 statements" in _text(response)


def test_publishing_a_statement_without_votes_is_noticed(client, db, town, analyses):
    client.get(town.path)
    _statements(db, town.process, 1)
    client.get(town.path)
    assert len(analyses) == 2 and _stored(db, town.process).statement_count == STATEMENTS + 1


def test_the_page_shows_the_viewers_own_group(client, db, town):
    login(client, town.minji)
    response = client.get(town.path)
    text = _text(response)
    stored = _stored(db, town.process)
    mine = stored.data["labels"][stored.data["participants"].index(_participant(db, town.minji).id)]
    assert mine >= 0
    assert f"You are in group {'AB'[mine]}." in text
    html = response.get_data(as_text=True)
    assert '<g class="you">' in html and "You (ringed and labelled)" in text
    # Her group's heading says it is hers; the other does not.
    assert re.search(rf"Group {'AB'[mine]} 8 participants · your group", text)
    assert text.count("your group") == 1


def test_the_summary_counts_groups_and_participants(client, db, make, town):
    shy = make.member(town.city)
    _vote(db, shy, town.statements[0], 0)  # one vote: on the map, in no group
    text = _text(client.get(town.path))
    assert "2 opinion groups among 16 participants who voted on at least 7 statements." in text
    assert "17 participants have voted on 10 statements." in text
    assert "Group A: 8 participants" in text and "Group B: 8 participants" in text
    assert "Not in a group (fewer than 7 votes): 1 participant" in text
    assert "Log in to see where you are on the map." in text

    login(client, shy)
    text = _text(client.get(town.path))
    assert "You are not in a group yet: you have voted on 1 statement" in text

    client.post("/auth/logout")
    login(client, town.facilitator)
    assert "You have not voted on any statement yet." in _text(client.get(town.path))


def test_statements_link_to_their_pages_and_the_table_has_every_group(client, db, town):
    html = client.get(town.path).get_data(as_text=True)
    stored = _stored(db, town.process)
    named = {item["statement_id"] for item in stored.data["consensus"] + stored.data["divisive"]}
    named |= {r["statement_id"] for g in stored.data["groups"] for r in g["representative"]}
    assert named
    for statement_id in named:
        assert f'href="/c/seoul/statements/{statement_id}"' in html
    table = html[html.index('<table class="map-table">'):html.index("</table>")]
    assert table.count('<th scope="col">') == 2 + 2  # statement, everyone, group A, group B
    assert table.count('<th scope="row">') == len(named)
    assert '<svg role="img" aria-labelledby="map-title map-desc"' in html
    assert "<figcaption>" in html


def test_an_empty_process_has_nothing_to_map(client, db, make):
    city = make.city()
    process = make.process(city, phases=((-2, 5, ("statement_vote",)),))
    _statements(db, process, 3)
    response = client.get(f"/c/seoul/processes/{process.id}/opinion-map")
    assert response.status_code == 200
    assert "There is nothing to map yet" in _text(response)
    assert _stored(db, process) is None


@pytest.mark.parametrize("people", [1, 2, 3])
def test_a_few_participants_get_a_page_not_an_error(client, db, make, people):
    city = make.city()
    process = make.process(city, phases=((-2, 5, ("statement_vote",)),))
    statements = _statements(db, process, 3)
    voters = [make.member(city) for _ in range(people)]
    for n, voter in enumerate(voters):
        for i, statement in enumerate(statements[: n + 1]):
            _vote(db, voter, statement, (-1, 0, 1)[(n + i) % 3])
    login(client, voters[0])
    response = client.get(f"/c/seoul/processes/{process.id}/opinion-map")
    assert response.status_code == 200
    text = _text(response)
    word = "participant has" if people == 1 else "participants have"
    assert f"{people} {word} voted" in text
    assert _stored(db, process).vote_count == sum(range(1, people + 1))


def test_a_large_process_shows_the_stored_map_and_says_it_is_not_up_to_date(app, client, db, make, town, analyses,
                                                                          monkeypatch):
    client.get(town.path)
    computed_at = _stored(db, town.process).computed_at
    monkeypatch.setitem(app.config, "OPINION_INLINE_VOTES", 100)
    _vote(db, make.member(town.city), town.statements[0], 1)
    text = _text(client.get(town.path))
    assert len(analyses) == 1 and _stored(db, town.process).computed_at == computed_at
    assert "Votes have changed since" in text
    assert "opinion refresh" not in text  # the command is for staff
    login(client, town.facilitator)
    assert f"flask --app app opinion refresh {town.process.slug}" in _text(client.get(town.path))

    # The command line brings it up to date.
    result = app.test_cli_runner().invoke(args=["opinion", "refresh"])
    assert result.exit_code == 0 and town.process.slug in result.output
    assert "Votes have changed since" not in _text(client.get(town.path))
    assert len(analyses) == 2


def test_a_large_process_never_computed_says_so(app, client, db, town, analyses, monkeypatch):
    monkeypatch.setitem(app.config, "OPINION_INLINE_VOTES", 100)
    text = _text(client.get(town.path))
    assert "has not been computed yet" in text and not analyses


def test_a_large_map_draws_a_sample_that_keeps_the_viewer(app, client, db, town, monkeypatch):
    monkeypatch.setitem(app.config, "OPINION_MAX_DOTS", 5)
    login(client, town.camps[1][-1])
    response = client.get(town.path)
    text = _text(response)
    assert "The map draws 5 of the 16 participants, chosen at random (always including you)" in text
    html = response.get_data(as_text=True)
    paths = re.findall(r'<path class="group-\d" d="([^"]*)"', html)
    assert sum(p.count("M") for p in paths) == 5
    assert '<g class="you">' in html


def test_the_page_reads_a_bounded_number_of_queries(app, client, db, make, town, count_queries):
    def queries() -> int:
        client.get(town.path)  # computes and stores the map
        with count_queries() as counter:
            assert client.get(town.path).status_code == 200
        return counter.count

    login(client, town.minji)
    few = queries()
    assert few <= 16
    for person in [make.member(town.city) for _ in range(5)]:
        for statement in _statements(db, town.process, 2):
            _vote(db, person, statement, 1)
    assert queries() == few


def test_another_citys_process_is_not_found(client, db, make, town):
    make.city(slug="busan", name_en="Busan", name_ko="부산")
    assert client.get(f"/c/busan/processes/{town.process.id}/opinion-map").status_code == 404
    assert client.get("/c/seoul/processes/999999/opinion-map").status_code == 404


def test_two_first_views_at_once_store_one_map(app, db, town):
    postgres_only(db)
    clients = [app.test_client() for _ in range(4)]
    path = town.path
    results = all_at_once(clients, lambda _i, c: c.get(path).status_code)
    assert results == [200] * 4
    assert db.session.scalar(select(func.count()).select_from(OpinionMap)) == 1


def test_the_fingerprint_is_one_query_and_follows_the_votes(db, town, count_queries):
    with count_queries() as counter:
        count, newest = opinion.votes_fingerprint(town.process)
    assert counter.count == 1
    assert count == 16 * STATEMENTS
    assert utcnow() - timedelta(minutes=5) < newest <= utcnow()


def test_a_stale_map_never_shows_a_statement_rejected_since(app, client, db, make, town, monkeypatch):
    client.get(town.path)
    stored = _stored(db, town.process)
    named = {item["statement_id"] for item in stored.data["consensus"] + stored.data["divisive"]}
    rejected = next(s for s in town.statements if s.id in named)
    monkeypatch.setitem(app.config, "OPINION_INLINE_VOTES", 10)  # the map is not recomputed on a visit
    statement_services.moderate(town.facilitator, rejected, "reject", "Off topic.")
    db.session.commit()
    html = client.get(town.path).get_data(as_text=True)
    assert "Votes have changed since" in _text(client.get(town.path))
    assert rejected.body not in html
    assert "(a statement no longer shown)" in html


def test_approving_one_statement_and_rejecting_another_makes_the_map_stale(client, db, make, town, analyses):
    """The same number of votes and statements, the same newest vote: the moderation itself is the change."""
    waiting = Statement(process_id=town.process.id, body="Light the river path at night.", seeded=False,
                        state=StatementState.PENDING, created_at=utcnow())
    doomed = Statement(process_id=town.process.id, body="Pave the whole park.", seeded=True,
                       state=StatementState.PUBLISHED, created_at=utcnow())
    db.session.add_all([waiting, doomed])
    db.session.commit()
    _vote(db, make.member(town.city), waiting, 1)
    _vote(db, make.member(town.city), doomed, 1)
    _vote(db, make.member(town.city), town.statements[0], 1)  # the newest vote stays the newest
    client.get(town.path)
    assert str(doomed.id) in _stored(db, town.process).data["statements"]
    statement_services.moderate(town.facilitator, waiting, "approve")
    statement_services.moderate(town.facilitator, doomed, "reject", "Not about the park.")
    db.session.commit()
    client.get(town.path)
    data = _stored(db, town.process).data
    assert len(analyses) == 2
    assert str(doomed.id) not in data["statements"] and str(waiting.id) in data["statements"]
