"""State store: migrations on SQLite and PostgreSQL, durable state machine, exact JSON, run locks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text, update

from cwsage import money
from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.errors import BugError, RunConflict
from cwsage.services.locks import write_lock, write_lock_name
from cwsage.state import DocState, RunPhase, RunStatus, SageBatchState, StateStore, current_revision, migrate
from cwsage.state.models import RunLockRow, dumps_exact, loads_exact
from cwsage.state.store import TRANSITIONS, StateChange

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TABLES = {
    "runs",
    "documents",
    "sage_batches",
    "audit_log",
    "watermarks",
    "run_locks",
    "alembic_version",
    "sage_discovery",
}


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL at 127.0.0.1:5432/test is unreachable: {type(exc).__name__}: {exc}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'state.db').as_posix()}"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"cwsage_test_{uuid.uuid4().hex[:12]}"
    yield schema
    with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    if request.param == "sqlite":
        opened = StateStore.open(f"sqlite:///{(tmp_path / 'state.db').as_posix()}")
    else:
        schema = request.getfixturevalue("pg_schema")
        opened = StateStore.open(PG_URL, schema=schema)
    yield opened
    opened.close()


def test_migrations_create_every_table_on_sqlite(sqlite_url: str) -> None:
    with StateStore.open(sqlite_url) as store:
        assert set(inspect(store.engine).get_table_names()) >= TABLES
        assert current_revision(store.engine) == "0003_run_phases"
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    with StateStore.open(sqlite_url) as again:  # idempotent
        assert current_revision(again.engine) == "0003_run_phases"


def test_the_newest_revision_known_without_alembic_is_alembics_head(sqlite_url: str) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from cwsage.state.store import HEAD_REVISION, MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]
    # a database one revision behind is still upgraded (the shortcut is taken only at the head)
    with StateStore.open(sqlite_url, migrate=False) as store:
        migrate(store.engine, "0002_sage_discovery")
        assert current_revision(store.engine) == "0002_sage_discovery"
    with StateStore.open(sqlite_url) as store:
        assert current_revision(store.engine) == HEAD_REVISION


@pytest.mark.postgres
def test_migrations_create_every_table_on_postgresql(pg_schema: str) -> None:
    with StateStore.open(PG_URL, schema=pg_schema) as store:
        assert set(inspect(store.engine).get_table_names(schema=pg_schema)) >= TABLES
        assert current_revision(store.engine) == "0003_run_phases"
        with store.engine.connect() as conn:
            assert conn.execute(text("select current_schema()")).scalar() == pg_schema


def test_0003_gives_old_runs_their_phase_and_keeps_their_words(tmp_path: Path) -> None:
    """An installation upgraded mid-run resumes from the right phase; old batch states and locations survive."""
    engine = create_engine(f"sqlite:///{(tmp_path / 'old.db').as_posix()}")
    migrate(engine, "0002_sage_discovery")
    stamp = "2026-11-20 10:00:00.000000"
    with engine.begin() as conn:
        for run_id, status in (("prepared-run", "running"), ("fresh-run", "running"), ("done-run", "succeeded")):
            conn.exec_driver_sql(
                "INSERT INTO runs (id, kind, batch_number, status, options, summary, actor, host, pid, started_at) "
                f"VALUES ('{run_id}', 'run', 'B', '{status}', '{{}}', '{{}}', 'ann', 'h', 1, '{stamp}')"
            )
        conn.exec_driver_sql(
            "INSERT INTO audit_log (at, run_id, event, detail) VALUES (?, 'prepared-run', 'prepared', '{}')", (stamp,)
        )
        conn.exec_driver_sql(
            "INSERT INTO sage_batches (run_id, batch_key, kind, description, state, document_keys, created_at, "
            "updated_at) VALUES ('done-run', 'AR invoice batch 4', 'ar', '', 'created; automatic posting failed', "
            "'[]', ?, ?)",
            (stamp, stamp),
        )
        conn.exec_driver_sql(
            "INSERT INTO documents (run_id, doc_key, kind, source_type, source_id, document_number, state, "
            "content_hash, gl_entry_ids, sage_batch_key, sage_location, payload, issues, created_at, updated_at) "
            "VALUES ('done-run', 'AR:1', 'ar_invoice', 'invoice', '1', '1', 'written_back', '', '[]', NULL, "
            "'AR invoice batch 4, entry 1', ?, '[]', ?, ?)",
            ('{"target": "ar", "sage": {}, "row": {"kind": "AR invoice", "label": "invoice 1"}}', stamp, stamp),
        )
    store = StateStore(engine)
    store.migrate()
    phases = {r.id: r.phase for r in store.list_runs()}
    assert phases == {
        "prepared-run": RunPhase.PREPARED,
        "fresh-run": RunPhase.SELECTED,
        "done-run": RunPhase.FINISHED,
    }
    (batch,) = store.sage_batches("done-run")
    assert batch.state is SageBatchState.POST_FAILED
    (doc,) = store.documents("done-run")
    assert doc.location is None and doc.where == "AR invoice batch 4, entry 1"
    assert doc.report == {"kind": "AR invoice", "label": "invoice 1"}, "the report row moved out of the payload"
    assert doc.payload == {"target": "ar", "sage": {}}
    assert store.documents("done-run", payloads=False)[0].report == doc.report
    engine.dispose()


AR_12 = DocumentLocation("AR", "INV-10234", DocumentPlace.OPEN_BATCH, "12", 3, "ACME")


def test_runs_lifecycle(store: StateStore) -> None:
    first = store.create_run(kind="run", batch_number="B-1", options={"through": "2024-03-31"}, actor="ann")
    second = store.create_run(kind="sync-payments", batch_number=None, options={}, actor="bob", run_id="fixed-id")
    assert first.status is RunStatus.RUNNING
    assert first.started_at.tzinfo is not None
    assert second.id == "fixed-id"
    store.finish_run(first.id, RunStatus.PARTIAL, {"posted": 3, "rejected": 1, "total": Decimal("10.25")})
    got = store.get_run(first.id)
    assert got is not None
    assert got.status is RunStatus.PARTIAL
    assert got.summary == {"posted": 3, "rejected": 1, "total": Decimal("10.25")}
    assert got.finished_at is not None
    assert got.finished_at.utcoffset() == timedelta(0)
    assert store.get_run("nope") is None
    assert [r.id for r in store.list_runs()] == ["fixed-id", first.id]
    assert [r.id for r in store.find_runs(batch_number="B-1")] == [first.id]
    assert [r.id for r in store.find_runs(kind="sync-payments")] == ["fixed-id"]
    assert [r.id for r in store.find_runs(status=RunStatus.PARTIAL)] == [first.id]
    events = [a["event"] for a in store.audit_log(first.id)]
    assert events == ["run.started", "run.finished"]
    with pytest.raises(KeyError):
        store.finish_run("missing", RunStatus.FAILED, {})


def test_documents_state_machine_and_exact_json(store: StateStore) -> None:
    run = store.create_run(kind="run", batch_number="B-2", options={}, actor="ann")
    payload: dict[str, Any] = {
        "Amount": Decimal("1234.50"),
        "Whole": Decimal("100"),
        "Tiny": Decimal("0.0001"),
        "Neg": Decimal("-0.10"),
        "Lines": [{"a": Decimal("1E+2")}],
        "Name": "Zürich – ünïcødé",
    }
    doc = store.put_document(
        run.id,
        "invoice:10234",
        kind="ar_invoice",
        source_type="invoice",
        source_id="10234",
        document_number="INV-10234",
        state=DocState.INVALID,
        content_hash="abc",
        gl_entry_ids=[5, 6],
        payload=payload,
        report=payload,
    )
    assert doc.state is DocState.INVALID
    # JSON columns keep every Decimal with its type and exponent
    assert doc.report == payload
    assert str(doc.report["Amount"]) == "1234.50"
    assert str(doc.report["Whole"]) == "100"
    assert isinstance(doc.report["Whole"], Decimal)
    assert str(doc.report["Lines"][0]["a"]) == "1E+2"
    # a Sage payload keeps every value and its digits; whole amounts come back as ints (its Sage model makes
    # them Decimals again, and they are sent as the same digits)
    assert doc.payload == payload
    assert doc.payload is not None
    assert str(doc.payload["Amount"]) == "1234.50"
    assert str(doc.payload["Tiny"]) == "0.0001"
    assert doc.payload["Whole"] == 100
    assert money.encode(doc.payload) == money.encode(payload)
    # update in place
    store.put_document(
        run.id,
        "invoice:10234",
        kind="ar_invoice",
        source_type="invoice",
        source_id="10234",
        document_number="INV-10234",
        state=DocState.VALIDATED,
        content_hash="abc",
        gl_entry_ids=[5, 6],
        payload=payload,
    )
    moved = store.set_state(run.id, "invoice:10234", DocState.POSTING)
    assert moved.state is DocState.POSTING
    # a new store (another process would see the same): committed before returning
    other = StateStore(store.engine)
    assert other.documents(run.id)[0].state is DocState.POSTING
    posted = store.set_state(run.id, "invoice:10234", DocState.POSTED, event="sage.created", location=AR_12)
    assert posted.location == AR_12, "where Sage has it comes back typed, from its columns"
    assert posted.where == "AR invoice batch 12 (open), entry 3, customer ACME"
    issue = {"code": "customer_missing", "message": "no customer ACME", "amount": Decimal("5.00")}
    store.put_document(
        run.id,
        "invoice:2",
        kind="ar_invoice",
        source_type="invoice",
        source_id="2",
        document_number="INV-2",
        state=DocState.VALIDATED,
        content_hash="x",
        gl_entry_ids=[],
    )
    bad = store.set_state(run.id, "invoice:2", DocState.INVALID, issues=[issue])
    assert bad.issues == [issue]
    assert [d.key for d in store.documents(run.id)] == ["invoice:10234", "invoice:2"]
    assert [d.key for d in store.documents(run.id, state=DocState.INVALID)] == ["invoice:2"]
    assert store.get_document(run.id, "invoice:2") is not None
    assert [d.run_id for d in store.find_documents(document_number="INV-2")] == [run.id]
    audit = store.audit_log(run.id)
    transitions = [(a["document_key"], a["event"]) for a in audit if a["document_key"]]
    assert ("invoice:10234", "document.posting") in transitions
    assert ("invoice:10234", "sage.created") in transitions
    assert ("invoice:2", "document.invalid") in transitions
    created = next(a for a in audit if a["event"] == "sage.created")
    assert created["detail"]["from"] == "posting"
    assert created["detail"]["to"] == "posted"
    with pytest.raises(KeyError):
        store.set_state(run.id, "missing", DocState.POSTED)


def _validated(store: StateStore, run_id: str, key: str) -> None:
    store.put_document(
        run_id,
        key,
        kind="ar_invoice",
        source_type="invoice",
        source_id=key,
        document_number=key,
        state=DocState.VALIDATED,
        content_hash="",
        gl_entry_ids=[],
    )


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], DocState.POSTED),  # posted without being sent
        ([], DocState.WRITTEN_BACK),  # marked in Manage without being in Sage
        ([DocState.POSTING], DocState.REJECTED),  # rejected while its answer is unknown
        ([DocState.POSTING, DocState.POSTED], DocState.VALIDATED),  # in Sage, then "not yet posted"
        ([DocState.POSTING, DocState.POSTED, DocState.WRITTEN_BACK], DocState.POSTING),  # done is done
        ([DocState.REJECTED], DocState.POSTING),
    ],
)
def test_the_state_machine_refuses_moves_it_does_not_have(
    store: StateStore, path: list[DocState], illegal: DocState
) -> None:
    """Issue 12: transitions are enforced in one place; an illegal one is a bug, raised, and changes nothing."""
    run = store.create_run(kind="run", batch_number="SM-1", options={}, actor="ann")
    _validated(store, run.id, "a")
    _validated(store, run.id, "b")
    for state in path:
        store.set_state(run.id, "a", state)
    before = {d.key: d.state for d in store.documents(run.id)}
    with pytest.raises(BugError, match=f"cannot go from .* to {illegal}"):
        store.set_states(run.id, [StateChange("b", DocState.POSTING), StateChange("a", illegal)])
    assert {d.key: d.state for d in store.documents(run.id)} == before, "the whole transaction is refused"


def test_staying_in_a_state_records_more_about_it(store: StateStore) -> None:
    """A found document gets where Sage has it without a move; every state the machine knows has its moves."""
    run = store.create_run(kind="run", batch_number="SM-3", options={}, actor="ann")
    _validated(store, run.id, "a")
    for state in (DocState.POSTING, DocState.POSTED, DocState.POSTED):
        store.set_state(run.id, "a", state, location=AR_12)
    assert store.documents(run.id)[0].location == AR_12
    assert set(TRANSITIONS) == set(DocState)


def test_a_document_being_posted_is_never_stored_afresh(store: StateStore) -> None:
    run = store.create_run(kind="run", batch_number="SM-2", options={}, actor="ann")
    _validated(store, run.id, "a")
    store.set_state(run.id, "a", DocState.POSTING)
    with pytest.raises(BugError, match="cannot be stored afresh"):
        _validated(store, run.id, "a")


def test_run_phases_only_go_forward_and_finishing_finishes(store: StateStore) -> None:
    run = store.create_run(kind="run", batch_number="PH-1", options={}, actor="ann")
    assert run.phase is RunPhase.SELECTED and not run.reached(RunPhase.PREPARED)
    store.set_phase(run.id, RunPhase.PREPARED)
    store.set_phase(run.id, RunPhase.PREPARED)  # again: a resumed run may say it twice
    store.set_phase(run.id, RunPhase.POSTING)
    got = store.get_run(run.id)
    assert got is not None and got.reached(RunPhase.PREPARED) and not got.reached(RunPhase.WRITTEN_BACK)
    with pytest.raises(BugError, match="cannot go back"):
        store.set_phase(run.id, RunPhase.PREPARED)
    store.finish_run(run.id, RunStatus.SUCCEEDED, {})
    done = store.get_run(run.id)
    assert done is not None and done.phase is RunPhase.FINISHED


def test_sage_batches_and_audit(store: StateStore) -> None:
    run = store.create_run(kind="run", batch_number=None, options={}, actor="ann")
    store.put_sage_batch(
        run.id, "ar:1", kind="ar_invoice", description="cwsage run", state=SageBatchState.CREATED, document_keys=["a"]
    )
    batch = store.put_sage_batch(
        run.id,
        "ar:1",
        kind="ar_invoice",
        description="cwsage run",
        state=SageBatchState.CREATED,
        document_keys=["a", "b"],
        sage_batch_number="000012",
    )
    assert batch.sage_batch_number == "000012"
    kept = store.put_sage_batch(
        run.id,
        "ar:1",
        kind="ar_invoice",
        description="cwsage run",
        state=SageBatchState.POSTED,
        document_keys=["a", "b"],
    )
    assert kept.sage_batch_number == "000012"
    assert [(b.key, b.state) for b in store.sage_batches(run.id)] == [("ar:1", SageBatchState.POSTED)]
    store.audit(None, "login", {"user": "ann"}, actor="ann")
    entries = store.audit_log()
    assert entries[-1]["event"] == "login"
    assert entries[-1]["at"].tzinfo is not None


def test_watermarks(store: StateStore) -> None:
    assert store.get_watermark("payments", "ann", "pc1") is None
    when = datetime(2024, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=-4)))
    store.set_watermark("payments", "ann", "pc1", when)
    got = store.get_watermark("payments", "ann", "pc1")
    assert got == when
    assert got is not None
    assert got.tzinfo is not None
    store.set_watermark("payments", "ann", "pc1", datetime(2024, 4, 2, tzinfo=UTC))
    assert store.get_watermark("payments", "ann", "pc1") == datetime(2024, 4, 2, tzinfo=UTC)
    assert store.get_watermark("payments", "ann", "pc2") is None
    with pytest.raises(Exception, match="naive"):
        store.set_watermark("payments", "bob", "pc1", datetime(2024, 1, 1))


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.recursive(
        st.decimals(allow_nan=False, allow_infinity=False) | st.integers() | st.text(),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=10,
    )
)
def test_exact_json_round_trips_any_decimal(value: Any) -> None:
    back = loads_exact(dumps_exact(value))
    assert back == value
    assert repr(back) == repr(value)


def test_run_lock_in_process(store: StateStore) -> None:
    run = store.create_run(kind="run", batch_number="B-9", options={}, actor="ann")
    other = store.create_run(kind="run", batch_number="B-10", options={}, actor="bob")
    with store.run_lock(run.id):
        holder = store.lock_holder()
        assert holder is not None
        assert holder.run_id == run.id
        with pytest.raises(RunConflict) as caught, store.run_lock(other.id):
            pass
        message = caught.value.user_message
        assert run.id in message
        assert "B-9" in message
        assert str(store.pid) in message
        assert store.heartbeat(run.id)
    assert store.lock_holder() is None
    with store.run_lock(other.id):
        pass


def test_stale_heartbeat_is_taken_over(store: StateStore) -> None:
    run = store.create_run(kind="run", batch_number="OLD", options={}, actor="ann")
    new = store.create_run(kind="run", batch_number="NEW", options={}, actor="bob")
    store.acquire_lock(run.id)
    with store._write() as session:
        session.execute(
            update(RunLockRow)
            .where(RunLockRow.name == "batch")
            .values(host="another-host", heartbeat_at=datetime.now(UTC) - timedelta(hours=1))
        )
    with pytest.raises(RunConflict):
        store.acquire_lock(new.id, stale_after=timedelta(hours=2))
    with store.run_lock(new.id, stale_after=timedelta(minutes=10)):
        holder = store.lock_holder()
        assert holder is not None
        assert holder.run_id == new.id
    taken = [a for a in store.audit_log(new.id) if a["event"] == "lock.taken_over"]
    assert taken
    assert taken[0]["detail"]["previous_run_id"] == run.id


CHILD = textwrap.dedent(
    """
    import sys
    from cwsage.state import StateStore
    store = StateStore.open(sys.argv[1], schema=sys.argv[2] or None)
    run = store.create_run(kind="run", batch_number="B-CHILD", options={}, actor="child")
    with store.run_lock(run.id):
        print(run.id, flush=True)
        sys.stdin.readline()
    """
)


def _lock_across_processes(url: str, schema: str, parent: StateStore) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, schema],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        child_run = proc.stdout.readline().strip()
        assert child_run, proc.stderr.read() if proc.stderr else ""
        mine = parent.create_run(kind="run", batch_number="B-PARENT", options={}, actor="parent")
        with pytest.raises(RunConflict) as caught, parent.run_lock(mine.id):
            pass
        message = caught.value.user_message
        assert child_run in message
        assert "B-CHILD" in message
        assert f"pid {proc.pid}" in message
        # the child dies without releasing: its lock is stale (dead pid on this host) and is taken over
        proc.kill()
        proc.wait(timeout=10)
        with parent.run_lock(mine.id):
            holder = parent.lock_holder()
            assert holder is not None
            assert holder.run_id == mine.id
        taken = [a for a in parent.audit_log(mine.id) if a["event"] == "lock.taken_over"]
        assert taken[0]["detail"]["previous_pid"] == proc.pid
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.slow
def test_run_lock_refuses_another_process_and_recovers_when_it_dies(sqlite_url: str) -> None:
    with StateStore.open(sqlite_url) as parent:
        _lock_across_processes(sqlite_url, "", parent)


@pytest.mark.slow
@pytest.mark.postgres
def test_run_lock_across_processes_on_postgresql(pg_schema: str) -> None:
    with StateStore.open(PG_URL, schema=pg_schema) as parent:
        _lock_across_processes(PG_URL, pg_schema, parent)


def test_the_write_lock_names_the_command_and_is_per_company_pair(store: StateStore) -> None:
    """Issue 13 finding 1: runs, reruns and payment syncs share one lock per company pair (SQLite and PostgreSQL)."""
    sync = store.create_run(kind="sync-payments", batch_number=None, options={}, actor="ann")
    run = store.create_run(kind="run", batch_number="20261126AB-I", options={}, actor="bob")
    with write_lock(store, sync.id, "cwdemo", "SAMINC"):
        with pytest.raises(RunConflict) as caught, write_lock(store, run.id, "CWDEMO", "saminc"):
            pass
        assert "a payment sync" in caught.value.user_message and sync.id in caught.value.user_message
        with write_lock(store, run.id, "cwdemo", "OTHERCO"):  # another Sage company: no conflict
            pass
    assert store.lock_holder(write_lock_name("cwdemo", "SAMINC")) is None


def test_audit_entries_are_read_page_by_page_in_order(store: StateStore) -> None:
    """Issue 14: a report streams the audit trail; pages join up exactly, other runs' rows never slip in."""
    mine = store.create_run(kind="run", batch_number="AU-1", options={}, actor="ann")
    other = store.create_run(kind="run", batch_number="AU-2", options={}, actor="bob")
    for n in range(7):
        store.audit(mine.id, "note", {"n": n})
        store.audit(other.id, "note", {"n": -n})
    paged = list(store.audit_entries(mine.id, page=2))
    assert [e["detail"].get("n") for e in paged if e["event"] == "note"] == list(range(7))
    assert paged == store.audit_log(mine.id)
    assert {e["run_id"] for e in paged} == {mine.id}
