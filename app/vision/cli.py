"""`flask --app app polis …` (import and export Polis openData folders) and `flask --app app opinion …` (compute
and refresh the opinion maps of processes)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

polis_cli = AppGroup("polis", help="Polis openData exports (comments.csv, votes.csv, participants-votes.csv).")
opinion_cli = AppGroup("opinion", help="Opinion maps of statement votes.")


def _process(slug: str):
    from app.models import Process

    process = db.session.scalar(select(Process).where(Process.slug == slug))
    if process is None:
        raise click.ClickException(f"no process with the slug {slug!r}")
    return process


@polis_cli.command("import")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--city", "city_slug", help="The city to import into (default: a city named after the folder, "
              "created if needed).")
def polis_import(folder: str, city_slug: str | None):
    """Create a process with the conversation's statements and votes (each voter an imported participant)."""
    from app.vision.polis_io import ImportProblem, import_polis

    try:
        result = import_polis(folder, city_slug)
    except ImportProblem as problem:
        db.session.rollback()
        raise click.ClickException(str(problem)) from problem
    db.session.commit()
    process = result.process
    click.echo(f"Imported {folder} into {process.city.slug}: {result.statements} statements "
               f"({result.moderated_out} moderated out, left out), {result.votes} votes "
               f"(the latest of {result.votes_read} in the file per voter and statement) "
               f"by {result.participants} participants.")
    click.echo(f"process: {process.slug}")


@polis_cli.command("export")
@click.argument("slug")
@click.argument("folder", type=click.Path(file_okay=False))
def polis_export(slug: str, folder: str):
    """Write a process's published statements, their votes and each participant's opinion group as
    comments.csv, votes.csv, participants-votes.csv and summary.csv."""
    from app.vision.polis_io import export_polis

    result = export_polis(_process(slug), folder)
    db.session.commit()  # keeps the opinion map if it had to be computed
    click.echo(f"Wrote {', '.join(str(p) for p in result.files)}: {result.statements} statements, "
               f"{result.votes} votes, {result.participants} participants in {result.groups} groups.")


def _statement_key(statement_id: int, external: dict[int, str | None]) -> str:
    """A statement as the command line names it: its Polis comment id if imported, else its database id."""
    return external.get(statement_id) or str(statement_id)


def compute_summary(process, opinion_map) -> dict:
    """The map in the shape `opinion compute --json` prints: groups with their voters' ids (the imported
    voter ids, or the participant ids of members) and the consensus statements (Polis comment ids when
    imported)."""
    from app.models import Participant, Statement

    data = opinion_map.data or {}
    participants = data.get("participants", [])
    external = dict(db.session.execute(
        select(Participant.id, Participant.external_id).where(Participant.id.in_(participants))).all()) \
        if participants else {}
    members: dict[int, list[str]] = {g["id"]: [] for g in data.get("groups", [])}
    for pid, label in zip(participants, data.get("labels", [])):
        if label in members:
            members[label].append(external.get(pid) or str(pid))
    consensus_ids = [c["statement_id"] for c in data.get("consensus", [])][:5]
    statement_keys = dict(db.session.execute(
        select(Statement.id, Statement.external_id).where(Statement.id.in_(consensus_ids))).all()) \
        if consensus_ids else {}
    return {
        "participants_clustered": opinion_map.participants_clustered,
        "groups": [{"id": g["id"], "size": g["size"], "participants": members[g["id"]]}
                   for g in sorted(data.get("groups", []), key=lambda g: g["id"])],
        "consensus": [_statement_key(i, statement_keys) for i in consensus_ids],
        "seconds": round(opinion_map.seconds, 6),
    }


@opinion_cli.command("compute")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: participants_clustered, groups (id, size, "
              "participants), consensus (statement ids), seconds.")
def opinion_compute(slug: str, as_json: bool):
    """Compute a process's opinion map now (and keep it)."""
    from app.vision import opinion

    process = _process(slug)
    opinion_map = opinion.refresh(process)
    db.session.commit()
    summary = compute_summary(process, opinion_map)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
        return
    data = opinion_map.data or {}
    click.echo(f"{process.slug}: {opinion_map.vote_count} votes on {opinion_map.statement_count} statements; "
               f"{summary['participants_clustered']} of {len(data.get('participants', []))} participants "
               f"clustered in {len(summary['groups'])} groups ({summary['seconds']:.3f} s).")
    for group in summary["groups"]:
        click.echo(f"  group {chr(ord('A') + group['id'])}: {group['size']} participants")
    if summary["consensus"]:
        click.echo(f"  consensus statements: {', '.join(summary['consensus'])}")


@opinion_cli.command("refresh")
@click.argument("slug", required=False)
def opinion_refresh(slug: str | None):
    """Recompute the opinion map of one process, or of every process whose votes changed since its map was
    computed."""
    from app.vision import opinion

    processes = [_process(slug)] if slug else opinion.stale_processes()
    if not processes:
        click.echo("Every opinion map is up to date.")
        return
    for process in processes:
        opinion_map = opinion.refresh(process)
        db.session.commit()
        click.echo(f"{process.slug}: {opinion_map.vote_count} votes, "
                   f"{len((opinion_map.data or {}).get('groups', []))} groups ({opinion_map.seconds:.3f} s).")
