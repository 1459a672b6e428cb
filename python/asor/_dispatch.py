"""The dispatcher: the thread that runs done callbacks (``Handle.add_done_callback``, ``await``).

The engine's own threads never run Python code at the end of a solve: they queue the solve's done
callbacks, and this thread runs them with the GIL. It is started at the first need, and stopped at
interpreter exit after every running solve has been cancelled (so that no engine thread waits for
the GIL while the interpreter finalizes).
"""

import atexit
import threading

from . import _asor

_lock = threading.Lock()
_thread = None


def ensure_started():
    """Start the dispatcher thread unless it runs."""
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _asor._dispatch_restart()
            _thread = threading.Thread(
                target=_asor._dispatch_forever, name="asor-dispatch", daemon=True
            )
            _thread.start()


def _shutdown():
    _asor._cancel_all()
    with _lock:
        thread = _thread
    _asor._dispatch_stop()  # the queued callbacks still run, then the thread returns
    if thread is not None:
        thread.join(timeout=30)


atexit.register(_shutdown)
