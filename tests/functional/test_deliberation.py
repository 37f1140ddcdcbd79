"""Deliberation: comments with a stance on proposals and debates, threads with a depth per city, votes on
comments, sorts and pages, the edit window and deletion, double submits, rate limits and the queries a thread
page runs."""
from __future__ import annotations

import re
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from app import create_app
from app.deliberation import services
from app.extensions import db as _db
from app.models import AuditEvent, Comment, CommentVote, Debate, ProposalState, Role, utcnow
from tests.conftest import all_at_once, login, postgres_only, posting


@pytest.fixture
def seoul(make):
    city = make.city()
    process = make.process(city)
    author = make.member(city, name="Proposal Author")
    proposal = make.proposal(process, author)
    return SimpleNamespace(city=city, process=process, proposal=proposal, author=author)


def _busan(make):
    return make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))


# Helpers -------------------------------------------------------------------------------------------------

def _comments_url(target) -> str:
    kind = "debates" if isinstance(target, Debate) else "proposals"
    return f"/c/{target.process.city.slug}/{kind}/{target.id}/comments"


def _page_url(target) -> str:
    kind = "debates" if isinstance(target, Debate) else "proposals"
    return f"/c/{target.process.city.slug}/{kind}/{target.id}"


def _post(client, target, body, stance="", parent=None, key=None):
    return client.post(_comments_url(target), data={
        "body": body, "stance": stance, "parent_id": str(parent.id if hasattr(parent, "id") else parent or ""),
        "submission_key": key or uuid.uuid4().hex,
    })


def _posted_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.search(r"#comment-(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _add(target, author, body, stance=None, parent=None, minutes_ago=None, levels=4) -> Comment:
    """A comment written through the service (as the route would), optionally backdated."""
    comment = services.post_comment(author, target, body, stance, parent=parent, levels=levels)
    _db.session.flush()
    if minutes_ago is not None:
        comment.created_at = utcnow() - timedelta(minutes=minutes_ago)
    _db.session.commit()
    return comment


def _vote(comment, voters, value=1):
    for voter in voters:
        services.vote_on_comment(voter, comment, value)
    _db.session.commit()


def _count(model, *where) -> int:
    _db.session.commit()  # a fresh transaction sees what requests committed (SQLite reads from a snapshot)
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def _article(page: str, comment_id: int) -> str:
    start = page.index(f'id="comment-{comment_id}"')
    return page[start:page.index("</article>", start)]


def _positions(page: str, ids) -> list[int]:
    """The ids in the order their comments appear on the page (each must appear)."""
    for i in ids:
        assert f'id="comment-{i}"' in page, f"comment {i} is not on the page"
    return sorted(ids, key=lambda i: page.index(f'id="comment-{i}"'))


def _stance_counts(page: str) -> list[int]:
    block = re.search(r'<p class="stance-counts">(.*?)</p>', page, re.S).group(1)
    return [int(n) for n in re.findall(r"<strong>(\d+)</strong>", block)]


def _section(page: str, css_class: str) -> str:
    start = page.index(f'class="{css_class}"')
    return page[start:page.index("</section>", start)]


# Commenting on a proposal --------------------------------------------------------------------------------

def test_citizen_comments_on_a_proposal_with_a_stance(client, make, db, seoul):
    citizen = make.member(seoul.city, name="Kim Minji")
    login(client, citizen)
    response = _post(client, seoul.proposal, "자전거 도로가 꼭 필요합니다. **안전**이 먼저예요. <script>alert(1)</script>",
                     stance="for")
    comment_id = _posted_id(response)
    assert response.headers["Location"].endswith(f"/c/seoul/proposals/{seoul.proposal.id}#comment-{comment_id}")
    comment = db.session.get(Comment, comment_id)
    assert (comment.proposal_id, comment.debate_id, comment.author_id) == (seoul.proposal.id, None, citizen.id)
    assert comment.stance == "for" and comment.language == "ko"
    assert (comment.depth, comment.parent_id, comment.root_id) == (0, None, None)
    assert "<strong>안전</strong>" in comment.body_html
    assert "<script" not in comment.body_html and "&lt;script&gt;" in comment.body_html

    english = _posted_id(_post(client, seoul.proposal, "Kerbs would keep cars out of the lane.", stance="against"))
    assert db.session.get(Comment, english).language == "en"
    assert db.session.get(Comment, english).stance == "against"

    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    article = _article(page, comment_id)
    assert "Kim Minji" in article and "<strong>안전</strong>" in article and 'lang="ko"' in article
    assert "stance-for" in article and ">For</span>" in article
    assert ">Against</span>" in _article(page, english)


def test_commenting_outside_a_comment_round_is_refused_with_when_it_opens(client, make, db):
    city = make.city()
    process = make.process(city, phases=((-5, 1, ("propose",)), (3, 9, ("comment",))))
    proposal = make.proposal(process, make.member(city))
    login(client, make.member(city))
    response = _post(client, proposal, "I would like to say something.")
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "Comments are not open in this process right now." in text and "It opens on" in text
    assert _count(Comment) == 0
    page = client.get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    assert "Comments are not open" in page and "It opens on" in page and "Post comment" not in page


def test_anonymous_visitors_are_sent_to_log_in(client, make, seoul):
    response = _post(client, seoul.proposal, "Anonymous thoughts here.")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert _count(Comment) == 0


def test_a_member_of_another_city_cannot_comment(client, make, seoul):
    busan = _busan(make)
    login(client, make.member(busan))
    response = _post(client, seoul.proposal, "From another city.")
    assert response.status_code == 403 and "Join this city" in response.get_data(as_text=True)
    assert _count(Comment) == 0


def test_a_withdrawn_proposal_takes_no_comments(client, make, seoul):
    withdrawn = make.proposal(seoul.process, seoul.author, title="Withdrawn idea", state=ProposalState.WITHDRAWN,
                              withdrawn_at=utcnow(), withdraw_reason="Merged with another")
    login(client, make.member(seoul.city))
    response = _post(client, withdrawn, "Too late for this one.")
    assert response.status_code == 403 and "withdrawn" in response.get_data(as_text=True)
    assert _count(Comment) == 0


def test_an_invalid_comment_stays_on_the_form(client, make, seoul):
    login(client, make.member(seoul.city))
    for body, stance in (("", "for"), ("x", ""), ("A fine comment", "maybe")):
        response = _post(client, seoul.proposal, body, stance=stance)
        assert response.status_code == 422, (body, stance)
    assert _count(Comment) == 0


# Debates -------------------------------------------------------------------------------------------------

DEBATE_FORM = {
    "title_ko": "공원에 자전거 도로를 낼까요?", "title_en": "A bike lane through the park?",
    "description_ko": "", "description_en": "Decide *together*.",
    "side_for_ko": "짓자", "side_for_en": "Build it", "side_against_ko": "공원 지키기", "side_against_en": "Keep the park",
    "closes_at": "2030-05-01T18:00",
}


def _debate(process, closes_at=None, **fields) -> Debate:
    values = {"title_en": "Should the park get a bike lane?", "side_for_en": "Build it",
              "side_against_en": "Keep the park", "closes_at": closes_at, **fields}
    debate = Debate(process_id=process.id, **values)
    _db.session.add(debate)
    _db.session.commit()
    return debate


def test_facilitator_poses_a_debate_with_named_sides(client, make, db, seoul):
    facilitator = make.member(seoul.city, Role.FACILITATOR)
    login(client, facilitator)
    assert client.get(f"/c/seoul/processes/{seoul.process.id}/debates/new").status_code == 200
    response = client.post(f"/c/seoul/processes/{seoul.process.id}/debates/new", data=DEBATE_FORM)
    assert response.status_code == 302
    debate = db.session.scalar(select(Debate))
    assert response.headers["Location"].endswith(f"/c/seoul/debates/{debate.id}")
    assert debate.process_id == seoul.process.id and debate.created_by_id == facilitator.id
    assert debate.closes_at == datetime(2030, 5, 1, 9, 0, tzinfo=timezone.utc)  # 18:00 in Seoul
    assert "<em>together</em>" in debate.description_html_en
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "debate.create"))
    assert (event.actor_id, event.target_id, event.city_id) == (facilitator.id, debate.id, seoul.city.id)
    assert event.changes["title_en"] == [None, "A bike lane through the park?"]
    assert event.changes["closes_at"][1].startswith("2030-05-01T09:00")

    page = client.get(f"/c/seoul/debates/{debate.id}").get_data(as_text=True)
    assert "A bike lane through the park?" in page
    labels = re.findall(r'<input[^>]*name="stance"[^>]*value="(\w*)"[^>]*>\s*<label[^>]*>([^<]*)</label>', page)
    assert ("for", "Build it") in labels and ("against", "Keep the park") in labels
    assert "Strongest arguments: Build it" in page and "Strongest arguments: Keep the park" in page
    assert "Open until" in page


def test_citizens_cannot_pose_or_edit_debates(client, make, db, seoul):
    debate = _debate(seoul.process)
    login(client, make.member(seoul.city))
    assert client.get(f"/c/seoul/processes/{seoul.process.id}/debates/new").status_code == 403
    response = client.post(f"/c/seoul/processes/{seoul.process.id}/debates/new", data=DEBATE_FORM)
    assert response.status_code == 403 and "Only facilitators" in response.get_data(as_text=True)
    assert client.post(f"/c/seoul/debates/{debate.id}/edit", data=DEBATE_FORM).status_code == 403
    assert _count(Debate) == 1
    assert db.session.get(Debate, debate.id).title_en == "Should the park get a bike lane?"
    assert _count(AuditEvent, AuditEvent.action.like("debate.%")) == 0


def test_facilitator_edits_a_debate_and_it_is_audited(client, make, db, seoul):
    debate = _debate(seoul.process, closes_at=datetime(2030, 5, 1, 9, 0, tzinfo=timezone.utc))
    facilitator = make.member(seoul.city, Role.FACILITATOR)
    login(client, facilitator)
    form = client.get(f"/c/seoul/debates/{debate.id}/edit").get_data(as_text=True)
    assert 'value="2030-05-01T18:00"' in form  # shown in Seoul time
    response = client.post(f"/c/seoul/debates/{debate.id}/edit", data={
        "title_ko": "", "title_en": "Should Mangwon park get a bike lane?", "description_ko": "", "description_en": "",
        "side_for_ko": "", "side_for_en": "Build it", "side_against_ko": "", "side_against_en": "Keep the park",
        "closes_at": "2030-05-01T18:00"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Debate, debate.id).title_en == "Should Mangwon park get a bike lane?"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "debate.update"))
    assert event.actor_id == facilitator.id and event.target_id == debate.id
    assert event.changes == {"title_en": ["Should the park get a bike lane?", "Should Mangwon park get a bike lane?"]}


def test_comments_on_an_open_debate_and_none_on_a_closed_one(client, make, db, seoul):
    open_debate = _debate(seoul.process, closes_at=utcnow() + timedelta(days=3))
    closed = _debate(seoul.process, closes_at=utcnow() - timedelta(hours=1), title_en="An older question")
    login(client, make.member(seoul.city))
    comment_id = _posted_id(_post(client, open_debate, "The park is small already.", stance="against"))
    assert db.session.get(Comment, comment_id).debate_id == open_debate.id
    page = client.get(f"/c/seoul/debates/{open_debate.id}").get_data(as_text=True)
    assert ">Keep the park</span>" in _article(page, comment_id)

    response = _post(client, closed, "Is it too late?")
    assert response.status_code == 403 and "closed" in response.get_data(as_text=True)
    assert _count(Comment, Comment.debate_id == closed.id) == 0
    page = client.get(f"/c/seoul/debates/{closed.id}").get_data(as_text=True)
    assert "Closed on" in page and "This debate is closed." in page and "Post comment" not in page


# Depth ---------------------------------------------------------------------------------------------------

def test_replies_nest_to_the_deepest_level_then_join_it(client, make, db, seoul):
    assert seoul.city.comment_levels == 4
    login(client, make.member(seoul.city))
    top = _posted_id(_post(client, seoul.proposal, "The first word."))
    chain = [top]
    for n in range(4):
        chain.append(_posted_id(_post(client, seoul.proposal, f"Reply number {n + 1}", parent=chain[-1])))
    db.session.expire_all()
    rows = [db.session.get(Comment, i) for i in chain]
    assert [c.depth for c in rows] == [0, 1, 2, 3, 3]
    assert [c.parent_id for c in rows] == [None, chain[0], chain[1], chain[2], chain[2]]
    assert [c.root_id for c in rows] == [None, top, top, top, top]
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    assert _positions(page, chain) == chain
    assert "4 replies" in page


def test_a_city_with_two_levels_caps_replies_at_depth_one(client, make, db, seoul):
    seoul.city.comment_levels = 2
    db.session.commit()
    login(client, make.member(seoul.city))
    top = _posted_id(_post(client, seoul.proposal, "The first word."))
    first = _posted_id(_post(client, seoul.proposal, "A reply", parent=top))
    second = _posted_id(_post(client, seoul.proposal, "A reply to the reply", parent=first))
    db.session.expire_all()
    for comment_id in (first, second):
        reply = db.session.get(Comment, comment_id)
        assert (reply.depth, reply.parent_id, reply.root_id) == (1, top, top)


def test_a_reply_to_a_comment_on_another_proposal_is_not_found(client, make, db, seoul):
    other = make.proposal(seoul.process, seoul.author, title="Another proposal")
    elsewhere = _add(other, seoul.author, "On the other proposal.")
    login(client, make.member(seoul.city))
    assert _post(client, seoul.proposal, "Crossing threads.", parent=elsewhere).status_code == 404
    assert _post(client, seoul.proposal, "No such parent.", parent=999999).status_code == 404
    assert _post(client, seoul.proposal, "Not a number.", parent="abc").status_code == 404
    assert _count(Comment) == 1


def test_a_reply_to_a_comment_of_another_city_is_not_found(client, make, db, seoul):
    busan = _busan(make)
    busan_proposal = make.proposal(make.process(busan), make.member(busan))
    busan_comment = _add(busan_proposal, busan_proposal.author, "A comment in Busan.")
    login(client, make.member(seoul.city))
    response = _post(client, seoul.proposal, "Crossing cities.", parent=busan_comment)
    assert _count(Comment) == 1
    assert response.status_code == 404


def test_a_reply_to_a_deleted_comment_is_refused(client, make, db, seoul):
    gone = _add(seoul.proposal, seoul.author, "Soon to be deleted.")
    services.delete_comment(gone)
    db.session.commit()
    login(client, make.member(seoul.city))
    response = _post(client, seoul.proposal, "Replying to nothing.", parent=gone)
    assert response.status_code == 403 and "deleted or hidden" in response.get_data(as_text=True)
    assert _count(Comment) == 1


# Stance counts and the strongest arguments ---------------------------------------------------------------

def test_stance_counts_leave_out_deleted_and_hidden_comments(client, make, db, seoul):
    people = [make.member(seoul.city) for _ in range(3)]
    for person, stance in zip(people, ("for", "for", "against")):
        _add(seoul.proposal, person, f"A view {stance}", stance)
    _add(seoul.proposal, people[0], "On the fence", "neutral")
    _add(seoul.proposal, people[1], "No side taken")
    deleted = _add(seoul.proposal, people[2], "I was for it", "for")
    hidden = _add(seoul.proposal, people[2], "Rude but against", "against")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "Insults"
    kept_stance = _add(seoul.proposal, people[0], "Deleted, its stance left behind", "neutral")
    kept_stance.deleted_at = utcnow()  # the count must not rely on deletion clearing the stance
    db.session.commit()
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    assert _stance_counts(page) == [3, 1, 1]  # the hidden "against" and the deleted "neutral" are left out
    login(client, people[2])
    assert client.post(f"/c/seoul/comments/{deleted.id}/delete").status_code == 302
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    assert _stance_counts(page) == [2, 1, 1]
    assert "Rude but against" not in page


def test_strongest_arguments_best_voted_first_ties_to_the_newest(client, make, db, seoul):
    writer = make.member(seoul.city)
    voters = [make.member(seoul.city) for _ in range(4)]
    best = _add(seoul.proposal, writer, "Alpha: the best argument", "for", minutes_ago=50)
    tie_old = _add(seoul.proposal, writer, "Bravo: an older one point", "for", minutes_ago=40)
    tie_new = _add(seoul.proposal, writer, "Charlie: a newer one point", "for", minutes_ago=30)
    _add(seoul.proposal, writer, "Delta: no points", "for", minutes_ago=20)
    hidden = _add(seoul.proposal, writer, "Echo: hidden but popular", "for", minutes_ago=10)
    _add(seoul.proposal, writer, "Foxtrot: the case against", "against", minutes_ago=5)
    neutral = _add(seoul.proposal, writer, "Golf: neutral yet popular", "neutral", minutes_ago=5)
    _vote(best, voters[:3])
    _vote(best, voters[3:], value=-1)  # 3 up, 1 down: 2 points
    _vote(tie_old, voters[:1])
    _vote(tie_new, voters[1:2])
    _vote(hidden, voters)
    _vote(neutral, voters)
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "Off topic"
    db.session.commit()
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    pro, con = _section(page, "pro"), _section(page, "con")
    shown = [word for word in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Golf") if word in pro]
    assert sorted(shown, key=pro.index) == ["Alpha", "Charlie", "Bravo"]
    assert f'href="#comment-{best.id}"' in pro and "2 points" in pro and "Delta" not in pro
    assert "Foxtrot" in con and "Alpha" not in con and "Golf" not in con


# Votes ---------------------------------------------------------------------------------------------------

def _vote_row(user, comment):
    _db.session.commit()
    return _db.session.scalar(select(CommentVote).where(CommentVote.user_id == user.id,
                                                        CommentVote.comment_id == comment.id))


def test_voting_the_same_way_twice_takes_the_vote_back_and_the_other_way_changes_it(client, make, db, seoul):
    comment = _add(seoul.proposal, seoul.author, "Vote on me, please.")
    voter = make.member(seoul.city)
    login(client, voter)
    url = f"/c/seoul/comments/{comment.id}/vote"
    response = client.post(url, data={"value": "up"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    assert _vote_row(voter, comment).value == 1
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    assert "▲ 1 ▼ 0" in _article(page, comment.id) and 'aria-pressed="true"' in _article(page, comment.id)
    client.post(url, data={"value": "up"})
    assert _vote_row(voter, comment) is None
    client.post(url, data={"value": "up"})
    client.post(url, data={"value": "down"})
    assert _vote_row(voter, comment).value == -1
    client.post(url, data={"value": "clear"})
    assert _vote_row(voter, comment) is None
    assert client.post(url, data={"value": "sideways"}).status_code == 400
    assert _count(CommentVote) == 0


def test_authors_cannot_vote_on_their_own_comments(client, make, db, seoul):
    comment = _add(seoul.proposal, seoul.author, "My own words.")
    login(client, seoul.author)
    response = client.post(f"/c/seoul/comments/{comment.id}/vote", data={"value": "up"})
    assert response.status_code == 403 and "your own comment" in response.get_data(as_text=True)
    assert _count(CommentVote) == 0
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    assert "Helpful" not in _article(page, comment.id)


def test_a_vote_is_one_row_per_person_and_comment(client, make, db, seoul):
    comment = _add(seoul.proposal, seoul.author, "Count me once.")
    voter = make.member(seoul.city)
    _vote(comment, [voter])
    with pytest.raises(IntegrityError):  # the schema refuses a second row, whatever the service does
        db.session.add(CommentVote(user_id=voter.id, comment_id=comment.id, value=-1))
        db.session.commit()
    db.session.rollback()
    assert _count(CommentVote) == 1






@contextmanager
def _meeting_before(statement_start: str, parties: int, linger: float = 0.5):
    """Requests that reach a statement starting with `statement_start` wait there until `parties` of them
    have (at most a few seconds), so every one of them has looked and found nothing before any one writes;
    the first to write then lingers before it commits, so the others' writes all wait on it."""
    barrier = threading.Barrier(parties)

    def wait(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(statement_start):
            conn.info["wrote"] = True
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass

    def linger_before_commit(conn):
        if conn.info.pop("wrote", False):
            time.sleep(linger)

    event.listen(_db.engine, "before_cursor_execute", wait)
    event.listen(_db.engine, "commit", linger_before_commit)
    try:
        yield
    finally:
        event.remove(_db.engine, "before_cursor_execute", wait)
        event.remove(_db.engine, "commit", linger_before_commit)


def test_simultaneous_votes_of_one_person_leave_one_row(app, make, db, seoul):
    postgres_only(db)
    comment = _add(seoul.proposal, seoul.author, "Everyone click at once.")
    voter = make.member(seoul.city)
    clients = [app.test_client() for _ in range(8)]
    for each in clients:
        login(each, voter)
    with _meeting_before("INSERT INTO COMMENT_VOTES", 8):
        results = all_at_once(clients, posting(f"/c/seoul/comments/{comment.id}/vote", {"value": "up"}))
    assert results == [302] * 8
    assert _count(CommentVote, CommentVote.comment_id == comment.id) == 1
    assert _vote_row(voter, comment).value == 1


def test_simultaneous_votes_of_eight_people_leave_eight_rows(app, make, db, seoul):
    postgres_only(db)
    comment = _add(seoul.proposal, seoul.author, "Everyone click at once.")
    clients = []
    for _ in range(8):
        each = app.test_client()
        login(each, make.member(seoul.city))
        clients.append(each)
    results = all_at_once(clients, posting(f"/c/seoul/comments/{comment.id}/vote", {"value": "up"}))
    assert results == [302] * 8
    assert _count(CommentVote, CommentVote.comment_id == comment.id, CommentVote.value == 1) == 8


# Sorts and pages -----------------------------------------------------------------------------------------

@pytest.fixture
def sorted_thread(make, seoul):
    """Oldest A, then B, then C. Scores: B 2, C 1, A 0. Replies: C 2, A 1, B 0."""
    people = [make.member(seoul.city) for _ in range(3)]
    a = _add(seoul.proposal, people[0], "Comment Alpha", minutes_ago=30)
    b = _add(seoul.proposal, people[1], "Comment Bravo", minutes_ago=20)
    c = _add(seoul.proposal, people[2], "Comment Charlie", minutes_ago=10)
    _add(seoul.proposal, people[1], "Reply to Alpha", parent=a)
    _add(seoul.proposal, people[0], "Reply to Charlie", parent=c)
    _add(seoul.proposal, people[1], "Another reply to Charlie", parent=c)
    _vote(b, [people[0], people[2]])
    _vote(c, [people[0]])
    _vote(a, [people[1]], value=-1)
    _vote(a, [people[2]])
    return a, b, c


@pytest.mark.parametrize("sort,expected", [
    ("oldest", "abc"), ("newest", "cba"), ("best", "bca"), ("replies", "cab"), ("nonsense", "abc"),
])
def test_sorts_order_the_top_level_comments(client, seoul, sorted_thread, sort, expected):
    ids = dict(zip("abc", (c.id for c in sorted_thread)))
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}", query_string={"sort": sort}).get_data(as_text=True)
    assert _positions(page, list(ids.values())) == [ids[letter] for letter in expected]
    top_level = page[page.index('class="comment-list top-level"'):]
    names = re.findall(r"Comment (Alpha|Bravo|Charlie)", top_level)
    assert [n[0].lower() for n in names] == list(expected)


def test_top_level_comments_come_in_pages_with_all_their_replies(client, make, db, seoul, app):
    assert app.config["COMMENTS_PER_PAGE"] == 20
    writer = make.member(seoul.city)
    tops = [_add(seoul.proposal, writer, f"Top comment {n:02d}", minutes_ago=100 - n) for n in range(25)]
    first_reply = _add(seoul.proposal, seoul.author, "Reply on the first page", parent=tops[0])
    deep = _add(seoul.proposal, seoul.author, "Reply on the second page", parent=tops[21])
    deeper = _add(seoul.proposal, writer, "Deeper reply on the second page", parent=deep)
    url = f"/c/seoul/proposals/{seoul.proposal.id}"

    first = client.get(url).get_data(as_text=True)
    assert _positions(first, [t.id for t in tops[:20]]) == [t.id for t in tops[:20]]
    assert "Top comment 20" not in first and "Reply on the second page" not in first
    assert "Reply on the first page" in first and f'id="comment-{first_reply.id}"' in first
    assert "28 comments" in first and "Page 1 of 2" in first and "cpage=2" in first and 'rel="next"' in first

    second = client.get(url, query_string={"cpage": 2}).get_data(as_text=True)
    assert _positions(second, [t.id for t in tops[20:]]) == [t.id for t in tops[20:]]
    assert "Top comment 19" not in second and "Reply on the first page" not in second
    assert _positions(second, [tops[21].id, deep.id, deeper.id, tops[22].id]) == [tops[21].id, deep.id, deeper.id,
                                                                                  tops[22].id]
    assert "Page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get(url, query_string={"cpage": "junk"}).status_code == 200
    assert "No comments yet." in client.get(url, query_string={"cpage": 9}).get_data(as_text=True)


# Editing and deleting ------------------------------------------------------------------------------------

def test_author_edits_within_the_window_and_it_shows_edited(client, make, db, seoul):
    author = make.member(seoul.city)
    comment = _add(seoul.proposal, author, "First draft of my thought.", "for")
    login(client, author)
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    assert "edited" not in _article(page, comment.id)
    assert "First draft" in client.get(f"/c/seoul/comments/{comment.id}/edit").get_data(as_text=True)
    response = client.post(f"/c/seoul/comments/{comment.id}/edit",
                           data={"body": "두 번째 생각: **더 낫다**", "stance": "against"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    db.session.expire_all()
    edited = db.session.get(Comment, comment.id)
    assert edited.edited_at is not None and edited.stance == "against" and edited.language == "ko"
    assert "<strong>더 낫다</strong>" in edited.body_html
    article = _article(client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True), comment.id)
    assert "· edited" in article and "더 낫다" in article and "First draft" not in article


def test_editing_after_the_window_or_by_others_is_refused(client, make, db, app, seoul):
    author = make.member(seoul.city)
    comment = _add(seoul.proposal, author, "Original words.")
    other = app.test_client()
    login(other, make.member(seoul.city, Role.ADMIN))
    response = other.post(f"/c/seoul/comments/{comment.id}/edit", data={"body": "Rewritten by someone else"})
    assert response.status_code == 403 and "Only the author" in response.get_data(as_text=True)
    assert other.get(f"/c/seoul/comments/{comment.id}/edit").status_code == 403

    comment.created_at = utcnow() - app.config["COMMENT_EDIT_WINDOW"] - timedelta(minutes=1)
    db.session.commit()
    login(client, author)
    late = client.post(f"/c/seoul/comments/{comment.id}/edit", data={"body": "Too late to change"})
    assert late.status_code == 403 and "editing this comment has passed" in late.get_data(as_text=True)
    db.session.expire_all()
    unchanged = db.session.get(Comment, comment.id)
    assert unchanged.body == "Original words." and unchanged.edited_at is None


def test_author_deletes_a_comment_and_its_replies_stay(client, make, db, app, seoul):
    author = make.member(seoul.city, name="Departing Author")
    comment = _add(seoul.proposal, author, "Words I regret.", "against")
    reply = _add(seoul.proposal, seoul.author, "A reply that stays.", parent=comment)
    other = app.test_client()
    login(other, make.member(seoul.city, Role.MODERATOR))
    refused = other.post(f"/c/seoul/comments/{comment.id}/delete")
    assert refused.status_code == 403 and "Only the author" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).deleted_at is None

    login(client, author)
    response = client.post(f"/c/seoul/comments/{comment.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    db.session.expire_all()
    deleted = db.session.get(Comment, comment.id)
    assert deleted.deleted_at is not None and deleted.body == "" and deleted.stance is None
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    article = _article(page, comment.id)
    assert "Deleted by its author." in article and "Words I regret" not in page
    assert "Departing Author" not in article
    assert "A reply that stays." in _article(page, reply.id)
    assert _positions(page, [comment.id, reply.id]) == [comment.id, reply.id]
    assert client.post(f"/c/seoul/comments/{comment.id}/delete").status_code == 403  # already deleted


# Double submits and rate limits --------------------------------------------------------------------------

def test_the_same_form_sent_twice_posts_once(client, make, db, seoul):
    login(client, make.member(seoul.city))
    key = uuid.uuid4().hex
    first = _post(client, seoul.proposal, "Sent with a double click.", key=key)
    second = _post(client, seoul.proposal, "Sent with a double click.", key=key)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Comment) == 1
    assert _posted_id(second) == db.session.scalar(select(Comment.id))
    _posted_id(_post(client, seoul.proposal, "Sent with a double click.", key=uuid.uuid4().hex))
    assert _count(Comment) == 2  # a new form (new key) is a new comment


def test_commenting_too_fast_is_limited_per_person(app, make, db, seoul):
    limited = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "SECRET_KEY": "x",
        "COMMENT_RATE_LIMIT": "3 per minute",
    })
    hasty, calm = make.member(seoul.city), make.member(seoul.city)
    hasty_client, calm_client = limited.test_client(), limited.test_client()
    login(hasty_client, hasty)
    login(calm_client, calm)
    statuses = [_post(hasty_client, seoul.proposal, f"Comment number {n}").status_code for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    response = _post(hasty_client, seoul.proposal, "Comment number 5")
    assert response.status_code == 429 and "Too many" in response.get_data(as_text=True)
    assert _count(Comment, Comment.author_id == hasty.id) == 3
    assert _post(calm_client, seoul.proposal, "A calm comment").status_code == 302
    assert _count(Comment, Comment.author_id == calm.id) == 1


# Untrusted text ------------------------------------------------------------------------------------------

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


XSS = [
    "<script>alert('body')</script>",
    "<img src=x onerror=alert('img')>",
    "[click me](javascript:alert('link'))",
    '<a href="javascript:alert(1)">raw link</a>',
    "<svg onload=alert(1)>",
    '"><b onmouseover=alert(1)>quoted',
]


def test_script_in_comments_and_names_is_inert(client, make, db, seoul):
    villain = make.member(seoul.city, name="<script>alert('name')</script><img src=x onerror=alert(2)>")
    comments = [_add(seoul.proposal, villain, payload, "for") for payload in XSS]
    _add(seoul.proposal, seoul.author, "\n\n".join(XSS), "against", parent=comments[0])
    page = client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;body&#39;)" in page or "&lt;script&gt;alert('body')" in page  # shown as text
    assert "<script" not in page.lower() and 'href="javascript' not in page.lower()
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "img", "svg", "iframe"), (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert not (attrs.get("href") or "").strip().lower().startswith("javascript"), (tag, attrs)


# Queries -------------------------------------------------------------------------------------------------

def _thread(proposal, authors, voters, tops: int, replies: int = 3):
    """`tops` top-level comments, each with `replies` nested replies; stances on both sides; votes."""
    stances = ("for", "against", "neutral", None)
    for n in range(tops):
        top = _add(proposal, authors[n % len(authors)], f"Top {n} on {proposal.title}", stances[n % 4],
                   minutes_ago=500 - n)
        parent = top
        for r in range(replies):
            parent = _add(proposal, authors[(n + r + 1) % len(authors)], f"Reply {n}.{r}", stances[(n + r) % 4],
                          parent=parent)
            _vote(parent, voters[: (n + r) % 3], value=1 if r % 2 else -1)
        _vote(top, voters[: n % 3 + 1])


def _page_queries(client, count_queries, proposal, **args) -> tuple[int, str]:
    client.get(f"/c/seoul/proposals/{proposal.id}", query_string=args)  # warm caches
    with count_queries() as counter:
        response = client.get(f"/c/seoul/proposals/{proposal.id}", query_string=args)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_thread_page_queries_do_not_grow_with_the_thread(client, make, db, seoul, count_queries):
    authors = [make.member(seoul.city) for _ in range(3)]
    voters = [make.member(seoul.city) for _ in range(3)]
    small = make.proposal(seoul.process, seoul.author, title="Small thread")
    large = make.proposal(seoul.process, seoul.author, title="Large thread")
    _thread(small, authors, voters, tops=3)
    _thread(large, authors, voters, tops=30)
    login(client, voters[0])
    small_count, small_page = _page_queries(client, count_queries, small)
    large_count, large_page = _page_queries(client, count_queries, large)
    assert large_page.count('class="comment stance-') + large_page.count('class="comment"') == 20 * 4
    listed = large_page[large_page.index('class="comment-list top-level"'):]
    assert "Reply 19.2" in listed and "Top 19 on" in listed and "Top 20 on" not in listed
    assert 'aria-pressed="true"' in large_page  # the viewer's own votes were looked up
    assert large_count == small_count, (small_count, large_count)
    for sort in ("newest", "best", "replies"):
        assert _page_queries(client, count_queries, large, sort=sort)[0] == small_count, sort


@pytest.mark.slow
def test_a_thread_of_five_thousand_comments_renders_with_the_same_queries(client, make, db, seoul, count_queries):
    authors = [make.member(seoul.city) for _ in range(3)]
    voters = [make.member(seoul.city) for _ in range(3)]
    small = make.proposal(seoul.process, seoul.author, title="Small thread")
    _thread(small, authors, voters, tops=3)
    large = make.proposal(seoul.process, seoul.author, title="Five thousand comments")
    start = utcnow() - timedelta(days=5)
    stances = ("for", "against", "neutral", None)

    def row(n, depth, parent_id=None, root_id=None):
        body = f"Bulk comment {n} at depth {depth}"
        return {"proposal_id": large.id, "author_id": authors[n % 3].id, "stance": stances[n % 4], "body": body,
                "body_html": f"<p>{body}</p>", "language": "en", "depth": depth, "parent_id": parent_id,
                "root_id": root_id, "created_at": start + timedelta(seconds=n)}

    tops = 1000
    db.session.execute(insert(Comment), [row(n, 0) for n in range(tops)])
    top_ids = db.session.scalars(select(Comment.id).where(Comment.proposal_id == large.id)
                                 .order_by(Comment.id)).all()
    n = tops
    level = [(i, i) for i in top_ids]  # (comment id, root id)
    for depth in (1, 2, 3):
        rows = []
        for parent_id, root_id in level:
            rows.append(row(n, depth, parent_id, root_id))
            n += 1
        db.session.execute(insert(Comment), rows)
        level = db.session.execute(select(Comment.id, Comment.root_id).where(
            Comment.proposal_id == large.id, Comment.depth == depth).order_by(Comment.id)).all()
    extra = [row(n + k, 1, top_ids[k], top_ids[k]) for k in range(tops)]  # a second reply to every top level
    db.session.execute(insert(Comment), extra)
    comment_ids = db.session.scalars(select(Comment.id).where(Comment.proposal_id == large.id)).all()
    db.session.execute(insert(CommentVote), [
        {"user_id": voter.id, "comment_id": cid, "value": 1 if (cid + k) % 3 else -1}
        for k, voter in enumerate(voters) for cid in comment_ids[k::2]
    ])
    db.session.commit()
    assert len(comment_ids) == 5000
    assert _count(Comment, Comment.proposal_id == large.id, Comment.depth == 3,
                  Comment.root_id.is_(None)) == 0

    login(client, voters[0])
    small_count, _ = _page_queries(client, count_queries, small)
    large_count, page = _page_queries(client, count_queries, large)
    assert "5000 comments" in page and "Page 1 of 50" in page
    assert "Bulk comment 0 at depth 0" in page and "Bulk comment 3000 at depth 3" in page
    assert large_count == small_count, (small_count, large_count)
    best_count, best = _page_queries(client, count_queries, large, sort="best", cpage=50)
    assert best_count == small_count and best.count('class="comment') >= 20


# Permalinks ----------------------------------------------------------------------------------------------

def test_a_comment_permalink_leads_to_its_place_in_the_thread(client, make, db, seoul):
    comment = _add(seoul.proposal, seoul.author, "Link to me.")
    reply = _add(seoul.proposal, seoul.author, "And to me.", parent=comment)
    debate = _debate(seoul.process)
    on_debate = _add(debate, seoul.author, "On the debate.")
    for target, row in ((seoul.proposal, comment), (seoul.proposal, reply), (debate, on_debate)):
        response = client.get(f"/c/seoul/comments/{row.id}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"{_page_url(target)}#comment-{row.id}")

    busan = _busan(make)
    busan_proposal = make.proposal(make.process(busan), make.member(busan))
    busan_comment = _add(busan_proposal, busan_proposal.author, "A comment in Busan.")
    assert client.get(f"/c/seoul/comments/{busan_comment.id}").status_code == 404
    assert client.get(f"/c/busan/comments/{comment.id}").status_code == 404
    assert client.get(f"/c/busan/comments/{busan_comment.id}").status_code == 302
    assert client.get("/c/seoul/comments/999999").status_code == 404


def test_stored_tallies_follow_every_vote(make, db, seoul):
    """The comment's up, down and score columns always equal what comment_votes holds."""
    comment = _add(seoul.proposal, seoul.author, "Count me right.")
    people = [make.member(seoul.city) for _ in range(4)]
    for person, value in zip(people, (1, 1, -1, 1)):
        services.vote_on_comment(person, comment, value)
    services.vote_on_comment(people[0], comment, 1)    # takes the vote back
    services.vote_on_comment(people[1], comment, -1)   # changes its mind
    services.vote_on_comment(people[2], comment, 0)    # takes the vote back
    db.session.commit()
    db.session.refresh(comment)
    rows = db.session.scalars(select(CommentVote.value).where(CommentVote.comment_id == comment.id)).all()
    assert (comment.up_votes, comment.down_votes, comment.score) == (
        rows.count(1), rows.count(-1), sum(rows)) == (1, 1, 0)


def test_thread_abilities_agree_with_the_permission_predicates(app, make, db, seoul):
    """The thread page works out what a viewer may do per comment without building messages; it must say
    exactly what the named predicates say."""
    from app import permissions

    own = _add(seoul.proposal, seoul.author, "Mine.")
    other_author = make.member(seoul.city)
    theirs = _add(seoul.proposal, other_author, "Theirs.")
    gone = _add(seoul.proposal, other_author, "Gone soon.")
    services.delete_comment(gone)
    hidden = _add(seoul.proposal, other_author, "Hidden soon.")
    hidden.hidden_at, hidden.hidden_reason = utcnow(), "test"
    db.session.commit()
    outsider = make.user()
    for viewer in (seoul.author, other_author, outsider):
        with app.test_request_context():
            may = permissions.can_comment(viewer, seoul.proposal)
            for comment in (own, theirs, gone, hidden):
                got = permissions.comment_abilities(viewer, comment, bool(may))
                assert got.vote == bool(permissions.can_vote_on_comment(viewer, comment)), (viewer, comment.body)
                assert got.reply == bool(permissions.can_reply(viewer, comment))
                assert got.edit == bool(permissions.can_edit_comment(viewer, comment))
                assert got.delete == bool(permissions.can_delete_comment(viewer, comment))
