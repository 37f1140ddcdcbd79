"""The baseline: the smallest honest Flask page. One route renders a small Jinja template (a loop of 20
items) through the same Flask and Jinja the app uses, with no database, session, forms or i18n. The bench
server mounts it at /bare beside Madang (see bench/serve.py), so its requests/s is the ceiling a Flask page
can reach on this server, and every Madang figure is reported as a ratio of it."""
from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

TEMPLATE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body>
  <h1>{{ title }}</h1>
  <ol>
  {% for item in items %}
    <li><a href="/items/{{ item.id }}">{{ item.name }}</a> · {{ item.district }}</li>
  {% endfor %}
  </ol>
</body>
</html>
"""

ITEMS = [{"id": n, "name": f"Proposal {n} · 제안 {n}", "district": "마포구"} for n in range(1, 21)]


def create_bare_app() -> Flask:
    app = Flask(__name__)
    # A loader (not render_template_string) so the template is compiled once and cached, as Madang's are.
    app.jinja_loader = DictLoader({"bare.html": TEMPLATE})

    @app.route("/")
    def index():
        return render_template("bare.html", title="Bare Flask", items=ITEMS)

    return app


app = create_bare_app()
