"""The city's open-data page: public, the city's licence, the datasets of published processes only, no
personal data in any dataset or format, pseudonyms stable within a city and different across cities, the DCAT
catalogue, ETag and 304, and the licence in the city settings."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from app.exports.datasets import DATASETS
from app.extensions import db as _db
from app.models import AuditEvent, City, Membership, OpenDataLicence, Role, StatementVote, User
from tests.conftest import login
from tests.functional.test_exports_world import build, member, publish_vision


@pytest.fixture
def w(make, db):
    return build(make, db)


def get(client, path, **kwargs):
    return client.get(path, buffered=True, **kwargs)


def _downloads(catalog: dict) -> list[str]:
    return [d["dcat:downloadURL"] for ds in catalog["dcat:dataset"] for d in ds["dcat:distribution"]]


def _readable(body: bytes) -> str:
    """The text of a download: an XLSX is a ZIP of XML files, read whole."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as bundle:
            return "".join(bundle.read(name).decode("utf-8") for name in bundle.namelist())
    return body.decode("utf-8-sig")


def test_the_page_is_public_with_the_licence_and_the_published_processes(app, make, w):
    draft = make.process(w.city, title="Next year's budget", phases=((5, 10, ("propose",)),))
    page = get(app.test_client(), "/c/seoul/open-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "https://creativecommons.org/licenses/by/4.0/" in html
    assert "Creative Commons Attribution 4.0 International" in html
    assert w.process.title_en in html and draft.title_en not in html
    for name in ("proposals", "comments", "vote-totals", "statement-votes", "budget-results", "poll-results",
                 "opinion-groups"):
        assert f"/c/seoul/open-data/processes/{w.process.id}/{name}.csv" in html
    assert f"/open-data/processes/{w.process.id}/vision.csv" not in html  # no published vision yet
    # The draft's data is not published, even by its address.
    assert get(app.test_client(), f"/c/seoul/open-data/processes/{draft.id}/proposals.csv").status_code == 404
    footer = get(app.test_client(), "/c/seoul/").get_data(as_text=True)
    assert 'href="/c/seoul/open-data"' in footer


def test_the_catalogue_lists_every_dataset_with_working_downloads(app, w):
    publish_vision(app, w)
    client = app.test_client()
    response = get(client, "/c/seoul/open-data/catalog.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    catalog = response.get_json()
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["dct:license"] == "https://creativecommons.org/licenses/by/4.0/"
    names = {ds["dct:identifier"].rsplit("/", 1)[1] for ds in catalog["dcat:dataset"]}
    assert names == set(DATASETS)
    proposals = next(ds for ds in catalog["dcat:dataset"] if ds["dct:identifier"].endswith("/proposals"))
    assert proposals["rows"] == 3
    assert "hidden" not in [c["name"] for c in proposals["columns"]]
    media = {d["dct:format"]: d["dcat:mediaType"] for d in proposals["dcat:distribution"]}
    assert media == {"CSV": "text/csv", "JSON": "application/json",
                     "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    for address in _downloads(catalog):
        assert get(client, address.replace("http://localhost", "")).status_code == 200, address


def test_open_data_holds_no_name_or_email_of_anybody(app, w):
    publish_vision(app, w)
    client = app.test_client()
    catalog = get(client, "/c/seoul/open-data/catalog.json").get_json()
    people = _db.session.scalars(select(User)).all()
    assert len(people) >= 11
    texts = [get(client, "/c/seoul/open-data").get_data(as_text=True), json.dumps(catalog, ensure_ascii=False)]
    for address in _downloads(catalog):
        texts.append(_readable(get(client, address.replace("http://localhost", "")).get_data()))
    assert len(texts) == 2 + 3 * len(DATASETS)
    everything = "\n".join(texts)
    for person in people:
        assert person.name not in everything, person.name
        assert person.email not in everything, person.email
        assert person.email.split("@")[0] not in everything, person.email
    salt = _db.session.scalar(select(City.pseudonym_salt).where(City.slug == "seoul"))
    assert salt not in everything
    assert w.city.pseudonym(w.author.id) in everything  # authors are there, by pseudonym
    birth_years = {str(y) for y in _db.session.scalars(select(Membership.birth_year))}
    assert not any(f'"birth' in t for t in texts) and birth_years  # no birth year column anywhere


def test_pseudonyms_are_stable_within_a_city_and_differ_across_cities(app, make, w):
    busan = make.city(slug="busan", name_en="Busan", name_ko="부산", districts=("haeundae",))
    make.member(busan, user=w.author)
    elsewhere = make.process(busan, title="Busan harbour")
    make.proposal(elsewhere, w.author, title="A harbour walk")
    client = app.test_client()
    seoul_rows = json.loads(get(client, f"/c/seoul/open-data/processes/{w.process.id}/proposals.json").data)["rows"]
    comments = json.loads(get(client, f"/c/seoul/open-data/processes/{w.process.id}/comments.json").data)["rows"]
    busan_rows = json.loads(get(client, f"/c/busan/open-data/processes/{elsewhere.id}/proposals.json").data)["rows"]
    in_seoul = {r["author"] for r in seoul_rows if r["id"] == w.bike.id}
    assert in_seoul == {w.city.pseudonym(w.author.id)}
    assert {r["author"] for r in comments if r["id"] == w.reply.id} == in_seoul  # the same in every dataset
    again = json.loads(get(client, f"/c/seoul/open-data/processes/{w.process.id}/proposals.json").data)["rows"]
    assert {r["author"] for r in again if r["id"] == w.bike.id} == in_seoul  # and on every download
    assert busan_rows[0]["author"] == busan.pseudonym(w.author.id) != w.city.pseudonym(w.author.id)


def test_etag_answers_304_until_the_data_changes(app, make, w):
    client = app.test_client()
    for path in ("/c/seoul/open-data", "/c/seoul/open-data/catalog.json",
                 f"/c/seoul/open-data/processes/{w.process.id}/proposals.csv"):
        first = get(client, path)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and first.headers["Last-Modified"]
        again = get(client, path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
        assert get(client, path, headers={"If-None-Match": '"something-else"'}).status_code == 200

    page_etag = get(client, "/c/seoul/open-data").headers["ETag"]
    download = f"/c/seoul/open-data/processes/{w.process.id}/proposals.csv"
    download_etag = get(client, download).headers["ETag"]
    votes_etag = get(client, f"/c/seoul/open-data/processes/{w.process.id}/statement-votes.csv").headers["ETag"]
    make.proposal(w.process, w.citizen, title="Benches in the shade")
    changed = get(client, download, headers={"If-None-Match": download_etag})
    assert changed.status_code == 200 and "Benches in the shade" in changed.get_data(as_text=True)
    assert get(client, "/c/seoul/open-data", headers={"If-None-Match": page_etag}).status_code == 200
    # A dataset the change does not touch keeps its ETag.
    assert get(client, f"/c/seoul/open-data/processes/{w.process.id}/statement-votes.csv",
               headers={"If-None-Match": votes_etag}).status_code == 304
    # A changed vote (same count) changes the votes' ETag; hiding a proposal changes the proposals'.
    vote = _db.session.scalar(select(StatementVote).where(StatementVote.statement_id == w.statements[1].id)
                              .order_by(StatementVote.id).limit(1))
    vote.value = -vote.value
    from app.models import utcnow

    vote.updated_at = utcnow()
    _db.session.commit()
    assert get(client, f"/c/seoul/open-data/processes/{w.process.id}/statement-votes.csv",
               headers={"If-None-Match": votes_etag}).status_code == 200
    etag = get(client, download).headers["ETag"]
    w.bike.hidden_at, w.bike.hidden_reason = utcnow(), "off topic"
    _db.session.commit()
    hidden = get(client, download, headers={"If-None-Match": etag})
    assert hidden.status_code == 200 and "A protected bike lane" not in hidden.get_data(as_text=True)


def test_the_licence_is_a_city_setting(app, make, w):
    admin, _ = member(make, w.city, Role.ADMIN, name="Admin Perpetua")
    client = app.test_client()
    login(client, admin)
    form = client.get("/c/seoul/manage/settings").get_data(as_text=True)
    assert 'name="open_data_licence"' in form and '<option selected value="CC-BY-4.0">' in form
    data = {"name_ko": "서울", "name_en": "Seoul", "default_locale": "ko", "time_zone": "Asia/Seoul",
            "country_code": "", "region": "", "population": "", "colour": "#0b5563"}
    refused = client.post("/c/seoul/manage/settings", data=data | {"open_data_licence": "All rights reserved"})
    assert refused.status_code == 422 and 'id="open_data_licence-error"' in refused.get_data(as_text=True)
    saved = client.post("/c/seoul/manage/settings", data=data | {"open_data_licence": "KOGL-Type1"})
    assert saved.status_code == 302
    _db.session.commit()
    assert _db.session.get(City, w.city.id).open_data_licence == OpenDataLicence.KOGL_1
    # A form without the field (an older client) leaves the licence as it is.
    assert client.post("/c/seoul/manage/settings", data=data | {"name_en": "Seoul City"}).status_code == 302
    _db.session.commit()
    assert _db.session.get(City, w.city.id).open_data_licence == OpenDataLicence.KOGL_1
    event = _db.session.scalars(select(AuditEvent).where(AuditEvent.action == "city.settings")
                                .order_by(AuditEvent.id)).first()
    assert event.changes["open_data_licence"] == ["CC-BY-4.0", "KOGL-Type1"] and event.actor_id == admin.id
    page = get(app.test_client(), "/c/seoul/open-data").get_data(as_text=True)
    assert "https://www.kogl.or.kr/info/licenseType1.do" in page
    catalog = get(app.test_client(), "/c/seoul/open-data/catalog.json").get_json()
    assert catalog["licence"]["id"] == "KOGL-Type1"
    document = json.loads(get(app.test_client(), f"/c/seoul/open-data/processes/{w.process.id}/proposals.json").data)
    assert document["licence"]["url"] == "https://www.kogl.or.kr/info/licenseType1.do"
    # Only administrators choose it.
    planner = app.test_client()
    login(planner, w.planner)
    assert planner.post("/c/seoul/manage/settings", data=data | {"open_data_licence": "CC0-1.0"}).status_code == 403
