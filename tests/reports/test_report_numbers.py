"""Report numbers: random, well-formed, typos rejected by the check character."""

from __future__ import annotations

import itertools

from webapp.services.reports.numbers import ALPHABET, new_number, normalise


def test_numbers_are_random_and_valid() -> None:
    numbers = [new_number() for _ in range(200)]
    assert len(set(numbers)) == 200
    assert all(normalise(n) == n for n in numbers)
    # Not sequential: consecutive numbers share no long common prefix beyond "XYBG".
    shared = [len(_common_prefix(a, b)) for a, b in itertools.pairwise(numbers)]
    assert max(shared) < 10


def test_every_single_character_change_is_caught() -> None:
    number = new_number()
    for position in range(4, len(number)):
        for char in ALPHABET:
            if char != number[position]:
                changed = number[:position] + char + number[position + 1:]
                assert normalise(changed) is None, changed


def test_normalise_accepts_lower_case_spaces_and_dashes() -> None:
    number = new_number()
    spaced = f" {number[:8].lower()}-{number[8:14]} {number[14:]} "
    assert normalise(spaced) == number
    assert normalise("") is None
    assert normalise("XYBGIIIIIIIIIIIIIIIIA") is None


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
