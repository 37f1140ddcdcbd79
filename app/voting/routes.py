"""Supports, support tiers, who may vote, the planners' answer queue, and resident verification."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app import permissions
from app.extensions import db, limiter
from app.models import Membership, Process, Proposal, SupportThreshold, utcnow
from app.models.base import current_language
from app.pagination import paginate
from app.views import get_in_city_or_404, page_number, refuse, require
from app.voting import bp, residents, supports
from app.voting.forms import (
    CensusForm,
    ConfirmForm,
    EligibilityForm,
    ManualVerificationForm,
    ResidenceForm,
    ResidentCodeForm,
    SupportForm,
    TierForm,
)
from app.voting.services import voted_where_residence_counts

ANSWERS_PER_PAGE = 20


def _proposal_in_city(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.process.city_id != g.city.id:
        abort(404)
    return proposal


def _proposal_url(proposal: Proposal) -> str:
    return url_for("proposals.show", proposal_id=proposal.id, _anchor="supports")


def _membership() -> Membership | None:
    return permissions.membership_of(current_user, g.city)


# Supports ------------------------------------------------------------------------------------------------

@bp.route("/proposals/<int:proposal_id>/support", methods=["POST"])
@login_required
def support(proposal_id: int):
    proposal = _proposal_in_city(proposal_id)
    require(permissions.can_support(current_user, proposal))
    if SupportForm().validate_on_submit():
        if supports.support(_membership(), proposal):
            db.session.commit()
            flash(_("You support this proposal."), "success")
        else:
            db.session.rollback()
            flash(_("You already support this proposal."), "info")
    return redirect(_proposal_url(proposal))


@bp.route("/proposals/<int:proposal_id>/support/withdraw", methods=["POST"])
@login_required
def withdraw_support(proposal_id: int):
    proposal = _proposal_in_city(proposal_id)
    require(supports.may_withdraw_support(current_user, proposal))
    if SupportForm().validate_on_submit():
        if supports.withdraw_support(_membership(), proposal):
            db.session.commit()
            flash(_("Your support is taken back."), "success")
        else:
            db.session.rollback()
            flash(_("You do not support this proposal."), "info")
    return redirect(_proposal_url(proposal))


# Facilitators: tiers and who can vote ----------------------------------------------------------------------

def _require_voting_manager() -> None:
    if not permissions.can_manage_voting(current_user, g.city):
        refuse(_("Only facilitators and administrators of this city can set up voting."))


def _district_choices():
    locale = current_language()
    return [(d.id, d.name(locale)) for d in sorted(g.city.districts, key=lambda d: d.name(locale))]


def _eligibility_form(process: Process, formdata=None) -> EligibilityForm:
    form = EligibilityForm(formdata=formdata, prefix="who")
    form.districts.choices = _district_choices()
    if formdata is None:
        form.who.data = "verified" if process.require_verified else "members"
        form.districts.data = [d.id for d in process.eligible_districts]
        form.min_age.data = process.min_age
    return form


def _tier_form(formdata=None, **values) -> TierForm:
    return TierForm(formdata=formdata, prefix="tier", **values)


def _tier_data(form: TierForm) -> supports.TierData:
    return supports.TierData(supports=form.supports.data, label_ko=form.label_ko.data or "",
                             label_en=form.label_en.data or "", requires_answer=bool(form.requires_answer.data))


def _manage_page(process: Process, eligibility: EligibilityForm | None = None, tier: TierForm | None = None,
                 status: int = 200, eligibility_refused: bool = False):
    return render_template("voting/manage.html", process=process,
                           eligibility_form=eligibility or _eligibility_form(process),
                           eligibility_frozen=supports.eligibility_frozen(process),
                           eligibility_refused=eligibility_refused,
                           tier_form=tier or _tier_form(), confirm=ConfirmForm()), status


@bp.route("/manage/processes/<int:process_id>/voting")
@login_required
def manage(process_id: int):
    _require_voting_manager()
    return _manage_page(get_in_city_or_404(Process, process_id, g.city))


@bp.route("/manage/processes/<int:process_id>/voting/eligibility", methods=["POST"])
@login_required
def save_eligibility(process_id: int):
    _require_voting_manager()
    process = get_in_city_or_404(Process, process_id, g.city)
    form = _eligibility_form(process, formdata=request.form)
    if form.validate_on_submit():
        try:
            supports.set_eligibility(current_user, process, supports.EligibilityData(
                require_verified=form.who.data == "verified", district_ids=frozenset(form.districts.data or ()),
                min_age=form.min_age.data))
        except supports.VotesCast:
            db.session.rollback()
            return _manage_page(process, status=422, eligibility_refused=True)
        db.session.commit()
        flash(_("Who can vote is saved."), "success")
        return redirect(url_for("voting.manage", process_id=process.id))
    return _manage_page(process, eligibility=form, status=422)


@bp.route("/manage/processes/<int:process_id>/voting/tiers", methods=["POST"])
@login_required
def add_tier(process_id: int):
    _require_voting_manager()
    process = get_in_city_or_404(Process, process_id, g.city)
    form = _tier_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            supports.add_tier(current_user, process, _tier_data(form))
        except supports.DuplicateTier:
            db.session.rollback()
            form.supports.errors.append(_("This process has a tier at this number of supports already."))
        else:
            db.session.commit()
            flash(_("Tier added."), "success")
            return redirect(url_for("voting.manage", process_id=process.id, _anchor="tiers"))
    return _manage_page(get_in_city_or_404(Process, process_id, g.city), tier=form, status=422)


def _tier_in_process(process: Process, tier_id: int) -> SupportThreshold:
    tier = db.session.get(SupportThreshold, tier_id)
    if tier is None or tier.process_id != process.id:
        abort(404)
    return tier


@bp.route("/manage/processes/<int:process_id>/voting/tiers/<int:tier_id>", methods=["GET", "POST"])
@login_required
def edit_tier(process_id: int, tier_id: int):
    _require_voting_manager()
    process = get_in_city_or_404(Process, process_id, g.city)
    tier = _tier_in_process(process, tier_id)
    submitted = request.method == "POST"
    form = _tier_form(formdata=request.form if submitted else None, obj=None if submitted else tier)
    if form.validate_on_submit():
        try:
            supports.update_tier(current_user, tier, _tier_data(form))
        except supports.DuplicateTier:
            db.session.rollback()
            form.supports.errors.append(_("This process has a tier at this number of supports already."))
        else:
            db.session.commit()
            flash(_("Tier saved."), "success")
            return redirect(url_for("voting.manage", process_id=process.id, _anchor="tiers"))
    return render_template("voting/tier_form.html", form=form, process=process,
                           tier=_tier_in_process(process, tier_id)), 422 if submitted else 200


@bp.route("/manage/processes/<int:process_id>/voting/tiers/<int:tier_id>/remove", methods=["POST"])
@login_required
def remove_tier(process_id: int, tier_id: int):
    _require_voting_manager()
    process = get_in_city_or_404(Process, process_id, g.city)
    tier = _tier_in_process(process, tier_id)
    if ConfirmForm().validate_on_submit():
        supports.remove_tier(current_user, tier)
        db.session.commit()
        flash(_("Tier removed."), "success")
    return redirect(url_for("voting.manage", process_id=process.id, _anchor="tiers"))


# Planners: the answer queue and the census ---------------------------------------------------------------

def _require_planner() -> None:
    if not permissions.can_plan(current_user, g.city):
        refuse(_("Only planners and administrators of this city can do this."))


@bp.route("/manage/answers")
@login_required
def answer_queue():
    _require_planner()
    now = utcnow()
    proposals = paginate(supports.answer_queue(g.city), page_number(request.args.get("page")), ANSWERS_PER_PAGE)
    waiting = {p.id: supports.days_waiting(p.answer_due_since, now, g.city.time_zone) for p in proposals.items}
    return render_template("voting/answer_queue.html", proposals=proposals, waiting=waiting)


@bp.route("/manage/residents", methods=["GET", "POST"])
@login_required
def census():
    _require_planner()
    form = CensusForm()
    rejected = None
    if form.validate_on_submit():
        upload = form.census.data
        try:
            report = residents.import_census(current_user, g.city, upload.read(residents.MAX_CENSUS_BYTES + 1),
                                             filename=upload.filename or "")
        except residents.CensusRejected as error:
            db.session.rollback()
            rejected = error
        else:
            db.session.commit()
            message = ngettext("%(num)d code imported.", "%(num)d codes imported.", report.imported)
            if report.duplicates:
                message += " " + ngettext("%(num)d code was imported before and is left as it was.",
                                          "%(num)d codes were imported before and are left as they were.",
                                          len(report.duplicates))
            flash(message, "success")
            return redirect(url_for("voting.census"))
    status = 422 if form.is_submitted() else 200
    return render_template("voting/census.html", form=form, rejected=rejected,
                           stats=residents.code_stats(g.city)), status


# Members: their residence and its verification ---------------------------------------------------------------

def _member_or_refuse() -> Membership:
    membership = _membership()
    if membership is None:
        refuse(_("Join this city to take part."))
    return membership


def _residence_form(membership: Membership, formdata=None) -> ResidenceForm:
    form = ResidenceForm(formdata=formdata, prefix="residence")
    form.district.choices = [(0, _("Choose your district"))] + _district_choices()
    if formdata is None:
        form.district.data = membership.district_id or 0
        form.birth_year.data = membership.birth_year
    return form


def _residence_page(membership: Membership, details: ResidenceForm | None = None,
                    code: ResidentCodeForm | None = None, status: int = 200):
    return render_template("voting/residence.html", membership=membership,
                           form=details or _residence_form(membership),
                           residence_counted=(membership.verified_at is None
                                              and voted_where_residence_counts(membership)),
                           code_form=code or ResidentCodeForm(formdata=None, prefix="code")), status


@bp.route("/residence")
@login_required
def residence():
    return _residence_page(_member_or_refuse())


@bp.route("/residence", methods=["POST"])
@login_required
def save_residence():
    membership = _member_or_refuse()
    if membership.verified_at is not None:
        refuse(_("Your residence is verified: your district and year of birth come from the city. Ask the city "
                 "to correct them."))
    form = _residence_form(membership, formdata=request.form)
    if form.validate_on_submit():
        if not form.district.data:
            form.district.errors.append(_("Choose your district."))
        else:
            try:
                residents.update_own_residence(membership, form.district.data, form.birth_year.data)
            except residents.UnknownDistrict:
                form.district.errors.append(_("Choose a district from the list."))
            except residents.ResidenceCounted:
                db.session.rollback()
                form.form_errors.append(_("You have voted where only some districts or ages may vote; ask a "
                                          "planner to correct your residence."))
            else:
                db.session.commit()
                flash(_("Your district and year of birth are saved."), "success")
                return redirect(url_for("voting.residence"))
    return _residence_page(membership, details=form, status=422)


def code_rate_limit() -> str:
    return current_app.config["RESIDENT_CODE_RATE_LIMIT"]


def _per_user() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


@bp.route("/residence/verify", methods=["GET", "POST"])
@login_required
@limiter.limit(code_rate_limit, key_func=_per_user, methods=["POST"])
def verify():
    membership = _member_or_refuse()
    if request.method == "GET":
        return redirect(url_for("voting.residence", _anchor="verify"))
    form = ResidentCodeForm(prefix="code")
    if form.validate_on_submit():
        try:
            residents.verify_with_code(membership, form.code.data)
        except residents.AlreadyVerified:
            flash(_("Your residence is verified already."), "info")
            return redirect(url_for("voting.residence"))
        except residents.CodeNotAccepted:
            db.session.rollback()
            form.code.errors.append(_("This code is not valid or has been used. Check it and try again, or ask "
                                      "at a service desk."))
        except residents.CodeUsedBefore:
            db.session.rollback()
            form.code.errors.append(_("You have used a resident code before. Ask the city to verify you."))
        else:
            db.session.commit()
            flash(_("Your residence is verified. Thank you!"), "success")
            return redirect(url_for("voting.residence"))
    return _residence_page(membership, code=form, status=422)


# Planners: verifying a member by hand ------------------------------------------------------------------------

def _member_in_city(user_id: int) -> Membership:
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id,
                                                            Membership.city_id == g.city.id))
    if membership is None:
        abort(404)
    return membership


def _other_member_in_city(user_id: int) -> Membership:
    """The member whose residence a planner verifies: never the planner themself."""
    membership = _member_in_city(user_id)
    if residents.is_own_residence(current_user, membership):
        refuse(_("You cannot verify your own residence or take its verification back. Ask another planner."))
    return membership


def manual_verification_form(membership: Membership, formdata=None) -> ManualVerificationForm:
    """The planner's form on a member's page, filled with what the member declared."""
    form = ManualVerificationForm(formdata=formdata, prefix="verification")
    form.district.choices = _district_choices()
    if formdata is None:
        form.district.data = membership.district_id
        form.birth_year.data = membership.birth_year
    return form


@bp.route("/people/<int:user_id>/verification", methods=["POST"])
@login_required
def verify_member(user_id: int):
    _require_planner()
    membership = _other_member_in_city(user_id)
    form = manual_verification_form(membership, formdata=request.form)
    if form.validate_on_submit():
        try:
            residents.verify_by_hand(current_user, membership, form.district.data, form.birth_year.data)
        except residents.UnknownDistrict:
            db.session.rollback()
            form.district.errors.append(_("Choose a district from the list."))
        else:
            db.session.commit()
            flash(_("%(name)s is verified as a resident.", name=membership.user.name), "success")
            return redirect(url_for("cities.person", user_id=user_id, _anchor="verification"))
    from app.cities.routes import person

    return person(user_id, verification_form=form), 422


@bp.route("/people/<int:user_id>/verification/remove", methods=["POST"])
@login_required
def unverify_member(user_id: int):
    _require_planner()
    membership = _other_member_in_city(user_id)
    if ConfirmForm().validate_on_submit():
        residents.unverify(current_user, membership)
        db.session.commit()
        flash(_("%(name)s is no longer verified.", name=membership.user.name), "success")
    return redirect(url_for("cities.person", user_id=user_id, _anchor="verification"))
