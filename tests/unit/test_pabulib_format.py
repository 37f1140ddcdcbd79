"""The Pabulib reader and writer: the real files in tests/data/pabulib parse, malformed texts are refused with
the right line, and what `dump` writes is read back the same by `parse` and by pabutools."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from app.methods.pabulib import PabulibError, PabulibFile, dump, parse, to_instance
from app.methods.pb import PBInstance

pytestmark = pytest.mark.single_db

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
FILES = sorted(path.name for path in DATA.glob("*.pb"))
KINDS = {
    "Netherlands_Assen_2024.pb": "approval",
    "Poland_Swiecie_2023.pb": "approval",
    "Poland_Warszawa_2023_Mokotow.pb": "approval",
    "Switzerland_Zurich_D10.pb": "cumulative",
    "US_Stanford_Dataset_2022_Jersey_City_Ward_B_vote_knapsacks.pb": "approval",
    "Worldwide_Mechanical_Turk_Ranking_value_3.pb": "ordinal",
}


def read(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8")


def test_all_six_files_are_here():
    assert FILES == sorted(KINDS)


@pytest.mark.parametrize("name", FILES)
def test_real_files_parse_with_their_declared_sizes(name):
    pf = parse(read(name))
    assert len(pf.projects) == int(pf.meta["num_projects"])
    assert len(pf.votes) == int(pf.meta["num_votes"])
    instance = to_instance(pf)
    assert instance.kind == KINDS[name]
    assert instance.project_ids == tuple(row["project_id"] for row in pf.projects)
    assert instance.budget == Fraction(pf.meta["budget"])
    assert pf.project_lines[0] < pf.project_lines[-1] < pf.vote_lines[0]


def test_line_numbers_count_from_one_and_follow_the_file():
    pf = parse(read("Netherlands_Assen_2024.pb"))
    lines = read("Netherlands_Assen_2024.pb").splitlines()
    assert pf.meta_lines["budget"] == 1 + lines.index("budget;100000")
    assert lines[pf.project_lines[0] - 1].startswith("3;7200;43;PopUp Podium")
    assert lines[pf.vote_lines[-1] - 1].startswith(pf.votes[-1]["voter_id"])


def test_quoted_values_follow_csv_rules():
    pf = parse(read("Worldwide_Mechanical_Turk_Ranking_value_3.pb"))
    assert pf.meta["acknowledgments"].startswith(
        'The dataset was created in an experiment as part of the paper "Participatory Budgeting Design'
    )


def test_byte_order_mark_and_crlf_are_accepted():
    unix = read("US_Stanford_Dataset_2022_Jersey_City_Ward_B_vote_knapsacks.pb").replace("\r\n", "\n")
    windows = "\ufeff" + unix.replace("\n", "\r\n")
    assert parse(windows) == parse(unix)
    assert parse(windows).meta_lines == parse(unix).meta_lines


def test_cumulative_points_and_ordinal_order():
    zurich = to_instance(parse(read("Switzerland_Zurich_D10.pb")))
    first = parse(read("Switzerland_Zurich_D10.pb")).votes[0]
    assert (first["vote"], first["points"]) == ("9,3,13", "4,3,3")
    index = {pid: i for i, pid in enumerate(zurich.project_ids)}
    assert zurich.ballots[0] == {index["9"]: 4, index["3"]: 3, index["13"]: 3}

    turk = to_instance(parse(read("Worldwide_Mechanical_Turk_Ranking_value_3.pb")))
    index = {pid: i for i, pid in enumerate(turk.project_ids)}
    assert turk.ballots[0] == tuple(index[p] for p in "22,16,40,13,25,51,34,3,7,45".split(","))


SMALL = """META
key;value
budget;1000.5
vote_type;approval
PROJECTS
project_id;cost;name
a;100.25;"Park; with a bench"
b;900;"The ""big"" one"
VOTES
voter_id;vote
v1;a,b
v2;b
v3;
"""


def test_decimal_costs_stay_exact():
    instance = to_instance(parse(SMALL))
    assert instance.costs == (Fraction(401, 4), Fraction(900))
    assert instance.budget == Fraction(2001, 2)
    assert instance.ballots == ({0: 1, 1: 1}, {1: 1}, {})
    assert parse(SMALL).projects[1]["name"] == 'The "big" one'


def small_with(old: str, new: str) -> str:
    assert old in SMALL
    return SMALL.replace(old, new, 1)


BAD = [
    ("key;value\nbudget;1\n", 1, "the file must start with a META line"),
    (small_with("PROJECTS\n", ""), 5, "expected 2 fields (key;value), found 3"),
    (SMALL.split("VOTES")[0], 9, "the file ends before the VOTES section"),
    (SMALL.split("PROJECTS")[0], 5, "the file ends before the PROJECTS section"),
    (small_with("budget;1000.5\n", ""), 1, "META has no budget"),
    (small_with("budget;1000.5", "budget;lots"), 3, "the budget 'lots' is not a non-negative number"),
    (small_with("vote_type;approval\n", "vote_type;approval\nbudget;5\n"), 5,
     "the META key 'budget' appears twice"),
    (small_with("a;100.25;", "a;100,25;"), 7, "the cost '100,25' is not a number"),
    (small_with("a;100.25;", "a;-3;"), 7, "the cost -3 is negative"),
    (small_with("b;900;", "a;900;"), 8, "the project id 'a' appears twice"),
    (small_with("b;900;\"The \"\"big\"\" one\"", "b;900"), 8, "expected 3 fields (project_id;cost;name), found 2"),
    (small_with("v2;b", "v1;b"), 12, "the voter id 'v1' appears twice"),
    (small_with("v2;b", "v2;c"), 12, "the vote names an unknown project 'c'"),
    (small_with("v2;b", "v2;b,b"), 12, "the vote names project 'b' twice"),
    (small_with("project_id;cost;name", "project_id;price;name"), 6, "the PROJECTS header has no cost column"),
    (small_with("PROJECTS\n", "VOTES\n"), 5, "expected the PROJECTS section here, found VOTES"),
    (small_with("VOTES\n", "VOTES\nvoter_id;vote\nVOTES\n"), 11, "the VOTES section appears a second time"),
    (small_with("v3;", 'v3;"unclosed'), 13, "the quoting is broken"),
]


@pytest.mark.parametrize("text, line, problem", BAD, ids=[b[2] for b in BAD])
def test_malformed_files_name_the_line_and_the_problem(text, line, problem):
    with pytest.raises(PabulibError) as raised:
        parse(text)
    assert raised.value.line == line
    assert raised.value.problem.startswith(problem)
    assert str(raised.value) == f"line {line}: {raised.value.problem}"


CUMULATIVE = """META
key;value
budget;10
vote_type;cumulative
PROJECTS
project_id;cost
x;4
y;6
VOTES
voter_id;vote;points
1;x,y;2,1
2;y;{points}
"""


@pytest.mark.parametrize("points, problem", [
    ("0", "the points '0' are not a positive integer"),
    ("1.5", "the points '1.5' are not a positive integer"),
    ("-2", "the points '-2' are not a positive integer"),
    ("1,1", "there are 2 points values for 1 projects in the vote"),
])
def test_points_must_be_positive_integers_matching_the_vote(points, problem):
    with pytest.raises(PabulibError) as raised:
        parse(CUMULATIVE.format(points=points))
    assert (raised.value.line, raised.value.problem) == (12, problem)


def test_unsupported_vote_type_is_refused_by_to_instance():
    pf = parse(small_with("vote_type;approval", "vote_type;scoring"))
    with pytest.raises(PabulibError) as raised:
        to_instance(pf)
    assert raised.value.line == 4
    assert raised.value.problem == "the vote type 'scoring' is not supported"


@pytest.mark.parametrize("name", FILES)
def test_parse_dump_parse_round_trips(name):
    pf = parse(read(name))
    text = dump(pf.meta, pf.project_columns, pf.projects, pf.vote_columns, pf.votes)
    again = parse(text)
    assert again == pf
    assert to_instance(again) == to_instance(pf)


def test_dump_quotes_what_needs_quoting_and_refuses_line_breaks():
    rows = [{"project_id": "p1", "cost": Fraction(5, 2), "name": 'semi; colon and "quotes"'}]
    text = dump({"budget": 10, "vote_type": "approval"}, ["project_id", "cost", "name"], rows,
                ["voter_id", "vote"], [{"voter_id": "v", "vote": "p1"}])
    assert 'p1;2.5;"semi; colon and ""quotes"""' in text.splitlines()
    assert parse(text).projects[0]["name"] == 'semi; colon and "quotes"'
    with pytest.raises(ValueError):
        dump({"budget": 1}, ["project_id", "cost"], [{"project_id": "a", "cost": 1, "oops": 2}],
             ["voter_id", "vote"], [])
    with pytest.raises(ValueError):
        dump({"description": "two\nlines"}, ["project_id", "cost"], [], ["voter_id", "vote"], [])


# --- pabutools reads what dump writes -----------------------------------------------------------------------


def _pabutools_view(path: Path) -> tuple[list[str], list[Fraction], Fraction, list[object]]:
    from pabutools.election import parse_pabulib

    instance, profile = parse_pabulib(str(path))
    projects = sorted(instance, key=lambda p: p.name)
    ballots: list[object] = []
    for ballot in profile:
        if instance.meta["vote_type"] == "ordinal":
            ballots.append([p.name for p in ballot])
        elif instance.meta["vote_type"] == "cumulative":
            ballots.append({p.name: Fraction(int(ballot[p])) for p in ballot})
        else:
            ballots.append(sorted(p.name for p in ballot))
    return ([p.name for p in projects], [Fraction(str(p.cost)) for p in projects],
            Fraction(str(instance.budget_limit)), ballots)


def _our_view(instance: PBInstance) -> tuple[list[str], list[Fraction], Fraction, list[object]]:
    order = sorted(range(instance.num_projects), key=lambda i: instance.project_ids[i])
    ids = instance.project_ids
    ballots: list[object] = []
    for ballot in instance.ballots:
        if instance.kind == "ordinal":
            ballots.append([ids[i] for i in ballot])  # type: ignore[union-attr]
        elif instance.kind == "cumulative":
            ballots.append({ids[i]: Fraction(p) for i, p in ballot.items()})  # type: ignore[union-attr]
        else:
            ballots.append(sorted(ids[i] for i in ballot))
    return [ids[i] for i in order], [instance.costs[i] for i in order], instance.budget, ballots


def _dumped_from_instance(instance: PBInstance) -> str:
    ids = instance.project_ids
    meta = {"description": "Madang test", "country": "Nowhere", "unit": "Test", "instance": "1",
            "num_projects": instance.num_projects, "num_votes": instance.num_voters,
            "budget": instance.budget, "vote_type": instance.kind, "rule": "greedy"}
    projects = [{"project_id": pid, "cost": cost, "name": f"Project {pid}; a test"} for pid, cost in
                zip(ids, instance.costs)]
    columns = ["voter_id", "vote"] + (["points"] if instance.kind == "cumulative" else [])
    votes = []
    for number, ballot in enumerate(instance.ballots):
        if instance.kind == "ordinal":
            votes.append({"voter_id": f"v{number}", "vote": ",".join(ids[i] for i in ballot)})  # type: ignore
        else:
            row = {"voter_id": f"v{number}", "vote": ",".join(ids[i] for i in ballot)}  # type: ignore
            if instance.kind == "cumulative":
                row["points"] = ",".join(str(p) for p in ballot.values())  # type: ignore[union-attr]
            votes.append(row)
    return dump(meta, ["project_id", "cost", "name"], projects, columns, votes)


@pytest.mark.parametrize("instance", [
    PBInstance.create("1000.5", ["100.25", 300, 0], [{0, 1}, {2}, {0}, set()], "approval", ["a", "b", "c"]),
    PBInstance.create(60, [10, 20, "7.5"], [{0: 3, 2: 7}, {1: 10}, {2: 1}], "cumulative", ["x1", "x2", "x3"]),
    PBInstance.create(500, [100, 250, 50, 75], [(2, 0, 3, 1), (1, 3), (3, 2, 1, 0)], "ordinal",
                      ["10", "2", "33", "4"]),
], ids=["approval", "cumulative", "ordinal"])
def test_pabutools_reads_a_dumped_file_as_the_same_election(instance, tmp_path):
    text = _dumped_from_instance(instance)
    assert to_instance(parse(text)) == instance
    path = tmp_path / "dumped.pb"
    path.write_text(text, encoding="utf-8")
    assert _pabutools_view(path) == _our_view(instance)


@pytest.mark.parametrize("name", ["Switzerland_Zurich_D10.pb", "Worldwide_Mechanical_Turk_Ranking_value_3.pb",
                                  "Netherlands_Assen_2024.pb"])
def test_pabutools_reads_dumped_real_files_as_we_do(name, tmp_path):
    pf = parse(read(name))
    path = tmp_path / name
    path.write_text(dump(pf.meta, pf.project_columns, pf.projects, pf.vote_columns, pf.votes), encoding="utf-8")
    assert _pabutools_view(path) == _our_view(to_instance(pf))


def test_pabulib_file_is_plain_data():
    pf = PabulibFile({"budget": "1"}, ["project_id", "cost"], [], ["voter_id", "vote"], [])
    assert pf.project_lines == [] and pf.meta_lines == {}
