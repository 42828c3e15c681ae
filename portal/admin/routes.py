from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..forms import ConfirmForm
from ..models import User
from ..pagination import paginate
from ..security import Perm, requires
from . import bp
from .services import UserError, set_active


@bp.get("/users")
@requires(Perm.MANAGE_USERS)
def users():
    stmt = select(User).options(selectinload(User.partner), selectinload(User.territories))
    page = paginate(stmt.order_by(User.email))
    return render_template("admin/users.html", page=page, form=ConfirmForm())


@bp.post("/users/<int:user_id>/active/<int:active>")
@requires(Perm.MANAGE_USERS)
def toggle_active(user_id, active):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    try:
        set_active(user, bool(active), actor=current_user)
    except UserError:
        flash(_("You cannot deactivate your own account."), "danger")
        return redirect(url_for("admin.users"))
    db.session.commit()
    flash(_("User %(email)s updated.", email=user.email), "success")
    return redirect(url_for("admin.users"))
