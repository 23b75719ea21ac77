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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from cwsage.domain.location import DocumentLocation
from cwsage.errors import AmbiguousOutcome, BugError, CwsageError, RemoteRejection, TransientError
from cwsage.mapping.dispatch import Target
from cwsage.mapping.to_sage import batch_description
from cwsage.sage300.client import Sage300Client
from cwsage.services.progress import Progress, checkpoint
from cwsage.services.targets import TARGETS, Created, PostItem, SageTarget, by_target, locate
from cwsage.state.store import DocState, SageBatchState, StateChange, StateStore

log = logging.getLogger("cwsage.posting")

MAX_AMBIGUOUS_RETRIES = 3


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

    posted: dict[str, DocumentLocation] = field(default_factory=dict)  # key -> where in Sage
    rejected: dict[str, str] = field(default_factory=dict)  # key -> Sage's message
    sage_batches: list[str] = field(default_factory=list)  # human names, e.g. "AR invoice batch 12"
    warnings: list[str] = field(default_factory=list)


def _refused_for_good(exc: BugError) -> bool:
    """Whether Sage itself answered a 4xx that sending the same request again would get again.

    ``InvalidPayload``, ``InvalidParameters`` and the like (I20) create nothing and are answered the same every
    time: leaving the documents ``posting`` would make every later run look for them and send them again,
    forever. They are rejected instead, each with Sage's message. A :class:`BugError` without an HTTP status
    is cwsage's own check before sending, which reached nothing.
    """
    return exc.status_code is not None and 400 <= exc.status_code < 500


class Poster:
    """Posts :class:`PostItem`\\ s for one run, keeping the state store one step ahead of Sage.

    Args:
        sage: The Sage client.
        store: The state store.
        run_id: The run.
        settings: How to post.
        progress: Where progress goes.
        targets: The target of each kind of document (tests pass fakes).
    """

    def __init__(
        self,
        sage: Sage300Client,
        store: StateStore,
        run_id: str,
        settings: PostSettings,
        progress: Progress,
        targets: Mapping[Target, SageTarget] = TARGETS,
    ) -> None:
        self.sage = sage
        self.store = store
        self.run_id = run_id
        self.settings = settings
        self.progress = progress
        self.targets = targets
        self.outcome = PostOutcome()

    def locate(self, items: Sequence[PostItem]) -> dict[str, DocumentLocation]:
        """Where Sage already has each of ``items`` (by key); absent keys are not in Sage."""
        return locate(self.sage, items, self.targets)

    def resolve_in_flight(self, items: Sequence[PostItem]) -> list[PostItem]:
        """After a crash: documents left in ``posting`` are looked up; returns those proven absent."""
        if not items:
            return []
        found = self.locate(items)
        self.store.set_states(
            self.run_id,
            [
                StateChange(item.key, DocState.POSTED, "found in Sage after an interruption", location=found[item.key])
                if item.key in found
                else StateChange(item.key, DocState.VALIDATED, "not in Sage after an interruption: will post again")
                for item in items
            ],
        )
        self.outcome.posted.update(found)
        return [item for item in items if item.key not in found]

    def post(self, items: Sequence[PostItem]) -> PostOutcome:
        """Post every item, grouped by target and chunked; see the module docstring for the rules."""
        for kind, group in by_target(items).items():
            size = self.chunk_size(kind)
            self.post_target(kind, len(group), (group[i : i + size] for i in range(0, len(group), size)))
        return self.outcome

    def chunk_size(self, kind: Target) -> int:
        """Documents per creating call for ``kind``: a Sage batch of the setting's size, or one IC document."""
        return self.settings.chunk_size if self.targets[kind].batched else 1

    def post_target(self, kind: Target, total: int, chunks: Iterable[list[PostItem]]) -> None:
        """Post ``total`` documents of one target, :meth:`chunk_size` at a time, as ``chunks`` yields them (they may
        be read from the state store one chunk at a time, so a run never holds every payload at once)."""
        target = self.targets[kind]
        count = -(-total // self.chunk_size(kind))
        self.progress.stage(f"Posting {target.doc_kind.label}s", total)
        for index, chunk in enumerate(chunks, start=1):
            description = batch_description(self.settings.batch_number, target.doc_kind, index, count, self.run_id)
            self._post_group(target, chunk, description, attempt=1)

    def _post_group(self, target: SageTarget, items: list[PostItem], description: str, *, attempt: int) -> None:
        self._set_all(items, DocState.POSTING, f"sending to Sage ({description})")
        try:
            created = target.create(
                self.sage, items, description, ready=self.settings.auto_post, day=self.settings.batch_date
            )
        except AmbiguousOutcome as exc:
            log.warning("unclear answer for %d document(s): %s; looking in Sage", len(items), exc)
            missing = self._found_after_unclear(items)
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
                rest = self._found_after_unclear(items)
                if len(rest) < len(items):
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
        checkpoint("after-sage-batch")
        self._record(target, created, description, items)
        self._landed(items, {item.key: created.where(item) for item in items})

    def _found_after_unclear(self, items: list[PostItem]) -> list[PostItem]:
        """Look for ``items`` in Sage; those found are ``posted``; returns the others."""
        found = self.locate(items)
        landed = [item for item in items if item.key in found]
        self._landed(landed, found, event="found in Sage after an unclear answer")
        by_batch: dict[str, list[PostItem]] = {}
        for item in landed:
            by_batch.setdefault(found[item.key].batch_name(), []).append(item)
        for name, group in by_batch.items():
            number = found[group[0].key].batch_number
            self._put_batch(name, group[0].target, "", group, number, SageBatchState.FOUND)
        return [item for item in items if item.key not in found]

    def _record(self, target: SageTarget, created: Created, description: str, items: list[PostItem]) -> None:
        """Keep what Sage created (in the state store and the outcome), then post it if asked to."""
        self._put_batch(created.name, target.target, description, items, created.number, SageBatchState.CREATED)
        if not (self.settings.auto_post and target.postable and created.number is not None):
            return
        try:
            target.post(self.sage, created)
        except CwsageError as exc:
            message = (
                f"{created.name} was created but could not be posted automatically: {exc.user_message}. "
                "Post it in Sage."
            )
            self.outcome.warnings.append(message)
            state = SageBatchState.POST_FAILED
        else:
            created.posted = True
            state = SageBatchState.POSTED
        self._put_batch(created.name, target.target, description, items, created.number, state)

    def _put_batch(
        self,
        name: str,
        target: Target,
        description: str,
        items: list[PostItem],
        number: int | str | None,
        state: SageBatchState,
    ) -> None:
        if name not in self.outcome.sage_batches:
            self.outcome.sage_batches.append(name)
        self.store.put_sage_batch(
            self.run_id,
            name,
            kind=str(target),
            description=description,
            state=state,
            document_keys=[i.key for i in items],
            sage_batch_number=None if number is None else str(number),
        )

    # -- state -----------------------------------------------------------------------------------------

    def _landed(self, items: list[PostItem], places: Mapping[str, DocumentLocation], *, event: str = "in Sage") -> None:
        """``items`` are in Sage (``places``: where each landed, by key), saved in one transaction."""
        if not items:
            return
        self.store.set_states(
            self.run_id,
            [StateChange(item.key, DocState.POSTED, event, location=places[item.key]) for item in items],
        )
        for item in items:
            self.outcome.posted[item.key] = places[item.key]
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
