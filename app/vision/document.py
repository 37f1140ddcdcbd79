"""A published version of the shared vision as one JSON document: what the web's download (`vision.json`)
and the API (`/api/v1/…/vision`) both serve, built here only."""
from __future__ import annotations

from flask import url_for

from app.models import VisionSummary
from app.vision import summaries
from app.vision.evidence import SECTIONS, redact, withheld


def public_evidence(summary: VisionSummary) -> dict:
    """The summary's evidence as the public may see it now (what was hidden since publication is withheld)."""
    evidence = summary.evidence or {}
    return redact(evidence, withheld(evidence, summary.process.city_id))


def vision_document(summary: VisionSummary) -> dict:
    """A published version: the facilitators' text, the evidence as the public may see it now, the
    endorsements, and links to its page and PDF."""
    process = summary.process
    city_slug = process.city.slug
    return {
        "process": {"id": process.id, "slug": process.slug, "title": {"ko": process.title_ko, "en": process.title_en},
                    "city": city_slug},
        "version": summary.version, "latest_version": summaries.latest_published(process).version,
        "published_at": summary.published_at.isoformat().replace("+00:00", "Z"), "title": summary.title,
        "language": summary.language, "introduction": summary.introduction,
        "section_notes": summary.section_notes or {}, "sections": list(SECTIONS),
        "evidence": public_evidence(summary),
        "endorsements": summaries.figures_of([summary])[summary.id].as_dict(),
        "links": {"page": url_for("vision.show_vision", city_slug=city_slug, process_id=process.id,
                                  version=summary.version, _external=True),
                  "pdf": url_for("vision.vision_pdf", city_slug=city_slug, process_id=process.id,
                                 version=summary.version, _external=True)},
    }
