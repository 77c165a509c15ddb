"""``python -m ai_infra_formatters``: the same command as ``ai-infra-format``."""

from __future__ import annotations

from ai_infra_formatters.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
