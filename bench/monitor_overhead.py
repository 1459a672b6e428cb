#!/usr/bin/python3
"""What the live monitor costs a solve (issue "A live monitor page", item 8).

Runs `asor solve` on 2D Poisson 512^2 with 2 threads for a fixed time (tolerance 1e-15: it never
converges, so every run does the same kind of work) in five configurations, interleaved round by
round so that load from elsewhere falls on all of them alike:

  none     no --serve
  server   --serve, no page connected (the server samples the handle 10 times a second anyway)
  reader   --serve and one client reading /events (the server's whole cost: sampling, JSON, writes)
  stalled  --serve and one client that connects to /events and never reads (a stalled page)
  page     --serve and headless Chromium showing the page (the browser's drawing included: on a
           2-core machine it competes with the 2 workers for the cores)

and reports the sweep rate (mean sweeps over blocks / solve seconds, from the JSON report) of each
relative to `none`: the median over the rounds, and the range. A slow or stalled page must cost
updates, not sweeps.

On a shared, loaded machine the sweep rate swings by more than the few per cent to be measured, so
the script also measures the server's cost directly, independently of the load: the CPU time of
the server's thread (named `asor-monitor`) and of the whole process, read from
/proc/PID/task/TID/schedstat (nanoseconds) every 50 ms while the solve runs. The monitor's share
of the process's CPU time is what it can take from the sweeps when the cores are saturated.

  /usr/bin/python3 bench/monitor_overhead.py --asor build/dev/bin/asor [--rounds 7] [--seconds 4]
      [--grid 512] [--configs none,server,reader,stalled,page]
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

URL = re.compile(r"asor: monitor page: http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{32})")


def sse_client(port, token, read, counter, stop):
    """Connects to /events; reads (counting events) when `read`, else never reads."""
    s = socket.create_connection(("127.0.0.1", port))
    if not read:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.sendall(f"GET /events?token={token} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    s.settimeout(0.2)
    while not stop.is_set():
        if not read:
            time.sleep(0.05)
            continue
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        counter[0] += data.count(b"\n\ndata: ") + (1 if data.startswith(b"data: ") else 0)
    s.close()


def browser(chromium, chromedriver, profile):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-dev-shm-usage", "--window-size=1200,1500",
              f"--user-data-dir={profile}"):
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(chromedriver), options=opts)


def cpu_sampler(pid, last, stop):
    """Every 50 ms: the run time (ns) of the thread named asor-monitor and of all threads."""
    base = f"/proc/{pid}/task"
    while not stop.is_set():
        try:
            tids = os.listdir(base)
        except OSError:  # the process has ended
            break
        monitor = total = 0
        for tid in tids:
            try:  # a thread may end between the listing and the reads: it is left out
                with open(f"{base}/{tid}/schedstat") as f:
                    ns = int(f.read().split()[0])
                with open(f"{base}/{tid}/comm") as f:
                    name = f.read().strip()
            except (OSError, ValueError, IndexError):
                continue
            total += ns
            if name == "asor-monitor":
                monitor += ns
        if total > last[1]:
            last[0], last[1] = monitor, total
        time.sleep(0.05)


def run(asor, matrix, seconds, config, driver):
    args = [asor, "solve", matrix, "--threads", "2", "--tol", "1e-15", "--max-sweeps",
            "1000000000", "--time-limit", str(seconds), "--json", "-", "--no-progress"]
    if config != "none":
        args += ["--serve", "127.0.0.1:0", "--serve-linger", "0"]
    env = dict(os.environ, OMP_NUM_THREADS="2", OMP_WAIT_POLICY="passive")
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True, env=env)
    stop = threading.Event()
    counter = [0]
    clients = []
    cpu = [0, 0]
    sampler = threading.Thread(target=cpu_sampler, args=(proc.pid, cpu, stop))
    sampler.start()
    if config != "none":
        while True:
            err.seek(0)
            m = URL.search(err.read())
            if m or proc.poll() is not None:
                break
            time.sleep(0.005)
        if not m:
            sys.exit(f"no URL from asor: {proc.returncode}")
        port, token = int(m.group(1)), m.group(2)
        if config in ("reader", "stalled"):
            t = threading.Thread(target=sse_client,
                                 args=(port, token, config == "reader", counter, stop))
            t.start()
            clients.append(t)
        elif config == "page":
            driver.get(f"http://127.0.0.1:{port}/?token={token}")
    out, _ = proc.communicate()
    stop.set()
    sampler.join()
    for t in clients:
        t.join()
    if config == "page":
        driver.get("about:blank")
    report = json.loads(out)
    return report["sweeps"]["mean"] / report["solve_seconds"], counter[0], report, cpu


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--asor", required=True)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--grid", type=int, default=512)
    p.add_argument("--configs", default="none,server,reader,stalled,page")
    p.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    p.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    a = p.parse_args()
    configs = a.configs.split(",")
    work = tempfile.mkdtemp(prefix="asor-monitor-bench-")
    matrix = os.path.join(work, f"poisson_{a.grid}.mtx")
    subprocess.run([a.asor, "generate", "poisson2d", "--n", str(a.grid), "-o", matrix], check=True,
                   stdout=subprocess.DEVNULL)
    driver = browser(a.chromium, a.chromedriver, os.path.join(work, "profile")) \
        if "page" in configs else None
    rates = {c: [] for c in configs}
    events = {c: [] for c in configs}
    cpu = {c: [0, 0] for c in configs}
    try:
        for r in range(a.rounds):
            for c in configs:
                rate, n, rep, used = run(a.asor, matrix, a.seconds, c, driver)
                rates[c].append(rate)
                events[c].append(n)
                cpu[c][0] += used[0]
                cpu[c][1] += used[1]
                print(json.dumps({"round": r, "config": c, "sweeps_per_second": round(rate, 2),
                                  "mean_sweeps": rep["sweeps"]["mean"],
                                  "solve_seconds": rep["solve_seconds"],
                                  "events_read": n, "monitor_cpu_ms": round(used[0] / 1e6, 2),
                                  "process_cpu_ms": round(used[1] / 1e6, 1)}), flush=True)
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(work, ignore_errors=True)
    base = statistics.median(rates["none"]) if "none" in rates else None
    print(f"\n2D Poisson {a.grid}^2, 2 threads, {a.seconds:g} s per run, {a.rounds} rounds "
          f"interleaved; sweep rate = mean sweeps over blocks / solve seconds")
    print(f"{'config':<9} {'median sweeps/s':>16} {'vs none':>9} {'range vs none':>20}")
    for c in configs:
        med = statistics.median(rates[c])
        if base:
            rel = f"{100 * (med / base - 1):+.1f} %"
            rng = f"{100 * (min(rates[c]) / base - 1):+.1f} .. {100 * (max(rates[c]) / base - 1):+.1f} %"
        else:
            rel = rng = "-"
        print(f"{c:<9} {med:>16.1f} {rel:>9} {rng:>20}")
    print(f"\nCPU time of the server's thread (asor-monitor), summed over the {a.rounds} rounds:")
    print(f"{'config':<9} {'monitor ms':>11} {'process ms':>11} {'share':>8} {'ms per s':>9}")
    for c in configs:
        if c == "none":
            continue
        mon, tot = cpu[c][0] / 1e6, cpu[c][1] / 1e6
        share = f"{100 * mon / tot:.3f} %" if tot else "-"
        print(f"{c:<9} {mon:>11.1f} {tot:>11.1f} {share:>8} {mon / (a.rounds * a.seconds):>9.2f}")
    if "reader" in events:
        print(f"reader: {statistics.median(events['reader']):.0f} events per run (median)")


if __name__ == "__main__":
    main()
