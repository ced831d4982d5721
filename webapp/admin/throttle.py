"""Login throttling per (user name, address): failed logins slow down the one who fails.

There is no account lockout: a stranger guessing at an account from one address throttles
only that address for that name, never the staff member at their own desk. The words are
the same whether the name exists or not, and say when to try again. Counts live in the rate
limiter's storage (Redis in production), so every worker sees them.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many

from webapp.extensions import limiter

SCOPE = "staff-login-failures"


def _limits() -> list[RateLimitItem]:
    return parse_many(current_app.config["RATELIMIT_STAFF_LOGIN_FAILURES"])


def _key(username: str, address: str | None) -> list[str]:
    # Hashed: the key holds no user input, whatever was typed into the form.
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [current_app.config["RATELIMIT_KEY_PREFIX"], SCOPE, name, address or "-"]


def wait_seconds(username: str, address: str | None) -> int:
    """0 if this name may be tried from this address now, else the seconds to wait."""
    strategy = limiter.limiter
    waits = [strategy.get_window_stats(item, *_key(username, address)).reset_time - time.time()
             for item in _limits() if not strategy.test(item, *_key(username, address))]
    return max(1, math.ceil(max(waits))) if waits else 0


def record_failure(username: str, address: str | None) -> None:
    for item in _limits():
        limiter.limiter.hit(item, *_key(username, address))


def message(wait: int) -> str:
    return f"登录失败次数过多，请 {max(1, math.ceil(wait / 60))} 分钟后再试。"
