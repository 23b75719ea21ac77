"""cwsage: move ConnectWise Manage accounting data into Sage 300 exactly once, and bring payments back."""

__version__ = "0.1.0"
