"""Writing, for the holder of a token with the write scope: a proposal, a comment or reply, a support (and
taking it back), a vote on a statement. Each calls the same permission predicate and service as the web page
(so a refusal gives the same reason, in `detail`) and validates the JSON body with the web form's own rules
(422 with the fields at fault). Sending the same support or vote twice changes nothing the second time."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app import permissions
from app.api import bp, serializers as show
from app.api.auth import requires_write
from app.api.problems import ApiProblem
from app.api.read_routes import _in_city, _ref, public_debate, public_proposal, public_statement
from app.api.registry import operation
from app.extensions import db
from app.models import Comment, Process

WRITE_ERRORS = (401, 403, 409, 422)


def _refuse_unless(decision) -> None:
    """403 with the permission's own reason, as the web page gives it."""
    if not decision:
        raise ApiProblem(403, decision.reason, slug="refused")


def _body() -> dict:
    data = request.get_json(silent=True, force=True) if request.data else None
    if not isinstance(data, dict):
        raise ApiProblem(400, _("Send a JSON object as the request body (Content-Type: application/json)."),
                         errors=[{"field": "", "message": _("Send a JSON object.")}], slug="bad-body")
    return data


def _invalid(errors: list[dict]):
    return ApiProblem(422, _("Some fields are missing or invalid: see errors."), errors=errors)


class Fields:
    """Type checks on a JSON body before the form's own rules: each field's kind, with a message per field."""

    def __init__(self, data: dict, allowed: set[str]):
        self.data = data
        self.errors = [{"field": name, "message": _("This field is not known here.")}
                       for name in sorted(set(data) - allowed)]

    def _wrong(self, name: str, message: str):
        self.errors.append({"field": name, "message": message})

    def text(self, name: str, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                self._wrong(name, _("This field is required."))
            return ""
        if not isinstance(value, str):
            self._wrong(name, _("Enter text."))
            return ""
        if "\x00" in value:
            self._wrong(name, _("Text cannot contain NUL characters."))
            return ""
        return value

    def whole(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
            self._wrong(name, _("Enter an id (a positive whole number)."))
            return None
        return value

    def list_of(self, name: str, kind) -> list:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value) \
                or len(value) > 200:
            self._wrong(name, _("Enter a list of codes.") if kind is str else _("Enter a list of ids."))
            return []
        return value

    def amount(self, name: str) -> str:
        value = self.data.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self._wrong(name, _("Enter an amount in numbers."))
            return ""
        try:
            Decimal(str(value))
        except InvalidOperation:
            self._wrong(name, _("Enter an amount in numbers."))
            return ""
        return str(value)


def _form_errors(form, names: dict[str, str]) -> list[dict]:
    return [{"field": names.get(field, field), "message": str(message)}
            for field, messages in form.errors.items() for message in messages]


def _created(payload: dict, location: str, status: int = 201):
    response = jsonify(payload)
    response.status_code = status
    response.headers["Location"] = location
    return response


# A proposal ---------------------------------------------------------------------------------------------

PROPOSAL_FIELDS = {"title": "title", "body": "body", "district": "district_id", "sdg_targets": "sdg_targets",
                   "plan_items": "plan_item_ids", "cost": "cost", "organization": "organization_id"}


@bp.route("/cities/<city_slug>/processes/<int:process_id>/proposals", methods=["POST"])
@operation(summary="Publish a proposal in a process", tag="Proposals", response=_ref("Proposal"), status=201,
           body=_ref("NewProposal"), errors=WRITE_ERRORS,
           body_example={"title": "A protected bike lane on Worldcup-ro",
                         "body": "Separate the bike lane from traffic with kerbs, from the station to the park.",
                         "sdg_targets": ["11.2"], "cost": "250000000"},
           description="Needs a round that enables proposals, and a confirmed member of the city who is not blocked "
                       "there (the same rule as the web form).")
@requires_write
def create_proposal(process_id: int):
    from app.proposals import services
    from app.proposals.forms import ProposalForm

    process = _in_city(Process, process_id, lambda p: p.city_id)
    _refuse_unless(permissions.can_propose(g.api_user, process))
    fields = Fields(_body(), set(PROPOSAL_FIELDS.values()))
    values = MultiDict([("title", fields.text("title", required=True)), ("body", fields.text("body", required=True)),
                        ("district", str(fields.whole("district_id") or 0)), ("cost", fields.amount("cost")),
                        ("organization", str(fields.whole("organization_id") or 0))])
    for code in fields.list_of("sdg_targets", str):
        values.add("sdg_targets", code)
    for item in fields.list_of("plan_item_ids", int):
        values.add("plan_items", str(item))
    if fields.errors:
        raise _invalid(fields.errors)
    form = ProposalForm(formdata=values, meta={"csrf": False})
    form.offer(process, services.sdg_goals(), services.organizations_for(g.api_user))
    if not form.validate():
        raise _invalid(_form_errors(form, PROPOSAL_FIELDS))
    try:
        proposal = services.create_proposal(g.api_user, process, form.proposal_data())
    except services.InvalidReference as invalid:
        db.session.rollback()
        field = "organization_id" if str(invalid) == "organization" else PROPOSAL_FIELDS.get(str(invalid), str(invalid))
        raise _invalid([{"field": field, "message": _("Choose one that belongs to this process and city.")}])
    db.session.commit()
    return _created(show.proposal(proposal, g.city.slug),
                    url_for("api.proposal", city_slug=g.city.slug, proposal_id=proposal.id, _external=True))


# Comments -----------------------------------------------------------------------------------------------

COMMENT_FIELDS = {"body", "stance", "parent_id", "submission_key"}


def _comment(target):
    from app.deliberation import services
    from app.deliberation.forms import CommentForm, stance_choices

    fields = Fields(_body(), COMMENT_FIELDS)
    parent_id = fields.whole("parent_id")
    values = MultiDict([("body", fields.text("body", required=True)), ("stance", fields.text("stance"))])
    key = fields.text("submission_key")
    if len(key) > 36:
        fields.errors.append({"field": "submission_key", "message": _("Use at most %(count)d characters.", count=36)})
    if fields.errors:
        raise _invalid(fields.errors)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or (parent.proposal_id, parent.debate_id) != (
                (target.id, None) if target.__tablename__ == "proposals" else (None, target.id)):
            raise _invalid([{"field": "parent_id", "message": _("There is no such comment in this thread.")}])
        _refuse_unless(permissions.can_reply(g.api_user, parent))
    else:
        _refuse_unless(permissions.can_comment(g.api_user, target))
    form = CommentForm(formdata=values, meta={"csrf": False})
    form.stance.choices = stance_choices(getattr(target, "side_for", ""), getattr(target, "side_against", ""))
    if not form.validate():
        raise _invalid(_form_errors(form, {}))
    try:
        comment = services.post_comment(g.api_user, target, form.body.data, form.stance.data or None, parent=parent,
                                        levels=g.city.comment_levels, submission_key=key or None)
    except services.DuplicateSubmission as duplicate:
        db.session.rollback()
        return _created(show.comment(duplicate.comment, frozenset()), _comment_url(duplicate.comment), status=200)
    db.session.commit()
    return _created(show.comment(comment, frozenset()), _comment_url(comment))


def _comment_url(comment: Comment) -> str:
    if comment.proposal_id is not None:
        return url_for("api.proposal_comments", city_slug=g.city.slug, proposal_id=comment.proposal_id, _external=True)
    return url_for("api.debate_comments", city_slug=g.city.slug, debate_id=comment.debate_id, _external=True)


COMMENT_DESCRIPTION = ("Needs a round that enables comments (and, on a debate, the debate still open), and a "
                       "confirmed member of the city who is not blocked there. Send `parent_id` to reply. Send the "
                       "same `submission_key` again (say, after a network error) and the first comment is "
                       "returned (200) instead of a second one.")


@bp.route("/cities/<city_slug>/proposals/<int:proposal_id>/comments", methods=["POST"])
@operation(summary="Comment on a proposal, or reply to a comment", tag="Comments", response=_ref("Comment"),
           status=201, body=_ref("NewComment"), errors=WRITE_ERRORS, description=COMMENT_DESCRIPTION,
           body_example={"body": "I cycle there every day: yes, please.", "stance": "for"})
@requires_write
def comment_on_proposal(proposal_id: int):
    return _comment(public_proposal(proposal_id))


@bp.route("/cities/<city_slug>/debates/<int:debate_id>/comments", methods=["POST"])
@operation(summary="Comment on a debate, or reply to a comment", tag="Comments", response=_ref("Comment"),
           status=201, body=_ref("NewComment"), errors=WRITE_ERRORS, description=COMMENT_DESCRIPTION,
           body_example={"body": "Keep the trees and build around them.", "stance": "against"})
@requires_write
def comment_on_debate(debate_id: int):
    return _comment(public_debate(debate_id))


# Supports -----------------------------------------------------------------------------------------------

def _support_state(proposal_id: int, decide, act, supported: bool):
    proposal = public_proposal(proposal_id)
    _refuse_unless(decide(g.api_user, proposal))
    changed = act(permissions.membership_of(g.api_user, g.city), proposal)
    if changed:
        db.session.commit()
    else:
        db.session.rollback()  # nothing to keep: the first request's row stands
    return jsonify({"proposal_id": proposal.id, "supported": supported, "changed": changed,
                    "support_count": db.session.get(type(proposal), proposal.id).support_count})


@bp.route("/cities/<city_slug>/proposals/<int:proposal_id>/support", methods=["PUT"])
@operation(summary="Support a proposal", tag="Proposals", response=_ref("SupportState"), errors=WRITE_ERRORS,
           description="Needs a round that enables supports and someone who may vote in the process. Supporting "
                       "again changes nothing (`changed` is false).")
@requires_write
def support(proposal_id: int):
    from app.voting import supports

    return _support_state(proposal_id, permissions.can_support, supports.support, True)


@bp.route("/cities/<city_slug>/proposals/<int:proposal_id>/support", methods=["DELETE"])
@operation(summary="Take back your support of a proposal", tag="Proposals", response=_ref("SupportState"),
           errors=WRITE_ERRORS, description="Possible while the round enables supports. Without a support to take "
                                            "back, nothing changes (`changed` is false).")
@requires_write
def withdraw_support(proposal_id: int):
    from app.voting import supports

    return _support_state(proposal_id, supports.may_withdraw_support, supports.withdraw_support, False)


# Statement votes ----------------------------------------------------------------------------------------

@bp.route("/cities/<city_slug>/statements/<int:statement_id>/vote", methods=["PUT"])
@operation(summary="Agree, disagree or pass on a statement", tag="Statements", response=_ref("StatementVote"),
           body=_ref("NewStatementVote"), errors=WRITE_ERRORS, body_example={"vote": "agree"},
           description="Needs a round that enables statement votes and someone who may vote in the process. A "
                       "vote can be changed; the same vote again changes nothing (`outcome` is \"unchanged\").")
@requires_write
def vote_statement(statement_id: int):
    from app.vision import statements as services
    from app.vision.statement_forms import VOTE_VALUES
    from app.voting.services import participant_for

    statement = public_statement(statement_id)
    _refuse_unless(permissions.can_vote_statement(g.api_user, statement))
    fields = Fields(_body(), {"vote"})
    value = fields.text("vote", required=True)
    if not fields.errors and value not in VOTE_VALUES:
        fields.errors.append({"field": "vote", "message": _("Choose one of: %(choices)s.",
                                                            choices=", ".join(VOTE_VALUES))})
    if fields.errors:
        raise _invalid(fields.errors)
    participant = participant_for(permissions.membership_of(g.api_user, g.city))
    outcome = services.vote(participant, statement, VOTE_VALUES[value])
    db.session.commit()
    return jsonify({"statement_id": statement.id, "vote": value, "outcome": str(outcome),
                    "statement": show.statement(statement)})
