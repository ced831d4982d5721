"""Full-text search engine for credit subjects and records (no Flask, no SQLAlchemy)."""

from search_index import whoosh_fixes

whoosh_fixes.apply()
