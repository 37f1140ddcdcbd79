"""Whatever arrives in a form or a query string, the answer is a message or a 404, never a 500. (That a refused
form saves nothing is checked where each form is tested.)"""
import pytest
from app.models import Role
from tests.conftest import login

NASTY = ["", " ", "abc", "-1", "0", "1e309", "99999999999999999999999", "\x00", "null", "[]", "😀" * 300,
         "x" * 70000, "<script>alert(1)</script>", "' OR 1=1 --", "%", "2026-13-45T25:61", "NaN"]


@pytest.fixture
def staff_client(app, make):
    city = make.city()
    plan = make.plan(city)
    process = make.process(city, plan=plan, phases=((-1, 5, ("propose",)), (6, 9, ("support",))))
    user = make.member(city, Role.FACILITATOR, Role.ADMIN)
    proposal = make.proposal(process, user)
    client = app.test_client()
    login(client, user)
    ids = {"process": process.id, "phase": process.phases[0].id, "proposal": proposal.id}
    return client, ids


FORMS = [
    ("/c/seoul/processes/{process}/proposals/new", ("title", "body", "district", "sdg_targets", "plan_items", "cost")),
    ("/c/seoul/proposals/{proposal}/edit", ("title", "body", "district", "sdg_targets", "plan_items", "cost")),
    ("/c/seoul/proposals/{proposal}/withdraw", ("reason",)),
    ("/c/seoul/manage/processes/new", ("title_ko", "title_en", "description_ko", "plan", "eligibility_note_en")),
    ("/c/seoul/manage/processes/{process}", ("title_ko", "title_en", "description_en", "plan", "eligibility_note_ko")),
    ("/c/seoul/manage/processes/{process}/phases",
     ("phase-name_ko", "phase-name_en", "phase-description_ko", "phase-starts_at", "phase-ends_at", "phase-actions")),
    ("/c/seoul/manage/phases/{phase}", ("name_ko", "name_en", "description_en", "starts_at", "ends_at", "actions")),
    ("/c/seoul/roles", ("email", "role")),
    ("/c/seoul/join", ("district", "birth_year")),
    ("/auth/password", ("current_password", "password", "password_again")),
    ("/auth/reset", ("email",)),
    ("/language", ("locale", "next")),
]


@pytest.mark.parametrize("url,fields", FORMS, ids=[u for u, _ in FORMS])
def test_forms_never_fail_with_a_server_error(staff_client, url, fields):
    client, ids = staff_client
    target = url.format(**ids)
    for value in NASTY:
        response = client.post(target, data={field: value for field in fields})
        assert response.status_code < 500, (target, value[:20], response.status_code)


@pytest.mark.parametrize("url", [
    "/c/seoul/processes/{process}/proposals", "/c/seoul/audit", "/c/seoul/", "/"])
def test_query_strings_never_fail(staff_client, url):
    client, ids = staff_client
    for value in NASTY:
        for key in ("q", "goal", "district", "state", "sort", "page"):
            response = client.get(url.format(**ids), query_string={key: value})
            assert response.status_code in (200, 302, 400), (url, key, value[:20])


@pytest.mark.parametrize("url", ["/c/seoul/proposals/abc", "/c/seoul/proposals/-1", "/c/seoul/processes/1.5",
                                 "/c/seoul/proposals/99999999999999999999999", "/c/%00/", "/auth/confirm/%ff"])
def test_odd_urls_are_not_found(client, make, url):
    make.city()
    assert client.get(url).status_code in (302, 400, 404)
