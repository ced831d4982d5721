"""Helper processes that do not outlive the process that started them.

A bulk build forks workers; if the parent is killed (SIGKILL, the OOM killer) nothing runs
its clean-up, and forked workers would go on converting documents at full CPU for nobody.
On Linux the kernel signals a child when its parent dies (PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Call first thing in a forked child: SIGKILL it when `parent` exits."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

