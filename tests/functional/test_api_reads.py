"""Reading the API: what an anonymous visitor of the web sees and nothing more (hidden proposals, blocked
authors, pending and rejected statements, hidden debates never appear; no e-mail anywhere), filters, pages,
and every error as a problem document."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.models import Comment, Debate, Result, Statement, StatementState

ALL_ACTIONS = ("propose", "comment", "support", "statement_vote")


def build_world(make, db):
    """Two cities; in Seoul an open process with public and non-public things of every kind."""
    now = datetime.now(timezone.utc)
    seoul = make.city()
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    plan = make.plan(seoul)
    process = make.process(seoul, phases=((-1, 10, ALL_ACTIONS),), plan=plan)
    author = make.member(seoul, name="Kim Min-ji", email="minji@example.org")
    blocked = make.member(seoul, name="Spammer", email="spam@example.org")
    membership = next(m for m in blocked.memberships)
    membership.blocked_at, membership.blocked_reason = now, "spam"
    visible = make.proposal(process, author, title="A protected bike lane")
    visible.plan_items = [plan.items[0]]
    from app.models import SdgTarget

    visible.sdg_targets = [db.session.get(SdgTarget, "11.2")]
    other = make.proposal(process, author, title="More trees on the river", body="Plant trees along the river "
                          "banks, please.")
    hidden = make.proposal(process, author, title="Hidden by a moderator", hidden_at=now, hidden_reason="abuse")
    spam = make.proposal(process, blocked, title="Spam from a blocked author")
    top = Comment(proposal_id=visible.id, author_id=author.id, body="Yes please", body_html="<p>Yes please</p>")
    db.session.add(top)
    db.session.flush()
    reply = Comment(proposal_id=visible.id, author_id=author.id, body="Agreed", body_html="<p>Agreed</p>",
                    parent_id=top.id, root_id=top.id, depth=1)
    gone = Comment(proposal_id=visible.id, author_id=author.id, body="Rude words", body_html="<p>Rude words</p>",
                   hidden_at=now, hidden_reason="abuse")
    debate = Debate(process_id=process.id, title_en="Should the park get a bike lane?")
    secret = Debate(process_id=process.id, title_en="A hidden debate", hidden_at=now, hidden_reason="abuse")
    published = Statement(process_id=process.id, body="Cycling should be safer", seeded=True)
    pending = Statement(process_id=process.id, body="Waiting for approval", state=StatementState.PENDING)
    rejected = Statement(process_id=process.id, body="Rejected statement", state=StatementState.REJECTED,
                         moderated_at=now)
    result = Result(city_id=seoul.id, title_en="Bike lane built", progress=40, status="in_progress")
    result.proposals = [visible, hidden]
    db.session.add_all([reply, gone, debate, secret, published, pending, rejected, result])
    busan_process = make.process(busan, title="Busan harbour")
    db.session.commit()
    return {"seoul": seoul, "busan": busan, "process": process, "visible": visible, "other": other, "hidden": hidden,
            "spam": spam, "top": top, "reply": reply, "gone": gone, "debate": debate, "secret": secret,
            "published": published, "pending": pending, "rejected": rejected, "result": result, "plan": plan,
            "author": author, "busan_process": busan_process}


@pytest.fixture
def world(make, db):
    return build_world(make, db)


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["type"].startswith("https://") and body["title"] and body["detail"]
    assert body["instance"] == response.request.path
    return body


def test_cities_and_processes(client, world):
    cities = client.get("/api/v1/cities").json
    assert [c["slug"] for c in cities["data"]] == ["busan", "seoul"]
    assert cities["meta"] == {"page": 1, "per_page": 20, "total": 2}
    seoul = client.get("/api/v1/cities/seoul").json
    assert seoul["open_data_licence"] == "CC-BY-4.0" and "pseudonym_salt" not in seoul
    processes = client.get("/api/v1/cities/seoul/processes").json["data"]
    assert [p["id"] for p in processes] == [world["process"].id]
    assert processes[0]["status"] == "active" and processes[0]["phases"][0]["actions"] == list(ALL_ACTIONS)
    assert processes[0]["current_phase_id"] == processes[0]["phases"][0]["id"]
    # A process of Busan is not found in Seoul's address space.
    _problem(client.get(f"/api/v1/cities/seoul/processes/{world['busan_process'].id}"), 404)


def test_proposals_show_only_what_the_public_sees(client, world):
    process = world["process"]
    data = client.get(f"/api/v1/cities/seoul/processes/{process.id}/proposals").json["data"]
    assert {p["title"] for p in data} == {"A protected bike lane", "More trees on the river"}
    text = client.get(f"/api/v1/cities/seoul/processes/{process.id}/proposals").get_data(as_text=True)
    assert "@example.org" not in text and "Spam" not in text
    one = client.get(f"/api/v1/cities/seoul/proposals/{world['visible'].id}").json
    assert one["author"] == "Kim Min-ji" and one["sdg_targets"] == ["11.2"] and one["answer"] is None
    for row in ("hidden", "spam"):
        _problem(client.get(f"/api/v1/cities/seoul/proposals/{world[row].id}"), 404)
        _problem(client.get(f"/api/v1/cities/seoul/proposals/{world[row].id}/comments"), 404)
    _problem(client.get(f"/api/v1/cities/busan/proposals/{world['visible'].id}"), 404)


def test_proposal_filters_and_bad_filters(client, world):
    base = f"/api/v1/cities/seoul/processes/{world['process'].id}/proposals"
    titles = lambda query: [p["title"] for p in client.get(base + query).json["data"]]  # noqa: E731
    assert titles("?q=TREES") == ["More trees on the river"]
    assert titles("?goal=11") == ["A protected bike lane"] == titles("?target=11.2")
    assert titles(f"?plan_item={world['plan'].items[0].id}") == ["A protected bike lane"]
    assert titles("?goal=3") == [] and titles("?state=withdrawn") == []
    assert titles("?sort=oldest") == ["A protected bike lane", "More trees on the river"]
    for bad in ("?goal=18", "?goal=x", "?state=nope", "?sort=random", "?page=0", "?per_page=101", "?page=abc",
                "?q=" + "x" * 101, "?per_page=-1"):
        body = _problem(client.get(base + bad), 400)
        assert body["errors"][0]["field"] in bad


def test_pagination_links(client, world):
    base = f"/api/v1/cities/seoul/processes/{world['process'].id}/proposals"
    first = client.get(base + "?per_page=1&sort=oldest").json
    assert first["meta"] == {"page": 1, "per_page": 1, "total": 2} and first["links"]["prev"] is None
    second = client.get(first["links"]["next"]).json
    assert second["data"][0]["title"] == "More trees on the river" and second["links"]["next"] is None
    assert "sort=oldest" in second["links"]["self"]
    assert client.get(base + "?page=50").json["data"] == []


def test_comments_keep_the_thread_but_hide_what_is_hidden(client, world):
    data = client.get(f"/api/v1/cities/seoul/proposals/{world['visible'].id}/comments").json["data"]
    by_id = {c["id"]: c for c in data}
    assert by_id[world["reply"].id]["parent_id"] == world["top"].id
    gone = by_id[world["gone"].id]
    assert gone["status"] == "hidden" and gone["body"] is None and gone["author"] is None
    assert "Rude" not in client.get(f"/api/v1/cities/seoul/proposals/{world['visible'].id}/comments").get_data(as_text=True)


def test_debates_statements_and_the_map(client, world):
    process = world["process"]
    debates = client.get(f"/api/v1/cities/seoul/processes/{process.id}/debates").json["data"]
    assert [d["id"] for d in debates] == [world["debate"].id]
    _problem(client.get(f"/api/v1/cities/seoul/debates/{world['secret'].id}"), 404)
    assert client.get(f"/api/v1/cities/seoul/debates/{world['debate'].id}/comments").json["data"] == []
    statements = client.get(f"/api/v1/cities/seoul/processes/{process.id}/statements").json["data"]
    assert [s["body"] for s in statements] == ["Cycling should be safer"]
    for row in ("pending", "rejected"):
        _problem(client.get(f"/api/v1/cities/seoul/statements/{world[row].id}"), 404)
    empty = client.get(f"/api/v1/cities/seoul/processes/{process.id}/opinion-map").json
    assert empty["available"] is False and empty["groups"] == []
    _problem(client.get(f"/api/v1/cities/seoul/processes/{process.id}/vision"), 404)
    assert client.get(f"/api/v1/cities/seoul/processes/{process.id}/vision/versions").json["data"] == []


def test_the_vision_is_the_same_document_as_the_web_download(client, world, make, db):
    """One document in two places: the API answers exactly what the web's vision.json download gives, plus
    its own link."""
    from app.vision import summaries
    from app.vision.summaries import VisionText

    process, facilitator = world["process"], make.user(name="Facilitator")
    summaries.generate_draft(facilitator, process)
    summaries.edit_draft(facilitator, process, VisionText(title="What Seoul wants", introduction="Safer streets.",
                                                          notes={"consensus": "Everyone cycles."}))
    summaries.publish(facilitator, process)
    db.session.commit()
    api = client.get(f"/api/v1/cities/seoul/processes/{process.id}/vision")
    web = client.get(f"/c/seoul/processes/{process.id}/vision.json")
    assert api.status_code == web.status_code == 200
    document = api.json
    assert document.pop("links").pop("self").endswith(f"/api/v1/cities/seoul/processes/{process.id}/vision?version=1")
    assert document | {"links": web.json["links"]} == web.json
    assert (document["process"]["id"], document["version"], document["title"]) == (process.id, 1, "What Seoul wants")
    assert client.get(f"/api/v1/cities/seoul/processes/{process.id}/vision?version=1").json["version"] == 1
    _problem(client.get(f"/api/v1/cities/seoul/processes/{process.id}/vision?version=2"), 404)


def test_plans_results_and_sdgs(client, world):
    plans = client.get("/api/v1/cities/seoul/plans").json["data"]
    assert [p["id"] for p in plans] == [world["plan"].id]
    plan = client.get(f"/api/v1/cities/seoul/plans/{world['plan'].id}").json
    assert plan["items"][0]["sdg_targets"] == ["11.2"]
    item = client.get(f"/api/v1/cities/seoul/plan-items/{plan['items'][0]['id']}").json
    assert item["indicators"] == []
    _problem(client.get(f"/api/v1/cities/busan/plans/{world['plan'].id}"), 404)
    results = client.get("/api/v1/cities/seoul/results?status=in_progress").json["data"]
    assert results[0]["progress"] == "40" and results[0]["sdg_goals"] == [11]
    one = client.get(f"/api/v1/cities/seoul/results/{world['result'].id}").json
    assert one["proposal_ids"] == [world["visible"].id]  # the hidden proposal is not named
    assert client.get("/api/v1/cities/seoul/results?status=completed").json["data"] == []
    goals = client.get("/api/v1/sdg/goals?per_page=100").json
    assert goals["meta"]["total"] == 17
    assert len(client.get("/api/v1/sdg/goals/11").json["targets"]) == 10
    _problem(client.get("/api/v1/sdg/goals/18"), 404)


def test_errors_are_problem_documents_and_web_pages_keep_html(client, world):
    _problem(client.get("/api/v1/nothing-here"), 404)
    _problem(client.get("/api/v1/cities/nowhere"), 404)
    body = _problem(client.delete("/api/v1/cities"), 405)
    assert body["detail"]
    _problem(client.post("/api/v1/cities/seoul/proposals/1/support"), 405)
    _problem(client.get("/api/v1/cities/seoul/processes/99999999999"), 404)
    _problem(client.get("/api/v1/cities/seoul?x=%00"), 400)
    web = client.get("/c/nowhere/")
    assert web.status_code == 404 and web.mimetype == "text/html"


def test_a_server_error_is_a_problem_too(app, client, world, monkeypatch):
    from app.api import serializers

    def broken(row):
        raise RuntimeError("boom")

    monkeypatch.setattr(serializers, "city", broken)
    _problem(client.get("/api/v1/cities/seoul"), 500)


def test_the_openapi_document_describes_every_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    documented = {(path, method) for path, methods in document["paths"].items() for method in methods}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.docs":
            path = rule.rule[len("/api/v1"):].replace("<int:", "<").replace("<", "{").replace(">", "}")
            routed |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    assert "bearerToken" in document["components"]["securitySchemes"]
    writes = [op for methods in document["paths"].values() for m, op in methods.items() if m != "get"]
    assert len(writes) == 6 and all(op["security"] == [{"bearerToken": []}] for op in writes)


def test_the_docs_page_documents_every_operation(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").json
    for path in document["paths"]:
        assert path in text
    assert "Retry-After" in text and "CC BY 4.0" in text
    assert 'href="/api/v1/docs"' in text  # the footer link of every page
    assert "30 per minute, 500 per day" in text  # the write limit, in words
    assert text.count("<code>500</code>") == 1  # the common answers are listed once, not under every operation
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in text


def test_the_docs_page_shows_who_is_signed_in_but_the_api_never_does(client, make, db, world):
    from tests.conftest import login

    person = make.user(name="Signed In Person")
    login(client, person)
    assert "Signed In Person" in client.get("/api/v1/docs").get_data(as_text=True)
    refused = client.put(f"/api/v1/cities/seoul/proposals/{world['visible'].id}/support")
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"


def test_json_keeps_korean_readable(client, world):
    body = client.get("/api/v1/cities/busan").get_data()
    assert "부산".encode() in body and b"\\u" not in body
