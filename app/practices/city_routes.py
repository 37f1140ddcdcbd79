"""The platform administrator's cities (list, create a city with its first administrator), a city
administrator's settings (names, language, time zone, place, size, colour), and the small stylesheet that gives
each city's pages its colour (the Content-Security-Policy allows no inline styles)."""
from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app import permissions
from app.cities import services
from app.extensions import db
from app.models import City, Membership, User
from app.models.base import current_language
from app.practices import bp, city_bp
from app.practices.city_forms import HEX_COLOUR, CitySettingsForm, NewCityForm, country_name, region_label
from app.views import refuse


def _settings_data(form) -> services.CitySettingsData:
    return services.CitySettingsData(
        name_en=form.name_en.data, name_ko=form.name_ko.data, default_locale=form.default_locale.data,
        time_zone=form.time_zone.data, country_code=form.country_code.data or "", region=form.region.data or "",
        population=form.population.data, colour=form.colour.data,
        open_data_licence=form.open_data_licence.data if getattr(form, "open_data_licence", None) else None)


@bp.route("/platform/cities", methods=["GET", "POST"])
@login_required
def platform_cities():
    if not permissions.can_create_cities(current_user):
        refuse(_("Only platform administrators can create cities."))
    form = NewCityForm()
    if not form.is_submitted():
        form.default_locale.data = "ko"
        form.time_zone.data = "Asia/Seoul"
        form.colour.data = "#0b5563"
    if form.validate_on_submit():
        email = form.admin_email.data.strip().lower()
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            form.admin_email.errors.append(_("Nobody has an account with this e-mail address. Ask them to "
                                             "register first."))
        elif db.session.scalar(select(City.id).where(City.slug == form.slug.data)) is not None:
            form.slug.errors.append(_("A city with this address exists already."))
        else:
            settings = _settings_data(form)
            data = services.CityData(slug=form.slug.data, name_en=settings.name_en, name_ko=settings.name_ko,
                                     time_zone=settings.time_zone, default_locale=settings.default_locale,
                                     country_code=settings.country_code, region=settings.region,
                                     population=settings.population, colour=settings.colour)
            try:
                city = services.create_city(data, admin_email=email, actor=current_user)
            except services.InvalidCity:
                db.session.rollback()
                form.slug.errors.append(_("A city with this address exists already."))
            else:
                db.session.commit()
                flash(_("%(city)s is created, with %(email)s as its administrator.",
                        city=city.name(current_language()), email=email), "success")
                return redirect(url_for("practices.platform_cities"))
    members = dict(db.session.execute(
        select(Membership.city_id, func.count(Membership.id)).group_by(Membership.city_id)).all())
    cities = db.session.scalars(select(City).order_by(City.slug)).all()
    return render_template("practices/platform_cities.html", form=form, cities=cities, members=members,
                           country_name=country_name, region_label=region_label), \
        422 if form.is_submitted() else 200


@city_bp.route("/manage/settings", methods=["GET", "POST"])
@login_required
def city_settings():
    city = g.city
    if not permissions.can_manage_roles(current_user, city):
        refuse(_("Only an administrator of this city can change its settings."))
    form = CitySettingsForm(obj=None if request.method == "POST" else city)
    if form.validate_on_submit():
        try:
            changes = services.update_city_settings(current_user, city, _settings_data(form))
        except services.InvalidCity:
            form.time_zone.errors.append(_("Enter a time zone from the IANA database, for example Asia/Seoul."))
        else:
            db.session.commit()
            flash(_("Settings saved.") if changes else _("Nothing changed."), "success")
            return redirect(url_for("city_practices.city_settings"))
    return render_template("practices/city_settings.html", form=form), 422 if form.is_submitted() else 200


@city_bp.route("/city.css")
def city_css():
    """The city's colour as a CSS custom property (validated on save to keep white text readable on it)."""
    colour = g.city.colour if HEX_COLOUR.match(g.city.colour or "") else "#0b5563"
    response = Response(f":root {{ --city-colour: {colour}; }}\n", mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

