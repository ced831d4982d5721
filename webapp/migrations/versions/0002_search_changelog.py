"""search change log (transactional outbox)

Revision ID: 0002_search_changelog
Revises: 0001
Create Date: 2026-12-01 09:45:00

Every existing subject and record is logged once, so that the log describes the whole
database: an index that replays it from 0 (a new node) misses nothing.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_search_changelog'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entity', sa.String(length=8), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("entity IN ('subject', 'record')", name=op.f('ck_search_changes_entity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes'))
    )
    op.execute("INSERT INTO search_changes (entity, entity_id, created_at) "
               "SELECT 'subject', id, CURRENT_TIMESTAMP FROM subjects ORDER BY id")
    op.execute("INSERT INTO search_changes (entity, entity_id, created_at) "
               "SELECT 'record', id, CURRENT_TIMESTAMP FROM records ORDER BY id")


def downgrade():
    op.drop_table('search_changes')
