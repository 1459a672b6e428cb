"""asor: asynchronous successive over-relaxation for sparse SPD systems, from Python.

    import asor, scipy.sparse as sp
    A = asor.poisson2d(256)                       # a scipy.sparse.csr_array
    r = asor.solve(A, b, tol=1e-8)                # blocks; Ctrl-C cancels
    h = asor.submit(A, b, on_progress=print)      # returns at once: a Future-like Handle
    h.progress(); h.cancel(); h.result()          # watch, stop, still get the x reached

See docs/python.md for the API, the threads and the GIL, and the differences from the C++ API.
"""

from . import _asor, _dispatch  # noqa: F401  (_dispatch: the atexit hook that stops solves)
from ._asor import Progress, default_threads
from ._asor import _Stream as Stream
from ._library import (
    anisotropic2d,
    info,
    poisson2d,
    poisson3d,
    random_spd,
    read_matrix_market,
    read_triplet,
    read_vector,
    reference_solve,
)
from ._solve import Handle, Result, solve, submit

__version__ = _asor.__version__

__all__ = [
    "Handle",
    "Progress",
    "Result",
    "Stream",
    "anisotropic2d",
    "default_threads",
    "info",
    "poisson2d",
    "poisson3d",
    "random_spd",
    "read_matrix_market",
    "read_triplet",
    "read_vector",
    "reference_solve",
    "solve",
    "submit",
]
