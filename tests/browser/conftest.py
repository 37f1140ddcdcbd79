"""Browser tests: the app served by a live server thread, driven by headless Chromium through Playwright.

Debian's ``chromium`` is used (``playwright install`` is not needed). Without it, or without the vendored
axe-core script (``make vendor``), the browser tests are skipped with a visible reason, or fail when
``MADANG_REQUIRE_BROWSER=1`` (as in CI), so a missing browser is never a silent pass."""
from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

# The password the root conftest's factory gives every user (checked against its hash by `known_password`).
PASSWORD = "correct horse battery staple"
CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SHOTS = Path("/tmp/madang-shots")


def _browser_required() -> bool:
    return os.environ.get("MADANG_REQUIRE_BROWSER", "").strip() == "1"


def _unavailable(missing: str, skipped: str, remedy: str):
    """Skip with a visible reason, or fail when the browser tests are required."""
    if _browser_required():
        pytest.fail(f"{missing}, and MADANG_REQUIRE_BROWSER=1 requires it: {remedy}", pytrace=False)
    pytest.skip(f"{missing}: {skipped} ({remedy})")


def chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = chromium_path()
    if path is None:
        _unavailable(f"Chromium not found at {CHROMIUM}", "browser tests skipped", "install Debian's chromium")
    return path


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        _unavailable(f"axe-core not found at {AXE}", "accessibility tests skipped", "run `make vendor`")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def known_password(password_hash) -> str:
    from app.auth.passwords import verify_password

    assert verify_password(password_hash, PASSWORD), "tests/conftest.py changed PASSWORD: update tests/browser"
    return PASSWORD


@pytest.fixture(scope="session")
def live_server(app, known_password):
    """The test app on a real socket, in a daemon thread; yields the base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # errors are still logged; every GET would drown them
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="madang-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_executable, headless=True)
        try:
            yield instance
        finally:
            instance.close()


class Site:
    """One browser tab on the live server, with the steps every browser test repeats."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def open(self, path: str, status: int | None = 200):
        response = self.page.goto(self.url(path))
        if status is not None:
            assert response is not None and response.status == status, (
                f"GET {path}: expected {status}, got {response.status if response else None}\n"
                + self.page.locator("main").inner_text()[:500]
            )
        return response

    @property
    def path(self) -> str:
        return self.page.url[len(self.base_url):]

    def lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    def assert_lang(self, locale: str) -> None:
        assert self.lang() == locale, f"<html lang={self.lang()!r}> on {self.path}, expected {locale!r}"

    def choose_language(self, locale: str) -> None:
        """Press the header's language button (a plain POST form) unless the page is already in `locale`."""
        if self.lang() != locale:
            self.page.locator(f"header form.language-switch button[name='locale'][value='{locale}']").click()
            self.page.wait_for_load_state()
        self.assert_lang(locale)

    def submit(self) -> None:
        """Send the page's main form with its submit button (not the header's forms)."""
        self.page.locator("main form.form [type='submit']").first.click()
        self.page.wait_for_load_state()

    def log_in(self, user_or_email, password: str = PASSWORD) -> None:
        address = getattr(user_or_email, "email", user_or_email)
        self.open("/auth/login")
        self.page.locator("main input[name='email']").fill(address)
        self.page.locator("main input[name='password']").fill(password)
        self.submit()
        assert not self.path.startswith("/auth/login"), (
            f"login as {address} failed: {self.page.locator('main').inner_text()[:300]}"
        )

    def axe_violations(self, axe_source: str, kind: str = "violations") -> list[dict]:
        """axe's violations, or with ``kind="incomplete"`` what it could not decide ("needs review")."""
        # evaluate is not subject to the page's CSP (script-src 'self'), unlike an injected <script>.
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(axe_source)
        return self.page.evaluate(
            "async ([tags, kind]) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: [kind]}))[kind]"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}))",
            [AXE_TAGS, kind],
        )

    def assert_accessible(self, axe_source: str) -> None:
        violations = self.axe_violations(axe_source)
        assert not violations, f"axe violations on {self.path}:\n" + self.describe_violations(violations)

    def page_problems(self, axe_source: str, locale: str) -> list[str]:
        """What is wrong with the open page, each prefixed with its path: the wrong <html lang>, not exactly
        one <h1>, axe violations."""
        problems = []
        if self.lang() != locale:
            problems.append(f"<html lang={self.lang()!r}>, expected {locale!r}")
        if self.page.locator("h1").count() != 1:
            problems.append(f"{self.page.locator('h1').count()} <h1> elements, expected exactly one")
        violations = self.axe_violations(axe_source)
        if violations:
            problems.append("axe violations:\n" + self.describe_violations(violations))
        return [f"{self.path}: {p}" for p in problems]

    def screenshot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        target = SHOTS / name
        self.page.screenshot(path=str(target), full_page=True)
        return target

    @staticmethod
    def describe_violations(violations: list[dict]) -> str:
        """One line per rule (id, impact, help), then the failing nodes' selectors and why they fail."""
        lines = []
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:8]:
                summary = (node.get("summary") or "").replace("\n", " ")
                lines.append(f"    {node['target']}  {summary[:300]}")
            if len(v["nodes"]) > 8:
                lines.append(f"    … and {len(v['nodes']) - 8} more")
        return "\n".join(lines)


@pytest.fixture
def open_site(browser, live_server):
    """Opens a fresh browser context (no cookies) per call: ``open_site(javascript=False)`` → Site."""
    contexts = []

    def opener(javascript: bool = True, viewport=None) -> Site:
        context = browser.new_context(
            java_script_enabled=javascript,
            locale="en-US",
            viewport=viewport or {"width": 1280, "height": 900},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Site(context.new_page(), live_server)

    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def site(open_site) -> Site:
    return open_site()


@pytest.fixture
def outbox(app):
    """Reads the messages the app wrote to its outbox folder."""

    class Outbox:
        folder = Path(app.config["MAIL_OUTBOX"])

        def messages_to(self, address: str):
            found = []
            for path in sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime):
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                if message["To"] == address:
                    found.append(message)
            return found

        def link_to(self, address: str, path_part: str) -> str:
            for message in reversed(self.messages_to(address)):
                body = message.get_body(preferencelist=("plain",)).get_content()
                match = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", body)
                if match:
                    return match.group(0)
            raise AssertionError(f"no message to {address} with a link containing {path_part!r}")

    return Outbox()
