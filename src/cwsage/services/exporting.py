"""Export the selected records from Manage and translate them into canonical documents, part by part."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

from cwsage.connectwise import models as cw
from cwsage.errors import CwsageError
from cwsage.mapping.from_manage import TranslateOptions, Translation, translate
from cwsage.mapping.locations import adjustment_locations
from cwsage.mapping.locations import describe as describe_locations
from cwsage.services.context import Context
from cwsage.services.selection import DETAIL_LEVELS, RunRequest, Selection

log = logging.getLogger("cwsage.batch")


def export_selection(ctx: Context, request: RunRequest, selection: Selection) -> cw.GLExport:
    """``POST /finance/accounting/export`` for exactly the selected records."""
    ctx.progress.stage("Exporting the selected records from Manage")
    through = request.through or ctx.clock.now().date()
    return ctx.manage.export(
        cw.ExportRequest(
            batch_identifier=request.batch_number,
            thru_date=to_datetime(through),
            location_id=selection.location_id,
            summarize_invoices=DETAIL_LEVELS.get(request.detail.lower(), "Default"),
            export_invoices_flag=bool(selection.invoices),
            included_invoice_ids=[r.id for r in selection.invoices if r.id is not None],
            export_expenses_flag=bool(selection.expenses),
            included_expense_ids=[r.id for r in selection.expenses if r.id is not None],
            export_products_flag=bool(selection.procurement),
            included_product_ids=[str(r.unposted_product_id or r.id) for r in selection.procurement],
        )
    )


def translate_export(ctx: Context, export: cw.GLExport) -> Translation:
    """Translate one export, with the IC location of each adjustment Manage can tell (``mapping.locations``)."""
    derived: dict[str, str] = {}
    if export.adjustment_transactions:
        try:
            derived = adjustment_locations(
                export.adjustment_transactions, ctx.manage.unposted_procurement(), ctx.manage.warehouses()
            )
        except CwsageError as exc:
            log.warning("Manage's warehouses could not be read (%s): IC locations come from the setting", exc)
        else:
            log.info("%s", describe_locations(derived, len(export.adjustment_transactions)))
    options = TranslateOptions(ic_default_location=ctx.settings.ic_default_location, adjustment_locations=derived)
    return translate(export, options)


EXPORT_CHUNK = 500
"""Invoices per export request: each export's answer (~15 KB per 8-line invoice) is translated and released
before the next one is asked for, so memory does not grow with the whole selection's export."""


def translate_parts(ctx: Context, request: RunRequest, selection: Selection) -> Iterator[Translation]:
    """Export the selected records from Manage in parts and translate each part as it is asked for.

    Invoices are independent records of the export, so they are taken :data:`EXPORT_CHUNK` at a time; expenses
    and procurement come with the last part (Manage may combine several of them into one bill or adjustment),
    which keeps the documents in the order of one whole export. A run prepares and stores each part before the
    next is exported, so memory holds one part, not the selection.
    """
    starts = range(0, max(len(selection.invoices), 1), EXPORT_CHUNK)
    parts = [
        replace(
            selection,
            invoices=selection.invoices[start : start + EXPORT_CHUNK],
            expenses=selection.expenses if start == starts[-1] else [],
            procurement=selection.procurement if start == starts[-1] else [],
        )
        for start in starts
    ]
    for part in parts:
        if not part.empty:
            yield translate_export(ctx, export_selection(ctx, request, part))


def to_datetime(day: date) -> datetime:
    """End of ``day`` in UTC, so that records dated that day are included."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)
