"""ConnectWise Manage: the REST client, its typed models and the ``conditions`` builder.

Only this package speaks Manage's JSON; everything it returns is a typed model from
:mod:`cwsage.connectwise.models`.
"""

from __future__ import annotations

from cwsage.connectwise.client import ManageClient, ManageConnection, ManageNotFound, ManageRejection
from cwsage.connectwise.conditions import C, Condition
from cwsage.connectwise.models import CreateBatchRequest, ExportRequest, GLExport, parse_model

__all__ = [
    "C",
    "Condition",
    "CreateBatchRequest",
    "ExportRequest",
    "GLExport",
    "ManageClient",
    "ManageConnection",
    "ManageNotFound",
    "ManageRejection",
    "parse_model",
]
