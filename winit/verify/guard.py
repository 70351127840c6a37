"""Running the code under check: importing the user's module, building and calling their
initializer or layer. Everything that runs code winit did not write goes through
:func:`user_code`, so whatever that code does (raises, calls ``sys.exit``, hangs) becomes one
typed, one-line error naming what it was doing.

A time limit per call (:func:`time_limit`) holds for every :func:`user_code` block inside it. At
the limit ``SIGALRM`` raises into the code (main thread of a POSIX process only), again every
second in case the code swallows it; :data:`GRACE` seconds later a watchdog thread hands the
block to the limit's ``on_stuck`` (the command line reports and ends the process there), which
also covers code that ignores signals or is stuck in C with the GIL released.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import FrameType

from winit.atomic import one_line

#: the ``--timeout`` default: seconds one call of the code under check may take
DEFAULT_TIMEOUT = 60.0
#: seconds past the limit after which a call that did not stop is handed to ``on_stuck``
GRACE = 5.0

Stuck = Callable[[str], None]


@dataclass
class _Limit:
    """The limit in force, and the call under way (its start and its message if late)."""

    seconds: float
    on_stuck: Stuck | None
    alarm: bool
    call: tuple[float, str] | None = None

    def ring(self, signum: int, frame: FrameType | None) -> None:
        if self.call is not None:
            raise _Alarm

    def watch(self, done: threading.Event) -> None:
        """The watchdog thread: hands a call GRACE seconds past the limit to ``on_stuck``."""
        while not done.wait(0.25):
            call = self.call
            late = call is not None and time.monotonic() - call[0] > self.seconds + GRACE
            if late and call is not None and self.on_stuck is not None:
                self.on_stuck(call[1])


_LIMIT: ContextVar[_Limit | None] = ContextVar("winit_verify_time_limit", default=None)


class UserCodeError(ValueError):
    """The code under check raised, exited or returned no usable array (one line)."""


class CallTimeoutError(UserCodeError):
    """A call of the code under check did not return within the time limit (one line)."""


class _Alarm(BaseException):
    """Raised into the code under check when its time is up (a ``BaseException``, so that an
    ``except Exception`` in that code does not swallow it)."""


#: the most characters of the code under check's own message an error line quotes
MESSAGE_LIMIT = 500


def what_it_did(error: BaseException) -> str:
    """``raised TypeError: msg`` or ``exited with sys.exit(3)``, on one line; the message cut
    at :data:`MESSAGE_LIMIT` characters (and left out if printing it fails)."""
    try:
        said = repr(error.code) if isinstance(error, SystemExit) else one_line(str(error))
    except Exception:
        said = "(its message could not be printed)"
    if len(said) > MESSAGE_LIMIT:
        said = said[:MESSAGE_LIMIT] + "..."
    if isinstance(error, SystemExit):
        return f"exited with sys.exit({said})"
    return f"raised {type(error).__name__}" + (f": {said}" if said else "")


@contextmanager
def time_limit(seconds: float | None, on_stuck: Stuck | None = None) -> Iterator[None]:
    """Limit every :func:`user_code` block inside to ``seconds`` (``None``: the limit in force
    stays, none unless an enclosing block set one). ``on_stuck(message)`` is called from a
    watchdog thread if a block is still running :data:`GRACE` seconds past the limit.

    Raises:
      ValueError: ``seconds`` is not a positive finite number.
    """
    if seconds is None:
        yield
        return
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {seconds!r}")
    alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    limit = _Limit(seconds, on_stuck, alarm)
    token = _LIMIT.set(limit)
    previous = signal.signal(signal.SIGALRM, limit.ring) if alarm else None
    done = threading.Event()
    if on_stuck is not None:
        threading.Thread(target=limit.watch, args=(done,), daemon=True).start()
    try:
        yield
    finally:
        done.set()
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            signal.signal(signal.SIGALRM, previous)
        _LIMIT.reset(token)


@contextmanager
def user_code(what: str) -> Iterator[None]:
    """Run the body as code under check: ``what`` says what it does (``calling m.f on shape
    (8, 8)``). A ``KeyboardInterrupt`` passes through (an interruption, not a failure).

    Raises:
      CallTimeoutError: the body ran longer than the :func:`time_limit` in force.
      UserCodeError: the body raised anything else, ``SystemExit`` included.
    """
    limit = _LIMIT.get()
    # a block inside another (a framework imported while building) runs under the outer's clock
    timed = limit is not None and limit.call is None
    if timed:
        assert limit is not None
        late = f"{what} did not return within {limit.seconds:g} s (--timeout)"
        limit.call = (time.monotonic(), late)
        if limit.alarm:
            # repeats each second, in case the code under check swallowed the first one
            signal.setitimer(signal.ITIMER_REAL, limit.seconds, 1.0)
    try:
        yield
    except KeyboardInterrupt:
        raise
    except _Alarm:
        assert limit is not None and limit.call is not None
        late, limit.call = limit.call[1], None  # no second alarm while this one is reported
        raise CallTimeoutError(late) from None
    except UserCodeError:
        raise
    except BaseException as e:
        raise UserCodeError(f"{what} {what_it_did(e)}") from None
    finally:
        if timed:
            assert limit is not None
            limit.call = None
            if limit.alarm:
                signal.setitimer(signal.ITIMER_REAL, 0.0)
