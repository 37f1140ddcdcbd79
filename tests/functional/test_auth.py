"""Accounts: register, confirm, log in and out, reset and change the password; sessions and headers."""
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import User
from tests.conftest import PASSWORD, login


def outbox(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX"])
    messages = [BytesParser(policy=policy.default).parse(p.open("rb")) for p in sorted(folder.glob("*.eml"))]
    return messages


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/\S+)", body).group(1)


def register(client, **overrides):
    data = {"name": "Min-ji", "email": "minji@example.org", "password": PASSWORD, "password_again": PASSWORD,
            "accept_terms": "y"}
    data.update(overrides)
    return client.post("/auth/register", data=data)


def test_register_confirm_and_login(app, client, db):
    response = register(client, email="MinJi@Example.org ")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "minji@example.org"))
    assert user is not None and not user.is_confirmed
    assert user.terms_version == app.config["TERMS_VERSION"] and user.terms_accepted_at is not None
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    messages = outbox(app)
    assert len(messages) == 1 and messages[0]["To"] == "minji@example.org"
    assert client.get(link_in(messages[0])).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).is_confirmed
    client.post("/auth/logout")
    assert login(client, "minji@example.org").status_code == 302
    assert "Min-ji" in client.get("/auth/account").get_data(as_text=True)


@pytest.mark.parametrize("field,value,message", [
    ("email", "not-an-email", "Invalid email address"),
    ("password", "short", "at least 8"),
    ("password", "password123", "too common"),
    ("name", "", "This field is required"),
    ("name", "x" * 81, "80"),
    ("accept_terms", "", "accept the terms"),
])
def test_registration_errors_stay_on_the_form(client, db, field, value, message):
    data = {field: value}
    if field == "password":
        data["password_again"] = value
    response = register(client, **data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None  # nothing half-saved


def test_duplicate_email_is_a_message_not_an_error(client, make):
    make.user(email="minji@example.org")
    response = register(client)
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)


def test_wrong_password_and_unknown_account_get_the_same_answer(client, make):
    make.user(email="someone@example.org")
    wrong = client.post("/auth/login", data={"email": "someone@example.org", "password": "nope nope nope"})
    unknown = client.post("/auth/login", data={"email": "nobody@example.org", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert "not right" in wrong.get_data(as_text=True) and "not right" in unknown.get_data(as_text=True)


def test_login_starts_a_new_session(client, make):
    user = make.user()
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "started_at" in session


def test_open_redirects_are_refused(client, make):
    user = make.user()
    response = client.post("/auth/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] in ("/", "http://localhost/")
    client.post("/auth/logout")
    response = client.post("/auth/login?next=//evil.example/", data={"email": user.email, "password": PASSWORD})
    assert "evil" not in response.headers["Location"]


def test_password_reset_works_once(app, client, make, db):
    user = make.user(email="reset@example.org")
    response = client.post("/auth/reset", data={"email": "reset@example.org"})
    assert response.status_code == 302
    client.post("/auth/reset", data={"email": "nobody@example.org"})  # same answer, no mail
    messages = outbox(app)
    assert len(messages) == 1
    link = link_in(messages[0])
    new_password = "a brand new passphrase"
    assert client.post(link, data={"password": new_password, "password_again": new_password}).status_code == 302
    assert client.get(link).status_code == 302  # used: refused, back to the request form
    reused = client.post(link, data={"password": "another new passphrase", "password_again": "another new passphrase"})
    assert reused.status_code == 302
    login(client, user, new_password)


def test_reset_token_tampering_is_refused(client):
    response = client.get("/auth/reset/not-a-real-token")
    assert response.status_code == 302 and "/auth/reset" in response.headers["Location"]


def test_change_password_ends_other_sessions(app, make):
    user = make.user()
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    new_password = "a different good passphrase"
    response = first.post("/auth/password", data={"current_password": PASSWORD, "password": new_password,
                                                  "password_again": new_password})
    assert response.status_code == 302
    assert first.get("/auth/account").status_code == 200
    assert second.get("/auth/account").status_code == 302  # logged out


def test_change_password_needs_the_current_one(client, make):
    user = make.user()
    login(client, user)
    response = client.post("/auth/password", data={"current_password": "wrong", "password": "a good passphrase",
                                                   "password_again": "a good passphrase"})
    assert response.status_code == 200 and "not your current password" in response.get_data(as_text=True)


def test_sessions_expire_after_the_absolute_lifetime(client, make):
    user = make.user()
    login(client, user)
    with client.session_transaction() as session:
        session["started_at"] = 0  # 1970
    assert client.get("/auth/account").status_code == 302


def test_sessions_expire_when_idle(client, make):
    user = make.user()
    login(client, user)
    import time

    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 3 * 3600  # idle for three hours; the limit is two
    assert client.get("/auth/account").status_code == 302


def test_an_active_session_stays(client, make):
    user = make.user()
    login(client, user)
    import time

    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 3600  # an hour ago: still within the idle limit
    assert client.get("/auth/account").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 60  # the request counted as activity


def test_logout_needs_post(client, make):
    login(client, make.user())
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
    assert client.get("/auth/account").status_code == 302


def test_security_headers_on_every_response(client):
    for url in ("/", "/auth/login", "/no/such/page", "/healthz"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_anonymous_pages_set_no_cookie(client, make):
    """No session for someone who only reads: pages stay cacheable and nothing is stored about them."""
    city = make.city()
    process = make.process(city)
    make.proposal(process, make.member(city))
    for url in ("/c/seoul/", f"/c/seoul/processes/{process.id}", f"/c/seoul/processes/{process.id}/proposals"):
        response = client.get(url)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers, url


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_language_choice_is_remembered(client, make, db):
    user = make.user()
    login(client, user)
    response = client.post("/language", data={"locale": "ko", "next": "/auth/account"})
    assert response.headers["Location"].endswith("/auth/account")
    page = client.get("/auth/account").get_data(as_text=True)
    assert '<html lang="ko">' in page
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "ko"
    assert "<html lang=\"ko\">" in client.get("/auth/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    fresh = client.application.test_client()
    assert '<html lang="ko">' in fresh.get("/auth/login", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).get_data(
        as_text=True)


def test_a_mail_server_failure_does_not_lose_the_registration(app, db):
    """The account is saved before the mail goes out; if the mail server is down, the person is told and can
    ask again, and nothing fails."""
    from app import create_app

    broken = create_app({"TESTING": True, "SECRET_KEY": "x", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 9,
                         "MAIL_USE_TLS": False, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = broken.test_client()
    response = register(client, email="offline@example.org")
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "offline@example.org")) is not None
    assert "could not send" in client.get("/auth/account").get_data(as_text=True)
    assert client.post("/auth/reset", data={"email": "offline@example.org"}).status_code == 302
