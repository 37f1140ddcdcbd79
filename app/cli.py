"""`flask --app app …` commands: seed, sdg (plus Flask-Migrate's own `db`)."""
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


def init_app(app: Flask) -> None:
    app.cli.add_command(city_cli)
    app.cli.add_command(notify_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(sdg_cli)
