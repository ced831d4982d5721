"""The whoosh backend (the design card's engine): schema, fields, queries, the bulk
builder and the patches whoosh needs (applied on import)."""

from search_index.whoosh_backend import fixes

fixes.apply()

from search_index.whoosh_backend.engine import WhooshBackend  # noqa: E402

__all__ = ["WhooshBackend"]
