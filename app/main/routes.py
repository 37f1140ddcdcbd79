from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select, text

from app.extensions import csrf, db
from app.main import bp
from app.models import City
from app.views import safe_next


@bp.route("/")
def index():
    cities = db.session.scalars(select(City).order_by(City.name_en)).all()
    if len(cities) == 1:
        return redirect(url_for("cities.home", city_slug=cities[0].slug))
    return render_template("main/index.html", cities=cities)


@bp.route("/language", methods=["POST"])
@csrf.exempt  # harmless to forge, and without a token anonymous pages need no session cookie
def set_language():
    """Remember the chosen language in the session and, for a signed-in user, on the account."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(url_for("main.index")))


@bp.route("/terms")
def terms():
    return render_template("main/terms.html")


@bp.route("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
