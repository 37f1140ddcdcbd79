"""A citizen deletes their account: personal data goes, votes stay counted (anonymous), content stays as
"deleted user" where others replied to it or acted on it, otherwise it goes; the last administrator of a city,
the last platform administrator and the last representative of an organization must hand over first."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from app.models import (
    AuditEvent,
    Base,
    BudgetBallot,
    Comment,
    CommentVote,
    Debate,
    Membership,
    Organization,
    OrganizationMember,
    OrganizationRole,
    Participant,
    PollBallot,
    PollRollEntry,
    Practice,
    PracticeQuestion,
    Proposal,
    Role,
    Statement,
    StatementVote,
    Support,
    User,
    VisionEndorsement,
)
from tests.conftest import PASSWORD, login
from tests.functional.test_account_data import MINJI, build_world


@pytest.fixture
def world(make):
    return build_world(make)


def _delete(client, user, password=PASSWORD):
    login(client, user)
    return client.post("/auth/account/delete", data={"current_password": password})


def _row_counts(db) -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


def _exists(db, model, row_id) -> bool:
    return db.session.get(model, row_id, populate_existing=True) is not None


def _vote_totals(db, w) -> dict[str, int]:
    """The votes on what stays, by everyone."""
    count = lambda q: db.session.scalar(select(func.count()).select_from(q.subquery()))  # noqa: E731
    return {
        "supports on Jae-won's and kept proposals": count(select(Support.id).where(Support.proposal_id.in_(
            [w.id.p_other, w.id.p_supported]))),
        "statement votes on kept statements": count(select(StatementVote.id).where(StatementVote.statement_id.in_(
            [w.id.s_voted, w.id.s_other]))),
        "comment votes on kept comments": count(select(CommentVote.id).where(CommentVote.comment_id.in_(
            [w.id.c_other_on_mine, w.id.c_replied]))),
        "budget ballots": count(select(BudgetBallot.id)),
        "poll ballots": count(select(PollBallot.id)),
        "poll roll": count(select(PollRollEntry.participant_id)),
        "vision answers": count(select(VisionEndorsement.id)),
    }


def test_deletion_ends_the_session_and_the_account(client, world, db):
    response = _delete(client, world.minji)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Your account is deleted" in home
    assert client.get("/auth/account").status_code == 302  # logged out
    refused = client.post("/auth/login", data={"email": MINJI["email"], "password": PASSWORD})
    assert refused.status_code == 200 and "not right" in refused.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == MINJI["email"])) is None


def test_the_email_address_can_register_again(client, world, db):
    _delete(client, world.minji)
    client.post("/auth/logout")
    response = client.post("/auth/register", data={
        "name": "Minji Again", "email": MINJI["email"], "password": "a new and long passphrase",
        "password_again": "a new and long passphrase", "accept_terms": "y"})
    assert response.status_code == 302
    again = db.session.scalar(select(User).where(User.email == MINJI["email"]))
    assert again is not None and again.id != world.id.minji and again.memberships == []


def test_personal_data_is_gone_from_every_table(client, world, db):
    user_id = world.id.minji
    _delete(client, world.minji)
    needles = set()
    for value in (MINJI["email"], MINJI["name"]):
        needles |= {value.lower(), json.dumps(value)[1:-1].lower()}
    found = []
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            blob = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False).lower()
            found += [(table.name, n) for n in needles if n in blob]
    assert found == []
    # And nothing points at the account any more (SET NULL or gone).
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "users":
                assert db.session.scalar(select(func.count()).select_from(table)
                                         .where(fk.parent == user_id)) == 0, (table.name, fk.parent.name)
    # The practice stays with the city, its contact blanked; the audit trail keeps the action, not the person.
    practice = db.session.get(Practice, world.id.practice)
    assert practice is not None and practice.contact_email == "" and practice.contact_user_id is None


def test_memberships_roles_and_personal_rows_go(client, world, db):
    before = _row_counts(db)
    _delete(client, world.minji)
    after = _row_counts(db)
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 1  # Jae-won's
    assert after["role_grants"] == before["role_grants"] - 2
    assert after["api_tokens"] == before["api_tokens"] - 1
    assert after["organization_members"] == before["organization_members"] - 1
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 1  # Jae-won represents it
    endorsement = db.session.scalar(select(VisionEndorsement))
    assert endorsement.value == "partly" and endorsement.comment == ""  # the answer counts, the words go


def test_votes_stay_counted_by_an_anonymous_participant(client, world, db):
    totals = _vote_totals(db, world)
    participant_id = db.session.scalar(select(Participant.id).join(Membership, Participant.membership_id ==
                                                                   Membership.id).where(
        Membership.user_id == world.id.minji))
    _delete(client, world.minji)
    assert _vote_totals(db, world) == totals
    participant = db.session.get(Participant, participant_id, populate_existing=True)
    assert participant is not None and participant.membership_id is None
    assert db.session.scalar(select(func.count()).select_from(Support)
                             .where(Support.participant_id == participant_id)) == 1  # Jae-won's idea
    assert db.session.scalar(select(func.count()).select_from(CommentVote).where(CommentVote.user_id.is_(None))) == 1
    assert db.session.get(Proposal, world.id.p_other, populate_existing=True).support_count == 1


def test_content_stays_where_others_took_part_and_goes_otherwise(client, world, db):
    _delete(client, world.minji)
    kept = {
        "comment with a reply": (Comment, world.id.c_replied),
        "proposal others commented on": (Proposal, world.id.p_commented),
        "proposal others supported": (Proposal, world.id.p_supported),
        "answered proposal": (Proposal, world.id.p_answered),
        "proposal linked to a plan item": (Proposal, world.id.p_planned),
        "proposal linked to a result": (Proposal, world.id.p_result),
        "proposal on a budget ballot": (Proposal, world.id.p_ballot),
        "debate with others' comments": (Debate, world.id.d_discussed),
        "statement others voted on": (Statement, world.id.s_voted),
        "answered question": (PracticeQuestion, world.id.q_answered),
        "the practice": (Practice, world.id.practice),
    }
    gone = {
        "comment without replies": (Comment, world.id.c_lonely),
        "own thread, top": (Comment, world.id.c_chain_top),
        "own thread, reply": (Comment, world.id.c_chain_reply),
        "untouched proposal": (Proposal, world.id.p_lonely),
        "debate nobody joined": (Debate, world.id.d_lonely),
        "statement only its author voted on": (Statement, world.id.s_lonely),
        "unanswered question": (PracticeQuestion, world.id.q_unanswered),
    }
    assert [what for what, (model, i) in kept.items() if not _exists(db, model, i)] == []
    assert [what for what, (model, i) in gone.items() if _exists(db, model, i)] == []
    for model, row_id in kept.values():
        row = db.session.get(model, row_id)
        author = getattr(row, "author_id", getattr(row, "created_by_id", None))
        assert author is None
    replied = db.session.get(Comment, world.id.c_replied)
    assert replied.body == "A remark that got a reply"  # the thread keeps its shape and its words
    # What went takes its follows and flags along; Jae-won's content is untouched.
    assert _exists(db, Comment, world.id.c_reply_by_other) and _exists(db, Proposal, world.id.p_other)
    assert db.session.scalar(text("SELECT count(*) FROM follows WHERE target_type = 'debate' AND target_id = :i"),
                             {"i": world.id.d_lonely}) == 0


def test_the_proposal_page_shows_deleted_user(client, world, db):
    _delete(client, world.minji)
    page = client.get(f"/c/seoul/proposals/{world.id.p_commented}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "deleted user" in body and MINJI["name"] not in body
    assert client.get(f"/c/seoul/proposals/{world.id.p_lonely}").status_code == 404


def test_stored_tallies_equal_the_rows(client, world, db):
    _delete(client, world.minji)
    for proposal in db.session.scalars(select(Proposal)):
        assert proposal.support_count == db.session.scalar(
            select(func.count()).select_from(Support).where(Support.proposal_id == proposal.id)), proposal.title
    for comment in db.session.scalars(select(Comment)):
        votes = dict(db.session.execute(select(CommentVote.value, func.count()).where(
            CommentVote.comment_id == comment.id).group_by(CommentVote.value)).all())
        assert (comment.up_votes, comment.down_votes) == (votes.get(1, 0), votes.get(-1, 0)), comment.body
        assert comment.score == comment.up_votes - comment.down_votes
    for statement in db.session.scalars(select(Statement)):
        votes = dict(db.session.execute(select(StatementVote.value, func.count()).where(
            StatementVote.statement_id == statement.id).group_by(StatementVote.value)).all())
        assert (statement.agree_count, statement.disagree_count, statement.pass_count) == (
            votes.get(1, 0), votes.get(-1, 0), votes.get(0, 0)), statement.body


def test_the_audit_event_holds_no_personal_data(client, world, db):
    user_id = world.id.minji
    _delete(client, world.minji)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.delete")).all()
    assert event.target_type == "user" and event.target_id == user_id and event.actor_id is None
    assert event.city_id is None
    recorded = json.dumps(event.changes)
    assert MINJI["email"] not in recorded and MINJI["name"] not in recorded
    assert event.changes["deleted"]["proposals"] == 1 and event.changes["kept"]["proposals"] == 6


def test_a_wrong_password_deletes_nothing(client, world, db):
    before = _row_counts(db)
    response = _delete(client, world.minji, password="not my password at all")
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    assert _row_counts(db) == before
    assert client.get("/auth/account").status_code == 200  # still logged in


def test_the_page_explains_what_goes_and_what_stays(client, world):
    login(client, world.minji)
    page = client.get("/auth/account/delete")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "What goes" in body and "What stays" in body and 'name="current_password"' in body


def test_a_cited_comment_stays_even_without_replies(client, world, db):
    """A published vision quoting a comment acted on it: the comment stays, as "deleted user"."""
    from app.models import VisionSummary, utcnow

    db.session.add(VisionSummary(process_id=world.id.process, state="published", version=2,
                                 published_at=utcnow(), title="Vision 2", evidence={
                                     "arguments": {"for": [{"kind": "comment", "id": world.id.c_lonely}]}}))
    db.session.commit()
    _delete(client, world.minji)
    comment = db.session.get(Comment, world.id.c_lonely, populate_existing=True)
    assert comment is not None and comment.author_id is None


# Refusals -----------------------------------------------------------------------------------------------

def _refused(client, user, reason: str, db):
    before = _row_counts(db)
    login(client, user)
    page = client.get("/auth/account/delete")
    assert page.status_code == 200 and reason in page.get_data(as_text=True)
    assert 'name="current_password"' not in page.get_data(as_text=True)
    response = client.post("/auth/account/delete", data={"current_password": PASSWORD})
    assert response.status_code == 403 and reason in response.get_data(as_text=True)
    assert _row_counts(db) == before


def test_the_last_administrator_of_a_city_must_hand_over(client, make, db):
    city = make.city()
    admin = make.member(city, Role.ADMIN)
    _refused(client, admin, "You are the last administrator of", db)
    admin_id = admin.id
    make.member(city, Role.ADMIN)
    assert _delete(client, admin).status_code == 302
    assert db.session.get(User, admin_id, populate_existing=True) is None


def test_the_last_platform_administrator_must_hand_over(client, make, db):
    platform = make.user(is_platform_admin=True)
    _refused(client, platform, "You are the last platform administrator.", db)
    make.user(is_platform_admin=True)
    assert _delete(client, platform).status_code == 302


def test_the_last_representative_of_an_organization_must_hand_over(client, make, db):
    from app.practices.organization_services import OrganizationData, create_organization

    city = make.city()
    rep = make.member(city)
    organization = create_organization(rep, OrganizationData("Mapo Cyclists", "community_group", "city", city.id,
                                                             "", None))
    member = make.member(city)
    db.session.add(OrganizationMember(organization_id=organization.id, user_id=member.id))
    db.session.commit()
    _refused(client, rep, "You are the last representative of the organization Mapo Cyclists.", db)
    member_id = member.id
    db.session.get(OrganizationMember, (organization.id, member_id)).role = OrganizationRole.REPRESENTATIVE
    db.session.commit()
    assert _delete(client, rep).status_code == 302
    assert [m.user_id for m in db.session.scalars(select(OrganizationMember))] == [member_id]


def test_deletion_needs_a_login_and_a_post_for_the_deed(client, world, db):
    assert client.post("/auth/account/delete", data={"current_password": PASSWORD}).status_code == 302
    assert db.session.get(User, world.id.minji) is not None
    login(client, world.minji)
    assert client.get("/auth/account/delete").status_code == 200
    assert db.session.get(User, world.id.minji, populate_existing=True) is not None


def test_other_peoples_audit_entries_equal_to_the_name_are_not_erased(client, make, db):
    """The audit log loses the person's name where it was copied, never someone else's history that merely
    holds the same words (a process renamed "Haneul" by its facilitator stays "Haneul")."""
    from app.audit import record
    from app.models import AuditTarget

    city = make.city()
    staff = make.member(city, Role.ADMIN)
    haneul = make.member(city, name="Haneul", email="haneul@example.org")
    process = make.process(city)
    event = record(staff, "process.update", AuditTarget.PROCESS, process.id, city_id=city.id,
                   changes={"title_en": ["Green transport", "Haneul"]})
    db.session.commit()
    event_id = event.id
    response = _delete(client, haneul)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AuditEvent, event_id).changes == {"title_en": ["Green transport", "Haneul"]}


def test_a_reply_arriving_while_the_account_is_deleted_keeps_the_comment(client, make, db):
    """PostgreSQL: a reply is being written (its transaction holds a key-share lock on the comment) while its
    author deletes their account. The deletion waits for the reply and keeps the comment for it, instead of
    failing (a 500) on the reply's foreign key."""
    import threading

    from sqlalchemy import insert

    from app.deliberation.services import post_comment

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite runs one writer at a time)")
    city = make.city()
    minji = make.member(city, name="Min-ji Race", email="race@example.org")
    other = make.member(city)
    process = make.process(city)
    proposal = make.proposal(process, other)
    comment = post_comment(minji, proposal, "Soon replied to", None)
    db.session.commit()
    comment_id, proposal_id, other_id = comment.id, proposal.id, other.id
    login(client, minji)

    replier = db.engine.connect()
    transaction = replier.begin()
    replier.execute(insert(Comment.__table__).values(
        proposal_id=proposal_id, parent_id=comment_id, root_id=comment_id, depth=1, author_id=other_id,
        body="A reply", body_html="<p>A reply</p>", language="en"))
    timer = threading.Timer(1.0, transaction.commit)
    timer.start()
    try:
        response = client.post("/auth/account/delete", data={"current_password": PASSWORD})
    finally:
        timer.join()
        replier.close()
    assert response.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Comment, comment_id)
    assert kept is not None and kept.author_id is None
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.parent_id == comment_id)) == 1
