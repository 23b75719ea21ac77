"""Pure translation and validation between Manage's export, the canonical documents and Sage payloads."""
