"""Service functions: every business rule lives here, once.

They take plain values, flush but never commit (the view or the job owns the transaction), never
see ``request``, and raise ``challenges.errors.DomainError`` subclasses.
"""
