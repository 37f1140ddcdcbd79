from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.formbase import Form
from app.models import Notification
from app.notifications import bp, services
from app.pagination import paginate
from app.views import page_number


@bp.route("/notifications")
@login_required
def index():
    from flask import request

    notes = paginate(
        select(Notification).where(Notification.user_id == current_user.id)
        .options(joinedload(Notification.actor), joinedload(Notification.city))
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page_number(request.args.get("page")), 50,
    )
    return render_template("notifications/index.html", notes=notes, sentence=services.sentence,
                           link_for=services.link_for, form=Form())


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_all_read():
    if Form().validate_on_submit():
        services.mark_read(current_user)
        db.session.commit()
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/<int:note_id>")
@login_required
def open_note(note_id: int):
    """Follow a notification: it counts as read."""
    note = db.session.get(Notification, note_id)
    if note is None or note.user_id != current_user.id:
        from flask import abort

        abort(404)
    services.mark_read(current_user, [note.id])
    db.session.commit()
    return redirect(services.link_for(note))


@bp.app_context_processor
def unread_notifications():
    if current_user and current_user.is_authenticated:
        return {"unread_notifications": services.unread_count(current_user)}
    return {"unread_notifications": 0}
