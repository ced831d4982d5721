"""kiosks: the service hall's self-service machines; petition cases filed at one

Revision ID: 0006_kiosks
Revises: 0005_back_office
Create Date: 2026-12-01 09:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_kiosks'
down_revision = '0005_back_office'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('idle_seconds', sa.Integer(), nullable=True),
    sa.Column('print_count', sa.Integer(), nullable=False),
    sa.Column('last_print_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosks')),
    sa.UniqueConstraint('device_hash', name=op.f('uq_kiosks_device_hash')),
    sa.UniqueConstraint('name', name=op.f('uq_kiosks_name'))
    )
    with op.batch_alter_table('petition_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kiosk_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_petition_cases_kiosk_id'), ['kiosk_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_petition_cases_kiosk_id_kiosks'), 'kiosks', ['kiosk_id'], ['id'])


def downgrade():
    with op.batch_alter_table('petition_cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_petition_cases_kiosk_id_kiosks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_petition_cases_kiosk_id'))
        batch_op.drop_column('kiosk_id')
    op.drop_table('kiosks')
