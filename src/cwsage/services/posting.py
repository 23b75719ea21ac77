"""Post documents into Sage 300 exactly once.

The rules, in the order they are applied to each group of documents:

1. Before a creating call, the documents' state becomes ``posting`` — durably, in the state store.
2. The call either succeeds (state ``posted``, with where Sage put them), or
3. Sage refuses it (409): a batch POST is all-or-nothing, so the group is split in halves and each half
   is sent again, down to single documents; a single document Sage refuses is ``rejected`` with Sage's
   own words, and the good ones still land; or
4. the outcome is unknown (timeout, dropped connection): cwsage *looks in Sage* for the documents;
   those found are ``posted``. Those not found are sent again only where Sage itself refuses a
   duplicate (AR and AP document numbers): if the first, slow request lands after all, one of the two
   is refused. Sage's refusal is told apart by its error code only, never by its message, so *any*
   refusal of a group that was sent again is followed by a fresh look-up before anything is marked
   ``rejected``: the documents found are ``posted``, the rest are sent again without them. GL and IC
   documents have no such guard, so they stay ``posting`` and the run stops: the next run looks again,
   by which time the slow request has either landed or not; or
5. a transient refusal (rate limit, Day End lock): nothing landed, the documents go back to
   ``validated`` and the run stops so that it can be resumed later.

A process killed between 1 and 2 leaves documents in ``posting``; the next run resolves them the same
way as rule 4 before posting anything else (:meth:`Poster.resolve_in_flight`).

With automatic posting, each batch is created with ``BatchStatus`` (GL: ``Status``) ``ReadyToPost`` in the
creating POST (DR22, Sage 300 2021+); an older server answers ``Open`` and the batch is PATCHed (I14); then
the posting process runs with the parameters the server's template names (I12, I13).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from cwsage.domain.documents import DocKind
from cwsage.errors import AmbiguousOutcome, BugError, CwsageError, RemoteRejection, TransientError
from cwsage.mapping.to_sage import batch_description
from cwsage.sage300 import models as sg
from cwsage.sage300 import vocabulary as V
from cwsage.sage300.client import Sage300Client
from cwsage.services.progress import Progress, checkpoint
from cwsage.state.store import DocState, StateChange, StateStore

log = logging.getLogger("cwsage.posting")

MAX_AMBIGUOUS_RETRIES = 3
T = TypeVar("T", int, str)


class Target(StrEnum):
    """Where in Sage a document goes."""

    AR = "ar"
    AP = "ap"
    GL = "gl"
    IC_ADJUSTMENT = "ic_adjustment"
    IC_TRANSFER = "ic_transfer"

    @property
    def doc_kind(self) -> DocKind:
        """The document kind used to describe batches of this target."""
        return {
            Target.AR: DocKind.AR_INVOICE,
            Target.AP: DocKind.AP_INVOICE,
            Target.GL: DocKind.GL_JOURNAL,
            Target.IC_ADJUSTMENT: DocKind.IC_ADJUSTMENT,
            Target.IC_TRANSFER: DocKind.IC_TRANSFER,
        }[self]

    @property
    def unique_numbers(self) -> bool:
        """Whether Sage refuses a second document with the same number (AR and AP do; GL and IC do not)."""
        return self in (Target.AR, Target.AP)

    @property
    def batched(self) -> bool:
        """AR, AP and GL documents go into batches; IC documents are created one by one."""
        return self in (Target.AR, Target.AP, Target.GL)


_MODELS: dict[Target, type[sg.SageModel]] = {
    Target.AR: sg.ARInvoice,
    Target.AP: sg.APInvoice,
    Target.GL: sg.GLJournalHeader,
    Target.IC_ADJUSTMENT: sg.ICAdjustment,
    Target.IC_TRANSFER: sg.ICTransfer,
}


@dataclass
class PostItem:
    """One document ready for Sage: its key, target and Sage payload."""

    key: str
    target: Target
    document_number: str
    party: str
    label: str
    payload: sg.SageModel

    def stored(self) -> dict[str, Any]:
        """The form kept in the state store, enough to finish the job after a crash."""
        return {
            "target": str(self.target),
            "party": self.party,
            "label": self.label,
            "sage": self.payload.to_payload(),
        }

    @classmethod
    def from_stored(cls, key: str, document_number: str, data: dict[str, Any]) -> PostItem:
        """Rebuild an item from :meth:`stored`."""
        target = Target(data["target"])
        model = _MODELS[target].model_validate(data["sage"])
        return cls(key, target, document_number, data.get("party", ""), data.get("label", key), model)


@dataclass(frozen=True)
class PostSettings:
    """How to post.

    Attributes:
        batch_number: The user's Batch Number (goes into every Sage batch description).
        chunk_size: Most documents per Sage batch (bounded POST bodies, bounded blast radius).
        auto_post: Also set each batch Ready To Post and post it (otherwise the bookkeeper reviews and
            posts them in Sage, as with the guide's tool).
        batch_date: Date of the Sage batches.
    """

    batch_number: str
    chunk_size: int
    auto_post: bool
    batch_date: date


@dataclass
class PostOutcome:
    """What happened to the documents handed to :meth:`Poster.post`."""

    posted: dict[str, str] = field(default_factory=dict)  # key -> where in Sage
    rejected: dict[str, str] = field(default_factory=dict)  # key -> Sage's message
    sage_batches: list[str] = field(default_factory=list)  # human names, e.g. "AR batch 12"
    warnings: list[str] = field(default_factory=list)


def _refused_for_good(exc: BugError) -> bool:
    """Whether Sage itself answered a 4xx that sending the same request again would get again.

    ``InvalidPayload``, ``InvalidParameters`` and the like (I20) create nothing and are answered the same every
    time: leaving the documents ``posting`` would make every later run look for them and send them again,
    forever. They are rejected instead, each with Sage's message. A :class:`BugError` without an HTTP status
    is cwsage's own check before sending, which reached nothing.
    """
    return exc.status_code is not None and 400 <= exc.status_code < 500


def _by_target(items: Iterable[PostItem]) -> dict[Target, list[PostItem]]:
    by_target: dict[Target, list[PostItem]] = {}
    for item in items:
        by_target.setdefault(item.target, []).append(item)
    return by_target


def locate(sage: Sage300Client, items: Iterable[PostItem]) -> dict[str, str]:
    """Where Sage already has each of ``items`` (key → description); absent keys are not in Sage."""
    found: dict[str, str] = {}
    for target, group in _by_target(items).items():
        if target is Target.AP:
            ap = sage.ap_document_locations((i.party, i.document_number) for i in group)
            places = {i.key: ap.get((i.party, i.document_number)) for i in group}
        else:
            lookup = {
                Target.AR: sage.ar_document_locations,
                Target.GL: sage.gl_document_locations,
            }.get(target, sage.ic_document_locations)
            by_number = lookup(i.document_number for i in group)
            places = {i.key: by_number.get(i.document_number) for i in group}
        found.update({key: place.describe() for key, place in places.items() if place is not None})
    return found


class Poster:
    """Posts :class:`PostItem`\\ s for one run, keeping the state store one step ahead of Sage."""

    def __init__(
        self,
        sage: Sage300Client,
        store: StateStore,
        run_id: str,
        settings: PostSettings,
        progress: Progress,
    ) -> None:
        self.sage = sage
        self.store = store
        self.run_id = run_id
        self.settings = settings
        self.progress = progress
        self.outcome = PostOutcome()

    # -- lookups ---------------------------------------------------------------------------------------

    def locate(self, items: Iterable[PostItem]) -> dict[str, str]:
        """Where Sage already has each of ``items`` (see :func:`locate`)."""
        return locate(self.sage, items)

    def resolve_in_flight(self, items: Sequence[PostItem]) -> list[PostItem]:
        """After a crash: documents left in ``posting`` are looked up; returns those proven absent."""
        if not items:
            return []
        found = self.locate(items)
        absent = [item for item in items if item.key not in found]
        self.store.set_states(
            self.run_id,
            [
                StateChange(
                    item.key, DocState.POSTED, "found in Sage after an interruption", sage_location=found[item.key]
                )
                if item.key in found
                else StateChange(item.key, DocState.VALIDATED, "not in Sage after an interruption: will post again")
                for item in items
            ],
        )
        for item in items:
            if item.key in found:
                self.outcome.posted[item.key] = found[item.key]
        return absent

    # -- posting ---------------------------------------------------------------------------------------

    def post(self, items: Sequence[PostItem]) -> PostOutcome:
        """Post every item, grouped by target and chunked; see the module docstring for the rules."""
        by_target = _by_target(items)
        for target in Target:
            group = by_target.get(target, [])
            if not group:
                continue
            size = self.settings.chunk_size if target.batched else 1
            chunks = [group[i : i + size] for i in range(0, len(group), size)]
            self.progress.stage(f"Posting {target.doc_kind.label}s", len(group))
            for index, chunk in enumerate(chunks, start=1):
                description = batch_description(
                    self.settings.batch_number, target.doc_kind, index, len(chunks), self.run_id
                )
                self._post_group(target, chunk, description, attempt=1)
        return self.outcome

    def _post_group(self, target: Target, items: list[PostItem], description: str, *, attempt: int) -> None:
        self._set_all(items, DocState.POSTING, f"sending to Sage ({description})")
        try:
            where = self._create(target, items, description)
        except AmbiguousOutcome as exc:
            log.warning("unclear answer for %d document(s): %s; looking in Sage", len(items), exc)
            found = self.locate(items)
            missing = [item for item in items if item.key not in found]
            self._landed([item for item in items if item.key in found], found, unclear=True)
            if missing and (not target.unique_numbers or attempt >= MAX_AMBIGUOUS_RETRIES):
                raise  # left in ``posting``: the next run looks again before anything is sent
            if missing:
                self._post_group(target, missing, description, attempt=attempt + 1)
            return
        except (RemoteRejection, BugError) as exc:
            if isinstance(exc, BugError) and not _refused_for_good(exc):
                raise  # cwsage's own check stopped it before sending: nothing reached Sage
            if attempt > 1:
                # Sent again after an unclear answer and refused: the first request may have landed after all,
                # and a duplicate cannot be recognised by Sage's words. Look before rejecting anything.
                found = self.locate(items)
                if found:
                    self._landed([item for item in items if item.key in found], found, unclear=True)
                    rest = [item for item in items if item.key not in found]
                    if rest:
                        self._post_group(target, rest, description, attempt=attempt + 1)
                    return
            self._set_all(items, DocState.VALIDATED, "Sage refused the batch it was in")
            if len(items) == 1:
                self._rejected(items[0], exc)
                return
            middle = len(items) // 2
            self._post_group(target, items[:middle], description, attempt=attempt)
            self._post_group(target, items[middle:], description, attempt=attempt)
            return
        except TransientError:
            self._set_all(items, DocState.VALIDATED, "Sage was not available; nothing was created")
            raise
        self._landed(items, {item.key: where(item) for item in items})

    def _create(self, target: Target, items: list[PostItem], description: str) -> Callable[[PostItem], str]:
        """Send one creating call; return a function telling where each item landed."""
        batch_date = self.settings.batch_date
        ready = V.BatchStatus.READY_TO_POST.value if self.settings.auto_post else None
        if target is Target.AR:
            ar = self.sage.create_ar_invoice_batch(
                sg.ARInvoiceBatch(
                    batch_date=batch_date,
                    batch_status=ready,
                    description=description,
                    invoices=[i.payload for i in items],
                )
            )
            number = ar.batch_number
            checkpoint("after-sage-batch")
            self._record(
                f"AR invoice batch {number}",
                target,
                description,
                items,
                number,
                lambda: self._auto_post(V.AR_INVOICE_BATCHES, number, ar.batch_status, self.sage.post_ar_batch),
            )
            entries = {inv.document_number: inv.entry_number for inv in ar.invoices}
            return lambda i: f"AR invoice batch {number}, entry {entries.get(i.document_number, '?')}"
        if target is Target.AP:
            ap = self.sage.create_ap_invoice_batch(
                sg.APInvoiceBatch(
                    batch_date=batch_date,
                    batch_status=ready,
                    description=description,
                    invoices=[i.payload for i in items],
                )
            )
            ap_number = ap.batch_number
            checkpoint("after-sage-batch")
            self._record(
                f"AP invoice batch {ap_number}",
                target,
                description,
                items,
                ap_number,
                lambda: self._auto_post(V.AP_INVOICE_BATCHES, ap_number, ap.batch_status, self.sage.post_ap_batch),
            )
            return lambda i: f"AP invoice batch {ap_number}"
        if target is Target.GL:
            gl = self.sage.create_gl_journal_batch(
                sg.GLJournalBatch(
                    status=ready,
                    description=description,
                    journal_headers=[i.payload for i in items],
                )
            )
            gl_number = gl.batch_number or (gl.journal_headers[0].batch_number if gl.journal_headers else None)
            checkpoint("after-sage-batch")
            self._record(
                f"GL journal batch {gl_number}",
                target,
                description,
                items,
                gl_number,
                lambda: self._auto_post(V.GL_JOURNAL_BATCHES, gl_number, gl.status, self.sage.post_gl_batch),
            )
            return lambda i: f"GL journal batch {gl_number}"
        (item,) = items
        if target is Target.IC_ADJUSTMENT:
            adj = self.sage.create_ic_adjustment(item.payload)  # type: ignore[arg-type]
            name = f"IC adjustment {adj.adjustment_number or adj.sequence_number}"
        else:
            trf = self.sage.create_ic_transfer(item.payload)  # type: ignore[arg-type]
            name = f"IC transfer {trf.transfer_number or trf.sequence_number}"
        checkpoint("after-sage-batch")
        self._record(name, target, description, items, None, None)
        return lambda i: name

    def _record(
        self,
        name: str,
        target: Target,
        description: str,
        items: list[PostItem],
        number: object,
        auto_post: Callable[[], None] | None,
        *,
        state: str = "created",
    ) -> None:
        """Keep what Sage created (in the state store and the outcome), then post it if asked to."""
        if name not in self.outcome.sage_batches:
            self.outcome.sage_batches.append(name)

        def put(new_state: str) -> None:
            self.store.put_sage_batch(
                self.run_id,
                name,
                kind=str(target),
                description=description,
                state=new_state,
                document_keys=[i.key for i in items],
                sage_batch_number=None if number is None else str(number),
            )

        put(state)
        if auto_post is None or not self.settings.auto_post:
            return
        try:
            auto_post()
            put("posted")
        except CwsageError as exc:
            message = f"{name} was created but could not be posted automatically: {exc.user_message}. Post it in Sage."
            self.outcome.warnings.append(message)
            put("created; automatic posting failed")

    def _auto_post(self, resource: V.Resource, number: T | None, status: str | None, post: Callable[[T], None]) -> None:
        """Make a created batch Ready To Post unless Sage's answer already says so (I14), then post it."""
        if number is not None:
            self.sage.ensure_ready(resource, number, status)
            post(number)

    # -- state -----------------------------------------------------------------------------------------

    def _landed(self, items: list[PostItem], places: Mapping[str, str], *, unclear: bool = False) -> None:
        """``items`` are in Sage (``places``: where each landed, by key), saved in one transaction."""
        if not items:
            return
        event = "found in Sage after an unclear answer" if unclear else "in Sage"
        self.store.set_states(
            self.run_id,
            [StateChange(item.key, DocState.POSTED, event, sage_location=places[item.key]) for item in items],
        )
        for item in items:
            self.outcome.posted[item.key] = places[item.key]
            if unclear:
                self._record(
                    places[item.key], item.target, "", [item], None, None, state="found after an unclear answer"
                )
            self.progress.advance()

    def _rejected(self, item: PostItem, exc: CwsageError) -> None:
        message = exc.user_message
        issue = {
            "source_ref": item.label,
            "document_key": item.key,
            "code": "sage-rejected",
            "field": "",
            "value": item.document_number,
            "message": f"Sage 300 refused it: {message}",
            "hint": exc.hint,
            "fix_in": "Sage 300",
            "severity": "error",
        }
        self.store.set_state(
            self.run_id,
            item.key,
            DocState.REJECTED,
            event="rejected by Sage",
            issues=[issue],
            detail={"message": message, "status": exc.status_code},
        )
        self.outcome.rejected[item.key] = message
        self.progress.advance()

    def _set_all(self, items: list[PostItem], state: DocState, event: str) -> None:
        self.store.set_states(self.run_id, [StateChange(item.key, state, event) for item in items])
