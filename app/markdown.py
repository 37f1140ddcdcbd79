"""User-written Markdown to safe HTML: markdown-it renders (raw HTML disabled), bleach keeps an explicit
allow-list. Nothing user-written reaches a template as safe markup any other way."""
from __future__ import annotations

import bleach
from bleach.linkifier import Linker
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable(["image"])


def _link_rel(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener ugc"
    return attrs


_linker = Linker(callbacks=[_link_rel], skip_tags={"pre", "code"})


def render_markdown(text: str) -> str:
    """Render Markdown, demote headings below the page's own, and sanitize."""
    html = _markdown.render(text or "")
    for level, to in (("h1", "h3"), ("h2", "h3"), ("h5", "h4"), ("h6", "h4")):
        html = html.replace(f"<{level}>", f"<{to}>").replace(f"</{level}>", f"</{to}>")
    cleaned = bleach.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True
    )
    return _linker.linkify(cleaned)
