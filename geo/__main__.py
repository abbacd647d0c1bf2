"""Run the ``geo`` command as ``python -m geo``."""

from geo.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
