"""Writing through the API: scopes, the same permissions and phase gates as the web (with the same reason),
JSON validation, and duplicates that end in one row."""
from __future__ import annotations

from sqlalchemy import func, select

from app.api import tokens
from app.extensions import db as _db
from app.models import Comment, Proposal, Statement, StatementVote, Support
from tests.functional.test_api_reads import world  # noqa: F401  (the fixture)


def _token(user, scope="write") -> dict:
    _token_row, text = tokens.create_token(user, "test", scope, None)
    _db.session.commit()
    return {"Authorization": f"Bearer {text}"}


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


NEW = {"title": "Shade trees at bus stops", "body": "Plant trees at every bus stop of Mapo-gu for shade."}


def test_a_member_publishes_a_proposal(client, world, db):
    headers = _token(world["author"])
    url = f"/api/v1/cities/seoul/processes/{world['process'].id}/proposals"
    response = client.post(url, json={**NEW, "sdg_targets": ["11.2"], "cost": 1500000}, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["author"] == "Kim Min-ji" and response.json["cost"] == "1500000"
    assert response.headers["Location"].endswith(f"/proposals/{response.json['id']}")
    assert db.session.get(Proposal, response.json["id"]).sdg_targets[0].code == "11.2"


def test_a_member_publishes_on_behalf_of_their_organization_and_no_other(client, world, make, db):
    """Co-authoring through the API: the token owner's organization is accepted, another one is a field error."""
    from app.models import Organization, OrganizationMember, OrganizationRole

    url = f"/api/v1/cities/seoul/processes/{world['process'].id}/proposals"
    theirs = Organization(name="Mapo Green Network", kind="civil_society", level="city",
                          created_by_id=world["author"].id)
    theirs.members.append(OrganizationMember(user_id=world["author"].id, role=OrganizationRole.REPRESENTATIVE))
    stranger = make.user()
    other = Organization(name="Someone else's club", kind="civil_society", level="city", created_by_id=stranger.id)
    other.members.append(OrganizationMember(user_id=stranger.id, role=OrganizationRole.REPRESENTATIVE))
    db.session.add_all([theirs, other])
    db.session.commit()
    headers = _token(world["author"])
    response = client.post(url, json={**NEW, "organization_id": theirs.id}, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["organization"] == "Mapo Green Network"
    before = _count(Proposal)
    refused = client.post(url, json={**NEW, "organization_id": other.id}, headers=headers)
    assert refused.status_code == 422 and [e["field"] for e in refused.json["errors"]] == ["organization_id"]
    assert _count(Proposal) == before


def test_scopes_and_missing_tokens(client, world, db):
    url = f"/api/v1/cities/seoul/processes/{world['process'].id}/proposals"
    before = _count(Proposal)
    missing = client.post(url, json=NEW)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == 'Bearer realm="madang"'
    read_only = client.post(url, json=NEW, headers=_token(world["author"], "read"))
    assert read_only.status_code == 403 and "insufficient_scope" in read_only.headers["WWW-Authenticate"]
    assert read_only.mimetype == "application/problem+json"
    assert _count(Proposal) == before


def test_the_same_refusals_as_the_web(client, world, make, db):
    outsider = make.user()  # not a member of Seoul
    url = f"/api/v1/cities/seoul/processes/{world['process'].id}/proposals"
    refused = client.post(url, json=NEW, headers=_token(outsider))
    assert refused.status_code == 403 and refused.json["detail"] == "Join this city to take part."
    closed = make.process(world["seoul"], phases=((-10, -5, ("propose", "comment", "support")),), title="Over")
    gate = client.post(f"/api/v1/cities/seoul/processes/{closed.id}/proposals", json=NEW,
                       headers=_token(world["author"]))
    assert gate.status_code == 403 and gate.json["detail"] == "Proposals are not open in this process right now."
    blocked = client.put(f"/api/v1/cities/seoul/proposals/{world['visible'].id}/support",
                         headers=_token(db.session.get(type(world["author"]), world["spam"].author_id)))
    assert blocked.status_code == 403 and "blocked" in blocked.json["detail"]


def test_body_validation_names_the_fields(client, world):
    headers = _token(world["author"])
    url = f"/api/v1/cities/seoul/processes/{world['process'].id}/proposals"
    bad = client.post(url, json={"title": "x", "body": 5, "sdg_targets": ["99.9"], "surprise": 1}, headers=headers)
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json["errors"]}
    assert {"body", "surprise"} <= fields
    short = client.post(url, json={"title": "x", "body": "short", "sdg_targets": ["99.9"]}, headers=headers)
    assert {e["field"] for e in short.json["errors"]} == {"title", "body", "sdg_targets"}
    not_json = client.post(url, data="title=x", headers={**headers, "Content-Type": "text/plain"})
    assert not_json.status_code == 400 and not_json.mimetype == "application/problem+json"
    assert client.post(url, json=[1, 2], headers=headers).status_code == 400


def test_comments_and_replies(client, world, db):
    headers = _token(world["author"])
    url = f"/api/v1/cities/seoul/proposals/{world['visible'].id}/comments"
    top = client.post(url, json={"body": "Good idea", "stance": "for", "submission_key": "k1"}, headers=headers)
    assert top.status_code == 201 and top.json["stance"] == "for"
    again = client.post(url, json={"body": "Good idea", "stance": "for", "submission_key": "k1"}, headers=headers)
    assert again.status_code == 200 and again.json["id"] == top.json["id"]
    reply = client.post(url, json={"body": "And safer", "parent_id": top.json["id"]}, headers=headers)
    assert reply.status_code == 201 and reply.json["parent_id"] == top.json["id"]
    elsewhere = client.post(f"/api/v1/cities/seoul/debates/{world['debate'].id}/comments",
                            json={"body": "Wrong thread", "parent_id": top.json["id"]}, headers=headers)
    assert elsewhere.status_code == 422 and elsewhere.json["errors"][0]["field"] == "parent_id"
    hidden_parent = client.post(url, json={"body": "To a hidden one", "parent_id": world["gone"].id}, headers=headers)
    assert hidden_parent.status_code == 403
    assert client.post(url, json={"body": "x", "stance": "maybe"}, headers=headers).status_code == 422
    on_debate = client.post(f"/api/v1/cities/seoul/debates/{world['debate'].id}/comments", json={"body": "Yes"},
                            headers=headers)
    assert on_debate.status_code == 201 and on_debate.json["debate_id"] == world["debate"].id
    assert _count(Comment) == 3 + 3


def test_support_twice_is_one_row_and_withdrawing_works(client, world, db):
    headers = _token(world["author"])
    url = f"/api/v1/cities/seoul/proposals/{world['visible'].id}/support"
    first = client.put(url, headers=headers)
    second = client.put(url, headers=headers)
    assert (first.json["changed"], second.json["changed"]) == (True, False)
    assert second.json["support_count"] == 1 and _count(Support) == 1
    assert client.delete(url, headers=headers).json == {"proposal_id": world["visible"].id, "supported": False,
                                                         "changed": True, "support_count": 0}
    assert client.delete(url, headers=headers).json["changed"] is False and _count(Support) == 0


def test_statement_votes(client, world, db):
    headers = _token(world["author"])
    url = f"/api/v1/cities/seoul/statements/{world['published'].id}/vote"
    assert client.put(url, json={"vote": "agree"}, headers=headers).json["outcome"] == "cast"
    assert client.put(url, json={"vote": "agree"}, headers=headers).json["outcome"] == "unchanged"
    changed = client.put(url, json={"vote": "disagree"}, headers=headers).json
    assert changed["outcome"] == "changed" and changed["statement"]["disagree"] == 1
    assert _count(StatementVote) == 1
    assert client.put(url, json={"vote": "love"}, headers=headers).status_code == 422
    assert client.put(f"/api/v1/cities/seoul/statements/{world['pending'].id}/vote", json={"vote": "agree"},
                      headers=headers).status_code == 404
    db.session.expire_all()
    assert db.session.get(Statement, world["published"].id).agree_count == 0


def test_rate_limits_answer_429_with_retry_after(make, db):
    make.city()
    from app import create_app
    from app.extensions import limiter

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": db.engine.url.render_as_string(False),
                      "RATELIMIT_ENABLED": True, "API_READ_RATE_LIMIT": "3 per minute",
                      "API_WRITE_RATE_LIMIT": "1 per minute"})
    limiter.enabled = True
    client = app.test_client()
    statuses = [client.get("/api/v1/sdg/goals").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/sdg/goals")
    assert limited.mimetype == "application/problem+json" and int(limited.headers["Retry-After"]) >= 1
    writes = [client.put("/api/v1/cities/seoul/proposals/1/support").status_code for _ in range(2)]
    assert writes == [401, 429]
