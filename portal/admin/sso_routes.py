"""The admin pages of single sign-on: the providers, their settings and mappings."""

from functools import partial

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.sso.providers import PARTNER_ROLES, STAFF_ROLES, save_provider
from ..changes import REFUSED, commit_or_show
from ..extensions import db
from ..models import SsoProvider
from ..security import Perm, get_visible_or_404, requires
from . import bp
from .sso_forms import ProviderForm

FIELDS = (
    "name issuer client_id secret_env scopes domains groups_claim role_map territory_map "
    "partner_id password_sign_in_off active"
).split()


@bp.get("/sso")
@requires(Perm.MANAGE_USERS)
def sso_providers():
    providers = db.session.scalars(
        select(SsoProvider).options(selectinload(SsoProvider.partner)).order_by(SsoProvider.name)
    ).all()
    return render_template("admin/sso_providers.html", providers=providers)


def _fill(form: ProviderForm, provider: SsoProvider) -> None:
    form.name.data, form.issuer.data = provider.name, provider.issuer
    form.client_id.data, form.secret_env.data = provider.client_id, provider.secret_env
    form.scopes.data, form.groups_claim.data = provider.scopes, provider.groups_claim
    form.domains.data = "\n".join(provider.domains)
    form.role_map.data = "\n".join(f"{g} = {r}" for g, r in provider.role_map.items())
    form.territory_map.data = "\n".join(
        f"{g} = {' '.join(codes)}" for g, codes in provider.territory_map.items()
    )
    form.partner_id.data = str(provider.partner_id or "")
    form.password_sign_in_off.data = provider.password_sign_in_off
    form.active.data = provider.active


def _edit(provider: SsoProvider | None):
    form = ProviderForm().fill_choices()
    if provider is not None and not form.is_submitted():
        _fill(form, provider)
    save = partial(
        save_provider,
        provider,
        actor=current_user,
        **{name: getattr(form, name).data for name in FIELDS},
    )
    if form.validate_on_submit() and (saved := commit_or_show(save, form)) is not REFUSED:
        flash(_("%(name)s saved.", name=saved.name), "success")
        return redirect(url_for("admin.sso_providers"))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "admin/sso_provider.html",
        form=form,
        provider=provider,
        role_codes=STAFF_ROLES + PARTNER_ROLES,
    ), status


@bp.route("/sso/new", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def new_sso_provider():
    return _edit(None)


@bp.route("/sso/<int:provider_id>", methods=["GET", "POST"])
@requires(Perm.MANAGE_USERS)
def edit_sso_provider(provider_id):
    return _edit(get_visible_or_404(SsoProvider, provider_id))
