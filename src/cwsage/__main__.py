"""Allow ``python -m cwsage``."""

from cwsage.cli import main

main()
