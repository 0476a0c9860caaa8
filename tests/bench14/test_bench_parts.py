"""The benchmark's own parts (issue 14, bench): the bulk loader keeps the schema whole, the
raw-insert anchor does what its figure claims, and the mixed load's arithmetic. The benchmarks
themselves are not collected (tests/bench is in ``norecursedirs``); these import their pieces."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from challenges.extensions import db
from tests.bench import anchor, data, load, mixed


def _schema_around(table: str) -> set[tuple[str, str, str]]:
    """Every constraint on ``table`` or referring to it, and its indexes, with definitions."""
    rows = db.session.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) OR confrelid = CAST(:t AS regclass) "
        "UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE tablename = CAST(:t AS text)"),
        {"t": table}).all()
    db.session.rollback()  # the COPY takes table locks: hold none here
    return {(str(a), str(b), str(c)) for a, b, c in rows}


@pytest.mark.postgres_only
def test_a_bare_copy_puts_back_the_tables_keys_and_the_foreign_keys_that_refer_to_it() -> None:
    before = _schema_around("challenge_votes")
    # Issue 13's flag evidence refers to the votes' primary key: dropping that key alone fails.
    assert any(table == "vote_ring_flag_votes" and "REFERENCES challenge_votes" in definition
               for table, _, definition in before)
    data._copy("challenge_votes", data.VOTE_COLUMNS, [], bare=True)  # noqa: SLF001
    assert _schema_around("challenge_votes") == before


@pytest.mark.postgres_only
def test_the_loader_writes_every_trust_column_of_a_vote() -> None:
    columns = set(db.session.scalars(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'challenge_votes'")))
    db.session.rollback()
    assert {"weight", "cast_weight", "weight_reason"} <= set(data.VOTE_COLUMNS) <= columns


@pytest.mark.postgres_only
def test_the_raw_insert_anchor_inserts_one_row_and_moves_one_counter_per_request(
        app: Any) -> None:
    anchor.create_tables(db.engine)
    bare = anchor.create_anchor_app(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        client = bare.test_client()
        for _ in range(3):
            response = client.post(anchor.PATH, data={"next": "/"})
            assert response.status_code == 200
        assert anchor.inserted(db.engine) == 3
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT sum(total) FROM bench_anchor_counters")) == 3
            assert conn.scalar(text("SELECT count(*) FROM bench_anchor_counters")) == \
                anchor.COUNTERS
    finally:
        bare.extensions["anchor_engine"].dispose()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_anchor_rows, bench_anchor_counters"))


def test_percentiles_by_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]  # 1..100
    assert mixed.percentile(values, 0.5) == 50
    assert mixed.percentile(values, 0.99) == 99
    assert mixed.percentile(list(reversed(values)), 0.95) == 95
    assert mixed.percentile([7.0], 0.99) == 7


def test_the_304_share_comes_from_the_conditional_scripts_line() -> None:
    report = ("Requests/sec: 10.0\n"
              "conditional: 304=97 200=2 other=1 repeats=98 repeat304=97\n")
    assert load.conditional_counts(load.Result(100, 1.0, 100.0, 0, output=report)) == (
        97, 2, 1, 98, 97)
    assert load.conditional_counts(load.Result(100, 1.0, 100.0, 0, output="")) is None
