"""``python -m ai_infra_executor``: the same as the ``ai-infra-executor`` command."""

from __future__ import annotations

import sys

from ai_infra_executor.cli import main

if __name__ == "__main__":
    sys.exit(main())
