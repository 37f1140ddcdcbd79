"""Official answers: a planner drafts and publishes the city's answer to a proposal; the proposal page shows it."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app import permissions
from app.models import Plan, Proposal, SdgTarget
from app.planning import answers, bp
from app.planning.answer_forms import AnswerForm, LinksForm
from app.proposals.routes import state_labels
from app.views import refuse, require


def _proposal_in_city(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id, options=[joinedload(Proposal.process),
                                                              joinedload(Proposal.author)])
    if proposal is None or proposal.process.city_id != g.city.id:
        abort(404)
    return proposal


def _form(proposal: Proposal, formdata=None) -> AnswerForm:
    """The form as the planner left it: the draft if there is one, else the published answer to revise."""
    form = AnswerForm(formdata=formdata)
    if formdata is None:
        if proposal.answer_draft is not None:
            form.state.data, form.answer.data = proposal.answer_draft_state, proposal.answer_draft
        elif proposal.answer is not None:
            form.state.data, form.answer.data = proposal.state, proposal.answer
    return form


@bp.route("/manage/proposals/<int:proposal_id>/answer", methods=["GET", "POST"])
@login_required
def answer(proposal_id: int):
    proposal = _proposal_in_city(proposal_id)
    require(answers.may_answer(current_user, proposal))
    submitted = request.method == "POST"
    form = _form(proposal, formdata=request.form if submitted else None)
    if form.validate_on_submit():
        data = answers.AnswerData(state=form.state.data, text=form.answer.data)
        if form.publish.data:
            if answers.publish(current_user, proposal, data):
                message = _("The answer is published. The author and the people following the proposal are told.")
            else:
                message = _("This answer is published already.")
        else:
            answers.save_draft(current_user, proposal, data)
            message = _("The draft is saved. Nobody else sees it until it is published.")
        db.session.commit()
        flash(message, "success")
        if form.publish.data:
            return redirect(url_for("proposals.show", proposal_id=proposal.id, _anchor="answer"))
        return redirect(url_for("planning.answer", proposal_id=proposal.id))
    return render_template("planning/answer_form.html", form=form, proposal=proposal, process=proposal.process,
                           view=answers.answer_view(current_user, proposal),
                           state_labels=state_labels()), 422 if submitted else 200


def _links_form(proposal: Proposal, formdata=None) -> LinksForm:
    form = LinksForm(formdata=formdata, prefix="links")
    plans = db.session.scalars(select(Plan).where(Plan.city_id == g.city.id).order_by(Plan.id)).all()
    form.plan_items.choices = [(item.id, f"{plan.title} › {item.title}") for plan in plans for item in plan.items]
    form.sdg_targets.choices = [(code, code) for code in db.session.scalars(
        select(SdgTarget.code).order_by(SdgTarget.position))]
    if formdata is None:
        form.plan_items.data = [item.id for item in proposal.plan_items]
        form.sdg_targets.data = [target.code for target in proposal.sdg_targets]
    return form


@bp.route("/manage/proposals/<int:proposal_id>/links", methods=["GET", "POST"])
@login_required
def links(proposal_id: int):
    """Planners tie citizen input to the city's plans: the proposal's plan items and SDG targets."""
    proposal = _proposal_in_city(proposal_id)
    if not permissions.can_plan(current_user, g.city):
        refuse(_("Only planners and administrators of this city can link proposals to plans."))
    submitted = request.method == "POST"
    form = _links_form(proposal, formdata=request.form if submitted else None)
    if form.validate_on_submit():
        answers.link(current_user, proposal, form.plan_items.data or [], form.sdg_targets.data or [])
        db.session.commit()
        flash(_("The proposal's links to plans and SDG targets are saved."), "success")
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    from app.proposals.services import sdg_goals

    return render_template("planning/answer_links.html", form=form, proposal=proposal, process=proposal.process,
                           goals=sdg_goals()), 422 if submitted else 200


@bp.app_template_global("official_answer")
def official_answer(proposal: Proposal) -> answers.AnswerView:
    """The proposal page's answer section (templates/planning/answer_section.html)."""
    return answers.answer_view(current_user, proposal)
