"""`flask --app app …` commands: seed, sdg, city, notify, pb, polis, opinion (plus Flask-Migrate's own `db`)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import db

seed_cli = AppGroup("seed", help="Create demonstration data.")
city_cli = AppGroup("city", help="Cities on this instance.")
notify_cli = AppGroup("notify", help="Notification e-mails.")


@notify_cli.command("digest")
def notify_digest():
    """Send the daily digest to everyone who chose it (run once a day, e.g. from cron)."""
    from app.notifications.services import send_daily_digests

    sent = send_daily_digests()
    click.echo(f"Daily digests sent: {sent}.")
sdg_cli = AppGroup("sdg", help="SDG reference data.")


@sdg_cli.command("load")
def sdg_load():
    """Load or update the 17 goals, their targets and indicators from app/data/sdg.json."""
    from app.sdg import load_sdg_reference

    counts = load_sdg_reference()
    db.session.commit()
    click.echo(f"SDG reference data: {counts['goals']} goals, {counts['targets']} targets, "
               f"{counts['indicators']} indicators.")


@seed_cli.command("demo")
@click.option("--password", default="madang-demo-2026", show_default=True, help="Password of every demo account.")
def seed_demo(password: str):
    """Create the demo city (Seoul) with its plan, processes, proposals and one account per role. Idempotent."""
    from app.seed import seed_demo_city

    logins = seed_demo_city(password)
    db.session.commit()
    click.echo("Demo city ready: Seoul (/c/seoul/). Demo logins (role, e-mail, password; accounts that existed "
               "before this run keep the password they had):")
    for role, email in logins:
        click.echo(f"  {role:<15} {email:<32} {password}")


@city_cli.command("create")
@click.argument("slug")
@click.option("--name-en", required=True)
@click.option("--name-ko", required=True)
@click.option("--time-zone", default="Asia/Seoul", show_default=True)
@click.option("--locale", "default_locale", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
@click.option("--admin", "admin_email", help="E-mail of an existing account to make the city's first admin.")
def city_create(slug, name_en, name_ko, time_zone, default_locale, admin_email):
    """Create a city (what a platform admin does), optionally with its first admin."""
    from app.cities.services import CityData, InvalidCity, create_city

    try:
        city = create_city(CityData(slug=slug, name_en=name_en, name_ko=name_ko, time_zone=time_zone,
                                    default_locale=default_locale), admin_email=admin_email)
    except InvalidCity as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"City {city.slug} created: /c/{city.slug}/")


@city_cli.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--full", is_flag=True, help="Include personal data: people's names, e-mail addresses and password "
              "hashes, members' birth years and districts, notifications, census codes and the city's "
              "pseudonym salt. Without it people are pseudonymous placeholders.")
def city_export(slug: str, file: str, full: bool):
    """Write a whole city (and the people and organizations it refers to) to one JSON file."""
    import json
    import os
    import time

    from app.cities.backup import InvalidBackup, export_city

    started = time.perf_counter()
    try:
        result = export_city(slug, full=full)
    except InvalidBackup as error:
        raise click.ClickException(str(error)) from error
    # A full backup holds personal data and password hashes: readable by its owner only.
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if full else 0o644)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(result.document, handle, ensure_ascii=False, separators=(",", ":"))
    for note in result.notes:
        click.echo(f"left out: {note}")
    kind = "full backup, with personal data" if full else "backup without personal data"
    click.echo(f"Wrote {file} ({kind}): {sum(result.counts.values())} rows in {len(result.counts)} tables, "
               f"{os.path.getsize(file)} bytes, {time.perf_counter() - started:.2f} s.")


@city_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def city_import(file: str):
    """Read a city backup into this database (one transaction: on any refusal nothing is written)."""
    import json
    import time

    from app.cities.backup import InvalidBackup, import_city

    started = time.perf_counter()
    try:
        with open(file, encoding="utf-8") as handle:
            document = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise click.ClickException(f"{file}: this is not a Madang city backup ({error}). Nothing was imported.") \
            from error
    try:
        result = import_city(document)
    except InvalidBackup as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error}. Nothing was imported.") from error
    db.session.commit()
    for note in result.notes:
        click.echo(note)
    click.echo(f"Imported city {result.city.slug}: {sum(result.counts.values())} rows in {len(result.counts)} "
               f"tables; {result.reused_users} existing accounts reused (matched by e-mail); "
               f"{time.perf_counter() - started:.2f} s. /c/{result.city.slug}/")


pb_cli = AppGroup("pb", help="Participatory budgets in the Pabulib .pb format (pabulib.org).")


@pb_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--city", "city_slug", help="The city to import into (default: the city META's unit names, "
              "created if needed).")
def pb_import(file: str, city_slug: str | None):
    """Create a process with the file's budget, projects and ballots (each voter an imported participant)."""
    from app.methods.pabulib import PabulibError
    from app.voting.pabulib_io import ImportProblem, import_pb

    try:
        with open(file, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{file}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    try:
        process = import_pb(text, city_slug)
    except (PabulibError, ImportProblem) as problem:
        db.session.rollback()
        raise click.ClickException(f"{file}: {problem}") from problem
    db.session.commit()
    budget = process.budget
    click.echo(f"Imported {file} into {process.city.slug}: {len(process_projects(process))} projects, "
               f"{ballots_of(process)} ballots, budget {budget.amount} {budget.currency}, rule {budget.rule}.")
    click.echo(f"process: {process.slug}")


def process_projects(process):
    from app.voting.budget_services import ballot_projects

    return ballot_projects(process)


def ballots_of(process) -> int:
    from app.voting.budget_services import ballot_count

    return ballot_count(process)


def _budget_process(slug: str):
    from sqlalchemy import select

    from app.models import Process

    process = db.session.scalar(select(Process).where(Process.slug == slug))
    if process is None:
        raise click.ClickException(f"no process with the slug {slug!r}")
    if process.budget is None:
        raise click.ClickException(f"process {slug!r} has no participatory budget")
    return process


@pb_cli.command("outcome")
@click.argument("slug")
@click.option("--rule", type=click.Choice(["greedy", "mes", "mes-add1", "mes-add1-greedy"]),
              help="The rule to count by (default: the process's own).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: rule, winners (.pb project ids), total_cost, "
              "seconds.")
def pb_outcome(slug: str, rule: str | None, as_json: bool):
    """Count a process's budget ballots by a rule."""
    import json
    from fractions import Fraction

    from app.voting.budget_services import compute, project_key

    outcome = compute(_budget_process(slug), rule)
    total = Fraction(outcome.result.total_cost)
    total_value = total.numerator if total.denominator == 1 else float(total)
    winners = [project_key(p) for p in outcome.winners]
    if as_json:
        click.echo(json.dumps({"rule": outcome.rule, "winners": winners, "total_cost": total_value,
                               "seconds": round(outcome.seconds, 6)}))
        return
    click.echo(f"{outcome.rule}: {len(winners)} winners, total cost {total_value}, {outcome.seconds:.3f} s")
    for project in outcome.winners:
        click.echo(f"  {project_key(project)}\t{project.cost}\t{project.title}")


@pb_cli.command("export")
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def pb_export(slug: str, file: str):
    """Write a process's budget, projects and anonymised ballots as a .pb file."""
    from app.voting.pabulib_io import process_to_pb

    text = process_to_pb(_budget_process(slug))
    with open(file, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    click.echo(f"Wrote {file}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(pb_cli)
    app.cli.add_command(city_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(sdg_cli)
    from app.vision.cli import opinion_cli, polis_cli

    app.cli.add_command(polis_cli)
    app.cli.add_command(opinion_cli)
