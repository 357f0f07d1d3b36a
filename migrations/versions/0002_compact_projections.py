"""Compact projections: provenance and actor contributions per report and per incident.

`provenance` (one row per hop) becomes a view over `provenance_chains` (one row per report,
its hops as a JSON list); `actor_roles` (one row per name and count of each report) gives way
to `actor_tallies` (one row per incident and actor) and the view `report_actors`. A rebuild
wrote ~9 rows per event; it now writes ~3. The views keep `provenance`'s columns.

Projections are derived data: the views are emptied and their tracking position reset, so the
next catch-up (any write, or `ledger project`) rebuilds them from the log, which is untouched.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_POSITION = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# Frozen copies of projections.schema.SQL_VIEWS as of this revision (a test compares them).
VIEWS = {
    "provenance": {
        "sqlite": (
            "SELECT c.report AS report, h.key AS hop, c.incident AS incident, "
            "json_extract(h.value, '$[0]') AS agent, json_extract(h.value, '$[1]') AS role, "
            "json_extract(h.value, '$[2]') AS kind, json_extract(h.value, '$[3]') AS url, "
            "json_extract(h.value, '$[4]') AS published_at, "
            "json_extract(h.value, '$[5]') AS quote_mode "
            "FROM provenance_chains AS c, json_each(c.chain) AS h"
        ),
        "postgresql": (
            "SELECT c.report AS report, (h.ordinality - 1)::integer AS hop, "
            "c.incident AS incident, h.value ->> 0 AS agent, h.value ->> 1 AS role, "
            "h.value ->> 2 AS kind, h.value ->> 3 AS url, h.value ->> 4 AS published_at, "
            "h.value ->> 5 AS quote_mode "
            "FROM provenance_chains AS c "
            "CROSS JOIN LATERAL jsonb_array_elements(c.chain::jsonb) WITH ORDINALITY "
            "AS h(value, ordinality)"
        ),
    },
    "report_actors": {
        "sqlite": (
            "SELECT t.actor AS actor, r.value AS report, t.incident AS incident "
            "FROM actor_tallies AS t, json_each(t.reports) AS r"
        ),
        "postgresql": (
            "SELECT t.actor AS actor, r.value AS report, t.incident AS incident "
            "FROM actor_tallies AS t "
            "CROSS JOIN LATERAL jsonb_array_elements_text(t.reports::jsonb) AS r(value)"
        ),
    },
}

_VIEW_TABLES_0001 = (
    "incidents", "claims", "disputes", "actors", "provenance", "links", "timeline",
    "report_refs", "actor_roles",
)
_VIEW_TABLES_0002 = (
    "incidents", "claims", "disputes", "actors", "provenance_chains", "links", "timeline",
    "report_refs", "actor_tallies",
)


def upgrade() -> None:
    _empty(_VIEW_TABLES_0001)
    with op.batch_alter_table('actor_roles', schema=None) as batch_op:
        batch_op.drop_index('actor_roles_actor_idx')
    op.drop_table('actor_roles')
    with op.batch_alter_table('provenance', schema=None) as batch_op:
        batch_op.drop_index('provenance_incident_idx')
        batch_op.drop_index('provenance_agent_idx')
    op.drop_table('provenance')

    op.create_table('provenance_chains',
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('chain', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('report'),
    comment="Each report's source chain as one JSON list of hops; read it as `provenance`."
    )
    with op.batch_alter_table('provenance_chains', schema=None) as batch_op:
        batch_op.create_index('provenance_chains_incident_idx', ['incident'], unique=False)
    op.create_table('actor_tallies',
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('first_position', _POSITION, nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('claims_made', sa.Integer(), nullable=False),
    sa.Column('warnings_issued', sa.Integer(), nullable=False),
    sa.Column('denials_issued', sa.Integer(), nullable=False),
    sa.Column('accused_in', sa.Integer(), nullable=False),
    sa.Column('corroborations_given', sa.Integer(), nullable=False),
    sa.Column('retractions', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('incident', 'actor'),
    comment="What each incident's live reports contribute to `actors`, per actor."
    )
    with op.batch_alter_table('actor_tallies', schema=None) as batch_op:
        batch_op.create_index('actor_tallies_actor_idx', ['actor'], unique=False)

    dialect = op.get_bind().dialect.name
    for name, definitions in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {definitions[dialect]}")


def downgrade() -> None:
    _empty(_VIEW_TABLES_0002)
    for name in VIEWS:
        op.execute(f"DROP VIEW {name}")
    with op.batch_alter_table('actor_tallies', schema=None) as batch_op:
        batch_op.drop_index('actor_tallies_actor_idx')
    op.drop_table('actor_tallies')
    with op.batch_alter_table('provenance_chains', schema=None) as batch_op:
        batch_op.drop_index('provenance_chains_incident_idx')
    op.drop_table('provenance_chains')

    op.create_table('actor_roles',
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('position', _POSITION, nullable=False),
    sa.PrimaryKeyConstraint('report', 'seq'),
    comment='What each live report contributes to `actors`: names it mentions and counts it adds.'
    )
    with op.batch_alter_table('actor_roles', schema=None) as batch_op:
        batch_op.create_index('actor_roles_actor_idx', ['actor', 'role'], unique=False)
    op.create_table('provenance',
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('hop', sa.Integer(), nullable=False),
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('agent', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('published_at', sa.Text(), nullable=True),
    sa.Column('quote_mode', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('report', 'hop'),
    comment="One row per hop of a report's source chain, 0 = the speaker, outward."
    )
    with op.batch_alter_table('provenance', schema=None) as batch_op:
        batch_op.create_index('provenance_agent_idx', ['agent'], unique=False)
        batch_op.create_index('provenance_incident_idx', ['incident'], unique=False)


def _empty(tables: tuple[str, ...]) -> None:
    """Empty the views and forget their position: the next catch-up rebuilds them from the log."""
    for table in tables:
        op.execute(f"DELETE FROM {table}")
    op.execute("DELETE FROM projection_tracking")
