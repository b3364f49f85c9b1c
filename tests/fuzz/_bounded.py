"""A time bound for one example: a parser that hangs fails the property instead of the run."""

import contextlib
import signal
import threading


class Hang(AssertionError):
    """The code under test ran longer than the bound for one example."""


@contextlib.contextmanager
def time_bound(seconds: int = 20):
    """Raise Hang in the main thread after `seconds` (SIGALRM; no bound off the main thread)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(_signum, _frame):
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
