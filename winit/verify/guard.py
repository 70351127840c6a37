"""Running the code under check: importing the user's module, building and calling their
initializer or layer. Everything that runs code winit did not write goes through
:func:`user_code`, so whatever that code does (raises, calls ``sys.exit``, hangs) becomes one
typed, one-line error naming what it was doing.

A time limit per call (:func:`time_limit`) holds for every :func:`user_code` block inside it; it
is enforced with ``SIGALRM``, so only in the main thread of a POSIX process (elsewhere calls are
not limited), and code stuck in C without returning to Python is stopped when it returns.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType

#: the ``--timeout`` default: seconds one call of the code under check may take
DEFAULT_TIMEOUT = 60.0

_LIMIT: ContextVar[float | None] = ContextVar("winit_verify_time_limit", default=None)


class UserCodeError(ValueError):
    """The code under check raised, exited or returned no usable array (one line)."""


class CallTimeoutError(UserCodeError):
    """A call of the code under check did not return within the time limit (one line)."""


class _Alarm(BaseException):
    """Raised into the code under check when its time is up (a ``BaseException``, so that an
    ``except Exception`` in that code does not swallow it)."""


def one_line(text: str) -> str:
    """``text`` with its lines joined by ``" | "`` (error messages are one line)."""
    return " | ".join(part.strip() for part in str(text).splitlines() if part.strip())


def what_it_did(error: BaseException) -> str:
    """``raised TypeError: msg`` or ``exited with sys.exit(3)``, on one line."""
    if isinstance(error, SystemExit):
        return f"exited with sys.exit({error.code!r})"
    message = one_line(str(error))
    return f"raised {type(error).__name__}" + (f": {message}" if message else "")


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Limit every :func:`user_code` block inside to ``seconds`` (``None``: the limit in force
    stays, none unless an enclosing block set one).

    Raises:
      ValueError: ``seconds`` is not a positive finite number.
    """
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {seconds!r}")
    token = _LIMIT.set(_LIMIT.get() if seconds is None else seconds)
    try:
        yield
    finally:
        _LIMIT.reset(token)


def _alarm_possible() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def user_code(what: str) -> Iterator[None]:
    """Run the body as code under check: ``what`` says what it does (``calling m.f on shape
    (8, 8)``). A ``KeyboardInterrupt`` passes through (an interruption, not a failure).

    Raises:
      CallTimeoutError: the body ran longer than the :func:`time_limit` in force.
      UserCodeError: the body raised anything else, ``SystemExit`` included.
    """
    seconds = _LIMIT.get()
    armed = seconds is not None and _alarm_possible()
    active = [armed]

    def ring(signum: int, frame: FrameType | None) -> None:
        if active[0]:
            raise _Alarm

    if armed:
        assert seconds is not None
        previous = signal.signal(signal.SIGALRM, ring)
        # repeats each second, in case the code under check swallowed the first one
        signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    except KeyboardInterrupt:
        raise
    except _Alarm:
        raise CallTimeoutError(f"{what} did not return within {seconds:g} s (--timeout)") from None
    except UserCodeError:
        raise
    except BaseException as e:
        raise UserCodeError(f"{what} {what_it_did(e)}") from None
    finally:
        active[0] = False
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            signal.signal(signal.SIGALRM, previous)
