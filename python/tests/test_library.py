"""The rest of the library from Python: readers, generators, reference solves and info."""

import json
import os
import re
import subprocess

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from conftest import DATA, ones_rhs

import asor


def same_matrix(A, B):
    return A.shape == B.shape and abs(sp.csr_array(A) - sp.csr_array(B)).max() == 0


@pytest.mark.parametrize("name", ["nos4.mtx", "gr_30_30.mtx", "LF10_crlf.mtx", "bcsstk01.mtx"])
def test_read_matrix_market_gives_a_csr_array(name):
    A = asor.read_matrix_market(DATA / name)
    assert isinstance(A, sp.csr_array)
    assert A.indices.dtype == np.int32 and A.indptr.dtype == np.int32
    assert A.data.dtype == np.float64
    assert same_matrix(A, scipy.io.mmread(DATA / name))
    assert asor.read_matrix_market(str(DATA / name)).nnz == A.nnz  # str or path


def test_reader_errors():
    with pytest.raises(FileNotFoundError):
        asor.read_matrix_market(DATA / "no_such_file.mtx")
    with pytest.raises(IsADirectoryError):
        asor.read_matrix_market(DATA)
    bad = DATA / "bad" / "value_nan.mtx"
    with pytest.raises(ValueError) as e:
        asor.read_matrix_market(bad)
    assert str(e.value) == f"{bad}:4: value is NaN"
    bad = DATA / "bad" / "triplet_duplicate.txt"
    with pytest.raises(ValueError) as e:
        asor.read_triplet(bad)
    assert str(e.value) == f"{bad}:4: duplicate entry (0, 0), first at line 2"


def test_read_triplet_with_its_b_file_the_seeds_workflow(tmp_path):
    A = asor.poisson2d(5)
    coo = A.tocoo()
    matrix = tmp_path / "A.csv"
    matrix.write_text("# row,col,value\n" + "".join(
        f"{i},{j},{v!r}\n" for i, j, v in zip(coo.row, coo.col, coo.data)))
    b = ones_rhs(A)
    rhs = tmp_path / "b.csv"
    rhs.write_text("".join(f"{v!r}\n" for v in b))
    B = asor.read_triplet(matrix)
    assert isinstance(B, sp.csr_array) and same_matrix(A, B)
    B, bb = asor.read_triplet(matrix, b=rhs)
    assert isinstance(bb, np.ndarray) and np.array_equal(bb, b)
    r = asor.solve(B, bb, method="sor", omega=1.5)
    assert r.converged and np.allclose(r.x, 1.0, atol=1e-6)
    assert np.array_equal(asor.read_vector(rhs), b)


def laplacian_1d(m):
    return sp.diags([-np.ones(m - 1), 2 * np.ones(m), -np.ones(m - 1)], [-1, 0, 1])


def test_generators():
    m = 7
    T, eye = laplacian_1d(m), sp.identity(m)
    assert same_matrix(asor.poisson2d(m), sp.kron(eye, T) + sp.kron(T, eye))
    assert same_matrix(asor.poisson3d(4), sp.kronsum(sp.kronsum(laplacian_1d(4),
                                                                laplacian_1d(4)),
                                                     laplacian_1d(4)))
    eps = 0.01
    assert same_matrix(asor.anisotropic2d(m, eps), eps * sp.kron(eye, T) + sp.kron(T, eye))
    R = asor.random_spd(300, 6, 11)
    assert isinstance(R, sp.csr_array) and R.shape == (300, 300)
    assert abs(R - R.T).max() == 0
    assert np.linalg.eigvalsh(R.toarray()).min() > 0
    assert same_matrix(R, asor.random_spd(300, 6, 11)), "reproducible from the seed"
    with pytest.raises(ValueError, match="poisson2d: m must be >= 1, got 0"):
        asor.poisson2d(0)


@pytest.mark.parametrize("kind", ["ldlt", "cholmod"])
def test_reference_solve_agrees_with_spsolve(kind):
    A = asor.read_matrix_market(DATA / "494_bus.mtx")
    b = np.sin(np.arange(A.shape[0]) + 1.0)
    x = asor.reference_solve(A, b, kind=kind)
    expected = sla.spsolve(sp.csc_matrix(A), b)
    assert np.allclose(x, expected, rtol=1e-8, atol=1e-10 * np.abs(expected).max())


def test_reference_solve_errors():
    A = asor.poisson2d(3)
    with pytest.raises(ValueError) as e:
        asor.reference_solve(A, np.ones(9), kind="qr")
    assert str(e.value) == "kind: unknown solver 'qr' (expected ldlt, cholmod or strumpack)"
    with pytest.raises(ValueError) as e:
        asor.reference_solve(A, np.ones(8))
    assert str(e.value) == "right-hand side has 8 entries, matrix has 9 rows"
    with pytest.raises(TypeError):
        asor.reference_solve(np.eye(3), np.ones(3))


def test_info_is_the_document_of_asor_info():
    cli = os.environ.get("ASOR_CLI")
    if not cli:
        pytest.skip("the asor tool is not built")
    path = DATA / "nos4.mtx"
    out = subprocess.run([cli, "info", str(path), "--json", "-"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    expected = json.loads(out.stdout)
    got = asor.info(asor.read_matrix_market(path))
    assert list(got) == list(expected)
    assert got["matrix"] is None and expected["matrix"] == str(path)
    # The SPD check's time differs from run to run: in "seconds" and at the end of "detail".
    for doc in (got, expected):
        doc.pop("matrix")
        doc["spd"]["seconds"] = None
        doc["spd"]["detail"] = re.sub(r", [0-9.]+ (us|s)$", "", doc["spd"]["detail"])
        doc["omega_estimate"]["seconds"] = None  # the estimate's time, too
    assert got == expected


def test_info_describes_what_solve_refuses():
    d = asor.info(sp.csr_array(np.array([[1.0, 2.0], [0.0, -1.0]])))
    assert d["schema"] == "asor.info/1"
    assert d["validation"] == "diagonal entry (1, 1) is -1 (must be positive)"
    assert d["symmetric"] is False and d["spd"]["verdict"] == "no"
    assert d["diagonal"]["non_positive"] == 1
    assert d["omega_estimate"] is None
    d = asor.info(sp.csr_array((2, 3)))
    assert d["validation"] == "matrix is not square (2 x 3)" and "symmetric" not in d
