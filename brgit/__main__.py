from __future__ import annotations

from brgit.cli.main import main

raise SystemExit(main())
