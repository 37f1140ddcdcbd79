"""A process's exports for its staff (/c/<city>/processes/<id>/exports) and the city's open-data page
(/c/<city>/open-data, public), with its catalogue and downloads.

Open data is generated on request from the data as it is now; its ETag is a fingerprint of that data (row
counts, newest changes and a few sums, from aggregate queries), so a client that has it gets 304 without the
data being read again."""
from __future__ import annotations

import hashlib
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from flask import Response, abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.exports import bp
from app.exports import writers
from app.exports.datasets import DATASETS, Dataset, Export, Summary, prepare_opinion_map, summaries
from app.exports.licences import licence_of
from app.extensions import db
from app.models import City, Process, User, utcnow
from app.models.base import current_language
from app.views import get_in_city_or_404, refuse

FORMAT = "<any(csv, json, xlsx):fmt>"


# Shared steps ---------------------------------------------------------------------------------------------

def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def filename_of(process: Process, dataset: Dataset, fmt: str) -> str:
    return f"{process.city.slug}-{process.slug or process.id}-{dataset.name}.{fmt}"


def _dataset_or_404(name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        abort(404)
    return dataset


def _summary_or_404(dataset: Dataset, export: Export) -> Summary:
    if dataset.name == "opinion-groups" and prepare_opinion_map(export.process):
        db.session.commit()  # the map was out of date and cheap to recompute: keep it
    summary = dataset.summary(export)
    if summary is None:
        abort(404)
    return summary


def _download(dataset: Dataset, export: Export, fmt: str) -> Response:
    city, process = export.city, export.process
    licence = licence_of(city)
    head = {"dataset": dataset.name, "title": str(dataset.title),
            "process": {"id": process.id, "slug": process.slug, "title": {"ko": process.title_ko,
                                                                         "en": process.title_en}},
            "city": city.slug, "licence": {"id": licence.id, "name": str(licence.name), "url": licence.url},
            "generated_at": utcnow().isoformat()}
    public, process_id = export.public, process.id
    viewer_id = export.viewer.id if getattr(export.viewer, "is_authenticated", False) else None

    def chunks():
        viewer = db.session.get(User, viewer_id) if viewer_id is not None else None
        again = Export(db.session.get(Process, process_id), g.city, public=public, viewer=viewer)
        return writers.chunks(fmt, dataset.columns_for(public), dataset.rows_for(again), head)

    response = Response(_in_own_context(chunks), mimetype=writers.FORMATS[fmt].media_type)
    response.headers["Content-Disposition"] = _attachment(filename_of(process, dataset, fmt))
    return response


def _in_own_context(make_chunks) -> Iterator[bytes]:
    """The body of a streamed download, made in a request context of its own (the request's own context ends
    before the server reads the body), with a database session of its own that ends with the body.

    The first item is empty and comes before the context is entered: a WSGI client may take one item where the
    request was handled and read the rest elsewhere (werkzeug's test client does), and a context must be left
    where it was entered. So a response dropped unread, or after that first item, leaves nothing behind."""
    app = current_app._get_current_object()
    environ, city_id = request.environ, g.city.id

    def body():
        yield b""
        with app.request_context(environ):
            g.city = db.session.get(City, city_id)
            yield from make_chunks()

    return body()


# The staff's exports --------------------------------------------------------------------------------------

def _staff_export(process_id: int) -> Export:
    process = get_in_city_or_404(Process, process_id, g.city)
    if not permissions.can_export(current_user, g.city):
        refuse(_("Only the facilitators, planners and administrators of this city can download the full exports "
                 "of a process. Everyone can download the open data of its published processes."))
    return Export(process, g.city, public=False, viewer=current_user._get_current_object())


@bp.route("/processes/<int:process_id>/exports")
@login_required
def process_exports(process_id: int):
    export = _staff_export(process_id)
    if prepare_opinion_map(export.process):
        db.session.commit()
    from app.vision.summaries import latest_published

    process = export.process
    return render_template(
        "exports/process_exports.html", process=process, datasets=summaries(export), formats=writers.FORMATS,
        vision=latest_published(process), budget=process.budget is not None and _budget_files_visible(export),
        polis=_has_statements(process),
        download=lambda dataset, fmt: url_for("exports.process_download", process_id=process.id, name=dataset.name,
                                              fmt=fmt))


@bp.route(f"/processes/<int:process_id>/exports/<name>.{FORMAT}")
@login_required
def process_download(process_id: int, name: str, fmt: str):
    export = _staff_export(process_id)
    dataset = _dataset_or_404(name)
    _summary_or_404(dataset, export)
    response = _download(dataset, export, fmt)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _budget_files_visible(export: Export) -> bool:
    """The .pb file holds the ballots: it is shown when the results page would be."""
    return DATASETS["budget-results"].summary(export) is not None


def _has_statements(process: Process) -> bool:
    from sqlalchemy import func, select

    from app.models import Statement, StatementState

    return bool(db.session.scalar(select(func.count(Statement.id)).where(
        Statement.process_id == process.id, Statement.state == StatementState.PUBLISHED)))


@bp.route("/processes/<int:process_id>/exports/budget.pb")
@login_required
def process_pb(process_id: int):
    """The budget's projects and anonymised ballots in Pabulib's format (as `flask pb export` writes it)."""
    from app.voting.pabulib_io import process_to_pb

    export = _staff_export(process_id)
    if export.process.budget is None or not _budget_files_visible(export):
        abort(404)
    response = Response(process_to_pb(export.process), mimetype="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = _attachment(f"{g.city.slug}-{export.process.slug}.pb")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/processes/<int:process_id>/exports/polis.zip")
@login_required
def process_polis(process_id: int):
    """The statements, their votes and the opinion groups as Polis's export files (as `flask polis export`
    writes them), in one ZIP."""
    from app.vision.polis_io import export_polis

    export = _staff_export(process_id)
    if not _has_statements(export.process):
        abort(404)
    with tempfile.TemporaryDirectory(prefix="madang-polis-") as folder:
        result = export_polis(export.process, folder)
        db.session.commit()  # keeps the opinion map if it had to be computed
        # The files are a few megabytes even for a large conversation: spooled to disk beyond 8 MB.
        archive = tempfile.SpooledTemporaryFile(max_size=8 * 2**20)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in result.files:
                bundle.write(path, Path(path).name)
    archive.seek(0)

    def sent():
        with archive:
            while chunk := archive.read(writers.CHUNK):
                yield chunk

    response = Response(sent(), mimetype="application/zip")
    response.headers["Content-Disposition"] = _attachment(f"{g.city.slug}-{export.process.slug}-polis.zip")
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Open data ------------------------------------------------------------------------------------------------

def published_processes() -> list[Process]:
    """The city's processes past their draft: a process is a draft until its first round opens."""
    from sqlalchemy import select

    now = utcnow()
    processes = db.session.scalars(select(Process).where(Process.city_id == g.city.id).order_by(Process.id))
    return [p for p in processes if p.status_at(now) != "upcoming"]


def _public_export(process: Process) -> Export:
    return Export(process, g.city, public=True)


def _catalogue() -> list[tuple[Process, list[tuple[Dataset, Summary]]]]:
    entries, computed = [], False
    for process in published_processes():
        computed |= prepare_opinion_map(process)
        entries.append((process, summaries(_public_export(process))))
    if computed:
        db.session.commit()
    return entries


def _fingerprint(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _catalogue_state(entries) -> tuple:
    city = g.city
    return (city.slug, city.name_en, city.name_ko, city.open_data_licence, current_language(),
            [(p.id, p.slug, p.title_ko, p.title_en, p.updated_at,
              [(d.name, s.rows, s.changed_at, s.token) for d, s in found]) for p, found in entries])


def _newest_change(entries) -> datetime | None:
    moments = [s.changed_at for _p, found in entries for _d, s in found if s.changed_at is not None]
    moments += [p.updated_at for p, _found in entries]
    return max(moments) if moments else None


def _conditional(etag: str, last_modified: datetime | None, make) -> Response:
    """304 when the client has this version; else the response `make()` builds, with its validators. The
    data is read again on each request (cheaply, for the fingerprint): nothing is cached on the server."""
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = make()
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified.replace(microsecond=0)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    return response


@bp.route("/open-data")
def open_data():
    entries = _catalogue()
    viewer = current_user.get_id() if current_user.is_authenticated else None  # the page's header names them
    etag = _fingerprint("page", viewer, _catalogue_state(entries))
    return _conditional(etag, _newest_change(entries), lambda: Response(render_template(
        "exports/open_data.html", entries=entries, licence=licence_of(g.city), formats=writers.FORMATS,
        download=_public_links)))


def _public_links(process: Process):
    """The open-data page's download addresses of one process, by dataset and format."""
    return lambda dataset, fmt: url_for("exports.open_data_download", process_id=process.id, name=dataset.name,
                                        fmt=fmt)


@bp.route("/open-data/catalog.json")
def open_data_catalog():
    entries = _catalogue()
    etag = _fingerprint("catalog", _catalogue_state(entries))
    return _conditional(etag, _newest_change(entries), lambda: _catalog_response(entries))


def _catalog_response(entries) -> Response:
    import json

    from app.exports.catalog import dcat_catalog

    document = dcat_catalog(g.city, entries, licence_of(g.city), _newest_change(entries))
    return Response(json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/json")


@bp.route(f"/open-data/processes/<int:process_id>/<name>.{FORMAT}")
def open_data_download(process_id: int, name: str, fmt: str):
    process = get_in_city_or_404(Process, process_id, g.city)
    if process.status_at(utcnow()) == "upcoming":
        abort(404)  # a draft publishes nothing
    dataset = _dataset_or_404(name)
    export = _public_export(process)
    summary = _summary_or_404(dataset, export)
    etag = _fingerprint("download", fmt, dataset.name, process.updated_at, g.city.open_data_licence,
                        current_language(), summary)
    return _conditional(etag, summary.changed_at, lambda: _download(dataset, export, fmt))

