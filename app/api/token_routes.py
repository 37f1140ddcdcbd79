"""A signed-in person's API tokens: the list, a new token (shown once, on the page that made it), revoking."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api import tokens, tokens_bp
from app.api.token_forms import RevokeForm, TokenForm
from app.extensions import db
from app.models import utcnow


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render_template("api/tokens.html", form=form, tokens=tokens.tokens_of(current_user), now=utcnow(),
                           new_token=new_token, revoke_form=RevokeForm(), max_tokens=tokens.MAX_LIVE_TOKENS), status


@tokens_bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = TokenForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    expires_at = None
    if form.expires_on.data is not None:
        expires_at = datetime.combine(form.expires_on.data, time.min, tzinfo=timezone.utc)
        if expires_at <= utcnow():
            form.expires_on.errors.append(_("Choose a day in the future."))
            return _page(form, status=422)
    try:
        _token, text = tokens.create_token(current_user, form.name.data, form.scope.data, expires_at)
    except tokens.TooManyTokens:
        db.session.rollback()
        form.name.errors.append(_("You have %(count)d tokens that work already. Revoke one you no longer use.",
                                  count=tokens.MAX_LIVE_TOKENS))
        return _page(form, status=422)
    db.session.commit()
    # Shown on this page only: never stored, never put in the session cookie or a redirect.
    response, status = _page(TokenForm(formdata=None), new_token=text)
    return response, status, {"Cache-Control": "no-store"}


@tokens_bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = tokens.token_of(current_user, token_id)
    if token is None:
        abort(404)
    if RevokeForm().validate_on_submit():
        if tokens.revoke_token(current_user, token):
            db.session.commit()
            flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
        else:
            db.session.rollback()
            flash(_("This token was revoked already."), "info")
    return redirect(url_for("api_tokens.index"))
