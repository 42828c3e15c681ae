from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, user_logged_in

from ..auth import ACCOUNT_ENDPOINTS
from ..auth.redirects import safe_next
from ..changes import REFUSED, commit_or_show
from ..extensions import db
from ..models import AgreementVersion, Role
from ..security import Perm, can, requires
from . import bp, services
from .forms import AcceptForm, PublishForm

GATE_KEY = "agreement_ok_for"
GATE_EXEMPT = {
    "agreements.accept",
    "agreements.show",
    "auth.logout",
    "auth.language",
    "static",
    *ACCOUNT_ENDPOINTS,
}


@user_logged_in.connect
def _check_again_at_login(sender, user, **extra):
    """A partner admin is asked about a new agreement version at their next sign-in."""
    session.pop(GATE_KEY, None)


@bp.before_app_request
def agreement_gate():
    """Partner admins whose organisation has not accepted the current version see the gate."""
    if not current_user.is_authenticated or current_user.role != Role.PARTNER_ADMIN.value:
        return None
    if request.endpoint in GATE_EXEMPT or session.get(GATE_KEY) == current_user.id:
        return None
    if services.pending_version_for(current_user) is None:
        session[GATE_KEY] = current_user.id
        return None
    return redirect(url_for("agreements.accept", next=request.full_path.rstrip("?")))


@bp.route("/agreements", methods=["GET", "POST"])
@requires(Perm.PUBLISH_AGREEMENTS)
def index():
    form = PublishForm()

    def publish():
        return services.publish_version(
            title=form.title.data,
            body=form.body.data,
            effective_on=form.effective_on.data,
            actor=current_user,
        )

    if form.validate_on_submit() and (version := commit_or_show(publish, form)) is not REFUSED:
        flash(_("Version %(version)s published.", version=version.version), "success")
        return redirect(url_for("agreements.index"))
    versions = services.versions_with_counts()
    current = services.current_version()
    return render_template("agreements/index.html", form=form, versions=versions, current=current)


@bp.get("/agreements/<int:version_id>")
@login_required
def show(version_id):
    version = db.get_or_404(AgreementVersion, version_id)
    current = services.current_version()
    in_effect = current is not None and version.version <= current.version
    if not in_effect and not can(current_user, Perm.PUBLISH_AGREEMENTS):
        abort(404)
    return render_template("agreements/show.html", version=version, current=current)


@bp.route("/agreement/accept", methods=["GET", "POST"])
@requires(Perm.ACCEPT_AGREEMENTS)
def accept():
    version = services.pending_version_for(current_user)
    if version is None:
        return redirect(safe_next(request.args.get("next")))
    form = AcceptForm()
    if form.validate_on_submit():
        services.accept_version(version, actor=current_user, ip=request.remote_addr)
        db.session.commit()
        session[GATE_KEY] = current_user.id
        flash(_("Thank you: the partner agreement is accepted."), "success")
        return redirect(safe_next(request.args.get("next")))
    return render_template("agreements/accept.html", form=form, version=version)
