"""The shared vision as a PDF (fpdf2), for a council meeting or an archive: the same text and evidence as the
page, each claim with its link, in Noto Sans KR so Korean renders.

The fonts are not in the repository: `make fonts` copies them from their npm package (SIL Open Font License
1.1; see app/data/fonts/README.md). Without them the PDF route answers 503 and says so."""
from __future__ import annotations

from pathlib import Path

from flask import g, render_template
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

from app.models import Process, VisionSummary

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
FAMILY = "NotoSansKR"
REGULAR = FONT_DIR / "NotoSansKR_400Regular.ttf"
BOLD = FONT_DIR / "NotoSansKR_700Bold.ttf"
INK = "#1d2330"
ACCENT = "#0b5d73"


def fonts_available() -> bool:
    return REGULAR.is_file() and BOLD.is_file()


class VisionDocument(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=8)
        self.set_text_color(INK)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")


def _tag_styles() -> dict:
    """Headings in ink and accent rather than fpdf2's dark red; code in the same font (Courier has no Hangul)."""
    return {
        "h1": TextStyle(font_family=FAMILY, font_style="B", font_size_pt=20, color=INK, t_margin=2, b_margin=0.5),
        "h2": TextStyle(font_family=FAMILY, font_style="B", font_size_pt=14, color=ACCENT, t_margin=6, b_margin=0.3),
        "h3": TextStyle(font_family=FAMILY, font_style="B", font_size_pt=12, color=INK, t_margin=3, b_margin=0.2),
        "h4": TextStyle(font_family=FAMILY, font_style="B", font_size_pt=11, color=INK, t_margin=2, b_margin=0.2),
        "code": FontFace(family=FAMILY),
        "pre": TextStyle(font_family=FAMILY, t_margin=2),
        "a": FontFace(color=ACCENT, emphasis="UNDERLINE"),
        "blockquote": TextStyle(color="#4a5263", t_margin=2, b_margin=2, l_margin=8),
    }


def render(process: Process, summary: VisionSummary, evidence: dict, figures, link) -> bytes:
    """The PDF of a published version. `evidence` is what the public may see; `link(item)` an absolute URL."""
    from app.markdown import render_markdown
    from app.vision import vision_text

    html = render_template(
        "vision/_vision_pdf.html", process=process, summary=summary, evidence=evidence, figures=figures,
        introduction_html=render_markdown(summary.introduction),
        notes_html={k: render_markdown(v) for k, v in (summary.section_notes or {}).items() if v},
        titles=vision_text.section_titles(), pick=vision_text.pick, link=link, text=vision_text,
        sections=list(vision_text.SECTIONS))
    # fpdf2 reads line spacing from an attribute: the Markdown's paragraphs and lists get the body's.
    html = html.replace("<p>", '<p line-height="1.4">').replace("<ul>", '<ul line-height="1.45">') \
        .replace("<ol>", '<ol line-height="1.45">')
    pdf = VisionDocument(format="A4")
    pdf.add_font(FAMILY, "", str(REGULAR))
    pdf.add_font(FAMILY, "B", str(BOLD))
    # No italic cut ships: emphasis is set upright (in the regular and bold weights).
    pdf.add_font(FAMILY, "I", str(REGULAR))
    pdf.add_font(FAMILY, "BI", str(BOLD))
    pdf.set_title(summary.title)
    pdf.set_lang(summary.language or "ko")
    pdf.set_creator("Madang")
    pdf.set_author(g.city.name(summary.language or "ko"))
    pdf.footer_text = _("%(title)s, version %(n)d", title=summary.title, n=summary.version)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    pdf.set_font(FAMILY, size=10.5)
    pdf.set_text_color(INK)
    pdf.write_html(html, font_family=FAMILY, tag_styles=_tag_styles(), li_prefix_color=ACCENT,
                   ul_bullet_char="•", warn_on_tags_not_matching=False)
    return bytes(pdf.output())
