"""Official answers: planners and administrators of the city draft and publish the city's answer to a proposal
(a state and a written Markdown answer); drafts stay out of sight and tell nobody; publishing sets the state,
the answer and its time, and tells the author and the followers once each, in the app and by mail; a published
answer can be revised with its history in the audit log; withdrawn and hidden proposals are refused; bad input
is answered 422 with the form kept; the answer queue leaves answered proposals out."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import AuditEvent, Follow, Notification, Proposal, ProposalState, Role, User, utcnow
from app.planning import answers
from tests.conftest import all_at_once, login, postgres_only, posting, same_person_clients

ANSWER = "We will build it in **2027**, starting with the section near Mangwon station."


@pytest.fixture
def seoul(make, db):
    city = make.city()
    process = make.process(city)
    author = make.member(city, name="Minji")
    proposal = make.proposal(process, author, title="A protected bike lane",
                             answer_due_since=utcnow() - timedelta(days=4))
    planner = make.member(city, Role.PLANNER, name="So-yeon")
    return SimpleNamespace(city=city, process=process, author=author, proposal=proposal, planner=planner)


def _url(proposal) -> str:
    return f"/c/{proposal.process.city.slug}/manage/proposals/{proposal.id}/answer"


def _send(client, proposal, state="accepted", text=ANSWER, publish=True):
    data = {"state": state, "answer": text}
    data["publish" if publish else "save_draft"] = "1"
    return client.post(_url(proposal), data=data)


def _fresh(proposal) -> Proposal:
    _db.session.commit()  # a fresh transaction sees what requests committed
    _db.session.expire_all()
    return _db.session.get(Proposal, proposal.id)


def _notes(user=None) -> list[Notification]:
    _db.session.commit()
    query = select(Notification).order_by(Notification.user_id, Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return list(_db.session.scalars(query))


def _events(action_prefix="proposal.answer") -> list[AuditEvent]:
    _db.session.commit()
    return list(_db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith(action_prefix))
                                    .order_by(AuditEvent.id)))


def _follow(user, proposal) -> None:
    _db.session.add(Follow(user_id=user.id, target_type="proposal", target_id=proposal.id))
    _db.session.commit()


def _page(client, proposal) -> str:
    response = client.get(f"/c/{proposal.process.city.slug}/proposals/{proposal.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _section(page: str) -> str:
    start = page.index('id="answer"')
    return page[start:page.index("</section>", start)]


def _mails(app, address: str) -> list:
    folder = Path(app.config["MAIL_OUTBOX"])
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)
    return found


# Who may answer ----------------------------------------------------------------------------------------------

def test_planners_and_administrators_of_the_city_may_open_the_answer_page(client, make, seoul):
    login(client, seoul.planner)
    page = client.get(_url(seoul.proposal))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>Answer the proposal</h1>" in text and "A protected bike lane" in text
    assert 'name="state"' in text and 'name="answer"' in text and "Answer due since" in text
    admin = make.member(seoul.city, Role.ADMIN)
    other = client.application.test_client()
    login(other, admin)
    assert other.get(_url(seoul.proposal)).status_code == 200
    assert _send(other, seoul.proposal).status_code == 302


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.MODERATOR, None])
def test_facilitators_moderators_and_citizens_are_refused(client, make, seoul, role):
    person = make.member(seoul.city, *([role] if role else []))
    login(client, person)
    for response in (client.get(_url(seoul.proposal)), _send(client, seoul.proposal)):
        assert response.status_code == 403
        assert "Only planners and administrators of this city can answer proposals." in response.get_data(as_text=True)
    assert _fresh(seoul.proposal).answer is None and _events() == []


def test_anonymous_visitors_are_sent_to_log_in(client, seoul):
    for response in (client.get(_url(seoul.proposal)), _send(client, seoul.proposal)):
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert _fresh(seoul.proposal).answer is None


def test_planners_of_another_city_are_refused_and_proposals_of_another_city_not_found(client, make, seoul):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    busan_planner = make.member(busan, Role.PLANNER)
    login(client, busan_planner)
    assert client.get(_url(seoul.proposal)).status_code == 403  # Seoul's page: not a planner there
    assert _send(client, seoul.proposal).status_code == 403
    # Seoul's proposal under Busan's address is not found; neither is a proposal that does not exist.
    assert client.get(f"/c/busan/manage/proposals/{seoul.proposal.id}/answer").status_code == 404
    assert client.post(f"/c/busan/manage/proposals/{seoul.proposal.id}/answer",
                       data={"state": "accepted", "answer": ANSWER, "publish": "1"}).status_code == 404
    assert client.get("/c/busan/manage/proposals/999999/answer").status_code == 404
    assert _fresh(seoul.proposal).answer is None and _notes() == []


def test_withdrawn_and_hidden_proposals_cannot_be_answered(client, make, db, seoul):
    withdrawn = make.proposal(seoul.process, seoul.author, title="Withdrawn idea", state=ProposalState.WITHDRAWN,
                              withdrawn_at=utcnow())
    hidden = make.proposal(seoul.process, seoul.author, title="Hidden idea", hidden_at=utcnow(),
                           hidden_reason="spam")
    login(client, seoul.planner)
    for proposal, reason in ((withdrawn, "This proposal was withdrawn by its author: it cannot be answered."),
                             (hidden, "This proposal is hidden by the moderators")):
        for response in (client.get(_url(proposal)), _send(client, proposal),
                         _send(client, proposal, publish=False)):
            assert response.status_code == 403 and reason in response.get_data(as_text=True)
        row = _fresh(proposal)
        assert row.answer is None and row.answer_draft is None
    assert _fresh(withdrawn).state == ProposalState.WITHDRAWN
    assert _notes() == [] and _events() == []
    # The proposal page offers no way to answer them.
    assert "Answer this proposal" not in _page(client, withdrawn)


# Drafts ------------------------------------------------------------------------------------------------------

def test_a_draft_stays_out_of_sight_and_tells_nobody(client, make, db, seoul):
    follower = make.member(seoul.city)
    _follow(follower, seoul.proposal)
    login(client, seoul.planner)
    response = _send(client, seoul.proposal, state="rejected", text="A *draft* we may still change.",
                     publish=False)
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(seoul.proposal))
    row = _fresh(seoul.proposal)
    assert (row.answer_draft, row.answer_draft_state) == ("A *draft* we may still change.", "rejected")
    assert (row.state, row.answer, row.answered_at, row.answered_by_id) == ("published", None, None, None)
    assert _notes() == []
    [event] = _events()
    assert event.action == "proposal.answer_draft" and event.actor_id == seoul.planner.id
    assert event.target_type == "proposal" and event.target_id == seoul.proposal.id
    assert event.changes["answer_draft_state"] == [None, "rejected"]

    # The form comes back with the draft; the planner's link on the proposal page says a draft is saved.
    form = client.get(_url(seoul.proposal)).get_data(as_text=True)
    assert "A *draft* we may still change.</textarea>" in form
    assert re.findall(r'<input checked[^>]*value="(\w+)"', form) == ["rejected"]
    assert "Edit the answer (draft saved)" in _page(client, seoul.proposal)

    # Nobody else sees it: not the public, not the author, not a follower.
    for viewer in (None, seoul.author, follower):
        other = client.application.test_client()
        if viewer:
            login(other, viewer)
        page = _page(other, seoul.proposal)
        assert "draft we may still change" not in page and "Rejected" not in page
        assert "Edit the answer" not in page and "Answer this proposal" not in page
        assert "Answer due since" in _section(page) and "waiting 4 days" in _section(page)


def test_the_answer_queue_links_to_the_answer_page_and_marks_drafts(client, make, db, seoul):
    other = make.proposal(seoul.process, seoul.author, title="Night buses",
                          answer_due_since=utcnow() - timedelta(days=2))
    login(client, seoul.planner)
    _send(client, seoul.proposal, publish=False)
    page = client.get("/c/seoul/manage/answers").get_data(as_text=True)
    assert f'href="{_url(seoul.proposal)}"' in page and f'href="{_url(other)}"' in page
    assert page.count("(draft saved)") == 1
    row = page[page.index(f'href="{_url(seoul.proposal)}"'):]
    assert row.index("(draft saved)") < row.index("</tr>")

    # Once published, the answered proposal leaves the queue.
    assert _send(client, seoul.proposal).status_code == 302
    page = client.get("/c/seoul/manage/answers").get_data(as_text=True)
    assert _url(seoul.proposal) not in page and _url(other) in page and "1 proposal" in page


# Publishing --------------------------------------------------------------------------------------------------

def test_publishing_sets_the_state_and_the_answer_and_tells_the_author_and_followers_once(app, client, make, db,
                                                                                        seoul):
    author_row = db.session.get(User, seoul.author.id)
    author_row.email_notifications = "immediate"
    db.session.commit()
    _follow(seoul.author, seoul.proposal)  # the author follows too: still one notification
    followers = [make.member(seoul.city, email=f"follower{n}@example.org") for n in range(2)]
    for person in followers:
        _follow(person, seoul.proposal)
    db.session.get(User, followers[0].id).email_notifications = "immediate"
    db.session.commit()
    _follow(seoul.planner, seoul.proposal)  # never told about one's own answer
    bystander = make.member(seoul.city)
    supporter = make.member(seoul.city)  # supports without following: told too (and once, though also a follower)
    from app.models import Membership
    from app.voting import supports

    for person in (supporter, followers[0]):
        membership = db.session.scalar(select(Membership).where(Membership.user_id == person.id))
        supports.support(membership, db.session.get(Proposal, seoul.proposal.id))
    db.session.commit()

    login(client, seoul.planner)
    _send(client, seoul.proposal, state="evaluating", text="First thoughts", publish=False)
    before = utcnow()
    response = _send(client, seoul.proposal, state="accepted")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/seoul/proposals/{seoul.proposal.id}#answer")

    row = _fresh(seoul.proposal)
    assert row.state == ProposalState.ACCEPTED and row.answer == ANSWER
    assert row.answered_at is not None and row.answered_at >= before - timedelta(seconds=1)
    assert row.answered_by_id == seoul.planner.id
    assert row.answer_draft is None and row.answer_draft_state is None

    notes = _notes()
    assert sorted(n.user_id for n in notes) == sorted([seoul.author.id, supporter.id] + [p.id for p in followers])
    assert {n.kind for n in notes} == {"proposal_answered"}
    assert all(n.actor_id == seoul.planner.id and n.target_type == "proposal" and n.target_id == row.id
               and n.city_id == seoul.city.id for n in notes)
    assert _notes(bystander) == [] and _notes(seoul.planner) == []

    # Mail for those who asked for it at once; the others wait for their digest.
    [mail] = _mails(app, seoul.author.email)
    assert "The city answered “A protected bike lane”: Accepted." in mail["Subject"]
    assert f"/c/seoul/proposals/{row.id}" in mail.get_body(preferencelist=("plain",)).get_content()
    assert len(_mails(app, followers[0].email)) == 1 and _mails(app, followers[1].email) == []

    [published] = [e for e in _events() if e.action == "proposal.answer_publish"]
    assert published.changes["state"] == ["published", "accepted"]
    assert published.changes["answer"] == [None, ANSWER]
    assert published.changes["answer_draft"] == ["First thoughts", None]

    # The author reads it in the app, naming the new state.
    author_client = app.test_client()
    login(author_client, seoul.author)
    assert "The city answered “A protected bike lane”: Accepted." in author_client.get(
        "/notifications").get_data(as_text=True)


def test_the_proposal_page_shows_the_published_answer_to_everyone(client, make, db, seoul):
    login(client, seoul.planner)
    _send(client, seoul.proposal, state="implemented",
          text="Done: see [the report](https://seoul.go.kr/report).\n\n<script>alert(1)</script>")
    anonymous = client.application.test_client()
    section = _section(_page(anonymous, seoul.proposal))
    assert "<h2 id=\"h-answer\">The city&#39;s answer</h2>" in section or "The city's answer" in section
    assert 'class="state state-implemented">Implemented</span>' in section
    assert "by So-yeon." in section and "Answered on" in section
    assert '<a href="https://seoul.go.kr/report" rel="nofollow noopener ugc">the report</a>' in section
    assert "<script>" not in section and "Answer due since" not in section
    assert "Revise the answer" not in section
    assert "Revise the answer" in _section(_page(client, seoul.proposal))  # the planner's way back


def test_a_published_answer_can_be_revised_with_its_history_audited(client, make, db, seoul):
    follower = make.member(seoul.city)
    _follow(follower, seoul.proposal)
    login(client, seoul.planner)
    _send(client, seoul.proposal, state="evaluating", text="We are studying it.")
    first = _fresh(seoul.proposal).answered_at
    form = client.get(_url(seoul.proposal)).get_data(as_text=True)
    assert "We are studying it.</textarea>" in form and "The published answer" in form

    # A draft of the revision leaves the published answer as it was.
    _send(client, seoul.proposal, state="accepted", text="Accepted: it is in the 2027 budget.", publish=False)
    row = _fresh(seoul.proposal)
    assert (row.state, row.answer, row.answer_draft) == ("evaluating", "We are studying it.",
                                                         "Accepted: it is in the 2027 budget.")
    assert "We are studying it." in _section(_page(client.application.test_client(), seoul.proposal))

    colleague = make.member(seoul.city, Role.PLANNER, name="Hyun-woo")
    other = client.application.test_client()
    login(other, colleague)
    assert _send(other, seoul.proposal, state="accepted", text="Accepted: it is in the 2027 budget.").status_code == 302
    row = _fresh(seoul.proposal)
    assert (row.state, row.answer, row.answered_by_id) == ("accepted", "Accepted: it is in the 2027 budget.",
                                                           colleague.id)
    assert row.answered_at >= first and row.answer_draft is None
    assert [n.user_id for n in _notes(follower)] == [follower.id, follower.id]  # once per publication
    assert len(_notes(seoul.author)) == 2

    actions = [e.action for e in _events()]
    assert actions == ["proposal.answer_publish", "proposal.answer_draft", "proposal.answer_revise"]
    revise = _events()[-1]
    assert revise.actor_id == colleague.id
    assert revise.changes["answer"] == ["We are studying it.", "Accepted: it is in the 2027 budget."]
    assert revise.changes["state"] == ["evaluating", "accepted"]
    assert "by Hyun-woo." in _section(_page(client, seoul.proposal))


def test_the_same_answer_sent_twice_is_published_and_told_once(client, make, db, seoul):
    follower = make.member(seoul.city)
    _follow(follower, seoul.proposal)
    login(client, seoul.planner)
    assert _send(client, seoul.proposal).status_code == 302
    again = _send(client, seoul.proposal)
    assert again.status_code == 302
    assert "This answer is published already." in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(_notes(follower)) == 1 and len(_notes(seoul.author)) == 1
    assert [e.action for e in _events()] == ["proposal.answer_publish"]


def test_a_double_click_on_publish_publishes_once_even_at_the_same_moment(app, make, db, seoul):
    postgres_only(db)
    follower = make.member(seoul.city)
    _follow(follower, seoul.proposal)
    url = _url(seoul.proposal)
    clients = same_person_clients(app, seoul.planner, 4)
    results = all_at_once(clients, posting(url, {"state": "accepted", "answer": ANSWER, "publish": "1"}))
    assert results == [302] * 4
    assert len(_notes(follower)) == 1 and len(_notes(seoul.author)) == 1
    assert [e.action for e in _events()] == ["proposal.answer_publish"]
    assert _fresh(seoul.proposal).state == ProposalState.ACCEPTED


# Bad input ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "message"), [
    ({"state": "accepted", "answer": "   "}, "Write the answer."),
    ({"state": "accepted", "answer": ""}, "Write the answer."),
    ({"answer": "An answer without a state"}, "Choose the proposal's state."),
    ({"state": "withdrawn", "answer": "An answer with an author's state"}, "Not a valid choice"),
    ({"state": "published", "answer": "An answer with no new state"}, "Not a valid choice"),
    ({"state": "sunk", "answer": "An unknown state"}, "Not a valid choice"),
    ({"state": "accepted", "answer": "x" * (answers.MAX_ANSWER_LENGTH + 1)}, "at most 20000 characters"),
])
@pytest.mark.parametrize("button", ["publish", "save_draft"])
def test_bad_input_is_answered_422_with_the_form_kept(client, make, db, seoul, data, message, button):
    follower = make.member(seoul.city)
    _follow(follower, seoul.proposal)
    login(client, seoul.planner)
    response = client.post(_url(seoul.proposal), data={**data, button: "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and message in text, text[text.index("<main"):]
    assert 'class="error-summary"' in text and 'aria-invalid="true"' in text
    if data.get("answer", "").strip() and len(data["answer"]) < 100:
        assert data["answer"].replace("'", "&#39;") + "</textarea>" in text
    row = _fresh(seoul.proposal)
    assert (row.state, row.answer, row.answer_draft) == ("published", None, None)
    assert _notes() == [] and _events() == []


def test_the_longest_answer_allowed_is_kept_whole(client, seoul):
    login(client, seoul.planner)
    text = "가" * answers.MAX_ANSWER_LENGTH
    assert _send(client, seoul.proposal, text=text).status_code == 302
    assert _fresh(seoul.proposal).answer == text


# Services ----------------------------------------------------------------------------------------------------

def test_answer_data_refuses_states_that_are_not_answers():
    for state in ("published", "withdrawn", "nonsense"):
        with pytest.raises(ValueError):
            answers.AnswerData(state=state, text="x")
    assert answers.AnswerData(state="rejected", text="x").state == "rejected"


def test_the_answer_view_counts_days_waiting_in_the_city_calendar(app, make, db, seoul):
    from datetime import datetime, timezone

    proposal = seoul.proposal
    proposal.answer_due_since = datetime(2026, 11, 30, 14, 30, tzinfo=timezone.utc)  # 23:30 in Seoul
    db.session.commit()
    with app.test_request_context():
        view = answers.answer_view(None, proposal, now=datetime(2026, 12, 3, 15, 30, tzinfo=timezone.utc))
    assert (view.days_waiting, view.published, view.shown) == (4, False, True)  # 30 Nov → 4 Dec in Seoul
    assert not view.may_answer
    proposal.answer, proposal.answered_at, proposal.state = "Yes", utcnow(), ProposalState.ACCEPTED
    db.session.commit()
    with app.test_request_context():
        view = answers.answer_view(None, proposal)
    assert view.due_since is None and view.days_waiting is None and view.published and view.html == "<p>Yes</p>\n"
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_planners_link_a_proposal_to_plan_items_and_targets(app, client, make, db, seoul):
    plan = make.plan(seoul.city, items=("cycling-network", "safe-streets"))
    other_city = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=())
    foreign_item = make.plan(other_city, items=("harbour",)).items[0]
    url = f"/c/seoul/manage/proposals/{seoul.proposal.id}/links"
    author = app.test_client()
    login(author, seoul.author)
    assert author.post(url, data={"links-plan_items": [plan.items[0].id]}).status_code == 403
    login(client, seoul.planner)
    page = client.get(url).get_data(as_text=True)
    assert "Cycling Network" in page and "Harbour" not in page
    refused = client.post(url, data={"links-plan_items": [foreign_item.id]})
    assert refused.status_code == 422
    response = client.post(url, data={"links-plan_items": [plan.items[1].id], "links-sdg_targets": ["11.2", "3.6"]})
    assert response.status_code == 302
    row = _fresh(seoul.proposal)
    assert [i.id for i in row.plan_items] == [plan.items[1].id]
    assert sorted(t.code for t in row.sdg_targets) == ["11.2", "3.6"]
    assert any(e.action == "proposal.link" for e in _events("proposal.link"))
    assert "Safe Streets" in client.get(f"/c/seoul/proposals/{seoul.proposal.id}").get_data(as_text=True)
