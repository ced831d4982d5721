"""Full-text search for credit subjects and records (no Flask, no SQLAlchemy).

`backend` is the interface, `documents` what goes in; text/analysis/pinyin/highlight are
shared by every engine; `whoosh_backend` is one engine.
"""
