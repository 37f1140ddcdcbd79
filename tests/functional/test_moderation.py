"""Moderation hides and never destroys: flags, the queue, hide and restore, blocks, suspensions, reviews."""
import pytest
from sqlalchemy import func, select

from app.deliberation import services as deliberation
from app.models import AuditEvent, Comment, Flag, Membership, Proposal, ReviewRequest, Role, User
from tests.conftest import login


@pytest.fixture
def scene(make, db):
    city = make.city()
    process = make.process(city, phases=((-1, 5, ("propose", "comment")),))
    author = make.member(city, name="Writer")
    proposal = make.proposal(process, author, title="Proposal under scrutiny")
    comment = deliberation.post_comment(author, proposal, "Call me at 010-1234-5678 tonight", "for")
    db.session.commit()
    moderator = make.member(city, Role.MODERATOR, name="Moderator")
    return city, process, author, proposal, comment, moderator


def _flag(app, user, kind, ident, reason="spam", text=""):
    client = app.test_client()
    login(client, user)
    return client.post(f"/c/seoul/flag/{kind}/{ident}", data={"reason": reason, "text": text})


def test_one_flag_per_person_and_enough_flags_hide_pending_review(app, make, db, scene):
    city, process, author, proposal, comment, moderator = scene
    flaggers = [make.member(city) for _ in range(3)]
    assert _flag(app, flaggers[0], "comment", comment.id).status_code == 302
    assert _flag(app, flaggers[0], "comment", comment.id).status_code == 302  # again: still one flag
    assert db.session.scalar(select(func.count(Flag.id))) == 1
    _flag(app, flaggers[1], "comment", comment.id, "personal_data")
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None  # two of three
    _flag(app, flaggers[2], "comment", comment.id, "other", "phone number")
    db.session.expire_all()
    hidden = db.session.get(Comment, comment.id)
    assert hidden.hidden_at is not None and hidden.hidden_by_id is None and hidden.hidden_reason == "pending-review"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "moderation.auto_hide")) is not None
    page = app.test_client().get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    assert "010-1234-5678" not in page and "until a moderator reviews it" in page


def test_other_needs_a_text_and_unknown_targets_are_404(app, make, scene):
    city, process, author, proposal, comment, moderator = scene
    flagger = make.member(city)
    client = app.test_client()
    login(client, flagger)
    response = client.post(f"/c/seoul/flag/comment/{comment.id}", data={"reason": "other", "text": ""})
    assert response.status_code == 422 and "Say what is wrong" in response.get_data(as_text=True)
    assert client.get("/c/seoul/flag/comment/999999").status_code == 404
    assert client.get(f"/c/seoul/flag/spaceship/{comment.id}").status_code == 404


def test_moderator_hides_with_a_reason_then_restores_and_nothing_is_deleted(app, make, db, scene):
    city, process, author, proposal, comment, moderator = scene
    client = app.test_client()
    login(client, moderator)
    assert client.get("/c/seoul/moderation").status_code == 200
    response = client.post(f"/c/seoul/moderation/comment/{comment.id}/hide", data={"reason": "Personal data"})
    assert response.status_code == 302
    public = app.test_client().get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    assert "010-1234-5678" not in public and "Hidden by a moderator: Personal data" in public
    seen_by_moderator = client.get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    assert "010-1234-5678" in seen_by_moderator and "hidden-content" in seen_by_moderator
    assert client.post(f"/c/seoul/moderation/comment/{comment.id}/restore").status_code == 302
    db.session.expire_all()
    restored = db.session.get(Comment, comment.id)
    assert restored.hidden_at is None and "010-1234-5678" in restored.body
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["moderation.hide", "moderation.restore"]


def test_a_moderator_of_another_city_cannot_act(app, make, db, scene):
    city, process, author, proposal, comment, moderator = scene
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산")
    outsider = make.member(busan, Role.MODERATOR, Role.ADMIN)
    client = app.test_client()
    login(client, outsider)
    assert client.get("/c/seoul/moderation").status_code == 403
    assert client.post(f"/c/seoul/moderation/comment/{comment.id}/hide", data={"reason": "x"}).status_code == 403
    assert client.post(f"/c/busan/moderation/comment/{comment.id}/hide", data={"reason": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None


def test_citizens_cannot_moderate(app, make, scene):
    city, process, author, proposal, comment, moderator = scene
    client = app.test_client()
    login(client, make.member(city))
    assert client.get("/c/seoul/moderation").status_code == 403
    assert client.post(f"/c/seoul/moderation/proposal/{proposal.id}/hide", data={"reason": "x"}).status_code == 403


def test_dismissing_flags_keeps_the_item_and_clears_the_queue(app, make, db, scene):
    city, process, author, proposal, comment, moderator = scene
    _flag(app, make.member(city), "proposal", proposal.id, "off_topic")
    client = app.test_client()
    login(client, moderator)
    assert "Proposal under scrutiny" in client.get("/c/seoul/moderation").get_data(as_text=True)
    client.post(f"/c/seoul/moderation/proposal/{proposal.id}/dismiss")
    assert "Nothing waits for a moderator" in client.get("/c/seoul/moderation").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Flag.id))) == 1  # the flag stays, resolved


def test_block_hides_content_and_refuses_participation_and_can_be_lifted(app, make, db, scene):
    city, process, author, proposal, comment, moderator = scene
    mod_client = app.test_client()
    login(mod_client, moderator)
    assert mod_client.post(f"/c/seoul/moderation/members/{author.id}/block", data={"reason": "Spam"}).status_code == 302
    list_page = app.test_client().get(f"/c/seoul/processes/{process.id}/proposals").get_data(as_text=True)
    assert "Proposal under scrutiny" not in list_page
    detail = app.test_client().get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    assert "its author is blocked" in detail and "010-1234-5678" not in detail
    author_client = app.test_client()
    login(author_client, author)
    refused = author_client.post(f"/c/seoul/proposals/{proposal.id}/comments", data={"body": "Still here"})
    assert refused.status_code == 403 and "blocked you" in refused.get_data(as_text=True)
    mod_client.post(f"/c/seoul/moderation/members/{author.id}/unblock")
    assert "Proposal under scrutiny" in app.test_client().get(
        f"/c/seoul/processes/{process.id}/proposals").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Proposal.id))) == 1 and db.session.scalar(select(func.count(Comment.id))) == 1
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"moderation.block", "moderation.unblock"} <= actions


def test_the_author_asks_for_a_review_once_and_it_lands_in_the_queue(app, make, db, scene):
    city, process, author, proposal, comment, moderator = scene
    mod_client = app.test_client()
    login(mod_client, moderator)
    mod_client.post(f"/c/seoul/moderation/comment/{comment.id}/hide", data={"reason": "Personal data"})
    author_client = app.test_client()
    login(author_client, author)
    page = author_client.get(f"/c/seoul/proposals/{proposal.id}").get_data(as_text=True)
    assert "Ask for a review" in page
    assert author_client.post(f"/c/seoul/review/comment/{comment.id}", data={"text": "I removed nothing"}).status_code == 302
    author_client.post(f"/c/seoul/review/comment/{comment.id}", data={"text": "Again"})
    assert db.session.scalar(select(func.count(ReviewRequest.id))) == 1
    assert "I removed nothing" in mod_client.get("/c/seoul/moderation").get_data(as_text=True)
    other = app.test_client()
    login(other, make.member(city))
    assert other.get(f"/c/seoul/review/comment/{comment.id}").status_code == 403


def test_a_platform_admin_suspends_an_account_everywhere(app, make, db, scene):
    city, process, author, proposal, comment, moderator = scene
    admin = make.user(is_platform_admin=True)
    author_client = app.test_client()
    login(author_client, author)
    client = app.test_client()
    login(client, admin)
    assert client.post(f"/c/seoul/moderation/accounts/{author.id}/suspend", data={"reason": "Fraud"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, author.id).suspended_at is not None
    assert author_client.get("/auth/account").status_code == 302  # the running session ends
    response = app.test_client().post("/auth/login", data={"email": author.email, "password": "correct horse battery staple"})
    assert response.status_code == 403 and "suspended: Fraud" in response.get_data(as_text=True)
    mod_client = app.test_client()
    login(mod_client, moderator)
    assert mod_client.post(f"/c/seoul/moderation/accounts/{author.id}/suspend", data={"reason": "x"}).status_code == 403
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.suspend")).actor_id == admin.id
