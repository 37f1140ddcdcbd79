"""`flask --app app polis …` and `flask --app app opinion …` (being written)."""
from flask.cli import AppGroup

polis_cli = AppGroup("polis", help="Polis openData exports (comments.csv, votes.csv, participants-votes.csv).")
opinion_cli = AppGroup("opinion", help="Opinion maps of statement votes.")
