"""Who hears about what: replies, mentions, comments on my proposal, what I follow, hidden content; in the
app with an unread count, and by e-mail (immediately, or as a daily digest over real SMTP)."""
import pytest
from sqlalchemy import func, select

from app.models import Comment, Follow, Notification, Role, User
from tests.conftest import login


@pytest.fixture
def place(make, db):
    city = make.city()
    process = make.process(city, phases=((-1, 5, ("propose", "comment")),))
    author = make.member(city, name="Minji")
    proposal = make.proposal(process, author, title="Bike lane on Worldcup-ro")
    db.session.add(Follow(user_id=author.id, target_type="proposal", target_id=proposal.id))
    db.session.commit()
    return city, process, author, proposal


def _comment(app, user, proposal, body, parent=None):
    client = app.test_client()
    login(client, user)
    data = {"body": body, "stance": ""}
    if parent:
        data["parent_id"] = str(parent)
    response = client.post(f"/c/seoul/proposals/{proposal.id}/comments", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _notes(db, user):
    db.session.expire_all()
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def test_reply_mention_and_comment_on_my_proposal(app, make, db, place):
    city, process, author, proposal = place
    jaewon = make.member(city, name="재원")
    _comment(app, jaewon, proposal, "Good idea, but what about parking?")
    assert [n.kind for n in _notes(db, author)] == ["comment_on_proposal"]
    first = db.session.scalar(select(Comment))
    _comment(app, author, proposal, "Thanks @재원 — parking moves one street over.", parent=first.id)
    assert [n.kind for n in _notes(db, jaewon)] == ["reply"]  # a reply that also mentions: one notification
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == first.id))
    assert f'href="/c/seoul/people/{jaewon.id}"' in reply.body_html and "@재원" in reply.body_html
    soyeon = make.member(city, name="Soyeon")
    _comment(app, author, proposal, "@[Soyeon] could the city answer this? And @nobody here.")
    assert [n.kind for n in _notes(db, soyeon)] == ["mention"]
    assert all(n.actor_id != author.id for n in _notes(db, author))  # never about one's own actions


def test_ambiguous_mentions_link_nobody(app, make, db, place):
    city, process, author, proposal = place
    make.member(city, name="Twin")
    make.member(city, name="Twin")
    _comment(app, author, proposal, "Hello @Twin")
    comment = db.session.scalar(select(Comment))
    assert "/people/" not in comment.body_html
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_followers_hear_of_comments_and_changes_and_can_unfollow(app, make, db, place):
    city, process, author, proposal = place
    follower = make.member(city)
    client = app.test_client()
    login(client, follower)
    assert client.post(f"/c/seoul/follow/proposal/{proposal.id}", data={"follow": "1"}).status_code == 302
    client.post(f"/c/seoul/follow/proposal/{proposal.id}", data={"follow": "1"})  # twice: still one follow
    assert db.session.scalar(select(func.count(Follow.id)).where(Follow.user_id == follower.id)) == 1
    _comment(app, make.member(city), proposal, "A fresh argument")
    assert [n.kind for n in _notes(db, follower)] == ["followed_comment"]
    author_client = app.test_client()
    login(author_client, author)
    author_client.post(f"/c/seoul/proposals/{proposal.id}/withdraw", data={"reason": "Merged"})
    assert [n.kind for n in _notes(db, follower)] == ["followed_comment", "followed_change"]
    client.post(f"/c/seoul/follow/proposal/{proposal.id}", data={"follow": "0"})
    assert db.session.scalar(select(func.count(Follow.id)).where(Follow.user_id == follower.id)) == 0


def test_unread_count_and_reading(app, make, db, place):
    city, process, author, proposal = place
    _comment(app, make.member(city), proposal, "One comment here")
    _comment(app, make.member(city), proposal, "Another comment here")
    client = app.test_client()
    login(client, author)
    page = client.get("/notifications").get_data(as_text=True)
    assert "commented on your proposal" in page and "Bike lane on Worldcup-ro" in page
    assert '<span class="badge">2' in client.get("/c/seoul/").get_data(as_text=True)
    first = _notes(db, author)[0]
    response = client.get(f"/notifications/{first.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/c/seoul/comments/{first.comment_id}")
    client.post("/notifications/read")
    assert all(n.read_at for n in _notes(db, author))
    other = app.test_client()
    login(other, make.member(city))
    assert other.get(f"/notifications/{first.id}").status_code == 404  # someone else's


def test_authors_are_told_when_their_content_is_hidden(app, make, db, place):
    city, process, author, proposal = place
    writer = make.member(city)
    _comment(app, writer, proposal, "My phone is 010-0000-0000")
    comment = db.session.scalar(select(Comment))
    moderator = make.member(city, Role.MODERATOR)
    client = app.test_client()
    login(client, moderator)
    client.post(f"/c/seoul/moderation/comment/{comment.id}/hide", data={"reason": "Personal data"})
    notes = _notes(db, writer)
    assert [n.kind for n in notes] == ["content_hidden"] and notes[0].comment_id == comment.id
    writer_client = app.test_client()
    login(writer_client, writer)
    assert "was hidden (Personal data)" in writer_client.get("/notifications").get_data(as_text=True)


@pytest.mark.single_db
def test_immediate_mail_and_daily_digest_over_real_smtp(app, make, db, place, smtp_server):
    from app import create_app

    city, process, author, proposal = place
    port, received = smtp_server
    mailer = create_app({"TESTING": True, "SECRET_KEY": "x", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                         "MAIL_USE_TLS": False, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    author_row = db.session.get(User, author.id)
    author_row.email_notifications = "immediate"
    quiet = make.member(city, email="quiet@example.org")
    quiet_row = db.session.get(User, quiet.id)
    quiet_row.email_notifications = "none"
    db.session.add(Follow(user_id=quiet.id, target_type="proposal", target_id=proposal.id))
    digest_reader = make.member(city, email="digest@example.org")  # daily is the default
    db.session.add(Follow(user_id=digest_reader.id, target_type="proposal", target_id=proposal.id))
    db.session.commit()
    commenter = make.member(city, name="Jaewon")
    client = mailer.test_client()
    login(client, commenter)
    client.post(f"/c/seoul/proposals/{proposal.id}/comments", data={"body": "Where do buses stop?", "stance": ""})
    assert [e.rcpt_tos for e in received] == [[author.email]]  # immediately, only to the author
    assert "commented on your proposal" in received[0].content.decode()
    db.session.commit()  # end the test's read snapshot
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (digest_reader.id, "followed_comment") in kinds, kinds
    runner = mailer.test_cli_runner()
    with mailer.app_context():  # the command runs in the current app: the one with the mail server
        result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 0 and "Daily digests sent: 1" in result.output
    assert [e.rcpt_tos for e in received][-1] == ["digest@example.org"]
    assert "http://127.0.0.1:5000/c/seoul/comments/" in received[-1].content.decode()
    with mailer.app_context():
        assert runner.invoke(args=["notify", "digest"]).output.strip().endswith("sent: 0.")  # nothing twice
