import click
from flask.cli import with_appcontext

from portal.foundation.audit import verify_chain


@click.group()
def audit():
    """Audit trail tools."""


@audit.command("verify")
@with_appcontext
def verify():
    """Check every audit event's hash and link; exit 1 when the trail was tampered with."""
    count, problems = verify_chain()
    for problem in problems:
        click.echo(f"event {problem.event_id}: {problem.problem}", err=True)
    if problems:
        raise click.ClickException(
            f"audit trail NOT intact: {len(problems)} problem(s) in {count} events"
        )
    click.echo(f"audit trail intact: {count} events verified")
