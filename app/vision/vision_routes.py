"""The shared vision of a process: the public page (latest published version, or an older one), the versions
with a diff between any two, the facilitators' editor (generate the evidence, write the narrative, publish),
citizens' endorsements, and the downloads (printable HTML, JSON, PDF)."""
from __future__ import annotations

from flask import abort, flash, g, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app import permissions
from app.errors import render_error
from app.extensions import db, limiter
from app.facilitation.forms import ConfirmForm
from app.markdown import render_markdown
from app.models import Endorsement, Process, VisionSummary
from app.planning.result_forms import status_labels
from app.vision import bp
from app.vision import summaries as services
from app.vision import vision_pdf as pdf
from app.vision import vision_text
from app.vision.document import public_evidence, vision_document
from app.vision.evidence import SECTIONS
from app.vision.vision_forms import CompareForm, EndorseForm, VisionForm
from app.views import get_in_city_or_404, refuse, require


def evidence_link(item: dict, external: bool = False) -> str | None:
    """Where the claim of an evidence item can be checked."""
    kind, ident = item.get("kind"), item.get("id")
    if item.get("withheld") or ident is None:
        return None
    if kind == "comment":
        on = item.get("on") or {}
        thread = evidence_link({"kind": on.get("kind"), "id": on.get("id")}, external)
        return f"{thread}#comment-{ident}" if thread else None
    targets = {
        "statement": ("vision.show_statement", "statement_id"),
        "proposal": ("proposals.show", "proposal_id"),
        "debate": ("deliberation.debate", "debate_id"),
        "result": ("planning.result_show", "result_id"),
        "budget": ("voting.budget_results", "process_id"),
        "poll": ("voting.poll_results", "poll_id"),
        "map": ("vision.opinion_map", "process_id"),
        "process": ("cities.process", "process_id"),
    }
    if kind not in targets:
        return None
    endpoint, argument = targets[kind]
    return url_for(endpoint, **{argument: ident}, _external=external)


def _process(process_id: int) -> Process:
    return get_in_city_or_404(Process, process_id, g.city)


def _require_editor() -> None:
    if not permissions.can_edit_vision(current_user, g.city):
        refuse(_("Only the facilitators and administrators of this city write and publish the shared vision."))


def _version_number(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:  # "²" and "١" are digits to isdigit()
        abort(404)
    return int(raw)


def _page_words() -> dict:
    """What the evidence templates name things with."""
    from app.proposals.routes import state_labels

    return {"titles": vision_text.section_titles(), "activities": vision_text.activity_labels(),
            "endorsement_labels": vision_text.endorsement_labels(), "status_labels": status_labels(),
            "proposal_states": state_labels(), "pick": vision_text.pick, "link": evidence_link,
            "sections": SECTIONS}


def _undone(message: str, endpoint: str, process: Process):
    """A race lost to someone else's click: nothing is saved; say why on the page to go to."""
    db.session.rollback()
    flash(message, "error")
    return redirect(url_for(endpoint, process_id=process.id))


def _notes_html(summary: VisionSummary) -> dict[str, str]:
    return {key: render_markdown(note) for key, note in (summary.section_notes or {}).items() if note}


# The public page ----------------------------------------------------------------------------------------

@bp.route("/processes/<int:process_id>/vision")
def show_vision(process_id: int):
    process = _process(process_id)
    latest = services.latest_published(process)
    if latest is None:
        if permissions.can_edit_vision(current_user, g.city):
            return render_template("vision/vision_none.html", process=process, draft=services.draft_of(process)), 404
        abort(404)
    number = _version_number(request.args.get("version"))
    summary = latest if number is None else services.published_version(process, number)
    if summary is None:
        abort(404)
    return _vision_page(process, summary, latest)


def _vision_page(process: Process, summary: VisionSummary, latest: VisionSummary, form=None, status: int = 200):
    is_latest = summary.id == latest.id
    decision = permissions.can_endorse_vision(current_user, summary)
    mine = services.member_endorsement(summary, permissions.membership_of(current_user, g.city)) \
        if is_latest and decision else None
    if form is None and is_latest and decision:
        form = EndorseForm(formdata=None, data={"version": str(summary.version),
                                                "value": mine.value if mine else None,
                                                "comment": mine.comment if mine else ""})
    return render_template(
        "vision/vision.html", process=process, summary=summary, latest=latest, is_latest=is_latest,
        evidence=public_evidence(summary), introduction_html=render_markdown(summary.introduction),
        notes_html=_notes_html(summary), figures=services.figures_of([summary])[summary.id],
        decision=decision, form=form if is_latest and decision else None, mine=mine,
        may_edit=permissions.can_edit_vision(current_user, g.city), **_page_words(),
    ), status


@bp.route("/processes/<int:process_id>/vision/endorse", methods=["POST"])
@login_required
def endorse_vision(process_id: int):
    process = _process(process_id)
    number = _version_number(request.form.get("version") or "")
    summary = services.published_version(process, number) if number else None
    if summary is None:
        abort(404)
    require(permissions.can_endorse_vision(current_user, summary))
    form = EndorseForm()
    if not form.validate_on_submit():
        return _vision_page(process, summary, services.latest_published(process), form, 422)
    try:
        services.endorse(permissions.membership_of(current_user, g.city), summary, Endorsement(form.value.data),
                         form.comment.data or "")
    except services.NotLatest:
        return _undone(_("A newer version of the vision has been published in the meantime. Read it, then answer "
                         "again."), "vision.show_vision", process)
    db.session.commit()
    flash(_("Thank you: your answer is saved. You can change it while this version is the latest."), "success")
    return redirect(url_for("vision.show_vision", process_id=process.id, _anchor="endorse"))


# Versions and what changed --------------------------------------------------------------------------------

DRAFT_CHOICE = "draft"


@bp.route("/processes/<int:process_id>/vision/versions")
def vision_versions(process_id: int):
    process = _process(process_id)
    versions = services.published_versions(process)
    may_edit = permissions.can_edit_vision(current_user, g.city)
    draft = services.draft_of(process) if may_edit else None
    if not versions and draft is None:
        abort(404)
    choices = [(str(v.version), _("Version %(n)d", n=v.version)) for v in versions]
    if draft is not None:
        choices.insert(0, (DRAFT_CHOICE, _("The draft")))
    by_choice = {str(v.version): v for v in versions} | ({DRAFT_CHOICE: draft} if draft is not None else {})
    defaults = MultiDict()
    if len(choices) >= 2:
        defaults = MultiDict({"old": choices[1][0], "new": choices[0][0]})
    form = CompareForm(request.args if "old" in request.args or "new" in request.args else defaults)
    form.offer(choices)
    hunks, compared, status = None, None, 200
    if form.old.data or form.new.data:
        if form.validate():
            old, new = by_choice[form.old.data], by_choice[form.new.data]
            hunks = services.diff_lines(_lines(old), _lines(new))
            compared = (old, new)
        else:
            status = 422
    return render_template("vision/vision_versions.html", process=process, versions=versions, draft=draft,
                           figures=services.figures_of(versions), form=form, hunks=hunks, compared=compared,
                           may_edit=may_edit), status


def _lines(summary: VisionSummary) -> list[str]:
    return vision_text.version_lines(summary.title, summary.introduction, summary.section_notes or {},
                                     public_evidence(summary))


# The facilitators' editor -------------------------------------------------------------------------------

def _editor_page(process: Process, form: VisionForm, status: int = 200, publish_problem: str | None = None):
    draft = services.draft_of(process)
    latest = services.latest_published(process)
    return render_template(
        "vision/vision_edit.html", process=process, form=form, draft=draft, latest=latest,
        evidence=public_evidence(draft) if draft is not None else None,
        counts=services.evidence_counts(draft.evidence) if draft is not None else None,
        comments=services.endorsement_comments(latest) if latest is not None else [],
        figures=services.figures_of([latest])[latest.id] if latest is not None else None,
        confirm=ConfirmForm(), publish_problem=publish_problem, **_page_words(),
    ), status


@bp.route("/processes/<int:process_id>/vision/edit", methods=["GET", "POST"])
@login_required
def edit_vision(process_id: int):
    _require_editor()
    process = _process(process_id)
    form = VisionForm()
    if not form.is_submitted():
        form.fill(services.draft_of(process) or services.latest_published(process), process.title)
    if form.validate_on_submit():
        services.edit_draft(current_user, process, form.text())
        db.session.commit()
        flash(_("The draft is saved. Nothing is public until you publish it."), "success")
        return redirect(url_for("vision.edit_vision", process_id=process.id))
    return _editor_page(process, form, 422 if form.is_submitted() else 200)


def _filled_form(process: Process) -> VisionForm:
    form = VisionForm(formdata=None)
    form.fill(services.draft_of(process) or services.latest_published(process), process.title)
    return form


def _confirmed(process_id: int):
    """The process of an editor's button (generate, publish), and the editor page to answer with instead when
    the form's token has expired."""
    _require_editor()
    process = _process(process_id)
    if ConfirmForm().validate_on_submit():
        return process, None
    return process, _editor_page(process, _filled_form(process), 422, _("The form expired. Please send it again."))


@bp.route("/processes/<int:process_id>/vision/generate", methods=["POST"])
@login_required
def generate_vision(process_id: int):
    process, expired = _confirmed(process_id)
    if expired:
        return expired
    services.generate_draft(current_user, process)
    db.session.commit()
    flash(_("The draft's evidence is assembled from the data as it stands now; your text is kept."), "success")
    return redirect(url_for("vision.edit_vision", process_id=process.id, _anchor="evidence"))


@bp.route("/processes/<int:process_id>/vision/publish", methods=["POST"])
@login_required
def publish_vision(process_id: int):
    process, expired = _confirmed(process_id)
    if expired:
        return expired
    try:
        published = services.publish(current_user, process)
    except services.NothingToPublish:
        return _undone(_("There is no draft to publish: it may have been published a moment ago."),
                       "vision.vision_versions", process)
    except services.NotReady as problem:
        db.session.rollback()
        message = (_("Give the vision a title before publishing it.") if problem.problem == "title"
                   else _("Generate the draft's evidence from the data before publishing it."))
        return _editor_page(process, _filled_form(process), 422, message)
    except services.VersionTaken:
        return _undone(_("Another version was published at the same moment. Check the versions before publishing "
                         "again."), "vision.vision_versions", process)
    db.session.commit()
    flash(_("Version %(n)d of the shared vision is published.", n=published.version), "success")
    return redirect(url_for("vision.show_vision", process_id=process.id))


# Downloads ----------------------------------------------------------------------------------------------

def _published_or_404(process: Process) -> VisionSummary:
    number = _version_number(request.args.get("version"))
    summary = services.latest_published(process) if number is None else services.published_version(process, number)
    if summary is None:
        abort(404)
    return summary


@bp.route("/processes/<int:process_id>/vision/print")
def vision_print(process_id: int):
    process = _process(process_id)
    summary = _published_or_404(process)
    return render_template(
        "vision/vision_print.html", process=process, summary=summary, evidence=public_evidence(summary),
        introduction_html=render_markdown(summary.introduction), notes_html=_notes_html(summary),
        figures=services.figures_of([summary])[summary.id],
        **(_page_words() | {"link": lambda item: evidence_link(item, external=True)}))


@bp.route("/processes/<int:process_id>/vision.json")
def vision_json(process_id: int):
    summary = _published_or_404(_process(process_id))
    response = jsonify(vision_document(summary))
    response.headers["Content-Disposition"] = (
        f'inline; filename="{summary.process.slug}-vision-{summary.version}.json"')
    return response


@bp.route("/processes/<int:process_id>/vision.pdf")
@limiter.limit("20 per minute")  # about a second of work each (the Korean font is read for every document)
def vision_pdf(process_id: int):
    process = _process(process_id)
    summary = _published_or_404(process)
    if not pdf.fonts_available():
        return render_error(503, _("The PDF cannot be made on this server: its Korean font is not installed "
                                   "(run `make fonts`). The printable page and the JSON download work."))
    document = pdf.render(process, summary, public_evidence(summary),
                          services.figures_of([summary])[summary.id], link=lambda item: evidence_link(item, True))
    response = make_response(document)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{process.slug}-vision-{summary.version}.pdf"'
    return response
