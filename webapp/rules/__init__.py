"""Pure public rules: no I/O, no Flask, no database. Easy to test, reused everywhere."""
