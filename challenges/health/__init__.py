"""Health of the background schedule: every recurring job records a heartbeat when it
completes, and ``/readyz`` names the jobs whose heartbeat is missing or too old.

The keys live in ``keys.py``; ``heartbeats.py`` writes and reads them.
"""
