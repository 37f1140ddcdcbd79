from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import permissions
from app.cities import bp, services
from app.cities.forms import GrantRoleForm, JoinCityForm, RevokeRoleForm
from app.extensions import db
from app.pagination import paginate
from app.models import AuditEvent, Membership, Process, Proposal, Role, RoleGrant, User, utcnow
from app.models.base import current_language
from app.views import get_in_city_or_404, page_number, refuse, require, safe_next


@bp.route("/")
def home():
    city = g.city
    now = utcnow()
    processes = db.session.scalars(
        select(Process).where(Process.city_id == city.id).order_by(Process.created_at.desc())
    ).all()
    grouped = {"active": [], "upcoming": [], "past": []}
    for process in processes:
        grouped[process.status_at(now)].append(process)
    grouped["upcoming"].sort(key=lambda p: p.phases[0].starts_at if p.phases else now)
    return render_template("cities/home.html", grouped=grouped, now=now,
                           membership=permissions.membership_of(current_user, city))


@bp.route("/join", methods=["GET", "POST"])
@login_required
def join():
    city = g.city
    if permissions.is_member(current_user, city):
        flash(_("You are already a member of %(city)s.", city=city.name(_locale())), "info")
        return redirect(url_for("voting.residence"))
    form = JoinCityForm()
    form.district.choices = [(0, _("Choose your district"))] + [
        (d.id, d.name(_locale())) for d in sorted(city.districts, key=lambda d: d.name(_locale()))
    ]
    if form.validate_on_submit():
        if not form.district.data:
            form.district.errors.append(_("Choose your district."))
        else:
            try:
                services.join_city(current_user, city, form.district.data, form.birth_year.data)
            except services.UnknownDistrict:
                form.district.errors.append(_("Choose a district from the list."))
            except services.AlreadyMember:
                db.session.rollback()
                return redirect(url_for("cities.home"))
            else:
                db.session.commit()
                flash(_("Welcome to %(city)s! You can now take part.", city=city.name(_locale())), "success")
                return redirect(safe_next(url_for("cities.home")))
    return render_template("cities/join.html", form=form)


@bp.route("/processes/<int:process_id>")
def process(process_id: int):
    city = g.city
    process = get_in_city_or_404(Process, process_id, city)
    now = utcnow()
    proposal_count = db.session.scalar(
        select(func.count(Proposal.id)).where(Proposal.process_id == process.id)
    )
    from app.deliberation.routes import debates_of
    from app.models import PhaseAction, Statement, StatementState, VisionState, VisionSummary
    from app.voting.poll_services import polls_of

    statement_count = db.session.scalar(select(func.count(Statement.id)).where(
        Statement.process_id == process.id, Statement.state == StatementState.PUBLISHED))
    vision_version = db.session.scalar(select(func.max(VisionSummary.version)).where(
        VisionSummary.process_id == process.id, VisionSummary.state == VisionState.PUBLISHED))
    statements_ever = any(phase.enables(PhaseAction.STATEMENT_VOTE) for phase in process.phases)
    return render_template("cities/process.html", process=process, now=now, debates=debates_of(process),
                           polls=polls_of(process),
                           current_phase=process.phase_at(now), proposal_count=proposal_count,
                           propose=permissions.can_propose(current_user, process, now),
                           statement_count=statement_count, statements_ever=statements_ever,
                           vision_version=vision_version)


@bp.route("/roles", methods=["GET", "POST"])
@login_required
def roles():
    city = g.city
    if not permissions.can_manage_roles(current_user, city):
        refuse(_("Only an administrator of this city can manage roles."))
    form = GrantRoleForm()
    if form.validate_on_submit():
        membership = services.membership_by_email(city, form.email.data)
        if membership is None:
            form.email.errors.append(_("Nobody with this e-mail address has joined this city."))
        else:
            try:
                services.grant_role(current_user, membership, Role(form.role.data))
            except services.AlreadyHasRole:
                form.role.errors.append(_("This member already has this role."))
            else:
                db.session.commit()
                flash(_("Role granted."), "success")
                return redirect(url_for("cities.roles"))
    grants = db.session.execute(
        select(RoleGrant, User)
        .join(Membership, RoleGrant.membership_id == Membership.id)
        .join(User, Membership.user_id == User.id)
        .where(Membership.city_id == city.id)
        .order_by(RoleGrant.role, User.name)
    ).all()
    return render_template("cities/roles.html", form=form, grants=grants, revoke_form=RevokeRoleForm())


@bp.route("/roles/<int:grant_id>/revoke", methods=["POST"])
@login_required
def revoke_role(grant_id: int):
    city = g.city
    if not permissions.can_manage_roles(current_user, city):
        refuse(_("Only an administrator of this city can manage roles."))
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.membership.city_id != city.id:
        abort(404)
    require(permissions.can_revoke_role(current_user, grant))
    if RevokeRoleForm().validate_on_submit():
        services.revoke_role(current_user, grant)
        db.session.commit()
        flash(_("Role removed."), "success")
    return redirect(url_for("cities.roles"))


@bp.route("/audit")
@login_required
def audit_log():
    city = g.city
    if not permissions.can_view_audit_log(current_user, city):
        refuse(_("Only administrators and moderators of this city can read the audit log."))
    page = page_number(request.args.get("page"))
    events = paginate(
        select(AuditEvent).where(AuditEvent.city_id == city.id)
        .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
        page, 50,
    )
    return render_template("cities/audit.html", events=events)


def _locale() -> str:
    return current_language()


@bp.route("/people/<int:user_id>")
def person(user_id: int, verification_form=None):
    """A member's public page in this city: their name and what they published here; planners verify the
    member's residence by hand here (the voting blueprint handles the form, and shows it again with errors),
    except their own."""
    city = g.city
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id,
                                                            Membership.city_id == city.id))
    if membership is None:
        abort(404)
    from app.moderation.services import blocked_user_ids

    hidden = membership.blocked_at is not None and not permissions.can_see_hidden(current_user, city)
    proposals = [] if hidden else db.session.scalars(
        select(Proposal).join(Process, Proposal.process_id == Process.id)
        .where(Proposal.author_id == user_id, Process.city_id == city.id, Proposal.hidden_at.is_(None))
        .order_by(Proposal.created_at.desc()).limit(50)).all()
    if verification_form is None and permissions.can_plan(current_user, city) and current_user.id != user_id:
        from app.voting.routes import manual_verification_form

        verification_form = manual_verification_form(membership)
    return render_template("cities/person.html", person=membership.user, membership=membership,
                           proposals=proposals, blocked=user_id in blocked_user_ids(city),
                           verification_form=verification_form)
