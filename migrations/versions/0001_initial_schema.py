"""Initial schema: the append-only event log, the report index and the projection tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 20:49:08.458475
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_events',
    sa.Column('notification_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('originator_id', sa.Text(), nullable=False),
    sa.Column('originator_version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('notification_id'),
    sa.UniqueConstraint('originator_id', 'originator_version', name='ledger_events_aggregate_key'),
    comment='The append-only log: one row per event, never updated or deleted.',
    sqlite_autoincrement=True
    )
    op.create_table('ledger_reports',
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('by', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.Text(), nullable=False),
    sa.Column('version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('report'),
    comment='Every report id in the ledger, with its incident; append-only like the log.'
    )
    with op.batch_alter_table('ledger_reports', schema=None) as batch_op:
        batch_op.create_index('ledger_reports_incident_idx', ['incident', 'version'], unique=False)

    op.create_table('ledger_references',
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('source_incident', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'target'),
    comment='refers_to edges between reports; append-only like the log.'
    )
    with op.batch_alter_table('ledger_references', schema=None) as batch_op:
        batch_op.create_index('ledger_references_target_idx', ['target'], unique=False)

    op.create_table('actor_roles',
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('report', 'seq'),
    comment='What each live report contributes to `actors`: names it mentions and counts it adds.'
    )
    with op.batch_alter_table('actor_roles', schema=None) as batch_op:
        batch_op.create_index('actor_roles_actor_idx', ['actor', 'role'], unique=False)
    op.create_table('actors',
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('claims_made', sa.Integer(), nullable=False),
    sa.Column('warnings_issued', sa.Integer(), nullable=False),
    sa.Column('denials_issued', sa.Integer(), nullable=False),
    sa.Column('accused_in', sa.Integer(), nullable=False),
    sa.Column('corroborations_given', sa.Integer(), nullable=False),
    sa.Column('retractions', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('actor'),
    comment='One row per actor (normalised name) with what it said and was accused of.'
    )
    op.create_table('claims',
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('by', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('speaker', sa.Text(), nullable=True),
    sa.Column('on_behalf_of', sa.Text(), nullable=True),
    sa.Column('stance', sa.Text(), nullable=True),
    sa.Column('against', sa.Text(), nullable=False),
    sa.Column('targets', sa.Text(), nullable=False),
    sa.Column('addressee', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('stated_at', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('denials', sa.Integer(), nullable=False),
    sa.Column('corroborations', sa.Integer(), nullable=False),
    sa.Column('other_corroborations', sa.Integer(), nullable=False),
    sa.Column('discrepancies', sa.Integer(), nullable=False),
    sa.Column('reliability', sa.Text(), nullable=True),
    sa.Column('credibility', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.Text(), nullable=True),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.Text(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('report'),
    comment='One row per assertion (claim or warning) with its derived status.'
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('claims_actor_idx', ['actor'], unique=False)
        batch_op.create_index('claims_incident_idx', ['incident', 'position'], unique=False)
        batch_op.create_index('claims_status_idx', ['status', 'position'], unique=False)

    op.create_table('disputes',
    sa.Column('claim', sa.Text(), nullable=False),
    sa.Column('denial', sa.Text(), nullable=False),
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('denial_incident', sa.Text(), nullable=False),
    sa.Column('claimant', sa.Text(), nullable=False),
    sa.Column('denier', sa.Text(), nullable=False),
    sa.Column('denial_stated_at', sa.Text(), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('retracted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('claim', 'denial'),
    comment='One row per (assertion, denial) pair, by an actor other than the claimant.'
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index('disputes_incident_idx', ['incident'], unique=False)

    op.create_table('incidents',
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('location_qualifier', sa.Text(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('occurred_from', sa.Text(), nullable=True),
    sa.Column('occurred_to', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('assertions', sa.Integer(), nullable=False),
    sa.Column('disputed', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('first_stated_at', sa.Text(), nullable=True),
    sa.Column('last_stated_at', sa.Text(), nullable=True),
    sa.Column('last_recorded_at', sa.Text(), nullable=False),
    sa.Column('last_position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('incident'),
    comment='One row per incident: its details, derived status and counts.'
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index('incidents_status_idx', ['status', 'last_position'], unique=False)

    op.create_table('links',
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('other', sa.Text(), nullable=False),
    sa.Column('relation', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('report'),
    comment='One row per link between incidents.'
    )
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.create_index('links_incident_idx', ['incident'], unique=False)
        batch_op.create_index('links_other_idx', ['other'], unique=False)

    op.create_table('projection_tracking',
    sa.Column('projection', sa.Text(), nullable=False),
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('projection'),
    comment='The last log position each projection has applied, written with its rows.'
    )
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

    op.create_table('report_refs',
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('target', sa.Text(), nullable=False),
    sa.Column('source_incident', sa.Text(), nullable=False),
    sa.Column('target_incident', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'target'),
    comment='Which report refers to which (refers_to), across incidents.'
    )
    with op.batch_alter_table('report_refs', schema=None) as batch_op:
        batch_op.create_index('report_refs_target_idx', ['target'], unique=False)

    op.create_table('timeline',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('incident', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('by', sa.Text(), nullable=True),
    sa.Column('stated_at', sa.Text(), nullable=True),
    sa.Column('stated_from', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('refers_to', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('position'),
    sa.UniqueConstraint('report'),
    comment='Every report with its three clocks, voided ones included (voided = 1).'
    )
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.create_index('timeline_incident_idx', ['incident', 'position'], unique=False)
        batch_op.create_index('timeline_stated_idx', ['stated_from'], unique=False)
    install_append_only_triggers()


def downgrade() -> None:
    drop_append_only_triggers()
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.drop_index('timeline_stated_idx')
        batch_op.drop_index('timeline_incident_idx')

    op.drop_table('timeline')
    with op.batch_alter_table('report_refs', schema=None) as batch_op:
        batch_op.drop_index('report_refs_target_idx')

    op.drop_table('report_refs')
    with op.batch_alter_table('provenance', schema=None) as batch_op:
        batch_op.drop_index('provenance_incident_idx')
        batch_op.drop_index('provenance_agent_idx')

    op.drop_table('provenance')
    op.drop_table('projection_tracking')
    with op.batch_alter_table('links', schema=None) as batch_op:
        batch_op.drop_index('links_other_idx')
        batch_op.drop_index('links_incident_idx')

    op.drop_table('links')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('incidents_status_idx')

    op.drop_table('incidents')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('disputes_incident_idx')

    op.drop_table('disputes')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('claims_status_idx')
        batch_op.drop_index('claims_incident_idx')
        batch_op.drop_index('claims_actor_idx')

    op.drop_table('claims')
    op.drop_table('actors')
    with op.batch_alter_table('actor_roles', schema=None) as batch_op:
        batch_op.drop_index('actor_roles_actor_idx')

    op.drop_table('actor_roles')
    with op.batch_alter_table('ledger_reports', schema=None) as batch_op:
        batch_op.drop_index('ledger_reports_incident_idx')

    op.drop_table('ledger_reports')
    with op.batch_alter_table('ledger_references', schema=None) as batch_op:
        batch_op.drop_index('ledger_references_target_idx')

    op.drop_table('ledger_references')
    op.drop_table('ledger_events')


# The log is append-only in fact, not by convention: the database itself refuses any UPDATE or
# DELETE of an event or a report-index row, whoever asks.
APPEND_ONLY = ("ledger_events", "ledger_reports", "ledger_references")


def install_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )
        else:
            op.execute(
                f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger
                LANGUAGE plpgsql AS $$ BEGIN
                  RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
                END $$"""
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            )


def drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
