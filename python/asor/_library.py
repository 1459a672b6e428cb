"""The rest of the library from Python: readers, generators, reference solves, info."""

import errno
import os

import scipy.sparse as sp

from . import _asor
from ._inputs import as_vector, csr_arrays


def _csr(parts):
    rows, cols, data, indices, indptr = parts
    # The arrays own the C++ matrix's storage: no copy here, none in scipy (copy=False, int32).
    return sp.csr_array((data, indices, indptr), shape=(rows, cols), copy=False)


def _existing(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    return path


def read_matrix_market(path):
    """A Matrix Market file (coordinate, real/integer/pattern, general/symmetric) as a
    scipy.sparse.csr_array (both triangles of a symmetric file). A malformed file is a
    ValueError "FILE:LINE: problem", as the tool says it."""
    return _csr(_asor._read_matrix_market(_existing(path)))


def read_triplet(path, b=None):
    """A triplet file (`row col value` per line, 0-based, commas or spaces, `#` comments: the
    seed's CSV) as a scipy.sparse.csr_array. With b, the path of its right-hand side (one value
    per line, or Matrix Market by the .mtx extension), returns (A, b) with b a numpy array."""
    A = _csr(_asor._read_triplet(_existing(path)))
    if b is None:
        return A
    return A, read_vector(b)


def read_vector(path):
    """A vector file as a numpy array: Matrix Market (.mtx) or one value per line."""
    return _asor._read_vector(_existing(path))


def poisson2d(m):
    """The 5-point Laplacian on an m x m grid (n = m^2; diagonal 4, off-diagonals -1)."""
    return _csr(_asor._poisson2d(m))


def poisson3d(m):
    """The 7-point Laplacian on an m x m x m grid (n = m^3; diagonal 6, off-diagonals -1)."""
    return _csr(_asor._poisson3d(m))


def anisotropic2d(m, eps):
    """-eps u_xx - u_yy on an m x m grid (5-point, Dirichlet)."""
    return _csr(_asor._anisotropic2d(m, eps))


def random_spd(n, per_row=8, seed=1):
    """A random sparse symmetric, strictly diagonally dominant matrix with a positive diagonal
    (so SPD): about per_row off-diagonal entries per row, reproducible from seed."""
    return _csr(_asor._random_spd(n, per_row, seed))


def reference_solve(A, b, kind="ldlt"):
    """x of A x = b by a direct solver: "ldlt" (Eigen's SimplicialLDLT) or "cholmod".

    A and b are validated as by asor.solve (same errors). A is copied (the factorization needs
    its own storage anyway).
    """
    rows, cols, indptr, indices, data = csr_arrays(A)
    b = as_vector(b, rows, "right-hand side")
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, not {type(kind).__name__}")
    return _asor._reference_solve(rows, cols, indptr, indices, data, b, kind)


def info(A, *, spd_check_limit=200000):
    """What `asor info` says about A, as a dict: the `asor.info/1` document (its "matrix" is
    None). A matrix that is not square, not symmetric or not SPD is described, not refused."""
    rows, cols, indptr, indices, data = csr_arrays(A)
    return _asor._info(rows, cols, indptr, indices, data, int(spd_check_limit))
