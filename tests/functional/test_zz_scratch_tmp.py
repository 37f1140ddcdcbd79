import pytest
from sqlalchemy import select, delete
from sqlalchemy.exc import IntegrityError
from app.deliberation import services
from app.extensions import db
from app.models import CommentVote
from tests.functional import test_deliberation as td
from tests.functional.test_deliberation import _rate_limits_as_configured, _replies_first, seoul  # noqa


def fixed_vote(user, comment, value):
    def mine():
        return db.session.scalar(select(CommentVote).where(CommentVote.user_id == user.id, CommentVote.comment_id == comment.id))
    existing = mine()
    if existing is None and value != 0:
        try:
            with db.session.begin_nested():
                db.session.add(CommentVote(user_id=user.id, comment_id=comment.id, value=value))
            return value
        except IntegrityError:
            existing = mine()
            if existing is not None:
                existing.value = value
                db.session.flush()
                return value
    if existing is None:
        return 0
    if value == 0 or existing.value == value:
        db.session.execute(delete(CommentVote).where(CommentVote.id == existing.id))
        return 0
    existing.value = value
    db.session.flush()
    return value


def test_fixed(app, make, db, seoul, monkeypatch):
    monkeypatch.setattr(services, "vote_on_comment", fixed_vote)
    td.test_simultaneous_votes_of_one_person_leave_one_row.__wrapped__(app, make, db, seoul) if hasattr(td.test_simultaneous_votes_of_one_person_leave_one_row, "__wrapped__") else td.test_simultaneous_votes_of_one_person_leave_one_row(app, make, db, seoul)


def test_fixed_toggle(client, make, db, seoul, monkeypatch):
    monkeypatch.setattr(services, "vote_on_comment", fixed_vote)
    td.test_voting_the_same_way_twice_takes_the_vote_back_and_the_other_way_changes_it(client, make, db, seoul)
