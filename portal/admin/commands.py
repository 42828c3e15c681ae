import click
from flask.cli import with_appcontext

from ..extensions import db
from .services import UserError, create_user


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
    try:
        user = create_user(
            email=email,
            password=password,
            role=role,
            name=name,
            partner_code=partner_code,
            territory_codes=tuple(territories),
        )
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"user_id={user.id}")
