"""Query understanding, backend-neutral: what a visitor typed -> tiers of clauses.

Every backend translates the same plan (`Key`, `Phrase`, `AnyOf`, `AllOf` over the shared
field names) into its own queries and runs the tiers in `search_index.ranking`'s order.

- Traditional characters become simplified (OpenCC), then the query is split on spaces and
  separating punctuation into terms; every term must match (AND).
- A Chinese term is a phrase of its bigrams (contiguous text only), in a name, in a name's
  core (search_index.variants: 市区县 有限 公司 股份 left out or added), or — one tier lower —
  in the subject's public records.
- A pinyin term is a key look-up (full pinyin or initials of any part of a name); a mixed
  term ("川达rl") needs its Chinese part in the name and the whole as one pinyin key, the
  Chinese part read as initials or as full pinyin.
- A code term: USCC prefixes, document numbers; an ID number: only a person's exact key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from search_index.documents import HEAD_CHARS, USCC_MIN_PREFIX, id_number_key, is_code_query
from search_index.pinyin import syllables
from search_index.text import is_code_like, is_pinyin_like, normalize
from search_index.variants import core, simplified

MAX_TERMS = 8  # more terms than this are joined into the last one
# Spaces and separating punctuation split terms; brackets, quotes and dashes do not (a
# document number "〔2026〕17号" or a name "鑫源（ＡＢＣ）食品店" stays one contiguous term).
_SPLIT = re.compile(r"[\s,，、;；:：。!！?？|/+&＆]+")
_ID_NUMBER = re.compile(r"\d{17}[\dx]|\d{15}")
_RUNS = re.compile(r"[a-z]+|[^a-z0-9]+|[0-9]+")


@dataclass(frozen=True)
class Key:
    """One term looked up in a keyword field."""

    field: str
    value: str


@dataclass(frozen=True)
class Phrase:
    """Normalised text matched contiguously in an n-gram field (one character: as a
    prefix of the field's grams, or its single-character field)."""

    field: str
    text: str


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Clause, ...]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Clause, ...]


Clause = Key | Phrase | AnyOf | AllOf


def any_of(*parts: Clause | None) -> Clause | None:
    kept = tuple(p for p in parts if p is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else AnyOf(kept)


def all_of(*parts: Clause | None) -> Clause | None:
    """None when any part is None: a term that cannot match makes the whole fail."""
    if not parts or any(p is None for p in parts):
        return None
    kept = tuple(p for p in parts if p is not None)
    return kept[0] if len(kept) == 1 else AllOf(kept)


def is_id_number(normalized: str) -> bool:
    return bool(_ID_NUMBER.fullmatch(normalized))


def _is_mixed(normalized: str) -> bool:
    return (not normalized.isascii() and any("a" <= c <= "z" for c in normalized)
            and not any(c.isdigit() for c in normalized))


def mixed_keys(normalized: str) -> tuple[str, ...]:
    """Pinyin keys for a mixed term: its Chinese runs read as initials, or as full pinyin,
    its letters kept ("川达rl" -> "cdrl", "chuandarl")."""
    as_initials: list[str] = []
    as_full: list[str] = []
    for run in _RUNS.findall(normalized):
        if run.isascii():
            as_initials.append(run)
            as_full.append(run)
        else:
            full, initials = syllables(run)
            as_initials.append("".join(initials))
            as_full.append("".join(full))
    return tuple(dict.fromkeys(("".join(as_initials), "".join(as_full))))


@dataclass(frozen=True)
class Form:
    """One spelling of a term: normalised, simplified (or as typed)."""

    text: str

    @cached_property
    def core(self) -> str:
        return core(self.text)

    @property
    def is_code(self) -> bool:
        return is_code_like(self.text)

    @property
    def is_pinyin(self) -> bool:
        return is_pinyin_like(self.text) and len(self.text) >= 2

    @property
    def chinese_runs(self) -> list[str]:
        return [r for r in _RUNS.findall(self.text) if not r.isascii()]

    def in_name(self) -> Clause | None:
        """The term in a subject's names, as typed (substring, pinyin, code)."""
        text = self.text
        parts: list[Clause | None] = [Phrase("name", text)]
        if self.is_code and len(text) >= USCC_MIN_PREFIX:
            parts.append(Key("uscc_head", text))
        if self.is_pinyin:
            parts.append(Key("pinyin", text))
        if _is_mixed(text):
            needed = [Phrase("name", run) for run in self.chinese_runs]
            keys = any_of(*(Key("pinyin", k) for k in mixed_keys(text)))
            parts.append(all_of(*needed, keys))
        return any_of(*parts)

    def in_name_core(self) -> Clause | None:
        """The term in a name's core (forms and administrative words left out or added)."""
        plain = self.in_name()
        variant = Phrase("core", self.core) if self.core and not self.text.isascii() else None
        return any_of(plain, variant)

    def in_records(self, field: str) -> Clause | None:
        """The term in record text (`field`: a subject's "rtext" or a record's "text");
        numbers are looked up as codes, never as digit phrases."""
        if is_code_query(self.text):
            return None
        return Phrase(field, self.text)

    def in_subject_names(self) -> Clause | None:
        """The term in a record's subject's names or their cores (records tab)."""
        if self.text.isascii():
            return Key("codes", self.text) if is_code_query(self.text) else None
        return any_of(Phrase("sname", self.text),
                      Phrase("sname", self.core) if self.core else None)


@dataclass(frozen=True)
class Term:
    """A term as simplified characters and, when different, as typed (OpenCC reads some
    characters used in names as traditional: 乾 -> 干), either matching."""

    forms: tuple[Form, ...]

    @property
    def text(self) -> str:
        return self.forms[0].text

    @property
    def core(self) -> str:
        return self.forms[0].core

    def in_name(self) -> Clause | None:
        return any_of(*(f.in_name() for f in self.forms))

    def in_name_core(self) -> Clause | None:
        return any_of(*(f.in_name_core() for f in self.forms))

    def in_records(self, field: str) -> Clause | None:
        return any_of(*(f.in_records(field) for f in self.forms))

    def in_subject_names(self) -> Clause | None:
        return any_of(*(f.in_subject_names() for f in self.forms))


def terms_of(query: str) -> list[Term]:
    text = unicodedata.normalize("NFKC", query or "").casefold()
    pieces = [p for p in _SPLIT.split(text) if normalize(p)]
    if len(pieces) > MAX_TERMS:
        pieces = [*pieces[:MAX_TERMS - 1], "".join(pieces[MAX_TERMS - 1:])]
    terms = []
    for piece in pieces:
        forms = dict.fromkeys((normalize(simplified(piece)), normalize(piece)))
        terms.append(Term(tuple(Form(f) for f in forms if f)))
    return terms


@dataclass(frozen=True)
class QueryPlan:
    """The understood query: its terms and, whole, its text without spaces."""

    raw: str
    terms: tuple[Term, ...]

    @property
    def whole(self) -> str:
        return "".join(t.text for t in self.terms)

    @property
    def wholes(self) -> list[str]:
        """The whole query simplified and as typed (the same, mostly)."""
        return list(dict.fromkeys(("".join(t.text for t in self.terms),
                                   "".join(t.forms[-1].text for t in self.terms))))

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def needles(self) -> list[str]:
        """What a highlight marks: each term and its core."""
        found = [f.text for t in self.terms for f in t.forms] + [
            t.core for t in self.terms if t.core]
        return list(dict.fromkeys(n for n in found if n))

    # ------------------------------------------------------------ subjects

    def subject_tiers(self) -> list[tuple[str, Clause | None]]:
        whole = self.whole
        code = is_code_like(whole)
        exact = any_of(
            *(Key("exact", w) for w in self.wholes),
            Key("uscc", whole.upper()) if code and len(whole) == 18 else None,
            Key("idkey", id_number_key(whole)) if is_id_number(whole) else None,
        )
        variant = any_of(
            *(Key("exact_core", core(w)) for w in self.wholes if core(w) and core(w) != w),
            Key("pinyin_whole", whole) if is_pinyin_like(whole) else None,
        )
        prefix = any_of(
            *(Key("head", w) for w in self.wholes
              if len(w) <= HEAD_CHARS and not w.isascii()),
            Key("uscc_head", whole) if code and len(whole) >= USCC_MIN_PREFIX else None,
            Key("pinyin_head", whole) if is_pinyin_like(whole) and len(whole) >= 2 else None,
        )
        if len(whole) == 1:  # one character: names beginning with it, then containing it
            prefix = Key("head", whole)
        name = all_of(*(t.in_name() for t in self.terms))
        name_variant = all_of(*(t.in_name_core() for t in self.terms))
        across = all_of(*(any_of(t.in_name_core(), t.in_records("rtext")) for t in self.terms))
        named = any_of(*(t.in_name_core() for t in self.terms))
        # With one term, "across" is the name_variant tier again (see record_tiers).
        return [("exact", exact), ("exact_variant", variant), ("prefix", prefix),
                ("name", name), ("name_variant", name_variant),
                ("across", all_of(across, named)
                 if across is not None and len(self.terms) > 1 else None),
                ("records", across)]

    # ------------------------------------------------------------ records

    def record_tiers(self) -> list[tuple[str, Clause | None]]:
        whole = self.whole
        code = is_code_query(whole)
        number = Key("docno", whole)
        codes = Key("codes", whole) if code else None
        if code and len(self.terms) == 1:
            return [("number", number), ("code", codes)]
        subject_exact = None if whole.isascii() else any_of(
            *(Key("sexact", w) for w in self.wholes),
            *(Key("sexact", core(w)) for w in self.wholes if core(w)))
        text = all_of(*(t.in_records("text") for t in self.terms))
        subject = all_of(*(t.in_subject_names() for t in self.terms))
        # One term found across text and names is one of the two tiers before: nothing new,
        # but evaluating it (and excluding them from it) cost the broad text phrase twice.
        across = all_of(*(any_of(t.in_records("text"), t.in_subject_names())
                          for t in self.terms)) if len(self.terms) > 1 else None
        return [("number", number), ("code", codes), ("subject_exact", subject_exact),
                ("text", text), ("subject", subject), ("across", across)]


def plan(query: str) -> QueryPlan:
    return QueryPlan(query, tuple(terms_of(query)))
