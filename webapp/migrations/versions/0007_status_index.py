"""status index: a result page's credit statuses read from one covering index

Revision ID: 0007_status_index
Revises: 0006_kiosks
Create Date: 2026-12-01 19:45:00

profiles.summaries reads, for the subjects on a result page, the kind, visibility, last
public day, list nature, severity and list type of their records. With all of them in the
index the database reads no record rows (each several kilobytes, on a page of its own).
The index's first two columns are the old (subject_id, kind) index, which it replaces.
"""
from alembic import op


revision = '0007_status_index'
down_revision = '0006_kiosks'
branch_labels = None
depends_on = None

COLUMNS = ['subject_id', 'kind', 'visibility', 'public_until', 'list_nature', 'severity',
           'list_type']


def upgrade():
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_subject_status', COLUMNS, unique=False)
        batch_op.drop_index('ix_records_subject_kind')


def downgrade():
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_subject_kind', ['subject_id', 'kind'], unique=False)
        batch_op.drop_index('ix_records_subject_status')
