"""Forms for participatory budgets: the settings, a planner's feasibility review, certification."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.formbase import Form, finite_number
from app.models import BallotStyle, OutcomeRule

CURRENCIES = ("KRW", "EUR", "USD", "PLN", "CHF", "GBP", "JPY")


def style_choices():
    return [
        (BallotStyle.KNAPSACK.value, _l("Knapsack: choose projects whose total cost fits the budget")),
        (BallotStyle.APPROVAL.value, _l("Approval: choose between a least and a most number of projects")),
        (BallotStyle.CUMULATIVE.value, _l("Points: spread a number of points over the projects")),
    ]


def rule_choices():
    return [
        (OutcomeRule.MES_ADD1_GREEDY.value,
         _l("Method of Equal Shares, then fill the rest of the budget greedily (recommended)")),
        (OutcomeRule.MES_ADD1.value, _l("Method of Equal Shares, as Wieliczka, Świecie and Assen ran it")),
        (OutcomeRule.MES.value, _l("Method of Equal Shares, without raising the shares")),
        (OutcomeRule.GREEDY.value, _l("Greedy: most votes first, skipping what no longer fits")),
    ]


class BudgetSettingsForm(Form):
    amount = DecimalField(_l("Budget"), places=2, validators=[
        InputRequired(), finite_number, NumberRange(min=Decimal("0.01"), max=Decimal("99999999999999"))])
    currency = SelectField(_l("Currency"), choices=[(c, c) for c in CURRENCIES], default="KRW")
    ballot_style = RadioField(_l("How citizens fill their ballot"), choices=style_choices,
                              default=BallotStyle.KNAPSACK.value)
    min_projects = IntegerField(_l("Least number of projects on a ballot"), validators=[Optional(),
                                NumberRange(min=0, max=1000)], description=_l("Optional."))
    max_projects = IntegerField(_l("Most projects on a ballot"), validators=[Optional(), NumberRange(min=1,
                                max=1000)], description=_l("Optional."))
    min_share = IntegerField(_l("Least share of the budget a knapsack ballot spends (%)"),
                             validators=[Optional(), NumberRange(min=0, max=100)],
                             description=_l("Optional. For knapsack ballots only."))
    points_total = IntegerField(_l("Points each voter spreads"), validators=[Optional(), NumberRange(min=1,
                                max=1000)], description=_l("For points ballots."))
    points_max = IntegerField(_l("Most points on one project"), validators=[Optional(), NumberRange(min=1,
                              max=1000)], description=_l("Optional. For points ballots."))
    rule = RadioField(_l("How the winners are chosen"), choices=rule_choices,
                      default=OutcomeRule.MES_ADD1_GREEDY.value)
    secret = BooleanField(_l("Secret ballot"), description=_l(
        "Who voted and what they voted are kept apart, and a ballot once cast cannot be changed."))
    submit = SubmitField(_l("Save budget"))

    def validate(self, extra_validators=None) -> bool:
        # Checks across fields, after each field's own (an empty optional field stops its own chain).
        valid = super().validate(extra_validators)
        most, least = self.max_projects.data, self.min_projects.data
        if most is not None and least is not None and most < least and not self.max_projects.errors:
            self.max_projects.errors.append(_l("The most cannot be less than the least."))
            valid = False
        if self.ballot_style.data == BallotStyle.CUMULATIVE and self.points_total.data is None \
                and not self.points_total.errors:
            self.points_total.errors.append(_l("Say how many points each voter spreads."))
            valid = False
        return valid


class FeasibilityForm(Form):
    feasible = RadioField(_l("Can the city carry it out?"),
                          choices=[("yes", _l("Feasible: it goes on the ballot")),
                                   ("no", _l("Not feasible: it stays off the ballot"))],
                          validators=[InputRequired(message=_l("Choose feasible or not feasible."))])
    cost = DecimalField(_l("Cost"), places=2, validators=[Optional(), finite_number, NumberRange(min=0,
                        max=Decimal("999999999999"))],
                        description=_l("The city's estimate; a feasible project needs one."))
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)],
                           description=_l("Needed when it is not feasible; shown to everyone."))
    submit = SubmitField(_l("Save review"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.feasible.data == "no" and not (self.reason.data or "").strip() and not self.reason.errors:
            self.reason.errors.append(_l("Say why it is not feasible."))
            valid = False
        return valid


class ConfirmForm(Form):
    submit = SubmitField(_l("Certify the outcome"))
