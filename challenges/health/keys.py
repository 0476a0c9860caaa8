"""Redis keys of the health package (no other code spells them)."""

from __future__ import annotations


def heartbeat(job_id: str) -> str:
    """STRING: the Unix time at which recurring job ``job_id`` last completed."""
    return f"health:heartbeat:{job_id}"
