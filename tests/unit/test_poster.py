"""The poster's exactly-once rules against a fake target (issue 12): no HTTP, no emulator, a real state store.

The fake keeps "Sage" as a dict of document numbers and can be told, per call, to refuse a batch that holds a
given number, to lose its answer after creating (or without creating), or to fail the automatic posting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest

from cwsage.domain.documents import DocKind
from cwsage.domain.location import DocumentLocation, DocumentPlace
from cwsage.errors import AmbiguousOutcome, RemoteRejection, TransientError
from cwsage.mapping.dispatch import Target
from cwsage.sage300 import models as sg
from cwsage.sage300.client import Sage300Client
from cwsage.services.posting import MAX_AMBIGUOUS_RETRIES, Poster, PostSettings
from cwsage.services.progress import SilentProgress
from cwsage.services.targets import Created, PostItem, SageTarget
from cwsage.state.store import DocState, SageBatchState, StateStore

NO_CLIENT = cast("Sage300Client", object())
"""The fake target never uses the client it is handed."""


@dataclass
class FakeTarget:
    """A target whose Sage is a dict; each behaviour is a list of what the next calls do."""

    target: Target = Target.AR
    doc_kind: DocKind = DocKind.AR_INVOICE
    batched: bool = True
    unique_numbers: bool = True
    postable: bool = True
    refuse: set[str] = field(default_factory=set)  # a batch holding one of these numbers is refused
    lose_answers: list[bool] = field(default_factory=list)  # per create: True = created, answer lost; False = lost
    fail_posting: bool = False
    in_sage: dict[str, str] = field(default_factory=dict)  # document number -> batch name
    creates: list[list[str]] = field(default_factory=list)
    posted: list[int | str | None] = field(default_factory=list)

    def create(
        self, sage: Sage300Client, items: Sequence[PostItem], description: str, *, ready: bool, day: date
    ) -> Created:
        numbers = [i.document_number for i in items]
        self.creates.append(numbers)
        if self.lose_answers:
            landed = self.lose_answers.pop(0)
            if landed:
                self._store(numbers)
            raise AmbiguousOutcome("the connection dropped before Sage answered")
        if self.refuse & set(numbers):
            raise RemoteRejection("Sage refused the batch", status_code=409, remote_code="InvalidPayload")
        return Created(self._store(numbers), "AR", len(self.creates), "Open", {n: k for k, n in enumerate(numbers, 1)})

    def _store(self, numbers: list[str]) -> str:
        name = f"batch {len(self.creates)}"
        self.in_sage.update(dict.fromkeys(numbers, name))
        return name

    def locate(self, sage: Sage300Client, items: Sequence[PostItem]) -> dict[str, DocumentLocation]:
        return {
            i.key: DocumentLocation("AR", i.document_number, DocumentPlace.OPEN_BATCH, self.in_sage[i.document_number])
            for i in items
            if i.document_number in self.in_sage
        }

    def post(self, sage: Sage300Client, created: Created) -> None:
        if self.fail_posting:
            raise TransientError("Sage 300 is in Day End")
        self.posted.append(created.number)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(f"sqlite:///{(tmp_path / 'state.db').as_posix()}") as opened:
        yield opened


def _items(count: int) -> list[PostItem]:
    payload = sg.ARInvoice(customer_number="ACME", document_number="x", document_type="Invoice")
    return [PostItem(f"K{n}", Target.AR, f"N{n}", "ACME", f"invoice N{n}", payload) for n in range(1, count + 1)]


def _poster(
    store: StateStore,
    fake: FakeTarget,
    items: list[PostItem],
    *,
    chunk: int = 50,
    auto: bool = False,
    stored: bool = False,
) -> Any:
    """A poster over ``fake`` for a new run holding ``items`` as validated documents (with payloads if ``stored``)."""
    run = store.create_run(kind="run", batch_number="B-1", options={}, actor="test")
    for item in items:
        store.put_document(
            run.id,
            item.key,
            kind="ar_invoice",
            source_type="invoice",
            source_id=item.key,
            document_number=item.document_number,
            state=DocState.VALIDATED,
            content_hash="",
            gl_entry_ids=[],
            payload=item.stored() if stored else None,
        )
    settings = PostSettings("B-1", chunk, auto, date(2026, 11, 26))
    targets = cast("dict[Target, SageTarget]", {fake.target: fake})
    return Poster(NO_CLIENT, store, run.id, settings, SilentProgress(), targets), run.id


def _states(store: StateStore, run_id: str) -> dict[str, DocState]:
    return {d.key: d.state for d in store.documents(run_id)}


def test_a_refused_batch_is_split_in_halves_until_the_bad_document_stands_alone(store: StateStore) -> None:
    fake = FakeTarget(refuse={"N6"})
    items = _items(8)
    poster, run_id = _poster(store, fake, items)
    outcome = poster.post(items)
    # 8 refused → 1-4 land, 5-8 refused → 5-6 refused → 5 lands, 6 refused alone; 7-8 land
    assert [len(c) for c in fake.creates] == [8, 4, 4, 2, 1, 1, 2]
    assert fake.creates[4:6] == [["N5"], ["N6"]]
    assert set(outcome.rejected) == {"K6"} and "refused" in outcome.rejected["K6"]
    assert len(outcome.posted) == 7 and sorted(fake.in_sage) == sorted(f"N{n}" for n in range(1, 9) if n != 6)
    states = _states(store, run_id)
    assert states.pop("K6") is DocState.REJECTED and set(states.values()) == {DocState.POSTED}
    (rejected,) = [d for d in store.documents(run_id) if d.key == "K6"]
    assert rejected.issues[0]["code"] == "sage-rejected"


def test_an_unclear_answer_then_found_is_posted_without_sending_again(store: StateStore) -> None:
    fake = FakeTarget(lose_answers=[True])
    items = _items(3)
    poster, run_id = _poster(store, fake, items)
    outcome = poster.post(items)
    assert len(fake.creates) == 1, "found in Sage: never sent twice"
    assert set(outcome.posted) == {"K1", "K2", "K3"}
    assert set(_states(store, run_id).values()) == {DocState.POSTED}
    assert {b.state for b in store.sage_batches(run_id)} == {SageBatchState.FOUND}
    events = [a["event"] for a in store.audit_log(run_id) if a["document_key"] == "K1"]
    assert "found in Sage after an unclear answer" in events


def test_an_unclear_answer_then_absent_is_sent_again_where_sage_refuses_duplicates(store: StateStore) -> None:
    fake = FakeTarget(lose_answers=[False])
    items = _items(2)
    poster, run_id = _poster(store, fake, items)
    outcome = poster.post(items)
    assert fake.creates == [["N1", "N2"], ["N1", "N2"]]
    assert set(outcome.posted) == {"K1", "K2"}
    assert set(_states(store, run_id).values()) == {DocState.POSTED}


def test_an_unclear_answer_then_absent_stays_posting_where_sage_would_accept_a_duplicate(store: StateStore) -> None:
    fake = FakeTarget(target=Target.GL, doc_kind=DocKind.GL_JOURNAL, unique_numbers=False, lose_answers=[False])
    items = [PostItem(i.key, Target.GL, i.document_number, "", i.label, i.payload) for i in _items(2)]
    poster, run_id = _poster(store, fake, items)
    with pytest.raises(AmbiguousOutcome):
        poster.post(items)
    assert len(fake.creates) == 1, "a GL entry is never sent twice on a guess"
    assert set(_states(store, run_id).values()) == {DocState.POSTING}, "the next run looks again first"


def test_repeated_unclear_answers_give_up_and_leave_the_documents_posting(store: StateStore) -> None:
    fake = FakeTarget(lose_answers=[False] * (MAX_AMBIGUOUS_RETRIES + 2))
    items = _items(2)
    poster, run_id = _poster(store, fake, items)
    with pytest.raises(AmbiguousOutcome):
        poster.post(items)
    assert len(fake.creates) == MAX_AMBIGUOUS_RETRIES
    assert set(_states(store, run_id).values()) == {DocState.POSTING}


def test_a_refusal_of_a_resend_looks_first_and_posts_what_landed(store: StateStore) -> None:
    """The first (slow) request lands after the look-up; the resend is refused as a duplicate: found, not rejected."""

    class SlowFirst(FakeTarget):
        def create(
            self, sage: Sage300Client, items: Sequence[PostItem], description: str, *, ready: bool, day: date
        ) -> Created:
            if self.creates:  # the resend: meanwhile the first request landed, so Sage refuses the duplicate
                self.creates.append([i.document_number for i in items])
                self.in_sage["N1"] = "batch 1"
                raise RemoteRejection("DocumentNumber already exists", status_code=409, remote_code="RecordDuplicate")
            return super().create(sage, items, description, ready=ready, day=day)

    fake = SlowFirst(lose_answers=[False])
    items = _items(1)
    poster, run_id = _poster(store, fake, items)
    outcome = poster.post(items)
    assert len(fake.creates) == 2
    assert set(outcome.posted) == {"K1"} and not outcome.rejected
    assert _states(store, run_id) == {"K1": DocState.POSTED}


def test_a_failed_automatic_posting_leaves_the_batch_created_with_a_warning(store: StateStore) -> None:
    fake = FakeTarget(fail_posting=True)
    items = _items(2)
    poster, run_id = _poster(store, fake, items, auto=True)
    outcome = poster.post(items)
    assert set(_states(store, run_id).values()) == {DocState.POSTED}, "the documents are in Sage all the same"
    (batch,) = store.sage_batches(run_id)
    assert batch.state is SageBatchState.POST_FAILED
    assert outcome.warnings and "could not be posted automatically" in outcome.warnings[0]


def test_automatic_posting_posts_each_created_batch(store: StateStore) -> None:
    fake = FakeTarget()
    items = _items(5)
    poster, run_id = _poster(store, fake, items, chunk=2, auto=True)
    poster.post(items)
    assert fake.posted == [1, 2, 3]
    assert {b.state for b in store.sage_batches(run_id)} == {SageBatchState.POSTED}


def test_a_transient_refusal_puts_the_documents_back_and_stops(store: StateStore) -> None:
    class Busy(FakeTarget):
        def create(
            self, sage: Sage300Client, items: Sequence[PostItem], description: str, *, ready: bool, day: date
        ) -> Created:
            raise TransientError("Day End Processing is running")

    items = _items(2)
    poster, run_id = _poster(store, Busy(), items)
    with pytest.raises(TransientError):
        poster.post(items)
    assert set(_states(store, run_id).values()) == {DocState.VALIDATED}


def test_after_a_crash_documents_in_flight_are_resolved_by_looking(store: StateStore) -> None:
    fake = FakeTarget()
    items = _items(2)
    poster, run_id = _poster(store, fake, items)
    for item in items:
        store.set_state(run_id, item.key, DocState.POSTING)
    fake.in_sage["N1"] = "batch 9"
    absent = poster.resolve_in_flight(items)
    assert [i.key for i in absent] == ["K2"]
    assert _states(store, run_id) == {"K1": DocState.POSTED, "K2": DocState.VALIDATED}
    assert poster.outcome.posted["K1"].batch_number == "batch 9"


@pytest.mark.parametrize(("size", "count"), [(40, 130), (1, 7), (50, 50), (60, 61)])
def test_stored_documents_are_read_in_whole_sage_batches(store: StateStore, size: int, count: int) -> None:
    """Posting reads the stored payloads a page at a time; a page never cuts a Sage batch in two."""
    from types import SimpleNamespace

    from cwsage.services.job import BatchJob

    items = _items(count)
    for item in items:
        item.payload = sg.ARInvoice(customer_number="ACME", document_number=item.document_number)
    _, run_id = _poster(store, FakeTarget(), items, stored=True)
    job = BatchJob(SimpleNamespace(store=store), kind="run", batch_number="B-1")  # type: ignore[arg-type]
    run = store.get_run(run_id)
    chunks = list(job._stored_items(run, [i.key for i in items], size))  # type: ignore[arg-type]
    assert [len(c) for c in chunks] == [min(size, count - n) for n in range(0, count, size)]
    assert [i.key for c in chunks for i in c] == [i.key for i in items]
