"""The shared vision's forms: the facilitator's text (title, introduction, a note per evidence section), a
citizen's endorsement, and the choice of two versions to compare."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form as PlainForm
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.formbase import Form
from app.models import Endorsement, VisionSummary
from app.vision.evidence import SECTIONS
from app.vision.summaries import COMMENT_MAX, INTRODUCTION_MAX, NOTE_MAX, TITLE_MAX, VisionText
from app.vision.vision_text import endorsement_labels, section_titles

MARKDOWN_HINT = _l("Markdown: **bold**, *italic*, lists and links.")


def note_field_name(section: str) -> str:
    return f"note_{section}"


class VisionForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Give the vision a title.")),
                                                 Length(max=TITLE_MAX)])
    introduction = TextAreaField(
        _l("Introduction"), validators=[Optional(), Length(max=INTRODUCTION_MAX)],
        description=_l("The vision in your words, before the evidence. %(hint)s", hint=MARKDOWN_HINT))
    submit = SubmitField(_l("Save the draft"))

    def note_fields(self):
        """(section key, field) in the order of the sections."""
        return [(key, self[note_field_name(key)]) for key in SECTIONS]

    def fill(self, summary: VisionSummary | None, default_title: str) -> None:
        if summary is None:
            self.title.data = default_title
            return
        self.title.data, self.introduction.data = summary.title, summary.introduction
        for key, note in self.note_fields():
            note.data = (summary.section_notes or {}).get(key, "")

    def text(self) -> VisionText:
        return VisionText(title=self.title.data or "", introduction=self.introduction.data or "",
                          notes={key: note.data or "" for key, note in self.note_fields()})


for _key in SECTIONS:
    setattr(VisionForm, note_field_name(_key), TextAreaField(
        _l("Your note on “%(section)s”", section=section_titles()[_key]),
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("Optional: what this evidence means, in your words. %(hint)s", hint=MARKDOWN_HINT)))


class EndorseForm(Form):
    version = HiddenField()
    value = RadioField(_l("Does this vision reflect your view?"),
                       choices=lambda: [(e.value, endorsement_labels()[e.value]) for e in Endorsement],
                       validators=[InputRequired(message=_l("Choose yes, partly or no."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=COMMENT_MAX)],
                            description=_l("What it misses, or what you would change. Up to %(n)d characters; "
                                           "the facilitators read it.", n=COMMENT_MAX))
    submit = SubmitField(_l("Send my answer"))


class CompareForm(PlainForm):
    """Two versions to compare, from the query string (a GET form: nothing changes)."""

    old = SelectField(_l("Compare version"), validators=[InputRequired()])
    new = SelectField(_l("with version"), validators=[InputRequired()])

    def offer(self, choices: list[tuple[str, str]]) -> None:
        self.old.choices = self.new.choices = choices
