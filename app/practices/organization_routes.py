"""Partner organizations: the directory (/organizations), an organization's page with its contributions across
processes and cities, registering and editing one, its members, verification by admins; and, for a city's
facilitators and admins, a process's partners (/c/<city>/processes/<id>/partners)."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.extensions import db
from app.markdown import render_markdown
from app.models.base import current_language
from app.models import City, Organization, Process
from app.practices import bp, city_bp
from app.practices import organization_services as services
from app.practices.organization_forms import (
    ConfirmForm,
    DirectoryFilterForm,
    MemberForm,
    OrganizationForm,
    PartnersForm,
    RoleForm,
    kind_labels,
    level_labels,
    role_labels,
)
from app.views import get_in_city_or_404, refuse, require


@bp.app_template_global("partners_of")
def partners_of(process):
    """A process's partner organizations, for the process page's partners list."""
    return services.partners_of(process)


@bp.app_template_global("organization_labels")
def organization_labels():
    return {"kinds": kind_labels(), "levels": level_labels(), "roles": role_labels()}


def _organization_or_404(organization_id: int) -> Organization:
    organization = services.organization_or_none(organization_id)
    if organization is None:
        abort(404)
    return organization


def _require_manager(organization: Organization) -> None:
    if not permissions.can_manage_organization(current_user, organization):
        refuse(_("Only the representatives of this organization can change it and its members."))


def _city_names() -> dict[int, City]:
    return {city.id: city for city in services.all_cities()}


# The directory and an organization's page ----------------------------------------------------------------

@bp.route("/organizations")
def organizations():
    cities = services.all_cities()
    form = DirectoryFilterForm(request.args)
    form.kind.choices = [("", _("All kinds"))] + [(k, str(v)) for k, v in kind_labels().items()]
    form.level.choices = [("", _("All levels"))] + [(k, str(v)) for k, v in level_labels().items()]
    form.city.choices = [(0, _("All cities"))] + [(c.id, c.name(current_language())) for c in cities]
    kind = level = city_id = None
    if form.validate():
        kind, level, city_id = form.kind.data or None, form.level.data or None, form.city.data or None
    found = services.directory(kind, level, city_id)
    return render_template("practices/organizations.html", form=form, organizations=found,
                           cities={c.id: c for c in cities}, filtered=bool(kind or level or city_id),
                           may_register=permissions.can_register_organization(current_user))


@bp.route("/organizations/<int:organization_id>")
def organization(organization_id: int):
    found = _organization_or_404(organization_id)
    return render_template("practices/organization.html", organization=found,
                           description_html=render_markdown(found.description or ""),
                           city=_city_names().get(found.city_id), member_count=len(found.members),
                           contributions=services.contributions(found),
                           practice_pages="practices.show" in current_app.view_functions,
                           can_manage=permissions.can_manage_organization(current_user, found),
                           can_verify=permissions.can_verify_organization(current_user, found))


# Registering and editing ---------------------------------------------------------------------------------

def _organization_form(organization: Organization | None = None) -> OrganizationForm:
    submitted = request.method == "POST"
    form = OrganizationForm(obj=None if submitted else organization)
    cities = services.cities_of(current_user)
    if organization is not None and organization.city_id and organization.city_id not in {c.id for c in cities}:
        current = db.session.get(City, organization.city_id)
        if current is not None:  # kept when a platform administrator edits it
            cities.append(current)
    form.city.choices = [(0, _("No city: it works regionally, nationally or internationally"))] + [
        (c.id, c.name(current_language())) for c in cities]
    if not submitted and organization is not None:
        form.city.data = organization.city_id or 0
    return form


def _data(form: OrganizationForm) -> services.OrganizationData:
    return services.OrganizationData(
        name=form.name.data or "", kind=form.kind.data, level=form.level.data, city_id=form.city.data or None,
        description=form.description.data or "", website=form.website.data or None)


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
def new_organization():
    require(permissions.can_register_organization(current_user))
    form = _organization_form()
    if form.validate_on_submit():
        try:
            created = services.create_organization(current_user, _data(form))
        except services.NotYourCity:
            db.session.rollback()
            form.city.errors.append(_("Choose one of the cities you have joined."))
        else:
            db.session.commit()
            flash(_("Your organization is registered. An administrator will verify it."), "success")
            return redirect(url_for("practices.organization", organization_id=created.id))
    return (render_template("practices/organization_form.html", form=form, organization=None),
            422 if form.is_submitted() else 200)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organization(organization_id: int):
    found = _organization_or_404(organization_id)
    _require_manager(found)
    form = _organization_form(found)
    if form.validate_on_submit():
        try:
            services.update_organization(current_user, found, _data(form))
        except services.NotYourCity:
            db.session.rollback()
            form.city.errors.append(_("Choose one of the cities you have joined."))
        else:
            db.session.commit()
            flash(_("The organization is saved."), "success")
            return redirect(url_for("practices.organization", organization_id=found.id))
    return (render_template("practices/organization_form.html", form=form, organization=found),
            422 if form.is_submitted() else 200)


# Members -------------------------------------------------------------------------------------------------

def _members_page(organization: Organization, form: MemberForm, status: int = 200, problem: str | None = None):
    return render_template("practices/organization_members.html", organization=organization, form=form,
                           members=services.members_of(organization), problem=problem), status


@bp.route("/organizations/<int:organization_id>/members", methods=["GET", "POST"])
@login_required
def organization_members(organization_id: int):
    found = _organization_or_404(organization_id)
    _require_manager(found)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            services.add_member(current_user, found, form.email.data, form.role.data)
        except services.UnknownUser:
            db.session.rollback()
            form.email.errors.append(_("Nobody on Madang uses this e-mail address."))
        except services.AlreadyMember:
            db.session.rollback()
            form.email.errors.append(_("This person is a member already."))
        else:
            db.session.commit()
            flash(_("Member added."), "success")
            return redirect(url_for("practices.organization_members", organization_id=found.id))
    return _members_page(found, form, 422 if form.is_submitted() else 200)


def _last_representative_message() -> str:
    return _("An organization needs at least one representative: name another one first.")


@bp.route("/organizations/<int:organization_id>/members/<int:user_id>/role", methods=["POST"])
@login_required
def organization_member_role(organization_id: int, user_id: int):
    found = _organization_or_404(organization_id)
    _require_manager(found)
    form = RoleForm()
    problem = None
    if form.validate_on_submit():
        try:
            services.set_role(current_user, found, user_id, form.role.data)
        except services.NotAMember:
            db.session.rollback()
            abort(404)
        except services.LastRepresentative:
            db.session.rollback()
            problem = _last_representative_message()
        else:
            db.session.commit()
            flash(_("Role changed."), "success")
            return redirect(url_for("practices.organization_members", organization_id=found.id))
    else:
        problem = _("Choose a role from the list.")
    return _members_page(found, MemberForm(formdata=None), 422, problem)


@bp.route("/organizations/<int:organization_id>/members/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_organization_member(organization_id: int, user_id: int):
    found = _organization_or_404(organization_id)
    _require_manager(found)
    if not ConfirmForm().validate_on_submit():
        return _members_page(found, MemberForm(formdata=None), 422, _("The form expired. Please send it again."))
    try:
        services.remove_member(current_user, found, user_id)
    except services.NotAMember:
        db.session.rollback()
        abort(404)
    except services.LastRepresentative:
        db.session.rollback()
        return _members_page(found, MemberForm(formdata=None), 422, _last_representative_message())
    db.session.commit()
    flash(_("Member removed."), "success")
    if not permissions.can_manage_organization(current_user, found):  # they removed themselves
        return redirect(url_for("practices.organization", organization_id=found.id))
    return redirect(url_for("practices.organization_members", organization_id=found.id))


# Verification --------------------------------------------------------------------------------------------

def _verify(organization_id: int, verified: bool):
    found = _organization_or_404(organization_id)
    if not permissions.can_verify_organization(current_user, found):
        refuse(_("Only the administrators of the organization's city, or of the platform, can verify it."))
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("practices.organization", organization_id=found.id))
    if services.set_verified(current_user, found, verified):
        db.session.commit()
        flash(_("The organization is verified.") if verified else _("The organization is no longer verified."),
              "success")
    return redirect(url_for("practices.organization", organization_id=found.id))


@bp.route("/organizations/<int:organization_id>/verify", methods=["POST"])
@login_required
def verify_organization(organization_id: int):
    return _verify(organization_id, True)


@bp.route("/organizations/<int:organization_id>/unverify", methods=["POST"])
@login_required
def unverify_organization(organization_id: int):
    return _verify(organization_id, False)


# A process's partners ------------------------------------------------------------------------------------

@city_bp.route("/processes/<int:process_id>/partners", methods=["GET", "POST"])
@login_required
def process_partners(process_id: int):
    process = get_in_city_or_404(Process, process_id, g.city)
    if not permissions.can_manage_processes(current_user, g.city):
        refuse(_("Only facilitators and administrators of this city can choose a process's partners."))
    current = services.partners_of(process)
    submitted = request.method == "POST"
    form = PartnersForm()
    choices = {o.id: o for o in services.verified_organizations()}
    for organization in current:  # a partner unverified since stays listed (marked), so it can be kept or removed
        choices.setdefault(organization.id, organization)
    ordered = sorted(choices.values(), key=lambda o: (o.name.lower(), o.id))
    form.organizations.choices = [(o.id, o.name) for o in ordered]
    if not submitted:
        form.organizations.data = [o.id for o in current]
    if form.validate_on_submit():
        try:
            services.set_process_partners(current_user, process, form.organizations.data or [])
        except services.InvalidPartner:
            db.session.rollback()
            form.organizations.errors.append(_("Choose verified organizations from the list."))
        except services.ConcurrentChange:
            db.session.rollback()
            form.organizations.errors.append(_("Someone changed the partners at the same moment. Please check "
                                               "and send again."))
        else:
            db.session.commit()
            flash(_("The partners are saved."), "success")
            return redirect(url_for("cities.process", process_id=process.id))
    return (render_template("practices/process_partners.html", form=form, process=process, organizations=ordered,
                            cities=_city_names()),
            422 if submitted else 200)
