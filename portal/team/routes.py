"""Partner admins manage their organisation's people and profile; colleagues accept invitations."""

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from workflows import enqueue
from workflows.engine.i18n import Refusal

from ..auth import sessions
from ..auth.sso import services as sso
from ..changes import REFUSED, commit_or_refuse, commit_or_show, confirmed, refusal_message
from ..extensions import db
from ..forms import ConfirmForm
from ..models import Invitation, User, utcnow
from ..security import Perm, get_visible_or_404, requires
from . import bp, services
from .forms import AcceptInvitationForm, InviteForm, MemberRoleForm, ProfileForm


def render_team(status: int = 200, invite_form=None):
    members = services.members(current_user)
    return render_template(
        "team/index.html",
        members=members,
        role_changeable={m.id for m in members if services.role_changeable(m, current_user)},
        invitations=services.open_invitations(current_user),
        invite_form=invite_form or InviteForm(formdata=None),
        action_form=ConfirmForm(),
        role_form=MemberRoleForm(formdata=None),
        now=utcnow(),
    ), status


@bp.get("/team")
@requires(Perm.MANAGE_TEAM)
def index():
    return render_team()


@bp.post("/team/invitations")
@requires(Perm.MANAGE_TEAM)
def invite():
    form = InviteForm()
    invite = partial(
        services.invite, email=form.email.data, role=form.role.data, actor=current_user
    )
    if form.validate_on_submit() and commit_or_show(invite, form) is not REFUSED:
        enqueue.pending_mail()
        flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
        return redirect(url_for("team.index"))
    return render_team(400, form)


@bp.post("/team/invitations/<int:invitation_id>/<any(resend, revoke):action>")
@requires(Perm.MANAGE_TEAM)
def invitation_action(invitation_id, action):
    confirmed(ConfirmForm())
    invitation = get_visible_or_404(Invitation, invitation_id)
    change = partial(getattr(services, action), invitation, actor=current_user)
    commit_or_refuse(change, url_for("team.index"))
    enqueue.pending_mail()
    done = _("Invitation sent again.") if action == "resend" else _("Invitation revoked.")
    flash(done, "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<int:user_id>/<any(deactivate, reactivate):action>")
@requires(Perm.MANAGE_TEAM)
def member_action(user_id, action):
    confirmed(ConfirmForm())
    member = get_visible_or_404(User, user_id)
    change = partial(services.set_member_active, member, action == "reactivate", actor=current_user)
    commit_or_refuse(change, url_for("team.index"))
    flash(_("%(email)s updated.", email=member.email), "success")
    return redirect(url_for("team.index"))


@bp.post("/team/members/<int:user_id>/role")
@requires(Perm.MANAGE_TEAM)
def member_role(user_id):
    form = confirmed(MemberRoleForm())
    member = get_visible_or_404(User, user_id)
    change = partial(services.set_member_role, member, form.role.data, actor=current_user)
    commit_or_refuse(change, url_for("team.index"))
    flash(_("%(email)s updated.", email=member.email), "success")
    return redirect(url_for("team.index"))


@bp.route("/team/profile", methods=["GET", "POST"])
@requires(Perm.MANAGE_TEAM)
def profile():
    form = ProfileForm(obj=services.profile_for(current_user.partner))
    update = partial(
        services.update_profile, **{k: form[k].data for k in ProfileForm.FIELDS}, actor=current_user
    )
    if form.validate_on_submit() and commit_or_show(update, form) is not REFUSED:
        flash(_("Company profile saved."), "success")
        return redirect(url_for("team.profile"))
    return render_template("team/profile.html", form=form), 400 if form.errors else 200


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token):
    if current_user.is_authenticated:
        return render_template("team/accept.html", signed_in=True), 409
    form = AcceptInvitationForm()
    try:
        invitation = services.check_invitation_token(token)
        if form.validate_on_submit():
            user = services.accept_invitation(
                token,
                name=form.name.data,
                password=form.password.data,
                locale=str(get_locale()),
                ip=request.remote_addr,
            )
            if sso.company_account_only(user):
                db.session.commit()
                flash(_("Your organisation signs in with its company account only."), "warning")
                return redirect(url_for("auth.login"))
            sessions.sign_in(user)
            db.session.commit()
            flash(_("Welcome to %(company)s!", company=user.partner.name), "success")
            return redirect(url_for("main.dashboard"))
    except Refusal as exc:
        db.session.rollback()
        return render_template("team/accept.html", message=refusal_message(exc)), 400
    status = 400 if form.errors else 200
    return render_template("team/accept.html", form=form, invitation=invitation), status
