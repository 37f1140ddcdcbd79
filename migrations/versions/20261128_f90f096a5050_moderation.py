"""Moderation: flags, review requests, hiding proposals and debates, blocks per city, suspensions.

Revision ID: f90f096a5050
Revises: 8b418b5dc058
Create Date: 2026-11-28 19:37:58.079816

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f90f096a5050'
down_revision = '8b418b5dc058'
branch_labels = None
depends_on = None


AUDIT_TARGETS = ("city", "user", "membership", "role_grant", "organization", "plan", "plan_item", "process",
                 "phase", "proposal", "debate", "comment")


def _audit_targets(values):
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_events_target_type_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_events_target_type_valid'), f"target_type IN ({listed})")


def upgrade():
    _audit_targets(AUDIT_TARGETS + ("flag",))
    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('target_type', sa.String(length=8), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=13), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason <> 'other' OR text <> ''", name=op.f('ck_flags_other_needs_text')),
    sa.CheckConstraint("reason IN ('spam', 'offensive', 'off_topic', 'personal_data', 'other')", name=op.f('ck_flags_reason_valid')),
    sa.CheckConstraint("target_type IN ('comment', 'proposal', 'debate')", name=op.f('ck_flags_target_type_valid')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_flags_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_flags_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_flags_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    sa.UniqueConstraint('user_id', 'target_type', 'target_id', name=op.f('uq_flags_user_id_target_type_target_id'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_flags_target', ['target_type', 'target_id'], unique=False)

    op.create_table('review_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('target_type', sa.String(length=8), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("target_type IN ('comment', 'proposal', 'debate')", name=op.f('ck_review_requests_target_type_valid')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_review_requests_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_review_requests_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_review_requests_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_requests')),
    sa.UniqueConstraint('target_type', 'target_id', name=op.f('uq_review_requests_target_type_target_id'))
    )
    with op.batch_alter_table('review_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_requests_city_id'), ['city_id'], unique=False)

    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flag_threshold', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint(op.f('ck_cities_flag_threshold_positive'), 'flag_threshold >= 1')

    with op.batch_alter_table('debates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(op.f('ck_debates_hidden_has_reason'), '(hidden_at IS NULL) = (hidden_reason IS NULL)')
        batch_op.create_foreign_key(batch_op.f('fk_debates_hidden_by_id_users'), 'users', ['hidden_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('blocked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('blocked_reason', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(op.f('ck_memberships_block_has_reason'), '(blocked_at IS NULL) = (blocked_reason IS NULL)')
        batch_op.create_foreign_key(batch_op.f('fk_memberships_blocked_by_id_users'), 'users', ['blocked_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(op.f('ck_proposals_hidden_has_reason'), '(hidden_at IS NULL) = (hidden_reason IS NULL)')
        batch_op.create_foreign_key(batch_op.f('fk_proposals_hidden_by_id_users'), 'users', ['hidden_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_reason', sa.String(length=500), nullable=True))



def downgrade():
    _audit_targets(AUDIT_TARGETS)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('suspended_reason')
        batch_op.drop_column('suspended_at')

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_proposals_hidden_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_proposals_hidden_by_id_users'), type_='foreignkey')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_by_id')
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_memberships_block_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_memberships_blocked_by_id_users'), type_='foreignkey')
        batch_op.drop_column('blocked_reason')
        batch_op.drop_column('blocked_by_id')
        batch_op.drop_column('blocked_at')

    with op.batch_alter_table('debates', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_debates_hidden_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_debates_hidden_by_id_users'), type_='foreignkey')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_by_id')
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cities_flag_threshold_positive'), type_='check')
        batch_op.drop_column('flag_threshold')

    with op.batch_alter_table('review_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_requests_city_id'))

    op.drop_table('review_requests')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_target')
        batch_op.drop_index(batch_op.f('ix_flags_city_id'))

    op.drop_table('flags')
