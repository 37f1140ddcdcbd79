"""Personal API tokens: made on the account page (shown once, stored as a digest), listed, revoked; and what a
token can do on the API: read and write scopes, revoked, expired and suspended tokens refused."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.models import ApiToken, AuditEvent, TokenScope
from tests.conftest import login


def _create(client, name="my script", scope="read", expires_on=""):
    return client.post("/account/api-tokens/", data={"name": name, "scope": scope, "expires_on": expires_on})


def _shown_token(response) -> str:
    found = re.search(r'value="(mdg_[A-Za-z0-9_-]+)"', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:800]
    return found.group(1)


def test_a_token_is_shown_once_and_only_its_digest_is_kept(client, make, db):
    user = make.user()
    login(client, user)
    response = _create(client, scope="write")
    assert response.status_code == 200
    text = _shown_token(response)
    assert len(text) == 4 + 43 and text.startswith("mdg_")
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hashlib.sha256(text.encode()).hexdigest()
    assert token.prefix == text[:12] and token.scope == TokenScope.WRITE and token.user_id == user.id
    assert response.headers["Cache-Control"] == "no-store"
    listing = client.get("/account/api-tokens/").get_data(as_text=True)
    assert text not in listing and token.prefix in listing
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.create"))
    assert event.target_type == "api_token" and event.city_id is None and text not in str(event.changes)


def test_the_token_pages_need_an_account_and_validate(client, make, db):
    assert client.get("/account/api-tokens/").status_code == 302
    login(client, make.user())
    assert _create(client, name="").status_code == 422
    assert _create(client, expires_on="2000-01-01").status_code == 422
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_revoking_stops_the_token_and_only_the_owner_can_revoke(client, app, make, db):
    owner = make.user()
    login(client, owner)
    text = _shown_token(_create(client))
    token = db.session.scalar(select(ApiToken))
    assert client.get("/api/v1/cities", headers={"Authorization": f"Bearer {text}"}).status_code == 200
    other = app.test_client()
    login(other, make.user())
    assert other.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    refused = client.get("/api/v1/cities", headers={"Authorization": f"Bearer {text}"})
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert refused.mimetype == "application/problem+json"
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 302  # twice: nothing changes
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "api_token.revoke")) == 1


def test_at_most_twenty_working_tokens(client, make, db):
    login(client, make.user())
    for n in range(20):
        assert _create(client, name=f"t{n}").status_code == 200
    assert _create(client, name="one too many").status_code == 422
    assert db.session.scalar(select(func.count(ApiToken.id))) == 20


def test_expired_and_suspended_tokens_are_refused_and_last_use_is_noted(client, make, db):
    from app.api import tokens

    user = make.user()
    token, text = tokens.create_token(user, "t", "read", None)
    old, old_text = tokens.create_token(user, "old", "read", datetime.now(timezone.utc) - timedelta(minutes=1))
    db.session.commit()
    assert client.get("/api/v1/cities", headers={"Authorization": f"Bearer {old_text}"}).status_code == 401
    assert client.get("/api/v1/cities", headers={"Authorization": f"Bearer {text}"}).status_code == 200
    db.session.refresh(token)
    first_use = token.last_used_at
    assert first_use is not None
    client.get("/api/v1/cities", headers={"Authorization": f"Bearer {text}"})
    db.session.refresh(token)
    assert token.last_used_at == first_use  # at most once a minute
    user.suspended_at = datetime.now(timezone.utc)
    user.suspended_reason = "spam"
    db.session.commit()
    assert client.get("/api/v1/cities", headers={"Authorization": f"Bearer {text}"}).status_code == 401
    for header in ("Bearer", "Basic abc", "Bearer mdg_not-a-token", "Bearer " + text + "x"):
        response = client.get("/api/v1/cities", headers={"Authorization": header})
        assert response.status_code == 401 and response.json["status"] == 401


def test_the_session_cookie_never_authenticates_the_api(client, make, db):
    city = make.city()
    process = make.process(city)
    login(client, make.member(city))
    response = client.post(f"/api/v1/cities/seoul/processes/{process.id}/proposals",
                           json={"title": "A bike lane please", "body": "A long enough body for the proposal."})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert 'Bearer realm="madang"' == response.headers["WWW-Authenticate"]
