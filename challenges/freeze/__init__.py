"""Freeze, then reveal (issue #13): the scheduled job that takes each challenge's frozen board
at its freeze moment. The rule (``phase.is_frozen``) and the frozen board's reads are core
(``leaderboard/frozen.py``): the widget's poll path is core, and the core imports no feature."""
