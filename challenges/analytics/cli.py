"""``flask analytics rollup``: compute and store the rollups now (a backfill, or a redo)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..clock import utcnow
from ..transactions import commit_with_retry
from .rollups import run_rollups

analytics_cli = AppGroup("analytics", help="Analytics: the nightly rollups.")


@analytics_cli.command("rollup")
@click.option("--recompute", is_flag=True,
              help="Also redo final weeks and challenges (after a correction of old data).")
def rollup(recompute: bool) -> None:
    """Store the rollup of every week and challenge that is not final yet, e.g. to backfill
    history after an import; ``--recompute`` redoes them all."""
    done = commit_with_retry(lambda: run_rollups(utcnow(), recompute=recompute))
    click.echo(f"Stored {done.weeks} week(s) and {done.challenges} challenge(s).")
