"""Shared fixtures of the Python tests (run by ctest: python/tests/python_tests.cmake).

Every test gets a watchdog: a test still running after 240 s dumps every thread's stack and
ends the process (ctest's own timeout would only kill it, without saying where it hung).
"""

import faulthandler
import os
import pathlib

import numpy as np
import pytest

import asor

DATA = pathlib.Path(os.environ.get("ASOR_TEST_DATA_DIR",
                                   pathlib.Path(__file__).parents[2] / "tests" / "data"))


@pytest.fixture(autouse=True)
def watchdog():
    faulthandler.dump_traceback_later(240, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(autouse=True)
def no_solve_left_running():
    """Every test must leave no solve running behind it."""
    yield
    assert asor._asor._running_solves() == 0, "a solve is still running after the test"


@pytest.fixture
def data():
    return DATA


def ones_rhs(A):
    """b = A * ones: the exact solution is ones."""
    return A @ np.ones(A.shape[0])


def big_problem():
    """A problem no method solves to 1e-15 in seconds: Poisson 256^2 (65 536 unknowns)."""
    A = asor.poisson2d(256)
    return A, ones_rhs(A)
