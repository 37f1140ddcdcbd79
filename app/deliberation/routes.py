import uuid
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app import permissions
from app.deliberation import bp, services
from app.deliberation.forms import CommentForm, DebateForm, EditCommentForm, VoteForm, stance_choices
from app.extensions import db, limiter
from app.models import Comment, Debate, Process, Proposal, utcnow
from app.timezones import local_to_utc, utc_to_local
from app.views import get_in_city_or_404, page_number, refuse, require


def comment_rate_limit() -> str:
    return current_app.config["COMMENT_RATE_LIMIT"]


def _per_user() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


def thread_context(target):
    """What a page showing a thread needs: the thread itself and a fresh comment form."""
    sort = request.args.get("sort", "oldest")
    from app.moderation.services import blocked_user_ids

    thread = services.load_thread(target, current_user, sort=sort, page=page_number(request.args.get("cpage")),
                                  per_page=current_app.config["COMMENTS_PER_PAGE"],
                                  blocked=blocked_user_ids(g.city),
                                  sees_hidden=permissions.can_see_hidden(current_user, g.city))
    form = new_comment_form(target)
    may_comment = permissions.can_comment(current_user, target)
    now = utcnow()
    views = [view for top in thread.top for view in _walk(top)]
    for view in views:
        view.can = permissions.comment_abilities(current_user, view.comment, bool(may_comment), now)
    from app.notifications.services import is_following

    return {"thread": thread, "comment_form": form, "can_comment": may_comment,
            "following": is_following(current_user, target),
            "side_for": getattr(target, "side_for", "") or "", "side_against": getattr(target, "side_against", "") or ""}


def _walk(view):
    yield view
    for reply in view.replies:
        yield from _walk(reply)


def new_comment_form(target, formdata=None) -> CommentForm:
    form = CommentForm(formdata=formdata)
    form.stance.choices = stance_choices(getattr(target, "side_for", ""), getattr(target, "side_against", ""))
    if formdata is None:
        form.submission_key.data = uuid.uuid4().hex
    return form


def _target_url(target, **kwargs) -> str:
    if isinstance(target, Proposal):
        return url_for("proposals.show", proposal_id=target.id, **kwargs)
    return url_for("deliberation.debate", debate_id=target.id, **kwargs)


def _comment_url(comment: Comment) -> str:
    target = comment.proposal if comment.proposal_id is not None else comment.debate
    return _target_url(target) + f"#comment-{comment.id}"


def _debate_in_city(debate_id: int) -> Debate:
    debate = db.session.get(Debate, debate_id)
    if debate is None or debate.process.city_id != g.city.id:
        abort(404)
    return debate


def _proposal_in_city(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.process.city_id != g.city.id:
        abort(404)
    return proposal


def _comment_in_city(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    target = comment.proposal if comment.proposal_id is not None else comment.debate
    if target.process.city_id != g.city.id:
        abort(404)
    return comment


@bp.route("/debates/<int:debate_id>")
def debate(debate_id: int):
    debate = _debate_in_city(debate_id)
    return render_template("deliberation/debate.html", debate=debate, process=debate.process, now=utcnow(),
                           **thread_context(debate))


def _post(target):
    form = new_comment_form(target, formdata=request.form)
    parent = None
    if form.parent_id.data:
        try:
            parent = db.session.get(Comment, int(form.parent_id.data))
        except ValueError:
            parent = None
        if parent is None or (parent.proposal_id, parent.debate_id) != (
                (target.id, None) if isinstance(target, Proposal) else (None, target.id)):
            abort(404)
        require(permissions.can_reply(current_user, parent))
    else:
        require(permissions.can_comment(current_user, target))
    if form.validate_on_submit():
        try:
            comment = services.post_comment(current_user, target, form.body.data, form.stance.data or None,
                                            parent=parent, levels=g.city.comment_levels,
                                            submission_key=(form.submission_key.data or "")[:36] or None)
        except services.InvalidParent:
            abort(404)
        except services.DuplicateSubmission as duplicate:
            db.session.rollback()
            return redirect(_comment_url(duplicate.comment))
        db.session.commit()
        flash(_("Your comment is posted."), "success")
        return redirect(_comment_url(comment))
    template = "deliberation/comment_form.html"
    return render_template(template, form=form, target=target, parent=parent, back=_target_url(target)), 422


@bp.route("/proposals/<int:proposal_id>/comments", methods=["POST"])
@login_required
@limiter.limit(comment_rate_limit, key_func=_per_user)
def comment_on_proposal(proposal_id: int):
    return _post(_proposal_in_city(proposal_id))


@bp.route("/debates/<int:debate_id>/comments", methods=["POST"])
@login_required
@limiter.limit(comment_rate_limit, key_func=_per_user)
def comment_on_debate(debate_id: int):
    return _post(_debate_in_city(debate_id))


@bp.route("/comments/<int:comment_id>")
def show_comment(comment_id: int):
    return redirect(_comment_url(_comment_in_city(comment_id)))


@bp.route("/comments/<int:comment_id>/reply")
@login_required
def reply(comment_id: int):
    """The reply form on a page of its own (the thread page shows it inline, too)."""
    comment = _comment_in_city(comment_id)
    target = comment.proposal if comment.proposal_id is not None else comment.debate
    require(permissions.can_reply(current_user, comment))
    form = new_comment_form(target)
    form.parent_id.data = str(comment.id)
    return render_template("deliberation/comment_form.html", form=form, target=target, parent=comment,
                           back=_comment_url(comment))


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    comment = _comment_in_city(comment_id)
    require(permissions.can_edit_comment(current_user, comment))
    target = comment.proposal if comment.proposal_id is not None else comment.debate
    form = EditCommentForm(obj=None if request.method == "POST" else comment)
    form.stance.choices = stance_choices(getattr(target, "side_for", ""), getattr(target, "side_against", ""))
    if request.method == "GET":
        form.stance.data = comment.stance or ""
    if form.validate_on_submit():
        services.edit_comment(comment, form.body.data, form.stance.data or None)
        db.session.commit()
        flash(_("Your comment is saved."), "success")
        return redirect(_comment_url(comment))
    return render_template("deliberation/edit_comment.html", form=form, comment=comment, back=_comment_url(comment))


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete_comment(comment_id: int):
    comment = _comment_in_city(comment_id)
    require(permissions.can_delete_comment(current_user, comment))
    if VoteForm().validate_on_submit():
        services.delete_comment(comment)
        db.session.commit()
        flash(_("Your comment is deleted."), "success")
    return redirect(_comment_url(comment))


@bp.route("/comments/<int:comment_id>/vote", methods=["POST"])
@login_required
def vote(comment_id: int):
    comment = _comment_in_city(comment_id)
    require(permissions.can_vote_on_comment(current_user, comment))
    values = {"up": 1, "down": -1, "clear": 0}
    value = values.get(request.form.get("value", ""))
    if value is None:
        abort(400)
    if VoteForm().validate_on_submit():
        services.vote_on_comment(current_user, comment, value)
        db.session.commit()
    return redirect(_comment_url(comment))


# Facilitators pose debates -------------------------------------------------------------------------------

def _to_utc(local):
    return None if local is None else local_to_utc(local, g.city.time_zone)


def _debate_form(**kwargs) -> DebateForm:
    form = DebateForm(**kwargs)
    form.time_zone = g.city.time_zone
    return form


def _debate_data(form: DebateForm) -> services.DebateData:
    return services.DebateData(**{name: form[name].data or "" for name in services.DEBATE_TEXT_FIELDS},
                               closes_at=_to_utc(form.closes_at.data))


def _require_facilitator():
    if not permissions.can_manage_processes(current_user, g.city):
        refuse(_("Only facilitators and administrators of this city can manage debates."))


@bp.route("/processes/<int:process_id>/debates/new", methods=["GET", "POST"])
@login_required
def new_debate(process_id: int):
    _require_facilitator()
    process = get_in_city_or_404(Process, process_id, g.city)
    form = _debate_form()
    if form.validate_on_submit():
        debate = services.create_debate(current_user, process, _debate_data(form))
        db.session.commit()
        flash(_("Debate created."), "success")
        return redirect(url_for("deliberation.debate", debate_id=debate.id))
    return render_template("deliberation/debate_form.html", form=form, process=process, debate=None)


@bp.route("/debates/<int:debate_id>/edit", methods=["GET", "POST"])
@login_required
def edit_debate(debate_id: int):
    _require_facilitator()
    debate = _debate_in_city(debate_id)
    form = _debate_form(obj=None if request.method == "POST" else debate)
    if request.method == "GET" and debate.closes_at:
        form.closes_at.data = utc_to_local(debate.closes_at, g.city.time_zone)
    if form.validate_on_submit():
        services.update_debate(current_user, debate, _debate_data(form))
        db.session.commit()
        flash(_("Debate saved."), "success")
        return redirect(url_for("deliberation.debate", debate_id=debate.id))
    return render_template("deliberation/debate_form.html", form=form, process=debate.process, debate=debate)


def debates_of(process: Process) -> list[Debate]:
    return list(db.session.scalars(select(Debate).where(Debate.process_id == process.id).order_by(Debate.created_at)))


@bp.route("/follow/<kind>/<int:ident>", methods=["POST"])
@login_required
def follow(kind: str, ident: int):
    """Follow or stop following a proposal or debate (the button says which)."""
    from app.notifications import services as notifications

    if kind == "proposal":
        target = _proposal_in_city(ident)
    elif kind == "debate":
        target = _debate_in_city(ident)
    else:
        abort(404)
    if VoteForm().validate_on_submit():
        if request.form.get("follow") == "0":
            notifications.unfollow(current_user, target)
            flash(_("You no longer follow this."), "success")
        else:
            notifications.follow(current_user, target)
            flash(_("You follow this now. You will hear about new comments and changes."), "success")
        db.session.commit()
    return redirect(_target_url(target))
