"""What asor.solve accepts: scipy CSR and CSC (symmetric), int32/int64 indices, the dtype rule,
no copy of the caller's matrix, and bad inputs refused with the words of the `asor` tool."""

import ctypes
import os
import re
import subprocess
import time

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
from conftest import DATA, ones_rhs

import asor
from asor._inputs import as_matrix

BAD = DATA / "bad"


def addresses_of(A):
    return (A.indptr.ctypes.data, A.indices.ctypes.data, A.data.ctypes.data)


@pytest.mark.parametrize("kind", [sp.csr_matrix, sp.csr_array])
def test_csr_is_used_without_a_copy(kind):
    A = kind(asor.poisson2d(16))
    assert A.indices.dtype == np.int32 and A.data.dtype == np.float64
    m = as_matrix(A)
    assert m.addresses == addresses_of(A), "the engine reads the caller's own arrays"
    r = asor.solve(A, ones_rhs(A), method="sor", omega=1.7)
    assert r.converged and np.allclose(r.x, 1.0, atol=1e-6)


@pytest.mark.parametrize("kind", [sp.csc_matrix, sp.csc_array])
def test_csc_of_a_symmetric_matrix_is_used_without_a_copy(kind):
    A = asor.poisson2d(16)
    C = kind(A)
    m = as_matrix(C)
    assert m.addresses == addresses_of(C)
    b = np.arange(1.0, A.shape[0] + 1)
    x_csc = asor.solve(C, b, method="sor", omega=1.7, tol=1e-12).x
    x_csr = asor.solve(A, b, method="sor", omega=1.7, tol=1e-12).x
    assert np.array_equal(x_csc, x_csr), "CSC arrays of a symmetric matrix are its CSR arrays"


def test_csc_of_a_nonsymmetric_matrix_names_the_entries_of_a():
    A = sp.lil_array(asor.poisson2d(3))
    A[6, 2] = 0.5  # (6, 2) stored, its mirror (2, 6) not: asymmetric
    message = ("matrix is not symmetric: largest asymmetry |a(6, 2) - a(2, 6)| = 0.5 "
               "(relative 1)")
    with pytest.raises(ValueError) as from_csr:
        asor.solve(sp.csr_array(A), np.ones(9))
    with pytest.raises(ValueError) as from_csc:
        asor.solve(sp.csc_array(A), np.ones(9))
    assert str(from_csr.value) == message
    assert str(from_csc.value) == message
    B = sp.lil_array(asor.poisson2d(3))
    B[1, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape("entry (1, 1) is NaN")):
        asor.solve(sp.csc_array(B), np.ones(9))
    B[1, 1] = 4.0
    B[7, 2] = np.inf
    with pytest.raises(ValueError) as e:
        asor.solve(sp.csc_array(B), np.ones(9))
    assert str(e.value) == "entry (7, 2) is Inf", "CSC: A's position, not its transpose's"


def test_int64_indices_are_converted_once():
    A = asor.poisson2d(16)
    B = A.copy()
    B.indices = B.indices.astype(np.int64)  # scipy's constructor would make them int32 again
    B.indptr = B.indptr.astype(np.int64)
    assert B.indices.dtype == np.int64 and B.indptr.dtype == np.int64
    m = as_matrix(B)
    assert m.addresses[2] == B.data.ctypes.data, "values still not copied"
    assert m.addresses[1] != B.indices.ctypes.data, "indices converted to int32"
    b = ones_rhs(A)
    assert np.array_equal(asor.solve(B, b, method="sor", omega=1.5).x,
                          asor.solve(A, b, method="sor", omega=1.5).x)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int32, np.int8, np.float16])
def test_other_real_dtypes_are_converted_to_float64(dtype):
    A = asor.poisson2d(8)
    B = A.astype(dtype)
    m = as_matrix(B)
    assert m.addresses[2] != B.data.ctypes.data, "values converted (a copy)"
    b = ones_rhs(A)
    assert np.array_equal(asor.solve(B, b, method="sor", omega=1.5).x,
                          asor.solve(A, b, method="sor", omega=1.5).x)


def test_bool_values_are_numbers():
    eye = sp.csr_array(sp.identity(5, dtype=bool, format="csr"))
    r = asor.solve(eye, np.arange(5.0), method="jacobi", omega=1.0)
    assert r.converged and np.allclose(r.x, np.arange(5.0))


@pytest.mark.parametrize("fmt", ["coo", "lil", "dok", "bsr", "dia"])
def test_other_sparse_formats_are_converted(fmt):
    A = asor.poisson2d(8)
    B = A.asformat(fmt)
    r = asor.solve(B, ones_rhs(A), method="sor", omega=1.5)
    assert r.converged and np.allclose(r.x, 1.0, atol=1e-6)


def test_duplicates_are_summed_as_scipy_means_them():
    A = asor.poisson2d(6)
    coo = A.tocoo()
    # Every entry split in two halves: a CSR matrix with duplicate entries (not canonical).
    rows = np.concatenate([coo.row, coo.row])
    cols = np.concatenate([coo.col, coo.col])
    vals = np.concatenate([coo.data / 2, coo.data / 2])
    order = np.lexsort((cols, rows))
    counts = np.bincount(rows, minlength=A.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    D = sp.csr_array((vals[order], cols[order].astype(np.int32), indptr), shape=A.shape)
    assert not D.has_canonical_format and D.nnz == 2 * A.nnz
    b = ones_rhs(A)
    assert np.allclose(asor.solve(D, b, method="sor", omega=1.5).x,
                       asor.solve(A, b, method="sor", omega=1.5).x, rtol=0, atol=1e-12)
    assert D.nnz == 2 * A.nnz, "the caller's matrix is left as it was"


def test_unsorted_indices_are_accepted():
    A = asor.poisson2d(6).copy()
    for i in range(A.shape[0]):
        s = slice(A.indptr[i], A.indptr[i + 1])
        A.indices[s] = A.indices[s][::-1].copy()
        A.data[s] = A.data[s][::-1].copy()
    A.has_sorted_indices = False
    r = asor.solve(A, ones_rhs(A), method="sor", omega=1.5)
    assert r.converged and np.allclose(r.x, 1.0, atol=1e-6)


DENSE = ("A must be a scipy.sparse matrix or array (CSR, or CSC of a symmetric matrix), not "
         "{}; convert a dense array with scipy.sparse.csr_array(A)")


@pytest.mark.parametrize(
    "A, message",
    [
        (np.eye(3), DENSE.format("numpy.ndarray")),
        ([[1.0, 0.0], [0.0, 1.0]], DENSE.format("list")),
        (np.matrix(np.eye(2)), DENSE.format("numpy.matrix")),
        (sp.csr_array(np.eye(2, dtype=complex)),
         "A has complex values (complex128): asor solves real symmetric positive definite "
         "systems"),
    ],
)
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix
def test_not_a_real_sparse_matrix_is_a_type_error(A, message):
    with pytest.raises(TypeError) as e:
        asor.solve(A, np.ones(2))
    assert str(e.value) == message


@pytest.mark.parametrize(
    "A, b, message",
    [
        (sp.csr_array((3, 4)), np.ones(3), "matrix is not square (3 x 4)"),
        (sp.csr_array((0, 0)), np.ones(0), "matrix is empty (0 x 0)"),
        (sp.csr_array(np.array([[4.0, 1.0], [0.5, 4.0]])), np.ones(2),
         "matrix is not symmetric: largest asymmetry |a(1, 0) - a(0, 1)| = 0.5 (relative 0.5)"),
        (sp.csr_array(np.array([[4.0, np.nan], [np.nan, 4.0]])), np.ones(2),
         "entry (0, 1) is NaN"),
        (sp.csr_array(np.array([[4.0, 0.0], [0.0, -1.0]])), np.ones(2),
         "diagonal entry (1, 1) is -1 (must be positive)"),
        (sp.csr_array(np.array([[4.0, 1.0], [1.0, 0.0]])), np.ones(2),
         "diagonal entry (1, 1) is missing"),
        (asor.poisson2d(2), np.ones(3), "right-hand side has 3 entries, matrix has 4 rows"),
        (asor.poisson2d(2), [1.0, 2.0, np.nan, 4.0], "right-hand side entry 2 is NaN"),
        (asor.poisson2d(2), [1.0, -np.inf, 3.0, 4.0], "right-hand side entry 1 is Inf"),
        (asor.poisson2d(2), np.ones((4, 1)), "right-hand side must be 1-D, got an array of "
                                             "shape (4, 1)"),
    ],
)
def test_bad_inputs_are_value_errors_with_exact_messages(A, b, message):
    with pytest.raises(ValueError) as e:
        asor.solve(A, b)
    assert str(e.value) == message
    with pytest.raises(ValueError) as e:
        asor.submit(A, b)
    assert str(e.value) == message


def test_bad_initial_guesses():
    A = asor.poisson2d(2)
    with pytest.raises(ValueError) as e:
        asor.solve(A, np.ones(4), x0=np.zeros(3))
    assert str(e.value) == "initial guess has 3 entries, the matrix has 4 rows"
    with pytest.raises(ValueError) as e:
        asor.solve(A, np.ones(4), x0=[0.0, np.inf, 0.0, 0.0])
    assert str(e.value) == "entry 1 of the initial guess is not finite"
    with pytest.raises(TypeError) as e:
        asor.solve(A, np.ones(4), x0=[1j, 0, 0, 0])
    assert str(e.value) == "initial guess has complex values: asor solves real systems"
    with pytest.raises(TypeError) as e:
        asor.solve(A, ["a", "b", "c", "d"])
    assert str(e.value) == ("right-hand side must be a 1-D sequence of real numbers, not list "
                            "of dtype <U1")


def cli_error(args):
    """The problem the tool names: 'asor: error: FILE: PROBLEM' -> PROBLEM."""
    out = subprocess.run([os.environ["ASOR_CLI"], *args], capture_output=True, text=True)
    assert out.returncode == 2, out.stderr
    line = out.stderr.strip().splitlines()[-1]
    match = re.fullmatch(r"asor: error: [^:]+: (.*)", line)
    assert match, line
    return match.group(1)


SYSTEMS = sorted(p.name for p in BAD.glob("system_*.mtx") if ".rhs." not in p.name)


@pytest.mark.parametrize("name", SYSTEMS)
def test_same_words_as_the_tool(name):
    """Each invalid system of the tool's corpus: Python's ValueError says what `asor solve` says
    (the matrix is read by scipy here, so only the checks are shared)."""
    if "ASOR_CLI" not in os.environ:
        pytest.skip("the asor tool is not built")
    path = BAD / name
    rhs = BAD / name.replace(".mtx", ".rhs.mtx")
    args = ["solve", str(path)] + (["--rhs", str(rhs)] if rhs.exists() else [])
    expected = cli_error(args)
    A = sp.csr_array(scipy.io.mmread(path))
    b = (np.asarray(scipy.io.mmread(rhs)).ravel() if rhs.exists()
         else np.ones(A.shape[0]))
    with pytest.raises(ValueError) as e:
        asor.solve(A, b)
    assert str(e.value) == expected


_libc = ctypes.CDLL(None)


def rss_bytes():
    """Resident memory of the process, after glibc has returned what it keeps of freed memory
    (malloc_trim): what is alive, not what the allocator caches from earlier tests."""
    _libc.malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_growth_during_solve(A, b):
    """The process's resident memory growth from before submit to its largest value while the
    solve relaxes (sampled every 10 ms for 0.3 s)."""
    before = rss_bytes()
    h = asor.submit(A, b, method="async", threads=2, omega=1.0, ordering="natural",
                    tol=1e-15, max_sweeps=10**9)
    deadline = time.monotonic() + 60
    while h.progress() is None and not h.done():
        assert time.monotonic() < deadline
        time.sleep(0.001)
    peak = before
    for _ in range(30):
        peak = max(peak, rss_bytes())
        time.sleep(0.01)
    h.cancel()
    # A fast machine may converge (verified, 1e-15) before the cancel: the memory is what counts.
    assert h.result(timeout=60).status in ("cancelled", "converged")
    return peak - before


def test_a_solve_does_not_grow_the_process_by_the_matrix():
    A = asor.random_spd(100_000, 40, 3)  # ~4.1 M entries: ~50 MB of arrays
    matrix_bytes = A.data.nbytes + A.indices.nbytes + A.indptr.nbytes
    b = ones_rhs(A)
    growth = peak_growth_during_solve(A, b)
    print(f"matrix {matrix_bytes / 1e6:.1f} MB, process growth {growth / 1e6:.1f} MB")
    assert growth < 0.25 * matrix_bytes, (growth, matrix_bytes)
    # The same measurement sees a copy when there is one: float32 values are converted.
    A32 = A.astype(np.float32)
    del A
    growth32 = peak_growth_during_solve(A32, b)
    print(f"float32 values: process growth {growth32 / 1e6:.1f} MB")
    assert growth32 > 0.5 * A32.data.size * 8, "the float64 copy of the values is visible"
