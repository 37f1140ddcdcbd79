"""Deliberation: debate questions, threaded comments with stances, votes on comments; thread depth per city.

Revision ID: 8b418b5dc058
Revises: 4f5925d6b0a2
Create Date: 2026-11-28 19:18:10.499783

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8b418b5dc058'
down_revision = '4f5925d6b0a2'
branch_labels = None
depends_on = None


OLD_AUDIT_TARGETS = ("city", "user", "membership", "role_grant", "organization", "plan", "plan_item", "process",
                     "phase", "proposal")


def _audit_targets(values):
    """Widen (or narrow) the CHECK on audit_events.target_type."""
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_events_target_type_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_events_target_type_valid'), f"target_type IN ({listed})")


def upgrade():
    op.create_table('debates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_ko', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('description_html_ko', sa.Text(), nullable=False),
    sa.Column('description_html_en', sa.Text(), nullable=False),
    sa.Column('side_for_ko', sa.String(length=80), nullable=False),
    sa.Column('side_for_en', sa.String(length=80), nullable=False),
    sa.Column('side_against_ko', sa.String(length=80), nullable=False),
    sa.Column('side_against_en', sa.String(length=80), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("title_en <> '' OR title_ko <> ''", name=op.f('ck_debates_title_given')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_debates_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_debates_process_id_processes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debates'))
    )
    with op.batch_alter_table('debates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debates_process_id'), ['process_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('debate_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('root_id', sa.Integer(), nullable=True),
    sa.Column('depth', sa.SmallInteger(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('stance', sa.String(length=8), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=500), nullable=True),
    sa.Column('submission_key', sa.String(length=36), nullable=True),
    sa.Column('up_votes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('down_votes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('score', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('up_votes >= 0 AND down_votes >= 0', name=op.f('ck_comments_vote_counts_not_negative')),
    sa.CheckConstraint("language IN ('en', 'ko')", name=op.f('ck_comments_language_valid')),
    sa.CheckConstraint("stance IS NULL OR stance IN ('for', 'against', 'neutral')", name=op.f('ck_comments_stance_valid')),
    sa.CheckConstraint('(hidden_at IS NULL) = (hidden_reason IS NULL)', name=op.f('ck_comments_hidden_has_reason')),
    sa.CheckConstraint('(parent_id IS NULL) = (depth = 0)', name=op.f('ck_comments_top_level_has_no_parent')),
    sa.CheckConstraint('(parent_id IS NULL) = (root_id IS NULL)', name=op.f('ck_comments_replies_have_a_root')),
    sa.CheckConstraint('(proposal_id IS NULL) <> (debate_id IS NULL)', name=op.f('ck_comments_one_target')),
    sa.CheckConstraint('depth >= 0', name=op.f('ck_comments_depth_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['debate_id'], ['debates.id'], name=op.f('fk_comments_debate_id_debates'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_comments_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['comments.id'], name=op.f('fk_comments_parent_id_comments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_comments_proposal_id_proposals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['root_id'], ['comments.id'], name=op.f('fk_comments_root_id_comments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('author_id', 'submission_key', name=op.f('uq_comments_author_id_submission_key'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_comments_debate_id_created_at', ['debate_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_comments_proposal_id_created_at', ['proposal_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_comments_root_id'), ['root_id'], unique=False)
        for column in ('proposal_id', 'debate_id'):
            batch_op.create_index(f'ix_comments_{column}_stance_score', [column, 'stance', 'score', 'created_at'],
                                  unique=False, postgresql_where=sa.text('deleted_at IS NULL AND hidden_at IS NULL'),
                                  sqlite_where=sa.text('deleted_at IS NULL AND hidden_at IS NULL'))

    op.create_table('comment_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name=op.f('ck_comment_votes_value_valid')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_votes_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_comment_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_votes')),
    sa.UniqueConstraint('user_id', 'comment_id', name=op.f('uq_comment_votes_user_id_comment_id'))
    )
    with op.batch_alter_table('comment_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_votes_comment_id'), ['comment_id'], unique=False)

    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_levels', sa.Integer(), server_default='4', nullable=False))
        batch_op.create_check_constraint(op.f('ck_cities_comment_levels_range'), 'comment_levels BETWEEN 1 AND 10')
    _audit_targets(OLD_AUDIT_TARGETS + ("debate", "comment"))



def downgrade():
    _audit_targets(OLD_AUDIT_TARGETS)
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cities_comment_levels_range'), type_='check')
        batch_op.drop_column('comment_levels')

    with op.batch_alter_table('comment_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_votes_comment_id'))

    op.drop_table('comment_votes')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_proposal_id_stance_score')
        batch_op.drop_index('ix_comments_debate_id_stance_score')
        batch_op.drop_index(batch_op.f('ix_comments_root_id'))
        batch_op.drop_index('ix_comments_proposal_id_created_at')
        batch_op.drop_index(batch_op.f('ix_comments_parent_id'))
        batch_op.drop_index('ix_comments_debate_id_created_at')
        batch_op.drop_index(batch_op.f('ix_comments_author_id'))

    op.drop_table('comments')
    with op.batch_alter_table('debates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debates_process_id'))

    op.drop_table('debates')
