"""Replicating a practice into a draft process of one's city, and questions between cities on a practice.

The practice page (practice_routes.py) shows who replicated the practice and its questions through two macros,
templates/practices/_replications.html and _questions.html; they take what they show from the template globals
defined here, so they work whether or not they are imported with the page's context."""
from __future__ import annotations

from types import SimpleNamespace

from flask import (abort, current_app, flash, g, make_response, redirect, render_template, render_template_string,
                   request, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.extensions import db, limiter
from app.facilitation.services import PhaseOverlap
from app.models import Practice, PracticeQuestion
from app.practices import bp, city_bp
from app.practices import replication_services as services
from app.practices.replication_forms import AnswerForm, QuestionForm, ReplicateForm
from app.views import refuse, require

DEFAULT_QUESTION_RATE_LIMIT = "5 per minute;30 per day"


def question_rate_limit() -> str:
    return current_app.config.get("PRACTICE_QUESTION_RATE_LIMIT", DEFAULT_QUESTION_RATE_LIMIT)


def _per_user() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


def _practice_or_404(practice_id: int) -> Practice:
    practice = db.session.get(Practice, practice_id)
    if practice is None:
        abort(404)
    return practice


def _practice_url(practice: Practice, anchor: str) -> str:
    return f"{services.practice_path(practice)}#{anchor}"


# Replicating ------------------------------------------------------------------------------------------------

def _replicate_form(practice: Practice) -> ReplicateForm:
    source = services.source_process(practice)
    has_rounds = source is not None and bool(source.phases)
    form = ReplicateForm(title_ko=practice.title_ko, title_en=practice.title_en,
                         starts_on=services.default_start(g.city), rounds="source" if has_rounds else "default")
    choices = []
    if has_rounds:
        choices.append(("source", _("The rounds of “%(process)s”: %(names)s, with the same lengths",
                                    process=source.title, names=" → ".join(p.name for p in source.phases))))
    choices.append(("default", _("Four rounds: collect ideas (30 days) → deliberate (14 days) → vote (14 days) → "
                                 "shared vision (21 days)")))
    form.rounds.choices = choices
    form.plan.choices = [(0, _("Do not attach it to a plan"))] + [
        (p.id, p.title) for p in services.matching_plans(practice, g.city)]
    return form


def _replication_data(form: ReplicateForm) -> services.ReplicationData:
    return services.ReplicationData(
        title_ko=form.title_ko.data or "", title_en=form.title_en.data or "", starts_on=form.starts_on.data,
        rounds=form.rounds.data, plan_id=form.plan.data or None, copy_statements=bool(form.copy_statements.data),
        copy_debates=bool(form.copy_debates.data))


def _replicate_page(practice: Practice, form: ReplicateForm, status: int = 200):
    source = services.source_process(practice)
    return render_template(
        "practices/replicate.html", practice=practice, practice_link=services.practice_path(practice), form=form,
        source=source,
        statements=services.seed_statements_of(source), debates=services.debates_of(source),
        earlier=services.replications_by_city(practice, g.city), has_plans=len(form.plan.choices) > 1), status


@city_bp.route("/practices/<int:practice_id>/replicate", methods=["GET", "POST"])
@login_required
def replicate(practice_id: int):
    practice = _practice_or_404(practice_id)
    require(permissions.can_replicate_practice(current_user, practice, g.city))
    form = _replicate_form(practice)
    if request.method == "GET":
        return _replicate_page(practice, form)
    if not form.validate_on_submit():
        return _replicate_page(practice, form, 422)
    try:
        replication = services.replicate(current_user, practice, g.city, _replication_data(form))
    except services.ReplicationRefused as refused:
        db.session.rollback()
        form[refused.field].errors = [*form[refused.field].errors, refused.message]
        return _replicate_page(_practice_or_404(practice_id), form, 422)
    except PhaseOverlap:
        db.session.rollback()
        form.rounds.errors = [*form.rounds.errors, _("The rounds overlap. Choose the default rounds.")]
        return _replicate_page(_practice_or_404(practice_id), form, 422)
    db.session.commit()
    flash(_("“%(title)s” is now a draft process of your city. Its facilitators can adjust its rounds, seed "
            "statements and questions before the first round opens.", title=replication.process.title), "success")
    return redirect(url_for("cities.process", process_id=replication.process_id))


# Questions --------------------------------------------------------------------------------------------------

QUESTION_PREFIX = "question"


def _answer_prefix(question_id: int) -> str:
    return f"answer-{question_id}"


@bp.app_template_global()
def practice_questions(practice: Practice):
    """What the questions macro shows to the current person: the questions, whether they may ask (and why not),
    the ask form, and an answer form per question if they may answer."""
    may_ask = permissions.can_ask_about_practice(current_user, practice)
    may_answer = permissions.can_answer_practice_question(current_user, practice)
    questions = services.questions_of(practice)
    failed = g.get("practice_answer_form")
    answer_forms = {}
    if may_answer:
        for question in questions:
            if failed is not None and failed[0] == question.id:
                answer_forms[question.id] = failed[1]
            else:
                answer_forms[question.id] = AnswerForm(prefix=_answer_prefix(question.id), formdata=None,
                                                       answer=question.answer)
    ask_form = g.get("practice_question_form")
    if ask_form is None and may_ask:
        ask_form = QuestionForm(prefix=QUESTION_PREFIX, formdata=None)
    return SimpleNamespace(locale=str(get_locale()), questions=questions, may_ask=may_ask, ask_form=ask_form,
                           may_answer=may_answer, answer_forms=answer_forms,
                           signed_in=current_user.is_authenticated)


@bp.app_template_global()
def practice_replications(practice: Practice):
    """The replications of a practice, each with its replicated process's results and their average progress."""
    return SimpleNamespace(rows=services.replications_of(practice), locale=str(get_locale()),
                           my_cities=services.cities_to_replicate_in(current_user, practice))


def _practice_page_again(practice: Practice):
    """The practice page with the form's errors (the macro reads the failed form from `g`), as 422."""
    view = current_app.view_functions.get("practices.show")
    if view is not None:
        response = make_response(view(practice_id=practice.id))
    else:  # the practice pages are another module's; this keeps questions usable without them
        response = make_response(render_template_string(
            '{% extends "base.html" %}{% from "practices/_questions.html" import questions %}'
            '{% block title %}{{ practice.title }}{% endblock %}'
            '{% block content %}<h1>{{ practice.title }}</h1>{{ questions(practice) }}{% endblock %}',
            practice=practice))
    response.status_code = 422
    return response


@bp.route("/practices/<int:practice_id>/questions", methods=["POST"])
@login_required
@limiter.limit(question_rate_limit, key_func=_per_user, methods=["POST"])
def ask(practice_id: int):
    practice = _practice_or_404(practice_id)
    require(permissions.can_ask_about_practice(current_user, practice))
    form = QuestionForm(prefix=QUESTION_PREFIX)
    if not form.validate_on_submit():
        g.practice_question_form = form
        return _practice_page_again(practice)
    services.ask(current_user, practice, form.body.data)
    db.session.commit()
    flash(_("Your question is sent. The city will answer it on this page."), "success")
    return redirect(_practice_url(practice, "questions"))


@bp.route("/practices/questions/<int:question_id>/answer", methods=["POST"])
@login_required
def answer(question_id: int):
    question = db.session.get(PracticeQuestion, question_id)
    if question is None:
        abort(404)
    practice = _practice_or_404(question.practice_id)
    if not permissions.can_answer_practice_question(current_user, practice):
        refuse(_("Only the practice's contact and its city's planners and administrators can answer questions "
                 "about it."))
    form = AnswerForm(prefix=_answer_prefix(question.id))
    if not form.validate_on_submit():
        g.practice_answer_form = (question.id, form)
        return _practice_page_again(practice)
    services.answer(current_user, question, form.answer.data)
    db.session.commit()
    flash(_("Your answer is published."), "success")
    return redirect(_practice_url(practice, f"question-{question.id}"))
