"""Run the ``geo`` command as ``python -m geo``."""

from geo.cli import main

raise SystemExit(main())
