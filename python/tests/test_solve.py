"""asor.solve on the real matrices of tests/data against scipy.sparse.linalg.spsolve, every method,
the Result and its report (the tool's `asor.solve/1` document), and the options' errors."""

import json
import os
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from conftest import DATA, ones_rhs

import asor

# Not bcsstk20: it is there for the adaptive omega's test (tests/unit/omega_control_test.cpp).
# Its condition after Jacobi scaling is 1.8e8 (3.9e12 before); with b = A * ones sequential SOR
# needs 164,997 sweeps at the best omega of a grid, and with the random b below the residual is
# still rising after 400,000.
MATRICES = sorted(
    p.name for p in DATA.glob("*.mtx") if p.name not in ("LF10_crlf.mtx", "bcsstk20.mtx"))
METHODS = ["async", "sor", "ssor", "multicolor", "block-jacobi", "jacobi"]
# The 2-norm condition numbers, np.linalg.cond(A.toarray()) rounded up to 3 digits: computed once
# here, since the dense SVD of the 900-row gr_30_30 takes ~10 s with Debian's reference LAPACK.
KAPPA = {"494_bus.mtx": 2.42e6, "LF10.mtx": 3.86e6, "bcsstk01.mtx": 8.83e5, "gr_30_30.mtx": 195.0,
         "mesh1e1.mtx": 5.25, "nos1.mtx": 1.99e7, "nos4.mtx": 1.58e3, "nos6.mtx": 7.66e6}


def test_version_is_the_cpp_version():
    assert asor.__version__ == os.environ.get("ASOR_VERSION", asor._asor.__version__)
    cli = os.environ.get("ASOR_CLI")
    if cli:
        out = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == f"asor {asor.__version__}"


@pytest.mark.parametrize("name", MATRICES)
def test_sequential_sor_agrees_with_spsolve(name):
    A = asor.read_matrix_market(DATA / name)
    rng = np.random.default_rng(7)
    b = rng.standard_normal(A.shape[0])
    reference = sla.spsolve(sp.csc_matrix(A), b)
    # Sequential SOR with the estimated omega converges on every one (nos1, the slowest, in
    # ~160 000 sweeps, well under a second).
    r = asor.solve(A, b, method="sor", omega="auto", tol=1e-8, max_sweeps=400000)
    assert r.status == "converged", r
    assert r.converged is True
    true_residual = np.linalg.norm(b - A @ r.x) / np.linalg.norm(b)
    assert true_residual <= 1e-8
    assert r.residual == pytest.approx(true_residual, rel=1e-6)
    # The forward error is bounded by the condition number times the residual (up to ~1e7 here).
    kappa = KAPPA[name]
    error = np.linalg.norm(r.x - reference) / np.linalg.norm(reference)
    assert error <= kappa * 1e-8 + 1e-12, (error, kappa)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_agrees_with_spsolve(method):
    A = asor.read_matrix_market(DATA / "gr_30_30.mtx")
    b = np.sin(np.arange(A.shape[0]))
    reference = sla.spsolve(sp.csc_matrix(A), b)
    r = asor.solve(A, b, method=method, omega="auto", threads=2, tol=1e-9, max_sweeps=100000)
    assert r.status == "converged", r
    assert np.linalg.norm(b - A @ r.x) / np.linalg.norm(b) <= 1e-9
    kappa = KAPPA["gr_30_30.mtx"]
    error = np.linalg.norm(r.x - reference) / np.linalg.norm(reference)
    assert error <= kappa * 1e-9, (error, kappa)
    assert r.report["method"] == method
    assert r.report["threads"] == (1 if method in ("sor", "ssor") else 2)


def test_result_fields():
    A = asor.poisson2d(32)
    b = ones_rhs(A)
    r = asor.solve(A, b, method="sor", omega=1.8, tol=1e-8)
    assert isinstance(r, asor.Result)
    assert isinstance(r.x, np.ndarray) and r.x.dtype == np.float64 and r.x.shape == (1024,)
    assert r.status == "converged" and r.converged is True
    assert 0 < r.residual <= 1e-8
    assert set(r.sweeps) == {"min", "mean", "max"}
    assert r.sweeps["min"] == r.sweeps["max"] > 0  # sequential: every row swept equally
    assert r.omega == 1.8
    assert r.setup_seconds >= 0 and r.solve_seconds > 0
    assert r.report["status"] == r.status and r.report["omega"] == r.omega
    assert "converged" in repr(r)


@pytest.mark.parametrize("method, kwargs, status", [
    ("sor", dict(omega=1.8, tol=1e-8), "converged"),
    ("async", dict(omega=1.0, tol=1e-14, max_sweeps=2), "max_sweeps"),
    ("jacobi", dict(omega=1.0, tol=1e-14, max_sweeps=10**9, time_limit=0.02), "time_limit"),
])
def test_result_fields_are_the_documents_values(method, kwargs, status):
    # The fields come from the engine's report directly; the document is made on first use.
    A = asor.poisson2d(32)
    r = asor.solve(A, ones_rhs(A), method=method, threads=2, **kwargs)
    assert r.status == status
    document = r.report
    assert r.report is document, "made once"
    for field, key in (("status", "status"), ("converged", "converged"),
                       ("residual", "relative_residual"), ("sweeps", "sweeps"),
                       ("omega", "omega"), ("setup_seconds", "setup_seconds"),
                       ("solve_seconds", "solve_seconds")):
        value = getattr(r, field)
        assert value == document[key] and type(value) is type(document[key]), field
    assert all(type(r.sweeps[k]) is type(document["sweeps"][k]) for k in ("min", "mean", "max"))


def test_x0_is_the_start_and_is_not_modified():
    A = asor.poisson2d(16)
    b = ones_rhs(A)
    x0 = [1.0] * A.shape[0]  # the exact solution: nothing to do
    r = asor.solve(A, b, method="sor", omega=1.5, x0=x0)
    assert r.converged and r.sweeps["max"] <= 1
    assert x0 == [1.0] * A.shape[0]
    start = np.zeros(A.shape[0])
    asor.solve(A, b, method="sor", omega=1.5, x0=start)
    assert not start.any(), "x0 was written to"


def test_b_may_be_any_float_sequence():
    A = asor.poisson2d(4)
    b = ones_rhs(A)
    for form in (list(b), tuple(b), b.astype(np.float32), b.reshape(-1)):
        r = asor.solve(A, form, method="sor", omega=1.2, tol=1e-6)
        assert r.converged
    r = asor.solve(A, [int(round(v)) for v in b], method="sor", omega=1.2)  # integers are numbers
    assert r.converged


def test_budgets_and_statuses():
    A = asor.poisson2d(128)
    b = ones_rhs(A)
    r = asor.solve(A, b, method="sor", omega=1.0, tol=1e-14, max_sweeps=3)
    assert r.status == "max_sweeps" and r.converged is False and r.sweeps["max"] == 3
    assert r.report["stop_reason"].startswith("sweep budget of 3 sweeps used up; true residual")
    r = asor.solve(A, b, method="jacobi", omega=1.0, tol=1e-14, max_sweeps=10**9,
                   time_limit=0.05)
    assert r.status == "time_limit" and not r.converged
    assert 0 < r.residual < 1
    assert r.report["time_limit_seconds"] == 0.05


def test_report_has_the_keys_and_content_of_the_cli_json(tmp_path):
    cli = os.environ.get("ASOR_CLI")
    if not cli:
        pytest.skip("the asor tool is not built (ASOR_BUILD_CLI=OFF)")
    matrix = DATA / "nos4.mtx"
    A = asor.read_matrix_market(matrix)
    b = np.linspace(1.0, 2.0, A.shape[0])
    rhs = tmp_path / "b.txt"
    rhs.write_text("".join(f"{v!r}\n" for v in b))
    args = ["--method", "sor", "--omega", "1.6", "--tol", "1e-9", "--max-sweeps", "5000"]
    out = subprocess.run([cli, "solve", str(matrix), "--rhs", str(rhs), *args, "--json", "-"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    expected = json.loads(out.stdout)
    r = asor.solve(A, b, method="sor", omega=1.6, tol=1e-9, max_sweeps=5000)
    assert list(r.report) == list(expected), "same keys in the same order"
    timing = {"setup_seconds", "solve_seconds", "cancel_latency_seconds",
              "max_cancel_latency_seconds"}
    for key, value in expected.items():
        if key in timing:
            assert (r.report[key] is None) == (value is None), key
        elif key == "matrix":
            assert r.report[key] is None  # A came from memory, not a file
        elif key == "rhs":
            assert r.report[key] is None
        else:
            # Sequential SOR is deterministic: the same sweeps, residuals and sentence.
            assert r.report[key] == value, key
    assert r.report["schema"] == "asor.solve/1"


def test_report_is_a_plain_dict_that_json_can_write():
    A = asor.poisson2d(8)
    r = asor.solve(A, ones_rhs(A), method="async", threads=2)
    text = json.dumps(r.report)
    assert json.loads(text) == r.report


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(method="gauss"), ValueError,
         "method: unknown method 'gauss' (expected async, sor, ssor, multicolor, block-jacobi "
         "or jacobi)"),
        (dict(omega=2.5), ValueError,
         "omega: 2.5 is outside (0, 2); SOR converges only for 0 < omega < 2"),
        (dict(omega=0), ValueError,
         "omega: 0 is outside (0, 2); SOR converges only for 0 < omega < 2"),
        (dict(omega="fast"), ValueError,
         "omega: 'fast' is not a number (expected a value in (0, 2) or 'auto')"),
        (dict(omega=[1.5]), TypeError, "omega must be a number, not list"),
        (dict(threads=0), ValueError, "threads: must be positive"),
        (dict(threads=1.5), TypeError, "threads must be an integer, not float"),
        (dict(tol=0), ValueError, "tol: must be a positive number"),
        (dict(tol=float("nan")), ValueError, "tol: must be a positive number"),
        (dict(max_sweeps=0), ValueError, "max_sweeps: must be at least 1"),
        (dict(time_limit=-1), ValueError, "time_limit: must be positive (seconds)"),
        (dict(ordering="amd"), ValueError,
         "ordering: unknown ordering 'amd' (expected auto, natural or rcm)"),
        (dict(on_progress=3), TypeError, "on_progress must be callable or None, not int"),
        (dict(progress_interval=-0.1), ValueError,
         "progress_interval: must be a number >= 0 (seconds)"),
    ],
)
def test_option_errors(kwargs, error, message):
    A = asor.poisson2d(4)
    with pytest.raises(error) as e:
        asor.solve(A, ones_rhs(A), **kwargs)
    assert str(e.value) == message
    with pytest.raises(error) as e:
        asor.submit(A, ones_rhs(A), **kwargs)
    assert str(e.value) == message


def test_unknown_keyword_is_a_type_error():
    A = asor.poisson2d(4)
    with pytest.raises(TypeError, match="unexpected keyword argument 'tolerance'"):
        asor.solve(A, ones_rhs(A), tolerance=1e-3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'tolerance'"):
        asor.submit(A, ones_rhs(A), tolerance=1e-3)


def test_b_of_zeros_gives_zeros():
    A = asor.poisson2d(8)
    r = asor.solve(A, np.zeros(64))
    assert r.converged and not r.x.any() and r.residual == 0.0
