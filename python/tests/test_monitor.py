"""serve=: the live monitor page of a solve from Python (docs/monitor.md, docs/python.md)."""

import re
import socket
import time
import urllib.error
import urllib.request

import pytest

import asor
from conftest import ones_rhs

URL = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{32})$")


def long_solve(**kwargs):
    """A solve that runs until it is cancelled (or its 120 s limit)."""
    A = asor.poisson2d(128)
    return asor.submit(A, ones_rhs(A), method="async", threads=2, omega=1.0, tol=1e-300,
                       max_sweeps=10**9, time_limit=120, **kwargs)


def get(url, data=None):
    """(status, body) of a request; an HTTP error status is returned, not raised."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_submit_serves_the_page_and_its_cancel_stops_the_solve():
    h = long_solve(serve="127.0.0.1:0")
    try:
        m = URL.match(h.url)
        assert m, h.url
        port, token = m.groups()
        status, page = get(h.url)
        assert status == 200 and 'id="cancel"' in page and 'id="status"' in page
        assert get(f"http://127.0.0.1:{port}/")[0] == 403
        assert get(f"http://127.0.0.1:{port}/?token={'0' * 32}")[0] == 403
        assert not h.done()
        status, body = get(f"http://127.0.0.1:{port}/cancel?token={token}", data=b"")
        assert status == 200, body
        r = h.result(timeout=60)
    finally:
        h.cancel()
    assert r.status == "cancelled"
    assert r.report["stop_reason"].startswith("cancelled by the monitor page's Cancel; true")
    # While the handle lives, the page keeps the final report.
    assert get(h.url)[0] == 200


def test_cancel_on_the_handle_is_still_said_as_cancel():
    h = long_solve(serve=0)
    assert URL.match(h.url), h.url
    h.cancel()
    assert h.result(timeout=60).report["stop_reason"].startswith("cancelled by cancel();")


def test_without_serve_there_is_no_url():
    A = asor.poisson2d(8)
    h = asor.submit(A, ones_rhs(A), method="sor", omega=1.5)
    assert h.url is None
    assert h.result(timeout=60).converged


def test_solve_writes_the_url_on_stderr_and_stops_the_page(capsys):
    A = asor.poisson2d(32)
    r = asor.solve(A, ones_rhs(A), method="sor", omega=1.8, serve="127.0.0.1:0")
    assert r.converged
    line = capsys.readouterr().err.strip()
    assert line.startswith("asor: monitor page: "), line
    url = line[len("asor: monitor page: "):]
    assert URL.match(url), url
    with pytest.raises(OSError):  # the server has stopped with the call
        urllib.request.urlopen(url, timeout=5)


def test_bad_addresses_are_errors_before_any_solve():
    A = asor.poisson2d(8)
    b = ones_rhs(A)
    with pytest.raises(ValueError, match=r"^serve: "):
        asor.submit(A, b, serve="not an address")
    with pytest.raises(TypeError, match="serve must be"):
        asor.submit(A, b, serve=1.5)
    with pytest.raises(TypeError, match="serve must be"):
        asor.solve(A, b, serve=True)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=rf"^serve: cannot listen on 127\.0\.0\.1:{port}: "):
            asor.submit(A, b, serve=f"127.0.0.1:{port}")
    finally:
        taken.close()


def test_a_non_loopback_address_warns():
    A = asor.poisson2d(8)
    with pytest.warns(UserWarning, match="is not a loopback address"):
        h = asor.submit(A, ones_rhs(A), method="sor", omega=1.5, serve="0.0.0.0:0")
    assert h.result(timeout=60).converged
    assert h.url.startswith("http://127.0.0.1:")


def test_dropping_a_served_handle_cancels_and_stops_quickly():
    h = long_solve(serve="127.0.0.1:0")
    url = h.url
    assert get(url)[0] == 200
    start = time.monotonic()
    del h
    assert time.monotonic() - start < 10  # liveness: cancelled, joined, server stopped
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)
