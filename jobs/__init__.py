"""RQ jobs and the schedule. Jobs are thin: they open a transaction around a service call.

Jobs run inside the app context the worker created once at start-up (``jobs.worker``); they are
enqueued by dotted name (``"jobs.phases.advance_phases"``), so enqueuing never imports the app.
"""
