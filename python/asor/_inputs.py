"""How asor takes matrices and vectors from Python (docs/python.md, "Inputs").

Matrices: scipy.sparse CSR (csr_matrix, csr_array) is used as it is, without a copy of its arrays;
so is CSC, which holds the same arrays as the CSR form of its transpose (the same matrix when it
is symmetric, which the validation checks). Conversions, each done once, by rule:

- int64 indices (scipy's choice for large or hand-made matrices) become int32 when every value
  fits (a copy of the two index arrays, 4 bytes per entry); otherwise ValueError;
- values of another real dtype (float32, integers, bool) become float64 (a copy of the values,
  8 bytes per entry); complex values are a TypeError;
- other sparse formats (COO, LIL, DOK, BSR, DIA) are converted to CSR (a copy);
- a matrix that is not in scipy's canonical format (duplicate entries or unsorted indices) is
  copied once with its duplicates summed, which is what scipy means by them.

Anything else (a dense numpy array, a list) is a TypeError. Every other problem is a ValueError
with the words of the `asor` tool's errors.
"""

import numpy as np
import scipy.sparse as sp

from . import _asor

_INT32_MAX = 2**31 - 1


def _type_name(obj):
    t = type(obj)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _values(data):
    dtype = data.dtype
    if dtype == np.float64:
        return np.ascontiguousarray(data)
    if dtype.kind == "c":
        raise TypeError(
            f"A has complex values ({dtype}): asor solves real symmetric positive definite "
            "systems"
        )
    if dtype.kind in "fiub":
        return np.ascontiguousarray(data, dtype=np.float64)
    raise TypeError(f"A has values of dtype {dtype}: asor takes real numbers")


def _indices(indptr, indices, n, nnz):
    if indptr.dtype == np.int32 and indices.dtype == np.int32:
        return np.ascontiguousarray(indptr), np.ascontiguousarray(indices)
    if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
        raise TypeError(
            f"A has index arrays of dtype {indptr.dtype} and {indices.dtype}: expected integers"
        )
    too_large = n > _INT32_MAX or nnz > _INT32_MAX
    if not too_large and indices.size:
        too_large = int(indices.max()) > _INT32_MAX or int(indices.min()) < -_INT32_MAX - 1
    if not too_large and indptr.size:
        too_large = int(indptr.max()) > _INT32_MAX or int(indptr.min()) < -_INT32_MAX - 1
    if too_large:
        raise ValueError(
            f"matrix is too large for asor's 32-bit indices (n = {n}, nnz = {nnz}; at most "
            f"{_INT32_MAX})"
        )
    return indptr.astype(np.int32), indices.astype(np.int32)


def _canonical(A):
    """A in CSR or CSC, canonical; a copy only where a rule of the module docstring says so."""
    if not sp.issparse(A):
        raise TypeError(
            f"A must be a scipy.sparse matrix or array (CSR, or CSC of a symmetric matrix), not "
            f"{_type_name(A)}; convert a dense array with scipy.sparse.csr_array(A)"
        )
    if A.format not in ("csr", "csc"):
        A = A.tocsr()
    if not A.has_canonical_format:
        A = A.copy()
        A.sum_duplicates()
    return A


def _arrays(A):
    rows, cols = A.shape
    indptr, indices = _indices(A.indptr, A.indices, max(rows, cols), A.nnz)
    return rows, cols, indptr, indices, _values(A.data)


def as_matrix(A):
    """A validated asor._asor._Matrix over A's own arrays (see the module docstring)."""
    A = _canonical(A)
    rows, cols, indptr, indices, data = _arrays(A)
    if A.format == "csr":
        return _asor._Matrix(rows, cols, indptr, indices, data)
    # CSC arrays are the CSR arrays of the transpose: the same matrix when it is symmetric. When
    # the validation fails, the message is made from the CSR form, so that it names A's entries.
    try:
        return _asor._Matrix(cols, rows, indptr, indices, data)
    except ValueError:
        as_matrix(A.tocsr())
        raise


def csr_arrays(A):
    """(rows, cols, indptr, indices, data) of A in canonical CSR form (copied where needed)."""
    A = _canonical(A)
    if A.format != "csr":
        A = A.tocsr()
    return _arrays(A)


def as_vector(v, n, what):
    """v as a new float64 array of n entries; what: "right-hand side" or "initial guess"."""
    if type(v) is np.ndarray and v.dtype == np.float64 and v.ndim == 1:  # the common case
        return v.copy()
    if sp.issparse(v):
        raise TypeError(f"{what} must be a 1-D sequence of real numbers, not a sparse matrix")
    a = np.asarray(v)
    if np.iscomplexobj(a):
        raise TypeError(f"{what} has complex values: asor solves real systems")
    if a.dtype.kind not in "fiub":
        raise TypeError(
            f"{what} must be a 1-D sequence of real numbers, not {_type_name(v)} of dtype "
            f"{a.dtype}"
        )
    if a.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got an array of shape {a.shape}")
    return np.array(a, dtype=np.float64, copy=True)


def check_guess(x, n):
    """The checks of `asor solve --x0`, with its words."""
    if x.size != n:
        raise ValueError(f"initial guess has {x.size} entries, the matrix has {n} rows")
    bad = np.flatnonzero(~np.isfinite(x))
    if bad.size:
        raise ValueError(f"entry {bad[0]} of the initial guess is not finite")
