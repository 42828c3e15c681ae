import click
from flask.cli import with_appcontext


@click.command("import")
@click.argument(
    "kind",
    type=click.Choice(
        ["territories", "partners", "categories", "products", "fx", "sales", "catalog"]
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate only; change nothing.")
@with_appcontext
def import_command(kind, file, dry_run):
    """Import a CSV file (all-or-nothing; errors are listed per row)."""
    from workflows.imports.cli import run_cli_import

    run_cli_import(kind, file, dry_run=dry_run)
