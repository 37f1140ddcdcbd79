"""The shared vision in words: the sections' titles, one sentence per evidence item, and a whole version as
lines of plain text (what the diff between two versions compares, and what the PDF prints beside its
links). The pages use the same titles and figures with their own markup."""
from __future__ import annotations

from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.facilitation.dashboard import ACTIVITIES
from app.models.base import current_language
from app.planning.result_forms import status_labels
from app.templating import number
from app.vision.evidence import SECTIONS


def section_titles() -> dict[str, object]:
    """Each section's heading, by key (in the order of `SECTIONS`)."""
    return dict(zip(SECTIONS, (
        _l("Who took part"), _l("Where people agree"), _l("How each group sees it"),
        _l("The most supported proposals, by SDG goal"), _l("What the votes decided"),
        _l("The strongest arguments for and against"), _l("Recurring themes"), _l("What became of it")),
        strict=True))


def activity_labels() -> dict[str, object]:
    """What members did, by activity key (in the order of `ACTIVITIES`): "%(num)d members …"."""
    return dict(zip(ACTIVITIES, (
        _l("wrote proposals"), _l("commented"), _l("supported proposals"), _l("voted on the budget"),
        _l("voted in polls"), _l("voted on statements")), strict=True))


def endorsement_labels() -> dict[str, object]:
    return {"yes": _l("Yes, it reflects my view"), "partly": _l("Partly"), "no": _l("No, it does not")}


def pick(value, locale: str | None = None) -> str:
    """A bilingual {"ko", "en"} value in the reader's language, else the other one; plain text as it is."""
    if not isinstance(value, dict):
        return value or ""
    locale = locale or current_language()
    other = "en" if locale == "ko" else "ko"
    return value.get(locale) or value.get(other) or ""


def percent(value: float) -> str:
    return number(round(float(value), 1)) + "%"


def statement_sentence(item: dict) -> str:
    share = percent(item.get("share", 0))
    if item.get("direction") == "disagree":
        return _("“%(text)s”: %(share)s disagree (%(votes)s votes)", text=item["text"], share=share,
                 votes=item.get("votes", 0))
    return _("“%(text)s”: %(share)s agree (%(votes)s votes)", text=item["text"], share=share,
             votes=item.get("votes", 0))


def proposal_sentence(item: dict) -> str:
    return ngettext("“%(title)s”: %(num)d support", "“%(title)s”: %(num)d supports", item.get("supports", 0),
                    title=item["title"])


def comment_sentence(item: dict) -> str:
    return _("“%(text)s” (score %(score)s, on “%(title)s”)", text=item["text"], score=item.get("score", 0),
             title=pick(item.get("on", {}).get("title")))


def theme_sentence(item: dict) -> str:
    return ngettext("%(term)s: %(num)d mention", "%(term)s: %(num)d mentions", item.get("count", 0),
                    term=item["term"])


def participation_lines(section: dict) -> list[str]:
    if not section:
        return []
    lines = [ngettext("%(num)d person took part.", "%(num)d people took part.", section.get("people", 0))]
    if section.get("imported"):
        lines.append(ngettext("Of them, %(num)d voter was imported from another platform.",
                              "Of them, %(num)d voters were imported from another platform.", section["imported"]))
    labels = activity_labels()
    for key, count in (section.get("activities") or {}).items():
        if count:
            lines.append(ngettext("%(num)d member %(what)s.", "%(num)d members %(what)s.", count,
                                  what=labels.get(key, key)))
    for row in section.get("districts", []):
        lines.append(_("%(group)s: %(people)s (%(share)s; census %(census)s)", group=pick(row["name"]),
                       people=row["people"], share=percent(row["share"]), census=percent(row["census_share"]))
                     + (" " + _("under-represented") if row.get("under_represented") else ""))
    for row in section.get("age_bands", []):
        lines.append(_("Aged %(group)s: %(people)s (%(share)s; census %(census)s)", group=row["label"],
                       people=row["people"], share=percent(row["share"]), census=percent(row["census_share"]))
                     + (" " + _("under-represented") if row.get("under_represented") else ""))
    return lines


def group_heading(group: dict) -> str:
    return ngettext("Group %(label)s (%(num)d person)", "Group %(label)s (%(num)d people)", group.get("size", 0),
                    label=group.get("label", "?"))


def goal_heading(goal: dict) -> str:
    if goal.get("goal") is None:
        return _("Linked to no SDG goal")
    return _("Goal %(number)d: %(name)s", number=goal["goal"], name=pick(goal.get("name")))


def budget_heading(budget: dict) -> str:
    if budget.get("certified"):
        return ngettext("Participatory budget, certified outcome (%(num)d ballot)",
                        "Participatory budget, certified outcome (%(num)d ballots)", budget.get("ballots", 0))
    return ngettext("Participatory budget, outcome as counted (%(num)d ballot)",
                    "Participatory budget, outcome as counted (%(num)d ballots)", budget.get("ballots", 0))


def poll_sentence(poll: dict) -> str:
    winners = ", ".join(pick(w) for w in poll.get("winners", []))
    if not winners:
        return _("Poll “%(question)s”: no winner", question=pick(poll.get("question")))
    return ngettext("Poll “%(question)s”: %(winners)s (%(num)d ballot)",
                    "Poll “%(question)s”: %(winners)s (%(num)d ballots)", poll.get("ballots", 0),
                    question=pick(poll.get("question")), winners=winners)


def result_sentence(item: dict, status_labels: dict) -> str:
    status = str(status_labels.get(item.get("status"), item.get("status", "")))
    if item.get("progress") is None:
        return _("“%(title)s”: %(status)s", title=pick(item.get("title")), status=status)
    return _("“%(title)s”: %(status)s, %(progress)s done", title=pick(item.get("title")), status=status,
             progress=percent(item["progress"]))


class Entry(NamedTuple):
    """A line of a section: its text, the evidence item it states (None for headings, figures and withheld
    items), and whether it heads the lines after it (a group, an SDG goal, the budget)."""

    text: str
    item: dict | None = None
    heading: bool = False


def _item(text_of, item: dict) -> Entry:
    if item.get("withheld"):
        return Entry(_("(no longer public)"))
    return Entry(text_of(item), item)


def section_entries(key: str, section: dict) -> list[Entry]:
    """The evidence of one section as lines of text."""
    section = section or {}
    entries: list[Entry] = []
    if key == "participation":
        return [Entry(line) for line in participation_lines(section)]
    if key == "consensus":
        return [_item(statement_sentence, i) for i in section.get("items", [])]
    if key == "groups":
        for group in section.get("items", []):
            entries.append(Entry(group_heading(group), heading=True))
            entries += [_item(statement_sentence, i) for i in group.get("items", [])]
        return entries
    if key == "proposals":
        for goal in section.get("items", []):
            entries.append(Entry(goal_heading(goal), heading=True))
            entries += [_item(proposal_sentence, i) for i in goal.get("items", [])]
        return entries
    if key == "votes":
        budget = section.get("budget")
        if budget:
            entries.append(Entry(budget_heading(budget), budget, heading=True))
            entries += [_item(lambda w: _("“%(title)s”", title=w["title"]), w) for w in budget.get("winners", [])]
        entries += [Entry(poll_sentence(p), p) for p in section.get("polls", [])]
        return entries
    if key == "arguments":
        for stance, label in (("for", _("For:")), ("against", _("Against:"))):
            for item in section.get(stance, []):
                entry = _item(comment_sentence, item)
                entries.append(entry._replace(text=f"{label} {entry.text}"))
        return entries
    if key == "themes":
        return [Entry(theme_sentence(i), next((r for r in i.get("sources", []) if not r.get("withheld")), None))
                for i in section.get("items", [])]
    if key == "results":
        labels = status_labels()
        return [Entry(result_sentence(i, labels), i) for i in section.get("items", [])]
    return entries


def section_lines(key: str, section: dict) -> list[str]:
    return [entry.text for entry in section_entries(key, section)]


def version_lines(title: str, introduction: str, notes: dict, evidence: dict) -> list[str]:
    """A whole version as lines of text: what two versions are compared on."""
    lines = [_("Title: %(title)s", title=title), *[line for line in (introduction or "").splitlines() if line.strip()]]
    titles = section_titles()
    for key in SECTIONS:
        lines.append(_("Section: %(name)s", name=titles[key]))
        lines += [line for line in (notes or {}).get(key, "").splitlines() if line.strip()]
        lines += section_lines(key, (evidence or {}).get(key) or {})
    return lines
