"""`python -m actions.handover ...`: see actions/handover/cli.py."""

from actions.handover.cli import main

raise SystemExit(main())
