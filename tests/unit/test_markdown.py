"""User Markdown becomes safe HTML: an allow-list, no script, no event handlers, no javascript: links."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.markdown import render_markdown

PAYLOADS = [line for line in (Path(__file__).parent.parent / "data" / "xss_payloads.txt").read_text(
    encoding="utf-8").splitlines() if line and not line.startswith("#")]

SAFE_TAGS = {"p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr"}


class ElementAudit(HTMLParser):
    """Collects what a browser would build from the HTML: every element, attribute and link target."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            if name not in {"href", "title", "rel"}:
                self.problems.append(f"attribute {name}")
            if name == "href":
                scheme = re.sub(r"[\x00-\x20]", "", value or "").split(":", 1)
                if len(scheme) == 2 and scheme[0].lower() not in {"http", "https", "mailto"}:
                    self.problems.append(f"link {value!r}")


def problems_in(html: str) -> list[str]:
    audit = ElementAudit()
    audit.feed(html)
    audit.close()
    return audit.problems


def test_markdown_renders_the_basics():
    html = render_markdown("# Title\n\n**bold** and *it*\n\n- one\n- two\n\n[link](https://example.org)")
    assert "<h3>Title</h3>" in html  # demoted below the page's own headings
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.org" rel="nofollow noopener ugc">link</a>' in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_are_inert(payload):
    html = render_markdown(payload)
    assert problems_in(html) == [], html


def test_javascript_links_lose_their_href():
    html = render_markdown("[click](javascript:alert(1))")
    assert "href" not in html and problems_in(html) == []


def test_raw_html_is_escaped_not_rendered():
    html = render_markdown("<b>hi</b> <script>alert(1)</script>")
    assert "<b>" not in html and "<script" not in html
    assert "&lt;b&gt;" in html


TOKENS = list("<>\"'=/:;&#()[]!*_`\\ \nabcjsvrptonerilfx\t\x0b") + [
    "script", "javascript", "onerror", "img", "svg", "href", "data:", "&#106;", "<a href=", "](", "<!--"]
MARKUP = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@given(MARKUP)
def test_any_text_renders_only_allowed_markup(text):
    assert problems_in(render_markdown(text)) == []


@given(st.text(max_size=300))
def test_rendering_never_fails_and_keeps_the_words(text):
    html = render_markdown(text)
    for word in re.findall(r"[A-Za-z가-힣]{4,}", text)[:5]:
        if word not in {"http", "https", "mailto"}:
            assert word in html or word.lower() in html.lower()
