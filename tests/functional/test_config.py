"""Start-up rules, rate limits (in memory and on Redis), CSRF, and mail over real SMTP."""
import socket
import uuid

import pytest

from app import create_app
from tests.conftest import PASSWORD


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MADANG_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app()


def test_development_keeps_a_generated_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MADANG_ENV", "development")
    from config import development_secret_key

    first = development_secret_key(str(tmp_path))
    assert len(first) > 40 and development_secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_cookies_are_secure(monkeypatch, app):
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("MADANG_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    production = create_app()
    assert production.config["SESSION_COOKIE_SECURE"] and production.config["SESSION_COOKIE_HTTPONLY"]
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def _limited_app(app, **extra):
    return create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_ENABLED": True, "SECRET_KEY": "x", **extra,
    })


def _hammer_login(application, times: int, email: str | None = None) -> list[int]:
    client = application.test_client()
    return [client.post("/auth/login", data={"email": email or f"nobody{uuid.uuid4().hex[:8]}@example.org",
                                             "password": PASSWORD}).status_code
            for _ in range(times)]


def test_login_is_rate_limited_with_a_clear_message(app):
    limited = _limited_app(app, RATELIMIT_STORAGE_URI="memory://")
    statuses = _hammer_login(limited, 11)
    assert statuses[:10] == [200] * 10 and statuses[10] == 429
    page = limited.test_client().post("/auth/login", data={"email": "x@example.org", "password": "y"})
    assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)


def test_login_attempts_on_one_account_are_limited_whatever_the_address(app):
    """Behind a proxy, or from many machines: one account gets five tries a minute."""
    limited = _limited_app(app, RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES=1)
    statuses = []
    for n in range(6):
        client = limited.test_client()
        response = client.post("/auth/login", data={"email": "Target@example.org", "password": "guess"},
                               headers={"X-Forwarded-For": f"203.0.113.{n}"})
        statuses.append(response.status_code)
    assert statuses == [200] * 5 + [429]


def test_each_visitor_behind_a_trusted_proxy_has_their_own_limit(app):
    limited = _limited_app(app, RATELIMIT_STORAGE_URI="memory://", TRUSTED_PROXIES=1)
    client = limited.test_client()

    def attempt(address):
        return client.post("/auth/login", data={"email": f"{uuid.uuid4().hex[:8]}@example.org", "password": "x"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("198.51.100.1") for _ in range(11)][-1] == 429
    assert attempt("198.51.100.2") == 200  # someone else behind the same proxy is not locked out


def _redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.single_db
def test_rate_limits_are_shared_through_redis(app, monkeypatch):
    """Two app instances (two processes in production) count against the same limit when REDIS_URL is set."""
    if not _redis_available():
        pytest.fail("Redis is not reachable at 127.0.0.1:6379")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = f"madang-test-{uuid.uuid4().hex}"
    first = _limited_app(app, RATELIMIT_KEY_PREFIX=prefix)
    second = _limited_app(app, RATELIMIT_KEY_PREFIX=prefix)
    assert first.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert _hammer_login(first, 6) == [200] * 6
    assert _hammer_login(second, 5) == [200] * 4 + [429]


def test_csrf_is_enforced_when_enabled(app, make):
    protected = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True, "SECRET_KEY": "x",
                            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    user = make.user()
    client = protected.test_client()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


@pytest.mark.single_db
def test_mail_goes_over_real_smtp_when_configured(app, smtp_server):
    port, received = smtp_server
    mailer = create_app({"TESTING": True, "SECRET_KEY": "x", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                         "MAIL_USE_TLS": False, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with mailer.app_context():
        from app.mail import send_mail

        send_mail("minji@example.org", "Hello", "Body text 마당")
    assert len(received) == 1
    assert received[0].rcpt_tos == ["minji@example.org"]
    assert "Subject: Hello" in received[0].content.decode()
