"""`ledger db roles`: least-privilege roles on PostgreSQL.

What `roles` needs (the roles' statements, the views' SQLAlchemy schema) is imported late,
inside it: `ledger db --help` imports this module and none of that."""

import typer

from cli.context import guarded, say, settings, usage_error

db_app = typer.Typer(
    help="Database administration.\n\nExample:\n\n    ledger --db postgresql://... db roles",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@db_app.command("roles")
@guarded
def roles_command() -> None:
    """Create (or refresh) the writer, projector and reader roles on PostgreSQL.

    ledger_writer may append to the log but never change or delete it; ledger_projector may read
    the log and write only the projection tables; ledger_reader may only read the projection
    tables. Give people login roles that are members of these, e.g.
    CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE ledger_writer;

    Example:

        ledger --db postgresql://postgres@127.0.0.1:5432/ledger db roles
    """

    from ledger.store.roles import ROLES, role_statements
    from projections.schema import SQL_VIEWS, metadata

    store = settings().store
    if store.backend != "postgresql":
        raise usage_error("roles need PostgreSQL; a SQLite file is protected by file permissions")
    views = tuple(metadata.tables)
    with store.connect_postgres(autocommit=False) as connection:
        for statement in role_statements(views, store.dbname, tuple(SQL_VIEWS)):
            connection.execute(statement)  # type: ignore[arg-type]
    for role in ROLES:
        typer.echo(role)
    say(
        f"roles ready on {store.display}; grant them to login roles with "
        "CREATE ROLE name LOGIN PASSWORD '...' IN ROLE ledger_writer"
    )
