"""The tantivy backend (city scale): the maintained Rust engine, embedded through PyPI's
`tantivy` bindings, over the same shared analysis as whoosh (bigrams with positions,
pinyin keys, code prefixes), fed to it pre-tokenized so phrase queries keep positions."""

from search_index.tantivy_backend.engine import TantivyBackend

__all__ = ["TantivyBackend"]
