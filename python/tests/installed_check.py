"""Run by the ctest python.install on a freshly installed package (run_install_test.cmake).

argv: PREFIX INSTALL_DIR VERSION. Checks that asor comes from PREFIX, that its compiled module
loaded libasor from PREFIX through its RPATH, that the version is the C++ one, that a solve works,
and that INSTALL_DIR is where Debian's python3 looks for packages under /usr/local.
"""

import os
import sys
import sysconfig

prefix, install_dir, version = sys.argv[1:4]
prefix = os.path.realpath(prefix)

import numpy as np  # noqa: E402

import asor  # noqa: E402

failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


package = os.path.realpath(os.path.dirname(asor.__file__))
check(package == os.path.join(prefix, install_dir, "asor"), f"asor imported from {package}")
module = os.path.realpath(asor._asor.__file__)
check(module.startswith(package + os.sep), f"asor._asor is {module}")
with open("/proc/self/maps") as maps:
    libs = {line.split()[-1] for line in maps if "libasor.so" in line}
check(len(libs) == 1 and all(os.path.realpath(p).startswith(prefix + os.sep) for p in libs),
      f"libasor loaded from the prefix: {sorted(libs)}")
check(asor.__version__ == version, f"asor.__version__ {asor.__version__} == {version}")

A = asor.poisson2d(16)
b = A @ np.ones(A.shape[0])
r = asor.solve(A, b, method="sor", omega=1.5, tol=1e-10)
check(r.converged and np.allclose(r.x, 1.0, atol=1e-7), f"a solve: {r}")

# Debian's python3 reads PREFIX/lib/python3.X/dist-packages for PREFIX=/usr/local: the package
# installed with --prefix /usr/local is found without PYTHONPATH.
if "dist-packages" in sysconfig.get_path("platlib"):
    site = os.path.join("/usr/local", install_dir)
    check(site in sys.path, f"{site} is on Debian's sys.path")

sys.exit(1 if failures else 0)
