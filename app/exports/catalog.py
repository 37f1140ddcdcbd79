"""The open-data page as a machine-readable catalogue: DCAT in JSON-LD (a dcat:Catalog of dcat:Datasets, each
with a dcat:Distribution per format), so a portal can harvest a city's datasets."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from app.exports.writers import FORMATS
from app.models.base import current_language

CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#"}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def dcat_catalog(city, entries, licence, modified: datetime | None) -> dict:
    """`entries`: (process, [(dataset, summary)]) of the published processes."""
    locale = current_language()
    datasets = []
    for process, found in entries:
        title = process.title
        for dataset, summary in found:
            datasets.append({
                "@type": "dcat:Dataset",
                "@id": url_for("exports.open_data", _external=True) + f"#process-{process.id}-{dataset.name}",
                "dct:identifier": f"{city.slug}/{process.slug}/{dataset.name}",
                "dct:title": f"{title}: {dataset.title}",
                "dct:description": str(dataset.description),
                "dct:license": licence.url,
                "dct:modified": _iso(summary.changed_at),
                "dct:publisher": {"@type": "foaf:Organization", "foaf:name": city.name(locale)},
                "dcat:landingPage": url_for("cities.process", process_id=process.id, _external=True),
                "rows": summary.rows,
                "columns": [{"name": c.name, "type": c.type, "description": str(c.description)}
                            for c in dataset.columns_for(True)],
                "dcat:distribution": [{
                    "@type": "dcat:Distribution",
                    "dct:format": fmt.label,
                    "dcat:mediaType": fmt.media_type.split(";")[0],
                    "dcat:downloadURL": url_for("exports.open_data_download", process_id=process.id,
                                                name=dataset.name, fmt=key, _external=True),
                    "dct:license": licence.url,
                } for key, fmt in FORMATS.items()],
            })
    return {
        "@context": CONTEXT,
        "@type": "dcat:Catalog",
        "@id": url_for("exports.open_data_catalog", _external=True),
        "dct:title": _("Open data of %(city)s", city=city.name(locale)),
        "dct:language": locale,
        "dct:license": licence.url,
        "licence": {"id": licence.id, "name": str(licence.name), "url": licence.url},
        "dct:modified": _iso(modified),
        "dcat:landingPage": url_for("exports.open_data", _external=True),
        "dcat:dataset": datasets,
    }
