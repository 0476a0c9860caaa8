"""The garbage collector and a long-lived process (issue #14).

A web worker or the RQ worker builds the app once (models, mappers, compiled templates, message
catalogues: a few hundred thousand objects) and keeps it for its whole life. Python's full
collection walks every object it tracks, so each one in a worker took 85-180 ms under the mixed
load (``make bench-mixed``), and the requests queued behind it made the tail of every latency.
Nothing built at start-up ever becomes garbage, so it is moved out of the collector's reach.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect once, then freeze every object alive now (``gc.freeze``): later collections,
    full ones included, walk only what was allocated afterwards. Call it when a process has
    finished starting up, in the process that serves (after any fork). Returns how many objects
    were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
