"""``python -m benchmarks`` (``make bench``); see docs/performance.md."""

import sys

from benchmarks.suite import main

sys.exit(main())
