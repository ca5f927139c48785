"""``python -m qdpool``: the same as the ``qdpool`` command."""

import sys

from qdpool.cli import main

sys.exit(main())
