import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..cli_support import acting, refusals
from ..extensions import db
from ..models import User
from .services import create_user, set_active


@click.group()
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option(
    "--role", required=True, help="partner_user, partner_admin, channel_manager, finance or admin"
)
@click.option("--name", default="")
@click.option("--partner", "partner_code", help="partner code, for partner roles")
@click.option("--territory", "territories", multiple=True, help="territory code (repeatable)")
@with_appcontext
def create(email, password, role, name, partner_code, territories):
    """Create a user for scripted set-up."""
    with refusals():
        user = create_user(
            email=email,
            password=password,
            role=role,
            name=name,
            partner_code=partner_code,
            territory_codes=tuple(territories),
        )
    db.session.commit()
    click.echo(f"user_id={user.id}")


def _activation_command(name: str, active: bool, doc: str) -> None:
    @users.command(name, help=doc)
    @click.argument("target")
    @acting(required=True)
    def command(target, actor):
        _set_active(target, active, actor)


_activation_command(
    "deactivate",
    False,
    "Deactivate the user TARGET (an e-mail address): every session of theirs ends at once.",
)
_activation_command("activate", True, "Let the user TARGET (an e-mail address) sign in again.")


def _set_active(target: str, active: bool, actor) -> None:
    user = db.session.scalar(select(User).where(func.lower(User.email) == target.lower()))
    if user is None:
        raise click.ClickException(f"no user with e-mail {target}")
    set_active(user, active, actor=actor)
    db.session.commit()
    click.echo(f"{user.email} {'active' if active else 'deactivated'}")
