from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.extensions import db
from app.models import Comment, Membership, Proposal, User
from app.moderation import bp, services
from app.moderation.forms import ActionForm, BlockForm, FlagForm, ReasonForm, ReviewForm, reason_choices
from app.views import refuse, require


def _target_in_city(kind: str, ident: int):
    target = services.load_target(kind, ident)
    if target is None or services.city_id_of(target) != g.city.id:
        abort(404)
    return target


def target_url(target) -> str:
    if isinstance(target, Comment):
        return url_for("deliberation.show_comment", comment_id=target.id)
    if isinstance(target, Proposal):
        return url_for("proposals.show", proposal_id=target.id)
    return url_for("deliberation.debate", debate_id=target.id)


def _moderators_only():
    if not permissions.can_moderate(current_user, g.city):
        refuse(_("Only moderators and administrators of this city can moderate."))


@bp.route("/moderation")
@login_required
def queue():
    _moderators_only()
    items = services.queue(g.city)
    blocked = db.session.scalars(
        db.select(Membership).where(Membership.city_id == g.city.id, Membership.blocked_at.is_not(None))).all()
    return render_template("moderation/queue.html", items=items, blocked=blocked, target_url=target_url,
                           reason_labels=dict(reason_choices()),
                           reason_form=ReasonForm(), action_form=ActionForm(),
                           pending_review=services.PENDING_REVIEW)


@bp.route("/flag/<kind>/<int:ident>", methods=["GET", "POST"])
@login_required
def flag(kind: str, ident: int):
    target = _target_in_city(kind, ident)
    require(permissions.can_flag(current_user, target))
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag(current_user, target, form.reason.data, form.text.data, g.city.flag_threshold)
        except services.AlreadyFlagged:
            db.session.rollback()
            flash(_("You have flagged this already. Moderators will look at it."), "info")
        else:
            db.session.commit()
            flash(_("Thank you. Moderators will look at it."), "success")
        return redirect(target_url(target))
    return render_template("moderation/flag.html", form=form, target=target, back=target_url(target)), (
        422 if form.errors else 200)


@bp.route("/moderation/<kind>/<int:ident>/hide", methods=["POST"])
@login_required
def hide(kind: str, ident: int):
    _moderators_only()
    target = _target_in_city(kind, ident)
    form = ReasonForm()
    if form.validate_on_submit():
        services.hide(current_user, target, form.reason.data)
        db.session.commit()
        flash(_("Hidden. The reason is shown in its place."), "success")
    else:
        flash(_("Give a reason to hide it."), "error")
    return redirect(url_for("moderation.queue"))


@bp.route("/moderation/<kind>/<int:ident>/restore", methods=["POST"])
@login_required
def restore(kind: str, ident: int):
    _moderators_only()
    target = _target_in_city(kind, ident)
    if ActionForm().validate_on_submit():
        services.restore(current_user, target)
        db.session.commit()
        flash(_("Restored."), "success")
    return redirect(url_for("moderation.queue"))


@bp.route("/moderation/<kind>/<int:ident>/dismiss", methods=["POST"])
@login_required
def dismiss(kind: str, ident: int):
    _moderators_only()
    target = _target_in_city(kind, ident)
    if ActionForm().validate_on_submit():
        services.dismiss_flags(current_user, target)
        db.session.commit()
        flash(_("Flags dismissed."), "success")
    return redirect(url_for("moderation.queue"))


@bp.route("/review/<kind>/<int:ident>", methods=["GET", "POST"])
@login_required
def request_review(kind: str, ident: int):
    target = _target_in_city(kind, ident)
    require(permissions.can_request_review(current_user, target))
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.request_review(current_user, target, form.text.data)
        except services.AlreadyRequested:
            db.session.rollback()
            flash(_("You have asked for a review of this already."), "info")
        else:
            db.session.commit()
            flash(_("Your request is with the moderators."), "success")
        return redirect(target_url(target))
    return render_template("moderation/review.html", form=form, target=target, back=target_url(target)), (
        422 if form.errors else 200)


def _membership_in_city(user_id: int) -> Membership:
    membership = db.session.scalar(
        db.select(Membership).where(Membership.user_id == user_id, Membership.city_id == g.city.id))
    if membership is None:
        abort(404)
    return membership


@bp.route("/moderation/members/<int:user_id>/block", methods=["GET", "POST"])
@login_required
def block(user_id: int):
    _moderators_only()
    membership = _membership_in_city(user_id)
    if membership.user_id == current_user.id:
        refuse(_("You cannot block yourself."))
    form = BlockForm()
    if form.validate_on_submit():
        services.block(current_user, membership, form.reason.data)
        db.session.commit()
        flash(_("%(name)s is blocked in this city.", name=membership.user.name), "success")
        return redirect(url_for("moderation.queue"))
    return render_template("moderation/block.html", form=form, membership=membership), 422 if form.errors else 200


@bp.route("/moderation/members/<int:user_id>/unblock", methods=["POST"])
@login_required
def unblock(user_id: int):
    _moderators_only()
    membership = _membership_in_city(user_id)
    if ActionForm().validate_on_submit():
        services.unblock(current_user, membership)
        db.session.commit()
        flash(_("%(name)s can take part again.", name=membership.user.name), "success")
    return redirect(url_for("moderation.queue"))


@bp.route("/moderation/accounts/<int:user_id>/suspend", methods=["GET", "POST"])
@login_required
def suspend(user_id: int):
    if not permissions.can_suspend_accounts(current_user):
        refuse(_("Only a platform administrator can suspend an account."))
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = BlockForm()
    form.reason.label.text = _("Reason for the suspension")
    form.submit.label.text = _("Suspend everywhere")
    if form.validate_on_submit():
        services.suspend(current_user, user, form.reason.data)
        db.session.commit()
        flash(_("The account of %(name)s is suspended.", name=user.name), "success")
        return redirect(url_for("moderation.queue"))
    return render_template("moderation/block.html", form=form, membership=None, user=user), (
        422 if form.errors else 200)
