"""One suite, two databases. Without MADANG_TEST_DB the suite runs on SQLite (a file per test worker); with
MADANG_TEST_DB set to a PostgreSQL URL it runs on PostgreSQL (a database per worker, created here). The
schema is built by the migrations, never by create_all, so every test also exercises them."""
from __future__ import annotations

import contextvars
import os
import re
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth.passwords import hash_password
from app.extensions import db as _db
from app.slugs import unique_process_slug
from app.models import (
    City,
    District,
    Membership,
    Phase,
    PhaseAction,
    Plan,
    PlanItem,
    Process,
    Proposal,
    Role,
    RoleGrant,
    SdgTarget,
    User,
)

from hypothesis import settings

# Property tests stay cheap in the whole suite; raise HYPOTHESIS_PROFILE=thorough for a deeper search.
settings.register_profile("madang", max_examples=150, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "madang"))

PASSWORD = "correct horse battery staple"
REFERENCE_TABLES = {"sdg_goals", "sdg_targets", "sdg_indicators", "alembic_version"}
DATA = Path(__file__).resolve().parent / "data"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def database_url(tmp_root: Path) -> str:
    url = os.environ.get("MADANG_TEST_DB", "").strip()
    if not url or url == "sqlite":
        return f"sqlite:///{tmp_root / f'madang-test-{_worker()}.db'}"
    from config import normalise_database_url

    url = normalise_database_url(url)
    base = make_url(url)
    name = f"{base.database}_{re.sub(r'[^a-z0-9]', '', _worker().lower())}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # a missing service is a failure, never a silent skip
        pytest.exit(f"PostgreSQL at {base.render_as_string(hide_password=True)} is unreachable: {error}", returncode=3)
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def pytest_report_header(config):
    url = os.environ.get("MADANG_TEST_DB", "")
    return f"madang database: {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}"


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: it gets its own app context, `g` and database
    session even while the test itself holds an app context to build rows and check results."""

    def open(self, *args, **kwargs):
        self._end_test_transaction()
        try:
            return contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            self._end_test_transaction()

    @staticmethod
    def _end_test_transaction():
        """The test's own session ends its transaction around each request, as a request boundary would:
        the test then reads what the request committed (SQLite keeps a snapshot per transaction)."""
        from flask import has_app_context

        if has_app_context():
            _db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("madang")
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(root),
        "MAIL_OUTBOX": str(root / "outbox"),
        "SECRET_KEY": "testing-only-secret",
    })
    application.test_client_class = IsolatedClient
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
        from app.sdg import load_sdg_reference

        load_sdg_reference()
        _db.session.commit()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Every test starts from the reference data alone."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        _db.session.rollback()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                # Comments point at their parent with RESTRICT; check references once, at commit.
                conn.execute(text("PRAGMA defer_foreign_keys=ON"))
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
        outbox = Path(application.config["MAIL_OUTBOX"])
        if outbox.exists():
            for message in outbox.glob("*.eml"):
                message.unlink()


@pytest.fixture(autouse=True)
def _rate_limits_as_configured(request):
    """The limiter is one object for every app in the process: a test that builds a rate-limited app would
    otherwise switch limits on for the session's app too."""
    yield
    if "app" in request.fixturenames:
        from app.extensions import limiter

        limiter.enabled = request.getfixturevalue("app").config["RATELIMIT_ENABLED"]


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        _db.session.remove()


@pytest.fixture
def db(ctx):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash(app):
    with app.app_context():
        return hash_password(PASSWORD)


class Factory:
    """Builds committed rows for tests; every helper returns the row."""

    def __init__(self, password_hash: str):
        self.password_hash = password_hash
        self.counter = 0

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def city(self, slug: str = "seoul", name_en: str = "Seoul", name_ko: str = "서울", districts=("mapo", "jongno")):
        city = City(slug=slug, name_en=name_en, name_ko=name_ko, default_locale="ko", time_zone="Asia/Seoul")
        _db.session.add(city)
        _db.session.flush()
        for code in districts:
            _db.session.add(District(city_id=city.id, code=code, name_en=f"{code.title()}-gu", name_ko=f"{code}구",
                                     population_share=0.5))
        _db.session.commit()
        return city

    def user(self, name: str | None = None, email: str | None = None, confirmed: bool = True, **fields) -> User:
        n = self._next()
        now = datetime.now(timezone.utc)
        user = User(name=name or f"Person {n}", email=email or f"person{n}@example.org",
                    password_hash=self.password_hash, terms_version="2026-11", terms_accepted_at=now,
                    email_confirmed_at=now if confirmed else None, **fields)
        _db.session.add(user)
        _db.session.commit()
        return user

    def member(self, city: City, *roles: Role, user: User | None = None, birth_year: int = 1990, **user_fields):
        user = user or self.user(**user_fields)
        district = city.districts[0] if city.districts else None
        membership = Membership(user_id=user.id, city_id=city.id, district_id=district.id if district else None,
                                birth_year=birth_year)
        _db.session.add(membership)
        _db.session.flush()
        for role in roles:
            _db.session.add(RoleGrant(membership_id=membership.id, role=role.value))
        _db.session.commit()
        return user

    def plan(self, city: City, items=("cycling-network",)) -> Plan:
        plan = Plan(city_id=city.id, title_en="Seoul 2030", title_ko="서울 2030", description_en="The plan")
        _db.session.add(plan)
        _db.session.flush()
        for position, code in enumerate(items):
            item = PlanItem(plan_id=plan.id, code=code, title_en=code.replace("-", " ").title(), position=position)
            item.sdg_targets = [_db.session.get(SdgTarget, "11.2")]
            _db.session.add(item)
        _db.session.commit()
        return plan

    def process(self, city: City, phases=((-1, 10, ("propose", "comment", "support")),), plan: Plan | None = None,
                title: str = "Green transport") -> Process:
        """Phases as (start, end, actions), start and end in days from now."""
        now = datetime.now(timezone.utc)
        process = Process(slug=unique_process_slug(title), city_id=city.id, title_en=title, description_en="About transport",
                          description_html_en="<p>About transport</p>", plan_id=plan.id if plan else None)
        _db.session.add(process)
        _db.session.flush()
        for start, end, actions in phases:
            phase = Phase(process_id=process.id, name_en=f"Round {start}", starts_at=now + timedelta(days=start),
                          ends_at=now + timedelta(days=end))
            phase.set_actions(PhaseAction(a) for a in actions)
            _db.session.add(phase)
        _db.session.commit()
        _db.session.refresh(process)
        return process

    def proposal(self, process: Process, author: User, title: str = "A protected bike lane", body: str | None = None,
                 **fields) -> Proposal:
        from app.markdown import render_markdown
        from app.proposals.services import search_key

        body = body or "Build a protected bike lane on Worldcup-ro, separated by kerbs."
        from app.methods.language import detect_language

        fields.setdefault("language", detect_language(title + body))
        proposal = Proposal(process_id=process.id, author_id=author.id, title=title, body=body,
                            body_html=render_markdown(body), search_text=search_key(title + "\n" + body), **fields)
        _db.session.add(proposal)
        _db.session.commit()
        return proposal


@pytest.fixture
def make(ctx, password_hash):
    return Factory(password_hash)


def login(client, user_or_email, password: str = PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def postgres_only(db) -> None:
    """Races need concurrent writers: PostgreSQL. (SQLite has one writer at a time.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


def same_person_clients(app, user, n: int) -> list:
    """n clients sharing one logged-in session (one login, its cookie copied): one person clicking n times."""
    first = app.test_client()
    login(first, user)
    cookie = first.get_cookie("session")
    clients = [first]
    for _ in range(n - 1):
        each = app.test_client()
        each.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
        clients.append(each)
    return clients


def posting(url: str, data=None):
    """The request all_at_once sends: POST `data` (a dict, or a function of the client's index) to `url`."""
    return lambda index, client: client.post(url, data=data(index) if callable(data) else data).status_code


def all_at_once(clients, request, timeout: float = 120) -> list:
    """Runs `request(index, client)` in one thread per client, released together by a barrier; returns each
    result (a status code, or the exception's repr) in the clients' order. Build URLs and data before: the
    threads have no application context."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def run(index, client):
        barrier.wait(timeout=30)
        try:
            results[index] = request(index, client)
        except Exception as error:  # reported in the caller's assertion, not lost in the thread
            results[index] = repr(error)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port; yields (port, list of received envelopes)."""
    import socket

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.fixture
def count_queries(ctx):
    """Counts SQL statements run inside the `with` block: catches N+1 queries."""

    class Counter:
        def __init__(self):
            self.count = 0

        def __enter__(self):
            event.listen(_db.engine, "before_cursor_execute", self._inc)
            return self

        def __exit__(self, *exc):
            event.remove(_db.engine, "before_cursor_execute", self._inc)

        def _inc(self, *args, **kwargs):
            self.count += 1

    return Counter
