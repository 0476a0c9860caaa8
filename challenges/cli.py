"""Command-line tools: ``flask users create|role``, ``flask demo``, ``flask phases advance``,
``flask submissions disqualify|reinstate``, ``flask leaderboard rebuild|reconcile``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .errors import DomainError
from .extensions import db
from .models import ROLES, Role
from .transactions import commit_with_retry

users_cli = AppGroup("users", help="Manage accounts.")
phases_cli = AppGroup("phases", help="Challenge phases.")
leaderboard_cli = AppGroup("leaderboard", help="The Redis leaderboards.")
challenges_cli = AppGroup("challenges", help="Challenges.")
submissions_cli = AppGroup("submissions", help="Entries: disqualify and reinstate.")


@users_cli.command("create")
@click.argument("username")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default=Role.MEMBER.value, show_default=True)
@click.option("--password", help="Prompted for (hidden, twice) when not given.")
def create_user(username: str, email: str, role: str, password: str | None) -> None:
    """Create an account, e.g. ``flask users create ada ada@example.com --role editor``."""
    from .services.accounts import register_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = commit_with_retry(lambda: register_user(username, email, password, role=Role(role)))
    except DomainError as exc:
        details = exc.details.get("fields") or {}
        message = "; ".join(f"{k}: {v}" for k, v in details.items()) or exc.message
        raise click.ClickException(message) from None
    click.echo(f"Created {user.role} @{user.username} <{user.email}>")


@users_cli.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def change_role(username: str, role: str) -> None:
    """Give an account a role, e.g. ``flask users role ada member`` (demotes an editor at once,
    live polls included)."""
    from sqlalchemy import select

    from .models import User
    from .services.accounts import normalize_username, set_role

    def work() -> str:
        user = db.session.scalar(select(User).where(User.username == normalize_username(username)))
        if user is None:
            raise click.ClickException(f"No account @{username}.")
        set_role(user, role)
        return user.username

    click.echo(f"@{commit_with_retry(work)} is now {role}")


@phases_cli.command("advance")
def advance() -> None:
    """Persist every challenge's phase now (what the scheduler runs every minute)."""
    from jobs.phases import advance_phases

    click.echo(f"{advance_phases()} transition(s)")


@leaderboard_cli.command("rebuild")
@click.argument("slug", required=False)
def rebuild_leaderboard(slug: str | None) -> None:
    """Rebuild one challenge's board (or every published one) from the database."""
    from sqlalchemy import select

    from .clock import utcnow
    from .extensions import get_redis
    from .leaderboard.rebuild import rebuild
    from .models import WeeklyChallenge

    query = select(WeeklyChallenge.id, WeeklyChallenge.slug)
    query = query.where(WeeklyChallenge.slug == slug) if slug else query.where(
        WeeklyChallenge.is_published)
    rows = db.session.execute(query).all()
    if slug and not rows:
        raise click.ClickException(f"No challenge with slug {slug!r}.")
    db.session.rollback()  # the rebuild takes its own row lock in its own transaction
    for challenge_id, challenge_slug in rows:
        version = rebuild(get_redis(), challenge_id, utcnow())
        click.echo(f"rebuilt {challenge_slug} at version {version}")


@leaderboard_cli.command("reconcile")
def reconcile_leaderboards() -> None:
    """Compare every open board and its counters with the database and repair what differs
    (what the scheduler runs every RECONCILE_INTERVAL_SECONDS)."""
    from jobs.leaderboards import reconcile_boards

    result = reconcile_boards()
    click.echo(f"{result['checked']} board(s) checked, {len(result['fixed'])} repaired")
    for challenge_id, fixes in result["fixed"].items():
        click.echo(f"  {challenge_id}: {fixes}")


@challenges_cli.command("finalize")
@click.argument("slug")
def finalize(slug: str) -> None:
    """Finalize a challenge now (what the job does after the voting deadline). Safe to rerun."""
    from sqlalchemy import select

    from jobs.finalize import finalize_challenge

    from .models import WeeklyChallenge

    challenge_id = db.session.scalar(select(WeeklyChallenge.id).where(WeeklyChallenge.slug == slug))
    if challenge_id is None:
        raise click.ClickException(f"No challenge with slug {slug!r}.")
    db.session.rollback()
    try:
        result = finalize_challenge(str(challenge_id))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if result["already_done"]:
        click.echo(f"{slug} was already final; nothing changed.")
    else:
        click.echo(f"{slug} finalized: {result['ranked']} ranked, {result['ledger_rows']} ledger "
                   f"rows, {result['payouts']} payouts.")


def _moderate(submission_id: str, as_editor: str | None, action: str, reason: str) -> None:
    """Disqualify or reinstate through the same service as the admin, as the named editor or
    as the operator "cli"; report what changed (the audit event it recorded)."""
    import uuid

    from sqlalchemy import func, select

    from .clock import utcnow
    from .models import EntryModerationEvent, User
    from .services.entries import disqualify_entry, moderation_history, reinstate_entry
    from .transactions import commit_with_retry

    try:
        entry_id = uuid.UUID(submission_id)
    except ValueError:
        raise click.ClickException(f"{submission_id!r} is not a submission id.") from None
    editor = None
    if as_editor:
        editor = db.session.scalar(select(User).where(User.username == as_editor.lower()))
        if editor is None:
            raise click.ClickException(f"No user {as_editor!r}.")
    operator = None if editor else "cli"
    before = db.session.scalar(select(func.count()).where(
        EntryModerationEvent.submission_id == entry_id)) or 0

    def work() -> object:
        if action == "disqualify":
            return disqualify_entry(entry_id, editor, reason, utcnow(), operator=operator)
        return reinstate_entry(entry_id, editor, utcnow(), reason, operator=operator)

    try:
        commit_with_retry(work)
    except DomainError as exc:
        details = exc.details.get("fields") or {}
        raise click.ClickException("; ".join(details.values()) or exc.message) from None
    events = moderation_history(entry_id)[before:]
    if not events:
        click.echo(f"{submission_id}: nothing to change (already "
                   f"{'disqualified' if action == 'disqualify' else 'counting'}).")
        return
    for event in events:
        click.echo(f"{submission_id}: {event.action} by {event.actor}.")
        effects = event.effects or {}
        if effects:
            places = ", ".join(f"#{u} {old or '-'}->{new or '-'}" for u, old, new in
                               effects.get("ranks", []))
            payouts = "; ".join(f"{name} {', '.join(f'place {p} #{u}' for p, u in pairs)}"
                                for name, pairs in effects.get("payouts", {}).items() if pairs)
            click.echo(f"results revision {effects['revision']}: places {places or 'unchanged'};"
                       f" {effects['ledger_rows']} ledger rows; payouts: {payouts or 'unchanged'}.")


@submissions_cli.command("disqualify")
@click.argument("submission_id")
@click.option("--reason", required=True, help="Why (shown to the author, kept in the audit).")
@click.option("--as-editor", "as_editor", metavar="USERNAME",
              help='Record this editor as the actor (default: "cli").')
def disqualify(submission_id: str, reason: str, as_editor: str | None) -> None:
    """Disqualify an entry; after results, re-rank and compensate. Safe to rerun."""
    _moderate(submission_id, as_editor, "disqualify", reason)


@submissions_cli.command("reinstate")
@click.argument("submission_id")
@click.option("--reason", default="", help="Why (kept in the audit).")
@click.option("--as-editor", "as_editor", metavar="USERNAME",
              help='Record this editor as the actor (default: "cli").')
def reinstate(submission_id: str, reason: str, as_editor: str | None) -> None:
    """Undo a disqualification; after results, re-rank and compensate. Safe to rerun."""
    _moderate(submission_id, as_editor, "reinstate", reason)


@click.group("demo", invoke_without_command=True)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.pass_context
def demo(ctx: click.Context, if_empty: bool) -> None:
    """Load idempotent demo data: a sponsor, challenges in every phase, members, entries, votes;
    then print the demo logins. ``flask demo logins`` prints them only."""
    if ctx.invoked_subcommand is not None:
        return
    from flask import current_app

    from .demo import load_demo, logins_box

    if load_demo(only_if_empty=if_empty) is None:
        click.echo("Database already has data; demo not loaded.")
        return
    click.echo("Demo data ready.")
    click.echo("\n".join(logins_box(current_app.config["SITE_URL"])))


@demo.command("logins")
def demo_logins() -> None:
    """Print the demo logins (and the site's address) again, e.g. while ``make run`` runs."""
    from flask import current_app

    from .demo import logins_box

    box = logins_box(current_app.config["SITE_URL"])
    if not box:
        raise click.ClickException("No demo accounts in this database (load them: flask demo).")
    click.echo("\n".join(box))


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(phases_cli)
    app.cli.add_command(leaderboard_cli)
    app.cli.add_command(challenges_cli)
    app.cli.add_command(submissions_cli)
    app.cli.add_command(demo)
