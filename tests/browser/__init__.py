"""Browser tests of the web UI (Playwright driving Debian's chromium) and the helpers web tests share."""
