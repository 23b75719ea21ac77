"""What every batch service needs: the two clients, the state store, the settings that shape a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cwsage.connectwise.client import ManageClient
from cwsage.dates import Clock, SystemClock
from cwsage.mapping import to_sage
from cwsage.mapping.plausibility import PlausibilityLimits
from cwsage.sage300.client import Sage300Client
from cwsage.services.progress import Progress, SilentProgress
from cwsage.state.store import StateStore


@dataclass(frozen=True)
class BatchSettings:
    """Configuration that shapes every run (from ``[defaults]`` in the config file).

    Attributes:
        chunk_size: Most documents per Sage batch.
        auto_post: Post the Sage batches too (otherwise they are left for review, as with the guide's tool).
        posting: Options for the Sage payloads.
        ic_default_location: Sage IC location for inventory adjustments.
        customer_group: Group for customers created with ``--create-missing``.
        vendor_group: Group for vendors created with ``--create-missing``.
        item_account_set: Account set for items created with ``--create-missing``.
        home_currency: The company's home currency when Sage has no company profile (I2); empty: Sage says.
        limits: Largest document total and line amount posted (``max_document_amount``, ``max_line_amount``).
    """

    chunk_size: int = 50
    auto_post: bool = False
    posting: to_sage.PostingOptions = field(default_factory=to_sage.PostingOptions)
    ic_default_location: str = ""
    customer_group: str = ""
    vendor_group: str = ""
    item_account_set: str = ""
    home_currency: str = ""
    limits: PlausibilityLimits = field(default_factory=PlausibilityLimits)  # plausibility checks (issue 13)


@dataclass
class Context:
    """What a batch service needs: the two clients, the state store and the settings."""

    manage: ManageClient
    sage: Sage300Client
    store: StateStore
    settings: BatchSettings
    reports_dir: Path
    actor: str = "cwsage"
    clock: Clock = field(default_factory=SystemClock)
    progress: Progress = field(default_factory=SilentProgress)
