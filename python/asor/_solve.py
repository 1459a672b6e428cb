"""asor.solve, asor.submit, the Handle and the Result (docs/python.md)."""

import functools
import logging
import math
import numbers
import operator
import sys
import threading
import warnings

import numpy as np

from . import _asor
from ._inputs import as_matrix, as_vector, check_guess

_METHODS = ("async", "sor", "ssor", "multicolor", "block-jacobi", "jacobi")
_ORDERINGS = ("auto", "natural", "rcm")
_DEFAULT_MAX_SWEEPS = 10000  # the C++ library's and the tool's default budget

_log = logging.getLogger("asor")


def _integer(value, name):
    if type(value) is int:  # the common case, without the protocol's lookups
        return value
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None


def _number(value, name):
    if type(value) is float or type(value) is int:  # the common cases, without the ABC check
        return float(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    return float(value)


def _options(method, omega, threads, tol, max_sweeps, time_limit, ordering, l1, on_progress,
             progress_interval):
    """The keyword arguments of solve/submit, checked, in the words of the tool's flags."""
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(
            f"method: unknown method {method!r} (expected async, sor, ssor, multicolor, "
            "block-jacobi or jacobi)"
        )
    if isinstance(omega, str):
        if omega != "auto":
            raise ValueError(
                f"omega: {omega!r} is not a number (expected a value in (0, 2) or 'auto')"
            )
        omega = None
    else:
        w = _number(omega, "omega")
        if not 0.0 < w < 2.0:
            raise ValueError(
                f"omega: {omega} is outside (0, 2); SOR converges only for 0 < omega < 2"
            )
        omega = w
    if threads is None:
        threads = 0  # the engine's default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, hardware
    else:
        threads = _integer(threads, "threads")
        if threads < 1:
            raise ValueError("threads: must be positive")
    tol = _number(tol, "tol")
    if not (tol > 0.0 and math.isfinite(tol)):
        raise ValueError("tol: must be a positive number")
    if max_sweeps is None:
        max_sweeps = _DEFAULT_MAX_SWEEPS
    else:
        max_sweeps = _integer(max_sweeps, "max_sweeps")
        if max_sweeps < 1:
            raise ValueError("max_sweeps: must be at least 1")
    if time_limit is not None:
        time_limit = _number(time_limit, "time_limit")
        if not time_limit > 0.0:
            raise ValueError("time_limit: must be positive (seconds)")
        if math.isinf(time_limit):
            time_limit = None
    if not isinstance(ordering, str) or ordering not in _ORDERINGS:
        raise ValueError(
            f"ordering: unknown ordering {ordering!r} (expected auto, natural or rcm)"
        )
    if on_progress is not None and not callable(on_progress):
        raise TypeError(f"on_progress must be callable or None, not {type(on_progress).__name__}")
    progress_interval = _number(progress_interval, "progress_interval")
    if not (progress_interval >= 0.0 and math.isfinite(progress_interval)):
        raise ValueError("progress_interval: must be a number >= 0 (seconds)")
    return dict(method=method, omega=omega, threads=threads, tol=tol, max_sweeps=max_sweeps,
                time_limit=time_limit, ordering=ordering, l1=bool(l1),
                progress_interval=progress_interval)


def _serve_address(serve):
    """serve= as the tool's --serve takes it: "[ADDR:]PORT", or a port number; None: no page."""
    if serve is None:
        return ""
    if isinstance(serve, (bool, np.bool_)) or not isinstance(serve, (str, int)):
        raise TypeError(f"serve must be \"[ADDR:]PORT\", a port number or None, not "
                        f"{type(serve).__name__}")
    return str(serve)


def _warn_if_exposed(solve, serve):
    if not solve.loopback:
        warnings.warn(
            f"serve={serve!r} is not a loopback address: anyone who can reach this machine on that "
            "port and has the token can watch and cancel the solve, and the token travels "
            "unencrypted (plain HTTP)", stacklevel=3)


def _start(A, b, x0, options, on_progress, observe, serve=""):
    """Validates everything, then submits: returns the running asor._asor._Solve."""
    matrix = as_matrix(A)
    n = matrix.rows
    b = as_vector(b, n, "right-hand side")
    _asor._validate_rhs(n, b)
    if x0 is None:
        x = np.zeros(n)
    else:
        x = as_vector(x0, n, "initial guess")
        check_guess(x, n)
    return _asor._Solve(matrix, b, x, on_progress=on_progress, observe=observe, serve=serve,
                        **options)


class Result:
    """How a solve ended, and its x.

    Attributes: ``x`` (numpy array: the solution, or the iterate reached when the solve stopped
    early), ``status`` (the tool's words: "converged", "max_sweeps", "time_limit", "diverged",
    "stagnated", "user_stop", "cancelled"), ``converged`` (bool), ``residual`` (the verified true
    relative residual ||b - A x|| / ||b|| of x), ``sweeps`` (dict min/mean/max over blocks),
    ``omega``, ``setup_seconds``, ``solve_seconds`` and ``report`` (the `asor.solve/1` document
    of the tool's ``--json``, as a dict: same keys, same content; "matrix" and "rhs" are None).
    """

    __slots__ = ("x", "status", "converged", "residual", "sweeps", "omega", "setup_seconds",
                 "solve_seconds", "_outcome", "_report")

    def __init__(self, x, outcome, summary):
        self.x = x
        (self.status, self.converged, self.residual, self.sweeps, self.omega, self.setup_seconds,
         self.solve_seconds) = summary
        self._outcome = outcome
        self._report = None

    @property
    def report(self):
        """The `asor.solve/1` document (a dict), made on first use: most callers never need it."""
        if self._report is None:
            self._report = self._outcome.document()
        return self._report

    def __repr__(self):
        residual = "None" if self.residual is None else f"{self.residual:.3g}"
        return (f"Result(status={self.status!r}, converged={self.converged}, "
                f"residual={residual}, sweeps={self.sweeps}, omega={self.omega}, "
                f"solve_seconds={self.solve_seconds})")


def _outcome(solve):
    """The Result of an ended solve, or the exception that ended it, raised."""
    error, outcome, summary = solve.ended()
    if error is not None:
        raise error
    return Result(solve.x, outcome, summary)


def solve(A, b, *, method="async", omega="auto", threads=None, tol=1e-8, max_sweeps=None,
          time_limit=None, x0=None, ordering="auto", l1=False, on_progress=None,
          progress_interval=0.1, serve=None):
    """Solve A x = b and return a Result.

    A: scipy.sparse CSR (or CSC of a symmetric matrix), symmetric positive definite; b, x0: 1-D
    sequences of numbers. method: "async", "sor", "ssor", "multicolor", "block-jacobi" or
    "jacobi"; omega: "auto" (estimated) or a number in (0, 2); threads: None for the default
    (OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, the hardware); tol: on the true relative residual;
    max_sweeps: None for 10 000; time_limit: seconds or None; ordering: "auto", "natural" or
    "rcm"; l1: the l1 diagonal (async, block-jacobi).

    on_progress(p) is called with an asor.Progress on one thread of the solve, holding the GIL,
    at most every progress_interval seconds; returning False stops the solve (status
    "user_stop"); raising stops it and solve() raises that exception. The solve runs with the GIL
    released. Ctrl-C (KeyboardInterrupt) cancels it and is raised once it has stopped.

    serve="[ADDR:]PORT" (or a port number; 0: any free port) serves a live monitor page of the
    solve, as `asor solve --serve` does (docs/monitor.md); its URL, with its access token, is
    written to sys.stderr when the solve starts, and the page stops with the call. To keep the
    page after the end, or to get the URL as a value, use submit(..., serve=...) and Handle.url.
    """
    options = _options(method, omega, threads, tol, max_sweeps, time_limit, ordering, l1,
                       on_progress, progress_interval)
    address = _serve_address(serve)
    s = _start(A, b, x0, options, on_progress, observe=False, serve=address)
    if address:
        _warn_if_exposed(s, serve)
        print(f"asor: monitor page: {s.url}", file=sys.stderr, flush=True)
    try:
        s.wait(None)
    except BaseException:
        # KeyboardInterrupt (or whatever a signal handler raised): stop the solve, then let the
        # exception go on. The wait is short: the workers poll every few thousand rows.
        s.cancel("an interrupt")
        s.wait_quietly()
        raise
    return _outcome(s)


def submit(A, b, *, method="async", omega="auto", threads=None, tol=1e-8, max_sweeps=None,
           time_limit=None, x0=None, ordering="auto", l1=False, on_progress=None,
           progress_interval=0.1, serve=None):
    """Start solving A x = b in the background and return an asor.Handle at once.

    Takes the arguments of asor.solve. The inputs are validated before it returns (TypeError,
    ValueError). The solve writes into an x of its own; A's arrays are read, not copied: do not
    modify them until the handle is done. Dropping the last reference to a running Handle
    cancels its solve (unless done callbacks wait for it).

    serve="[ADDR:]PORT" (or a port number; 0: any free port) serves a live monitor page of the
    solve (docs/monitor.md) at Handle.url; after the end it keeps the final report until the
    handle is dropped.
    """
    options = _options(method, omega, threads, tol, max_sweeps, time_limit, ordering, l1,
                       on_progress, progress_interval)
    address = _serve_address(serve)
    s = _start(A, b, x0, options, on_progress, observe=True, serve=address)
    if address:
        _warn_if_exposed(s, serve)
    return Handle(s)


def _call_done_callback(fn, handle):
    try:
        fn(handle)
    except Exception:  # as concurrent.futures: logged and ignored
        _log.exception("exception calling callback for %r", handle)


def _settle(future, handle):
    """On the event loop: hand the outcome of an ended solve to an asyncio future."""
    if future.done():
        return
    try:
        future.set_result(handle.result())
    except BaseException as error:  # noqa: B902 - the solve's own exception, whatever it is
        future.set_exception(error)


class Handle:
    """A solve running in the background (asor.submit), like a concurrent.futures.Future.

    ``done()``, ``running()``, ``result(timeout=None)``, ``exception(timeout=None)``,
    ``cancel()``, ``cancelled()`` and ``add_done_callback(fn)`` behave as a Future's, with one
    difference: ``cancel()`` stops a *running* solve (a Future cannot), and ``result()`` then
    returns the Result with status "cancelled" and the x reached so far: a stopped solve still
    has an answer; CancelledError is never raised. ``cancel()`` on a finished handle returns
    False, as a Future does.

    ``progress()`` returns the newest asor.Progress, or None; ``stream(maxlen=1000)`` iterates
    over the snapshots until the solve ends; ``await handle`` waits inside asyncio (a Jupyter
    cell) and gives the Result.

    Waiting (result, exception, stream) releases the GIL and checks for Ctrl-C every 10 ms; a
    KeyboardInterrupt raised there propagates and the solve goes on (as with a Future). Do not
    wait for a handle inside its own on_progress: that raises RuntimeError.
    """

    __slots__ = ("_solve", "_lock", "_result", "__weakref__")

    def __init__(self, solve):
        self._solve = solve
        self._lock = threading.Lock()
        self._result = None

    def done(self):
        """True once the solve has ended (for any reason)."""
        return self._solve.done()

    def running(self):
        """True while the solve has not ended (a submitted solve starts at once)."""
        return not self._solve.done()

    def cancel(self):
        """Stop the solve. Returns False when it had already ended, else True."""
        return self._solve.cancel("cancel()")

    def cancelled(self):
        """True when the solve has ended with status "cancelled"."""
        if not self._solve.done() or self._solve.exception() is not None:
            return False
        return self._solve.report()["status"] == "cancelled"

    def result(self, timeout=None):
        """Wait for the end (at most timeout seconds) and return the Result.

        Raises TimeoutError when the solve has not ended in time, and the exception that ended
        the solve when one did (on_progress raised, or the engine failed).
        """
        if not self._solve.wait(timeout):
            raise TimeoutError(f"the solve has not ended after {timeout} s")
        with self._lock:
            if self._result is None:
                self._result = _outcome(self._solve)
            return self._result

    def exception(self, timeout=None):
        """Wait for the end (at most timeout seconds); return what ended the solve, or None."""
        if not self._solve.wait(timeout):
            raise TimeoutError(f"the solve has not ended after {timeout} s")
        return self._solve.exception()

    def add_done_callback(self, fn):
        """Call fn(handle) once the solve has ended.

        It runs on asor's dispatcher thread (holding the GIL), or at once in this thread when the
        solve has already ended; an exception it raises is logged (logger "asor") and ignored. A
        handle with callbacks waiting stays alive until they have run.
        """
        if not callable(fn):
            raise TypeError(f"fn must be callable, not {type(fn).__name__}")
        self._solve.on_done(functools.partial(_call_done_callback, fn, self))

    @property
    def url(self):
        """The monitor page's URL with its access token (submit(..., serve=...)), else None."""
        return self._solve.url

    def progress(self):
        """The newest asor.Progress snapshot, or None before the first; never blocks the solve."""
        return self._solve.progress()

    def stream(self, maxlen=1000):
        """An iterator of asor.Progress snapshots until the solve ends.

        It yields the snapshots delivered after it was made (at most one every
        progress_interval), then the final one. At most maxlen wait unread: when the reader falls
        behind, the oldest are dropped (counted in the iterator's ``dropped``).
        """
        maxlen = _integer(maxlen, "maxlen")
        if maxlen < 1:
            raise ValueError("maxlen: must be at least 1")
        return self._solve.stream(maxlen)

    def __await__(self):
        import asyncio

        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def on_done(handle):
            try:
                loop.call_soon_threadsafe(_settle, future, handle)
            except RuntimeError:  # the loop was closed meanwhile: nobody awaits any more
                pass

        def on_cancel(f):
            if f.cancelled():  # the awaiting task was cancelled: so is the solve
                self._solve.cancel("the cancellation of the awaiting task")

        future.add_done_callback(on_cancel)
        self.add_done_callback(on_done)
        return (yield from future)

    def __repr__(self):
        if not self._solve.done():
            return "<asor.Handle running>"
        if self._solve.exception() is not None:
            return "<asor.Handle failed>"
        return f"<asor.Handle {self._solve.report()['status']}>"
