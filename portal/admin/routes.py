from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflows import enqueue

from ..changes import REFUSED, commit_or_refuse, commit_or_show, confirmed
from ..forms import ConfirmForm
from ..labels import label
from ..models import Role, RoleGrant, User
from ..pagination import paginate
from ..security import Perm, get_unscoped_or_404, get_visible_or_404, requires
from . import bp, staff
from .forms import StaffRoleForm, StaffUserForm
from .services import pending_grant, set_active


def _territories_asked(form) -> list[int]:
    """The territories chosen, for a channel manager; a selection left in the list while
    another role was picked is not a mistake worth refusing the form for."""
    return form.territories.data if form.role.data == Role.CHANNEL_MANAGER.value else []


@bp.get("/users")
@requires(Perm.MANAGE_USERS)
def users():
    stmt = select(User).options(selectinload(User.partner), selectinload(User.territories))
    page = paginate(stmt.order_by(User.email))
    pending = {g.user_id: g for g in staff.open_grants()}
    unapproved = staff.unapproved_account_ids()
    # nobody acts on their own account or request; accounts never approved wait for their grant
    others = {u.id for u in page.items if u.id != current_user.id and u.id not in unapproved}
    return render_template(
        "admin/users.html",
        page=page,
        grants=list(pending.values()),
        own_requests={g.id for g in pending.values() if g.requested_by_id == current_user.id},
        pending=pending,
        unapproved=unapproved,
        may_toggle=others,
        may_change_role={
            u.id
            for u in page.items
            if u.id in others and u.role in staff.STAFF_ROLES and u.id not in pending
        },
        form=ConfirmForm(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def new_user():
    form = StaffUserForm().fill_choices()
    if not form.is_submitted():
        form.language.data = str(get_locale())
    create = partial(
        staff.create_staff_user,
        email=form.email.data,
        name=form.name.data,
        role=form.role.data,
        territory_ids=_territories_asked(form),
        locale=form.language.data,
        actor=current_user,
    )
    if form.validate_on_submit() and (created := commit_or_show(create, form)) is not REFUSED:
        user, grant = created
        enqueue.pending_mail()
        if grant is None:
            flash(
                _(
                    "%(email)s was created and e-mailed a link to choose a password.",
                    email=user.email,
                ),
                "success",
            )
        else:
            flash(
                _(
                    "%(email)s was created. Another administrator must approve the role "
                    "before the account is activated.",
                    email=user.email,
                ),
                "info",
            )
        return redirect(url_for("admin.users"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/user_new.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def edit_user(user_id):
    user = get_visible_or_404(User, user_id)
    if user.role not in staff.STAFF_ROLES:
        abort(404)
    form = StaffRoleForm(obj=None).fill_choices()
    if not form.is_submitted():
        form.role.data = user.role
        form.territories.data = [t.id for t in user.territories]
    change = partial(
        staff.change_staff_role,
        user,
        role=form.role.data,
        territory_ids=_territories_asked(form),
        actor=current_user,
    )
    if form.validate_on_submit() and (changed := commit_or_show(change, form)) is not REFUSED:
        user, grant = changed
        if grant is None:
            flash(_("%(email)s updated.", email=user.email), "success")
        else:
            flash(
                _(
                    "The new role of %(email)s awaits another administrator's approval.",
                    email=user.email,
                ),
                "info",
            )
        return redirect(url_for("admin.users"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/user_edit.html",
        form=form,
        user=user,
        grant=pending_grant(user),
        action_form=ConfirmForm(),
    ), status


@bp.post("/grants/<int:grant_id>/<any(approve, reject):decision>")
@requires(Perm.MANAGE_USERS)
def decide_grant(grant_id, decision):
    confirmed(ConfirmForm())
    grant = get_unscoped_or_404(RoleGrant, grant_id)
    decide = staff.approve_grant if decision == "approve" else staff.reject_grant
    commit_or_refuse(partial(decide, grant, actor=current_user), url_for("admin.users"))
    enqueue.pending_mail()
    if decision == "approve":
        flash(
            _("%(email)s is now %(role)s.", email=grant.user.email, role=label(grant.role, "role")),
            "success",
        )
    else:
        flash(_("The request for %(email)s was rejected.", email=grant.user.email), "info")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active/<int:active>")
@requires(Perm.MANAGE_USERS)
def toggle_active(user_id, active):
    confirmed(ConfirmForm())
    user = get_visible_or_404(User, user_id)
    commit_or_refuse(
        partial(set_active, user, bool(active), actor=current_user), url_for("admin.users")
    )
    flash(_("User %(email)s updated.", email=user.email), "success")
    return redirect(url_for("admin.users"))
