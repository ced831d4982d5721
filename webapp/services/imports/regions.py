"""Administrative divisions the importer knows by code (GB/T 2260): 黑河市 and its counties.

A file may name a county or give its 6-digit code; a code not yet in the database but known
here is created with its proper name. Other places get their regions from staff or a file.
"""

from __future__ import annotations

CITY = ("231100", "黑河市")
COUNTIES = (
    ("231102", "爱辉区"), ("231181", "北安市"), ("231182", "五大连池市"),
    ("231183", "嫩江市"), ("231123", "逊克县"), ("231124", "孙吴县"),
)
KNOWN_NAMES = dict((CITY, *COUNTIES))
