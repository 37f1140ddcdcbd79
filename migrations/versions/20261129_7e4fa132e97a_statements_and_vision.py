"""Statements and the shared vision: statements with one vote per participant and stored tallies, the cached
opinion map, versioned vision summaries with endorsements; processes choose whether citizens add statements
and how they are moderated; notifications and audit events about processes, statements and visions.

Revision ID: 7e4fa132e97a
Revises: ca41c43b6d70
Create Date: 2026-11-29 00:20:39.712835

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e4fa132e97a'
down_revision = 'ca41c43b6d70'
branch_labels = None
depends_on = None


AUDIT_TARGETS = ("city", "user", "membership", "role_grant", "organization", "plan", "plan_item", "process",
                 "phase", "proposal", "debate", "comment", "flag", "budget", "poll", "local_target", "indicator",
                 "result")
NOTIFICATION_KINDS = ("reply", "mention", "comment_on_proposal", "followed_comment", "followed_change",
                      "content_hidden", "proposal_answered", "rounds_changed")
FOLLOWED_TYPES = ("proposal", "debate")


def _check(table, name, column, values):
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), f"{column} IN ({listed})")


def upgrade():
    _check('audit_events', 'target_type_valid', 'target_type', AUDIT_TARGETS + ("statement", "vision"))
    _check('notifications', 'kind_valid', 'kind', NOTIFICATION_KINDS + ("vision_published", "statement_moderated"))
    _check('notifications', 'target_type_valid', 'target_type', FOLLOWED_TYPES + ("process",))
    _check('follows', 'target_type_valid', 'target_type', FOLLOWED_TYPES + ("process",))
    op.create_table('opinion_maps',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.Column('votes_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('statement_count', sa.Integer(), nullable=False),
    sa.Column('participants_clustered', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_opinion_maps_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', name=op.f('pk_opinion_maps'))
    )
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('seeded', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('state', sa.String(length=9), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('moderation_reason', sa.String(length=500), server_default='', nullable=False),
    sa.Column('external_id', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agree_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('disagree_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('pass_count', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("state = 'pending' OR moderated_at IS NOT NULL OR seeded OR external_id IS NOT NULL", name=op.f('ck_statements_decision_has_time')),
    sa.CheckConstraint("state IN ('pending', 'published', 'rejected')", name=op.f('ck_statements_state_valid')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_statements_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['users.id'], name=op.f('fk_statements_moderated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_statements_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('process_id', 'external_id', name=op.f('uq_statements_process_id_external_id'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_statements_process_state', ['process_id', 'state'], unique=False)

    op.create_table('vision_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=9), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('section_notes', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'published') = (version IS NOT NULL AND published_at IS NOT NULL)", name=op.f('ck_vision_summaries_published_has_version')),
    sa.CheckConstraint("state IN ('draft', 'published')", name=op.f('ck_vision_summaries_state_valid')),
    sa.CheckConstraint('version IS NULL OR version >= 1', name=op.f('ck_vision_summaries_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_vision_summaries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_vision_summaries_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_vision_summaries_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vision_summaries')),
    sa.UniqueConstraint('process_id', 'version', name=op.f('uq_vision_summaries_process_id_version'))
    )
    with op.batch_alter_table('vision_summaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vision_summaries_process_id'), ['process_id'], unique=False)
        batch_op.create_index('uq_vision_summaries_one_draft', ['process_id'], unique=True, sqlite_where=sa.text("state = 'draft'"), postgresql_where=sa.text("state = 'draft'"))

    op.create_table('statement_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value IN (-1, 0, 1)', name=op.f('ck_statement_votes_value_valid')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_statement_votes_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_statement_votes_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_votes_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_votes')),
    sa.UniqueConstraint('participant_id', 'statement_id', name='uq_statement_votes_one_per_participant')
    )
    with op.batch_alter_table('statement_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_votes_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_votes_statement_id'), ['statement_id'], unique=False)

    op.create_table('vision_endorsements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=6), nullable=False),
    sa.Column('comment', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("value IN ('yes', 'partly', 'no')", name=op.f('ck_vision_endorsements_value_valid')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_vision_endorsements_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['summary_id'], ['vision_summaries.id'], name=op.f('fk_vision_endorsements_summary_id_vision_summaries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vision_endorsements')),
    sa.UniqueConstraint('summary_id', 'participant_id', name='uq_vision_endorsements_one_per_participant')
    )
    with op.batch_alter_table('vision_endorsements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vision_endorsements_summary_id'), ['summary_id'], unique=False)

    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citizen_statements', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('statement_moderation', sa.String(length=4), server_default='post', nullable=False))
        batch_op.create_check_constraint(op.f('ck_processes_statement_moderation_valid'),
                                         "statement_moderation IN ('pre', 'post')")



def downgrade():
    op.execute("DELETE FROM audit_events WHERE target_type IN ('statement', 'vision')")
    op.execute("DELETE FROM notifications WHERE kind IN ('vision_published', 'statement_moderated')"
               " OR target_type = 'process'")
    op.execute("DELETE FROM follows WHERE target_type = 'process'")
    _check('audit_events', 'target_type_valid', 'target_type', AUDIT_TARGETS)
    _check('notifications', 'kind_valid', 'kind', NOTIFICATION_KINDS)
    _check('notifications', 'target_type_valid', 'target_type', FOLLOWED_TYPES)
    _check('follows', 'target_type_valid', 'target_type', FOLLOWED_TYPES)
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_processes_statement_moderation_valid'), type_='check')
        batch_op.drop_column('statement_moderation')
        batch_op.drop_column('citizen_statements')

    with op.batch_alter_table('vision_endorsements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vision_endorsements_summary_id'))

    op.drop_table('vision_endorsements')
    with op.batch_alter_table('statement_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_votes_statement_id'))
        batch_op.drop_index(batch_op.f('ix_statement_votes_process_id'))

    op.drop_table('statement_votes')
    with op.batch_alter_table('vision_summaries', schema=None) as batch_op:
        batch_op.drop_index('uq_vision_summaries_one_draft', sqlite_where=sa.text("state = 'draft'"), postgresql_where=sa.text("state = 'draft'"))
        batch_op.drop_index(batch_op.f('ix_vision_summaries_process_id'))

    op.drop_table('vision_summaries')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index('ix_statements_process_state')
        batch_op.drop_index(batch_op.f('ix_statements_author_id'))

    op.drop_table('statements')
    op.drop_table('opinion_maps')
