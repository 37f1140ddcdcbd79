"""Official answers: a planner drafts and publishes the city's answer to a proposal; the proposal page shows it."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Proposal
from app.planning import answers, bp
from app.planning.answer_forms import AnswerForm
from app.proposals.routes import state_labels
from app.views import require


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


@bp.app_template_global("official_answer")
def official_answer(proposal: Proposal) -> answers.AnswerView:
    """The proposal page's answer section (templates/planning/answer_section.html)."""
    return answers.answer_view(current_user, proposal)
