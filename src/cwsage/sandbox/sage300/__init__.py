"""The Sage 300 Web API emulator (being rebuilt)."""
