"""Rate limits (issue #10): who a request counts against (``keys``), the limits the views wear
(``rules``), the real client address behind trusted proxies (``proxy``) and the limiter itself,
which falls back to this process's memory while Redis is away (``limiter``).

Nothing is imported here: ``extensions`` builds the limiter from ``limiter`` and ``keys``, and
``rules`` needs that limiter, so a package-level import would be circular.
"""
