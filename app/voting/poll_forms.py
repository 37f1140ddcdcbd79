"""The poll forms: a facilitator's poll (question, options, method, secrecy) and a citizen's ballot (a rank, or
none, per option). Both work without JavaScript: the poll form has a row for every possible option (empty rows
are ignored), the ballot one <select> per option."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.facilitation.forms import BilingualForm
from app.formbase import Form
from app.models import Poll, PollMethod
from app.voting.poll_services import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    InvalidBallot,
    OptionData,
    PollData,
    options_digest,
    ranking_from_ranks,
)


def method_labels() -> dict[PollMethod, object]:
    return {
        PollMethod.SCHULZE: _l("Schulze (recommended): the option that voters prefer to each other option, "
                               "compared two at a time, wins"),
        PollMethod.IRV: _l("Instant runoff: the option with the fewest first choices drops out, round by round, "
                           "until one has a majority"),
        PollMethod.BORDA: _l("Borda count: each place on a ballot earns points, more for higher places"),
        PollMethod.PLURALITY: _l("Plurality: only first choices count"),
    }


def method_name(method: str) -> str:
    names = {
        PollMethod.SCHULZE: _l("Schulze method"),
        PollMethod.IRV: _l("Instant runoff"),
        PollMethod.BORDA: _l("Borda count"),
        PollMethod.PLURALITY: _l("Plurality"),
    }
    return str(names[PollMethod(method)])


def option_field_names(n: int) -> tuple[str, str]:
    return f"option_{n}_ko", f"option_{n}_en"


class PollForm(BilingualForm):
    required_pairs = ("question",)

    question_ko = StringField(_l("Question in Korean"), validators=[Optional(), Length(max=300)])
    question_en = StringField(_l("Question in English"), validators=[Optional(), Length(max=300)])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Optional(), Length(max=2000)],
                                   description=_l("Optional. Markdown: **bold**, *italic*, lists and links."))
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=2000)],
                                   description=_l("Optional. Markdown: **bold**, *italic*, lists and links."))
    method = RadioField(_l("How the ballots are counted"),
                        choices=lambda: [SelectChoice(m.value, label) for m, label in method_labels().items()],
                        default=PollMethod.SCHULZE.value)
    secret = BooleanField(_l("Secret ballot"),
                          description=_l("Who voted is kept apart from what they voted, and a ballot once cast "
                                         "cannot be changed. In an open poll, voters can change their ballot "
                                         "until voting closes."))
    submit = SubmitField(_l("Save poll"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._validate_options() and valid

    def option_rows(self):
        """(number, Korean field, English field) for every row of the form."""
        return [(n, *(self[name] for name in option_field_names(n))) for n in range(1, MAX_OPTIONS + 1)]

    def _validate_options(self) -> bool:
        valid = True
        given = 0
        first_blank = None
        seen: dict[tuple[str, str], int] = {}
        for n, ko, en in self.option_rows():
            labels = ((ko.data or "").strip(), (en.data or "").strip())
            if not any(labels):
                first_blank = first_blank or ko
                continue
            given += 1
            for language, label, field in (("ko", labels[0], ko), ("en", labels[1], en)):
                if not label:
                    continue
                key = (language, label.casefold())
                if key in seen:
                    field.errors = [*field.errors, _l("This is the same as option %(n)d. Give each option its own "
                                                      "name.", n=seen[key])]
                    valid = False
                else:
                    seen[key] = n
        if given < MIN_OPTIONS:
            target = first_blank or self[option_field_names(1)[0]]
            target.errors = [*target.errors, _l("Give at least %(min)d options (you gave %(n)d).", min=MIN_OPTIONS,
                                                n=given)]
            valid = False
        return valid

    def fill_options(self, poll: Poll) -> None:
        for n, option in enumerate(poll.options, start=1):
            ko, en = option_field_names(n)
            self[ko].data, self[en].data = option.label_ko, option.label_en

    def poll_data(self) -> PollData:
        options = []
        for _n, ko, en in self.option_rows():
            labels = ((ko.data or "").strip(), (en.data or "").strip())
            if any(labels):
                options.append(OptionData(*labels))
        return PollData(question_ko=self.question_ko.data or "", question_en=self.question_en.data or "",
                        description_ko=self.description_ko.data or "", description_en=self.description_en.data or "",
                        method=PollMethod(self.method.data), secret=bool(self.secret.data), options=tuple(options))


for _n in range(1, MAX_OPTIONS + 1):
    _ko, _en = option_field_names(_n)
    setattr(PollForm, _ko, StringField(_l("Option %(n)d in Korean", n=_n), validators=[Optional(), Length(max=200)]))
    setattr(PollForm, _en, StringField(_l("Option %(n)d in English", n=_n), validators=[Optional(), Length(max=200)]))


class RankField(SelectField):
    """The rank a voter gives one option: empty for "not ranked", else 1..m."""


class GroupErrors(Field):
    """A field that is never rendered nor read from the request: it carries the errors about a group of fields
    (its id names the <fieldset> that shows them)."""

    def process_formdata(self, valuelist):
        pass


class BallotForm(Form):
    """Built per poll by `ballot_form`: one RankField per option, named rank_<option id>."""

    # The errors about the ranking as a whole (gaps, repeats, nothing ranked), shown on the group of rank fields.
    ranking = GroupErrors(_l("Your ranking"))
    # The options the voter was shown (their digest): if they change before the ballot arrives, it is refused.
    options_seen = HiddenField()
    submit = SubmitField(_l("Cast my ballot"))

    option_ids: tuple[int, ...] = ()
    order: list[int]
    problem_options: frozenset[int] = frozenset()

    def rank_fields(self):
        return [(option_id, self[f"rank_{option_id}"]) for option_id in self.option_ids]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            return False
        ranks = {option_id: int(field.data) for option_id, field in self.rank_fields() if field.data}
        try:
            self.order = ranking_from_ranks(ranks)
        except InvalidBallot as invalid:
            self.ranking.errors = [*self.ranking.errors, ballot_message(invalid)]
            if invalid.rank is not None:
                self.problem_options = frozenset(o for o, r in ranks.items()
                                                 if r == invalid.rank or (invalid.code == "gap" and r > invalid.rank))
            return False
        return True


def ballot_message(invalid: InvalidBallot) -> str:
    if invalid.code == "repeat" and invalid.rank is not None:
        return str(_l("Give each rank to one option only: you gave rank %(rank)d to %(n)d options.",
                      rank=invalid.rank, n=invalid.count))
    if invalid.code == "gap":
        return str(_l("Use the ranks in order without gaps: 1 for your first choice, 2 for your second, and so on. "
                      "Rank %(rank)d is missing.", rank=invalid.rank))
    if invalid.code == "option":
        return str(_l("This ballot names an option that is not in this poll."))
    return str(_l("Rank at least one option: choose 1 for your first choice."))


def ballot_form(poll: Poll, formdata=None, ranks: dict[int, int] | None = None) -> BallotForm:
    """The ballot for this poll, filled from the request (`formdata`) or from the voter's stored `ranks`."""
    m = len(poll.options)
    choices = [SelectChoice("", _l("Not ranked"))] + [SelectChoice(str(rank)) for rank in range(1, m + 1)]

    class PollBallotForm(BallotForm):
        option_ids = tuple(option.id for option in poll.options)

    for option in poll.options:
        setattr(PollBallotForm, f"rank_{option.id}",
                RankField(option.label, choices=choices, default="",
                          invalid_choice_message=_l("Choose a rank from the list, or “Not ranked”.")))
    data = {f"rank_{option_id}": str(rank) for option_id, rank in (ranks or {}).items()}
    data["options_seen"] = options_digest(poll.options)
    if formdata is None:
        return PollBallotForm(formdata=None, data=data)
    return PollBallotForm(formdata=formdata)
