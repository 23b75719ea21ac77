"""Long work started from the browser: a service call in a server thread, its progress kept server-side.

Why a module of its own: a batch run may take minutes and must not depend on the browser tab that
started it. Each :class:`Job` runs one service call in a thread of the server process and records every
progress event the service reports (it is the service's :class:`cwsage.services.progress.Progress`). A
page that opens — or re-opens after the tab was closed — replays the events so far and then follows the
new ones over server-sent events; the ``Last-Event-ID`` a browser sends when it reconnects picks up
exactly where it left off.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from cwsage.dates import now
from cwsage.errors import CwsageError
from cwsage.redaction import redact

log = logging.getLogger("cwsage.web.jobs")


class JobKind(StrEnum):
    """What a job does (the screens' buttons)."""

    PREVIEW = "preview"
    RUN = "run"
    RERUN_PREVIEW = "rerun-preview"
    RERUN = "rerun"
    SYNC_PREVIEW = "sync-preview"
    SYNC = "sync"

    @property
    def is_preview(self) -> bool:
        """Whether the job only looks (nothing is changed anywhere)."""
        return self in (JobKind.PREVIEW, JobKind.RERUN_PREVIEW, JobKind.SYNC_PREVIEW)

    @property
    def real(self) -> JobKind:
        """The job that does for real what this preview showed."""
        return {
            JobKind.PREVIEW: JobKind.RUN,
            JobKind.RERUN_PREVIEW: JobKind.RERUN,
            JobKind.SYNC_PREVIEW: JobKind.SYNC,
        }.get(self, self)


class JobState(StrEnum):
    """Where a job is."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class JobEvent:
    """One progress event, numbered from 1 within its job.

    Attributes:
        id: Sequence number (the SSE event id).
        kind: ``stage``, ``advance``, ``note`` or ``end``.
        text: The stage name or note (redacted).
        done: Steps done in the current stage.
        total: Steps in the current stage, if known.
    """

    id: int
    kind: str
    text: str
    done: int = 0
    total: int | None = None


@dataclass
class Job:
    """One service call running (or run) in the server.

    Attributes:
        id: Random id (the page's URL).
        kind: What it does.
        title: What the page calls it, e.g. ``Run Export of batch 20261125JD-I``.
        request: What the service was asked (kept so that a preview can be run for real, or a run resumed).
        started: Start time.
        finished: End time.
        state: Running, done or failed.
        result: The service's result object when done.
        error: The readable paragraph when the service raised.
    """

    id: str
    kind: JobKind
    title: str
    request: Any
    started: datetime = field(default_factory=now)
    finished: datetime | None = None
    state: JobState = JobState.RUNNING
    result: Any = None
    error: str | None = None
    _events: list[JobEvent] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _done: int = 0
    _total: int | None = None

    # -- Progress protocol (called from the job's thread) --------------------------------------------------

    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage of the service starts."""
        with self._cond:
            self._done, self._total = 0, total
            self._add("stage", name)

    def advance(self, steps: int = 1) -> None:
        """Steps of the current stage are done."""
        with self._cond:
            self._done += steps
            self._add("advance", "")

    def note(self, text: str) -> None:
        """A line worth showing as it happens."""
        with self._cond:
            self._add("note", text)

    def _add(self, kind: str, text: str) -> None:
        self._events.append(JobEvent(len(self._events) + 1, kind, redact(text), self._done, self._total))
        self._cond.notify_all()

    # -- readers -------------------------------------------------------------------------------------------

    def events_after(self, last_id: int) -> list[JobEvent]:
        """Events with an id above ``last_id`` (all of them for 0)."""
        with self._cond:
            return list(self._events[max(0, last_id) :])

    def wait(self, last_id: int, timeout: float) -> list[JobEvent]:
        """Events after ``last_id``, waiting up to ``timeout`` seconds for one if there is none yet."""
        with self._cond:
            if len(self._events) <= last_id and self.state is JobState.RUNNING:
                self._cond.wait(timeout)
            return list(self._events[max(0, last_id) :])

    @property
    def running(self) -> bool:
        """Whether the service is still working."""
        return self.state is JobState.RUNNING

    @property
    def run_id(self) -> str | None:
        """The run the service recorded, once it has one."""
        return getattr(self.result, "run_id", None)

    def finish(self, result: Any = None, error: str | None = None) -> None:
        """Record the end (called once, from the job's thread)."""
        with self._cond:
            self.result = result
            self.error = redact(error) if error else None
            self.state = JobState.FAILED if error else JobState.DONE
            self.finished = now()
            self._add("end", self.error or "finished")


Work = Callable[[Job], Any]
"""The service call of a job: receives the job (its progress sink) and returns the service's result."""


class JobManager:
    """Starts jobs in threads and keeps them (and their results) for the life of the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def start(self, kind: JobKind, title: str, request: Any, work: Work) -> Job:
        """Start ``work`` in a new thread and return its job at once."""
        job = Job(uuid.uuid4().hex, kind, title, request)
        with self._lock:
            self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, work), name=f"cwsage-job-{job.id[:8]}", daemon=True)
        thread.start()
        return job

    @staticmethod
    def _run(job: Job, work: Work) -> None:
        try:
            result = work(job)
        except CwsageError as exc:
            log.warning("%s failed: %s", job.title, exc)
            job.finish(error=exc.paragraph())
        except Exception as exc:
            log.exception("%s stopped on an unexpected error", job.title)
            job.finish(
                error=f"cwsage stopped on an unexpected error ({type(exc).__name__}: {exc}). This is a bug: send the "
                "full log to support. Nothing is lost: run it again to resume."
            )
        else:
            job.finish(result=result)

    def get(self, job_id: str) -> Job | None:
        """The job with this id, or ``None``."""
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        """Every job of this server, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.started, reverse=True)

    def running(self) -> list[Job]:
        """The jobs still working, newest first."""
        return [job for job in self.all() if job.running]

    def wait_all(self, timeout: float) -> bool:
        """Wait until no job is running (tests, shutdown); returns whether that happened in time."""
        deadline = now().timestamp() + timeout
        for job in self.all():
            while job.running:
                remaining = deadline - now().timestamp()
                if remaining <= 0:
                    return False
                job.wait(len(job.events_after(0)), min(remaining, 0.5))
        return True
