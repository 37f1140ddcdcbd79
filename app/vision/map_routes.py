"""The opinion map of a process (public, like results): participants as dots grouped by how they voted on the
statements, each group's representative statements, the statements most agree on and those that divide."""
from __future__ import annotations

from babel.numbers import format_percent
from flask import current_app, g, render_template
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select

from app import permissions
from app.extensions import db
from app.models import Process, Statement, StatementState, StatementVote
from app.views import get_in_city_or_404
from app.vision import bp, opinion
from app.voting.services import existing_participant

MIN_VOTES = 7  # the analysis' threshold for being placed in a group (or every statement, if there are fewer)


def _share(part: int, whole: int) -> str:
    """A share as the locale writes a percentage ("72%"); "–" when nobody voted."""
    return format_percent(part / whole if whole else 0, locale=str(get_locale())) if whole else "–"


def _votes_of(participant, process: Process) -> int:
    if participant is None:
        return 0
    return db.session.scalar(
        select(func.count(StatementVote.id)).join(Statement, Statement.id == StatementVote.statement_id)
        .where(StatementVote.participant_id == participant.id, StatementVote.process_id == process.id,
               Statement.state == StatementState.PUBLISHED)) or 0


@bp.route("/processes/<int:process_id>/opinion-map")
def opinion_map(process_id: int):
    process = get_in_city_or_404(Process, process_id, g.city)
    state = opinion.map_state(process)
    if state.computed:
        db.session.commit()  # kept for the next visitor
    viewer = existing_participant(permissions.membership_of(current_user, g.city))
    page = opinion.map_page(state.opinion_map, viewer,
                            max_dots=current_app.config.get("OPINION_MAX_DOTS", opinion.MAX_DOTS)) \
        if state.opinion_map is not None else None
    statements = opinion.statements_by_id(page.statement_ids) if page else {}
    mapped_statements = len(state.opinion_map.data.get("statements", {})) if page else 0
    return render_template(
        "vision/opinion_map.html", process=process, state=state, map=state.opinion_map, page=page,
        statements=statements, viewer=viewer, viewer_votes=_votes_of(viewer, process),
        min_votes=min(MIN_VOTES, mapped_statements) if mapped_statements else MIN_VOTES,
        mapped_statements=mapped_statements, share=_share, letter=opinion.group_letter,
        manages=permissions.can_manage_statements(current_user, g.city),
    )
