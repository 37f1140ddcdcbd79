import json

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import account_data, bp, deletion, services
from app.auth.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    EmailPreferenceForm,
    LoginForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from app.auth.passwords import verify_password
from app.auth.tokens import make_confirmation_token, make_reset_token, read_confirmation_token, read_reset_token
from app.extensions import db, limiter
from app.mail import send_mail
from app.models import User, utcnow
from app.security import start_session_clock
from app.views import safe_next




def _begin_session(user: User) -> None:
    """A fresh session on login (no fixation); the chosen language survives."""
    locale = session.get("locale")
    session.clear()
    login_user(user)
    start_session_clock()
    if locale:
        session["locale"] = locale


def _send_safely(to: str, subject: str, body: str) -> bool:
    """Send, and if the mail server fails, log it rather than fail a request whose work is already saved."""
    try:
        send_mail(to, subject, body)
        return True
    except OSError:
        current_app.logger.exception("Could not send mail to %s", to)
        return False


def _send_confirmation(user: User) -> bool:
    link = url_for("auth.confirm", token=make_confirmation_token(user), _external=True)
    return _send_safely(
        user.email,
        _("Confirm your e-mail address for Madang"),
        _("Hello %(name)s,\n\nplease confirm your e-mail address by opening this link:\n%(link)s\n\n"
          "If you did not register on Madang, you can ignore this message.", name=user.name, link=link),
    )


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(form.name.data, form.email.data, form.password.data)
        except services.EmailTaken:
            form.email.errors.append(_("An account with this e-mail address already exists. Log in instead."))
        else:
            db.session.commit()
            sent = _send_confirmation(user)
            _begin_session(user)
            if sent:
                flash(_("Welcome to Madang! We sent you a link to confirm your e-mail address."), "success")
            else:
                flash(_("Welcome to Madang! We could not send the confirmation e-mail just now; ask for it again "
                        "from your account page."), "info")
            return redirect(safe_next(url_for("main.index")))
    return render_template("auth/register.html", form=form, next=safe_next(""))


def _login_email_key() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute;100 per hour", methods=["POST"])
@limiter.limit("5 per minute;30 per hour", methods=["POST"], key_func=_login_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("main.index")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountSuspended as suspended:
            form.password.errors.append(_("This account is suspended: %(reason)s", reason=suspended.reason))
            return render_template("auth/login.html", form=form, next=safe_next("")), 403
        if user is None:
            form.password.errors.append(_("The e-mail address or the password is not right."))
        else:
            db.session.commit()
            _begin_session(user)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(url_for("main.index")))
    return render_template("auth/login.html", form=form, next=safe_next(""))


def _end_session() -> None:
    """Log out and forget the session; the chosen language survives."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/logout", methods=["POST"])
def logout():
    _end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/confirm/<token>")
def confirm(token: str):
    data = read_confirmation_token(token)
    user = db.session.get(User, data["user"]) if data else None
    if user is None or user.email != data.get("email"):
        flash(_("This confirmation link is not valid or has expired. Log in to get a new one."), "error")
        return redirect(url_for("auth.login"))
    services.confirm_email(user)
    db.session.commit()
    flash(_("Your e-mail address is confirmed. Thank you!"), "success")
    return redirect(url_for("main.index"))


@bp.route("/confirm/resend", methods=["POST"])
@login_required
@limiter.limit("3 per minute;10 per day")
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        if _send_confirmation(current_user):
            flash(_("We sent you a new confirmation link."), "success")
        else:
            flash(_("We could not send the e-mail just now. Please try again later."), "error")
    return redirect(url_for("auth.account"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None:
            link = url_for("auth.reset_password", token=make_reset_token(user), _external=True)
            _send_safely(
                user.email,
                _("Reset your Madang password"),
                _("Hello %(name)s,\n\nopen this link to choose a new password:\n%(link)s\n\n"
                  "The link works once, for %(hours)d hours. If you did not ask for it, ignore this message.",
                  name=user.name, link=link, hours=current_app.config["TOKEN_MAX_AGE_SECONDS"] // 3600),
            )
        # The same answer whether or not the address has an account: no account discovery.
        flash(_("If an account uses this address, we sent it a link to reset the password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = read_reset_token(token, lambda ident: db.session.get(User, ident) if isinstance(ident, int) else None)
    if user is None:
        flash(_("This reset link is not valid, has been used or has expired. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data, "reset")
        services.confirm_email(user)  # the link proves the address
        db.session.commit()
        logout_user()
        flash(_("Your password is changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    preference = EmailPreferenceForm(data={"email_notifications": current_user.email_notifications})
    if preference.validate_on_submit():
        services.set_email_frequency(current_user._get_current_object(), preference.email_notifications.data)
        db.session.commit()
        flash(_("Your e-mail preference is saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", resend_form=ResendConfirmationForm(), preference_form=preference)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            user = current_user._get_current_object()
            services.set_password(user, form.password.data, "change")
            db.session.commit()
            _begin_session(user)  # the new session token; other sessions end
            flash(_("Your password is changed. You were logged out everywhere else."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/data")
@login_required
@limiter.limit("30 per hour")
def download_data():
    now = utcnow()
    data = account_data.personal_data(current_user._get_current_object(), now)
    response = current_app.response_class(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="madang-{now.date().isoformat()}-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute;30 per hour", methods=["POST"])
def delete_account():
    user = current_user._get_current_object()
    reasons = deletion.deletion_blockers(user)
    if reasons:
        return render_template("auth/delete_account.html", form=None, reasons=reasons), \
            403 if request.method == "POST" else 200
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            try:
                deletion.delete_account(user)
            except deletion.DeletionRefused as refused:  # someone handed a role over at the same moment
                db.session.rollback()
                return render_template("auth/delete_account.html", form=None, reasons=refused.reasons), 403
            db.session.commit()
            _end_session()
            flash(_("Your account is deleted. Your votes still count, anonymously. Thank you for taking part."),
                  "success")
            return redirect(url_for("main.index"))
    return render_template("auth/delete_account.html", form=form, reasons=[]), 422 if form.errors else 200


@bp.app_context_processor
def inject_terms_version():
    return {"terms_version": current_app.config["TERMS_VERSION"]}
