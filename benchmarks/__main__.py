"""``python -m benchmarks`` (``make bench``): see ``benchmarks/__init__.py`` and docs/performance.md."""

import sys

from benchmarks.suite import main

sys.exit(main())
