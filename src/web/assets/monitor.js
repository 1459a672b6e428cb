// The asor monitor page: follows the server's Server-Sent Events (newest snapshot only, at most
// ~10 per second), draws the residual curves and the sweeps per block on canvases, and posts the
// cancel. Everything comes from the page's own server; the token travels in the query string (the
// server answers 403 without it).
(function () {
  'use strict';

  const token = new URLSearchParams(window.location.search).get('token') || '';
  const $ = (id) => document.getElementById(id);
  // No red (the tolerance), no green or orange first (the verification dots).
  const palette = ['#1f77b4', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#7f7f7f',
    '#2ca02c', '#ff7f0e'];
  const workerColor = (w) => (w >= 0 ? palette[w % palette.length] : '#9aa0a6');
  const maxPoints = 4000;  // kept in the page; every other one goes when full

  const S = {
    run: null,
    tolerance: NaN,
    points: [],  // [seconds, global estimate, [per-block estimates]]
    verified: [],  // [seconds, true residual]
    omegas: [],  // [seconds, omega]
    blocks: null,
    progress: null,
    report: null,
    ended: false,
    finished: false,
    cancelAt: null,  // performance.now() of the click
    cancelSeen: null,  // ms from the click to the page showing the end
    drawPending: false,
  };

  // ---------------------------------------------------------------------------------- formatting
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const sci = (v) => (isNum(v) ? v.toExponential(2) : 'n/a');
  const fixed = (v, d) => (isNum(v) ? v.toFixed(d) : 'n/a');
  function duration(s) {
    if (!isNum(s)) return 'n/a';
    if (s < 1e-3) return (s * 1e6).toFixed(0) + ' \u00b5s';
    if (s < 1) return (s * 1e3).toFixed(s < 0.01 ? 2 : 1) + ' ms';
    if (s < 120) return s.toFixed(2) + ' s';
    return Math.floor(s / 60) + ' min ' + (s % 60).toFixed(0) + ' s';
  }
  const text = (id, value) => {
    const el = $(id);
    if (el.textContent !== value) el.textContent = value;
  };

  function logEvent(message) {
    const li = document.createElement('li');
    const t = S.progress && isNum(S.progress.t) ? duration(S.progress.t) + ': ' : '';
    li.textContent = t + message;
    const log = $('event-log');
    log.appendChild(li);
    while (log.children.length > 200) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  }

  function setStatus(status) {
    const el = $('status');
    if (el.textContent !== status) {
      el.textContent = status;
      el.className = 'status status-' + status;
    }
  }

  // ---------------------------------------------------------------------------------- the data
  function resetRun(m) {
    S.run = m.run;
    S.points = [];
    S.verified = [];
    S.omegas = [];
    S.blocks = null;
    S.progress = null;
    S.report = null;
    S.ended = false;
    logEvent('watching ' + (m.label || m.method || 'a solve'));
  }

  function pushPoint(pt) {
    const last = S.points.length ? S.points[S.points.length - 1][0] : -Infinity;
    if (!(pt[0] > last)) return;
    if (S.points.length >= maxPoints) S.points = S.points.filter((_, i) => i % 2 === 0);
    S.points.push(pt);
  }

  function apply(m) {
    if (m.title) {
      text('title', m.title);
      document.title = m.title + ' \u2014 asor monitor';
    }
    S.finished = !!m.finished;
    if (m.run === null || m.run === undefined) {
      setStatus(m.status || 'waiting');
      updateCancel();
      return;
    }
    if (m.run !== S.run) resetRun(m);
    text('run-label', [m.label, m.method && m.threads ? m.method + ' on ' + m.threads +
      (m.threads === 1 ? ' thread' : ' threads') : ''].filter(Boolean).join(' \u00b7 '));
    S.tolerance = isNum(m.tolerance) ? m.tolerance : NaN;
    if (Array.isArray(m.history)) {
      // The first message of a connection: the server's curve so far replaces the page's (after
      // a reconnection the page may have missed updates).
      S.points = [];
      for (const h of m.history) pushPoint([h[0], h[1], h[2] || []]);
    }
    if (m.progress && isNum(m.progress.t)) {
      pushPoint([m.progress.t, m.progress.estimate,
        m.blocks && Array.isArray(m.blocks.estimate) ? m.blocks.estimate : []]);
    }
    for (const v of m.verified || []) {
      if (!S.verified.some((w) => w[0] === v[0] && w[1] === v[1])) {
        logEvent('verified: true residual ' + sci(v[1]) +
          (isNum(S.tolerance) && v[1] <= S.tolerance ? ' \u2264 tol, passed' :
            ' > tol, failed: the solve resumes'));
      }
    }
    S.verified = m.verified || [];
    const omegas = m.omega_changes || [];
    for (let i = S.omegas.length; i < omegas.length; ++i) {
      logEvent((i === 0 ? '\u03c9 = ' : '\u03c9 changed to ') + fixed(omegas[i][1], 4));
    }
    S.omegas = omegas;
    S.progress = m.progress || S.progress;
    S.blocks = m.blocks || S.blocks;
    if (m.report && !S.report) {
      S.report = m.report;
      if (S.cancelAt !== null && S.cancelSeen === null) {
        S.cancelSeen = performance.now() - S.cancelAt;
      }
      logEvent('stopped: ' + m.report.status + ', true residual ' +
        sci(m.report.relative_residual) + ', cancel latency ' +
        duration(m.report.cancel_latency_seconds));
    }
    S.ended = !!m.ended;
    setStatus(m.status);
    updateStats();
    updateCancel();
    scheduleDraw();
  }

  function updateStats() {
    const p = S.progress;
    const r = S.report;
    text('elapsed', p ? duration(p.t) : 'n/a');
    if (r) {
      text('sweeps', r.sweeps.min + ' / ' + fixed(r.sweeps.mean, 1) + ' / ' + r.sweeps.max);
    } else {
      text('sweeps', p ? p.min_sweeps + ' / ' + fixed(p.mean_sweeps, 1) + ' / ' + p.max_sweeps :
        'n/a');
    }
    text('rate', p && isNum(p.sweeps_per_second) ? p.sweeps_per_second.toFixed(0) + ' sweeps/s' :
      'n/a');
    text('estimate', p ? sci(p.estimate) : 'n/a');
    text('tolerance', sci(S.tolerance));
    const omega = r ? r.omega : p ? p.omega : null;
    const changes = Math.max(0, S.omegas.length - 1);
    text('omega', fixed(omega, 4) + (changes ? ' (' + changes + (changes === 1 ? ' change)' :
      ' changes)') : ''));
    if (p) {
      text('verifications', p.verifications + (isNum(p.last_verified_residual) ?
        ', last ' + sci(p.last_verified_residual) : ''));
    }
    text('true-residual', r ? sci(r.relative_residual) : 'n/a');
    let latency = r ? duration(r.cancel_latency_seconds) : 'n/a';
    if (S.cancelSeen !== null) latency += ' (page: ' + S.cancelSeen.toFixed(0) + ' ms)';
    text('cancel-latency', latency);
  }

  function updateCancel() {
    const b = $('cancel');
    const over = S.ended && S.finished;
    b.disabled = over || S.cancelAt !== null;
    if (over) b.textContent = 'Ended';
  }

  // ---------------------------------------------------------------------------------- drawing
  function canvas2d(c) {
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    const pw = Math.round(w * dpr);
    const ph = Math.round(h * dpr);
    if (c.width !== pw || c.height !== ph) {
      c.width = pw;
      c.height = ph;
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '12px system-ui, sans-serif';
    return { ctx, w, h };
  }

  function niceStep(span, count) {
    const raw = span / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const f of [1, 2, 2.5, 5, 10]) if (raw <= f * mag) return f * mag;
    return 10 * mag;
  }

  function drawResidual() {
    const c = $('residual-chart');
    const { ctx, w, h } = canvas2d(c);
    const L = 64;
    const R = 16;
    const T = 14;
    const B = 34;
    const pw = w - L - R;
    const ph = h - T - B;
    let lo = Infinity;
    let hi = -Infinity;
    let tmax = 0;
    const see = (v) => {
      if (isNum(v) && v > 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    };
    for (const pt of S.points) {
      see(pt[1]);
      for (const v of pt[2]) see(v);
      tmax = Math.max(tmax, pt[0]);
    }
    for (const v of S.verified) {
      see(v[1]);
      if (isNum(v[0])) tmax = Math.max(tmax, v[0]);
    }
    if (isNum(S.tolerance)) see(S.tolerance);
    c.dataset.points = String(S.points.length);
    ctx.strokeStyle = '#d9dee5';
    ctx.strokeRect(L, T, pw, ph);
    if (!(lo < Infinity) || S.points.length === 0) {
      ctx.fillStyle = '#5b6472';
      ctx.fillText(S.run === null ? 'waiting for a solve' : 'waiting for the first estimate',
        L + 12, T + 22);
      return;
    }
    let y0 = Math.floor(Math.log10(lo));
    let y1 = Math.ceil(Math.log10(hi));
    if (y1 <= y0) y1 = y0 + 1;
    tmax = tmax > 0 ? tmax * 1.02 : 1e-3;  // room for the last dot
    const X = (t) => L + (t / tmax) * pw;
    const Y = (v) => T + (1 - (Math.log10(v) - y0) / (y1 - y0)) * ph;

    // Grid: one line per decade, time ticks.
    ctx.fillStyle = '#5b6472';
    ctx.strokeStyle = '#eef1f4';
    ctx.lineWidth = 1;
    const every = Math.max(1, Math.ceil((y1 - y0) / 10));
    for (let e = y0; e <= y1; e += every) {
      const y = Y(Math.pow(10, e));
      ctx.beginPath();
      ctx.moveTo(L, y);
      ctx.lineTo(L + pw, y);
      ctx.stroke();
      ctx.fillText('1e' + e, 8, y + 4);
    }
    const step = niceStep(tmax, 8);
    for (let t = 0; t <= tmax + 1e-12; t += step) {
      const x = X(t);
      ctx.beginPath();
      ctx.moveTo(x, T);
      ctx.lineTo(x, T + ph);
      ctx.stroke();
      const label = step < 1 ? t.toFixed(step < 0.1 ? 2 : 1) : t.toFixed(0);
      ctx.fillText(label + ' s', x - 10, T + ph + 16);
    }
    ctx.fillText('time since relaxation began', L + pw / 2 - 70, h - 4);

    ctx.save();
    ctx.beginPath();
    ctx.rect(L, T, pw, ph);
    ctx.clip();
    // Each block, coloured by the worker that owns it.
    const nb = S.points.reduce((n, pt) => Math.max(n, pt[2].length), 0);
    const workers = S.blocks && S.blocks.worker ? S.blocks.worker : [];
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.6;
    for (let b = 0; b < nb; ++b) {
      ctx.strokeStyle = workerColor(workers[b] === undefined ? -1 : workers[b]);
      ctx.beginPath();
      let open = false;
      for (const pt of S.points) {
        const v = pt[2][b];
        if (isNum(v) && v > 0) {
          if (open) ctx.lineTo(X(pt[0]), Y(v));
          else ctx.moveTo(X(pt[0]), Y(v));
          open = true;
        } else {
          open = false;
        }
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    // The global estimate.
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2.2;
    ctx.beginPath();
    let open = false;
    for (const pt of S.points) {
      if (isNum(pt[1]) && pt[1] > 0) {
        if (open) ctx.lineTo(X(pt[0]), Y(pt[1]));
        else ctx.moveTo(X(pt[0]), Y(pt[1]));
        open = true;
      } else {
        open = false;
      }
    }
    ctx.stroke();
    // The tolerance.
    if (isNum(S.tolerance)) {
      ctx.strokeStyle = '#d62728';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(L, Y(S.tolerance));
      ctx.lineTo(L + pw, Y(S.tolerance));
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#d62728';
      ctx.fillText('tolerance ' + sci(S.tolerance), L + pw - 120, Y(S.tolerance) - 5);
    }
    // Changes of omega.
    ctx.strokeStyle = '#8e44ad';
    ctx.fillStyle = '#8e44ad';
    ctx.setLineDash([2, 3]);
    for (let i = 1; i < S.omegas.length; ++i) {
      const x = X(S.omegas[i][0]);
      ctx.beginPath();
      ctx.moveTo(x, T);
      ctx.lineTo(x, T + ph);
      ctx.stroke();
      ctx.fillText('\u03c9 ' + fixed(S.omegas[i][1], 3), x + 4, T + 14);
    }
    ctx.setLineDash([]);
    // The verifications: the true residual on a quiescent x.
    for (const v of S.verified) {
      if (!(isNum(v[0]) && isNum(v[1]) && v[1] > 0)) continue;
      ctx.beginPath();
      ctx.arc(X(v[0]), Y(v[1]), 5.5, 0, 2 * Math.PI);
      ctx.fillStyle = isNum(S.tolerance) && v[1] <= S.tolerance ? '#2ca02c' : '#ff7f0e';
      ctx.fill();
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    ctx.restore();
    // The end.
    // The end, at the top right (the tolerance's label sits at the bottom right when nothing
    // converged).
    if (S.report) {
      ctx.save();
      ctx.fillStyle = '#111';
      ctx.textAlign = 'right';
      ctx.fillText('stopped: ' + S.report.status, L + pw - 6, T + 14);
      ctx.restore();
    }
    drawLegend(workers);
  }

  let legendKey = '';
  function drawLegend(workers) {
    const ws = [...new Set(workers.filter((w) => w >= 0))].sort((a, b) => a - b);
    const key = ws.join(',');
    if (key === legendKey) return;
    legendKey = key;
    const legend = $('legend');
    legend.textContent = '';
    const item = (cls, color, label) => {
      const span = document.createElement('span');
      const mark = document.createElement('span');
      mark.className = cls;
      if (cls === 'dash') mark.style.borderTopColor = color;
      else mark.style.background = color;
      span.appendChild(mark);
      span.appendChild(document.createTextNode(label));
      legend.appendChild(span);
    };
    item('swatch', '#111', 'global estimate');
    for (const w of ws) item('swatch', workerColor(w), 'blocks of worker ' + w);
    item('dash', '#d62728', 'tolerance');
    item('dot', '#2ca02c', 'verified, passed');
    item('dot', '#ff7f0e', 'verified, failed');
  }

  function drawSweeps() {
    const c = $('sweeps-chart');
    const { ctx, w, h } = canvas2d(c);
    const L = 64;
    const R = 16;
    const T = 12;
    const B = 28;
    const pw = w - L - R;
    const ph = h - T - B;
    ctx.strokeStyle = '#d9dee5';
    ctx.strokeRect(L, T, pw, ph);
    const b = S.blocks;
    if (!b || !b.sweeps || b.sweeps.length === 0) {
      c.dataset.blocks = '0';
      ctx.fillStyle = '#5b6472';
      ctx.fillText('no block has swept yet', L + 12, T + 22);
      return;
    }
    const n = b.sweeps.length;
    c.dataset.blocks = String(n);
    let max = 0;
    let min = Infinity;
    for (const s of b.sweeps) {
      max = Math.max(max, s);
      min = Math.min(min, s);
    }
    const top = max > 0 ? max * 1.2 : 1;  // room for the labels and the spread above the bars
    const step = niceStep(top, 4);
    ctx.fillStyle = '#5b6472';
    ctx.strokeStyle = '#eef1f4';
    for (let v = 0; v <= top; v += step) {
      const y = T + ph - (v / top) * ph;
      ctx.beginPath();
      ctx.moveTo(L, y);
      ctx.lineTo(L + pw, y);
      ctx.stroke();
      ctx.fillText(String(Math.round(v)), 8, y + 4);
    }
    const slot = pw / n;
    const bar = Math.max(1, slot * 0.8);
    for (let i = 0; i < n; ++i) {
      const x = L + i * slot + (slot - bar) / 2;
      const bh = (b.sweeps[i] / top) * ph;
      ctx.fillStyle = workerColor(b.worker ? b.worker[i] : -1);
      ctx.fillRect(x, T + ph - bh, bar, bh);
      if (bar >= 26) {
        ctx.fillStyle = '#1d2430';
        ctx.fillText(String(b.sweeps[i]), x + 2, T + ph - bh - 3);
      }
      if (slot >= 18 || i % Math.ceil(18 / slot) === 0) {
        ctx.fillStyle = '#5b6472';
        ctx.fillText(String(i), x + bar / 2 - 4, T + ph + 14);
      }
    }
    ctx.fillStyle = '#5b6472';
    ctx.fillText('block', L + pw / 2 - 14, h - 2);
    if (n > 1 && max > 0) {
      ctx.fillText('spread ' + (max - min) + ' sweeps (' + (100 * (max - min) / max).toFixed(0) +
        ' % of the most)', L + 8, T + 14);
    }
  }

  function draw() {
    S.drawPending = false;
    drawResidual();
    drawSweeps();
  }

  function scheduleDraw() {
    if (S.drawPending) return;
    S.drawPending = true;
    window.requestAnimationFrame(draw);
  }
  window.addEventListener('resize', scheduleDraw);

  // ---------------------------------------------------------------------------------- the server
  // EventSource reconnects by itself after a dropped connection, but gives up on an answer that
  // is not a stream (a 503 when the server has too many connections): then try again in 2 s.
  function connect() {
    const events = new EventSource('events?token=' + encodeURIComponent(token));
    events.onopen = () => text('connection', 'live');
    events.onmessage = (ev) => {
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch (e) {
        text('connection', 'bad update: ' + e.message);
        return;
      }
      apply(m);
    };
    events.onerror = () => {
      if (S.ended && S.finished) {
        events.close();
        text('connection', 'closed: the solve has ended and the server has stopped');
      } else if (events.readyState === EventSource.CLOSED) {
        text('connection', 'refused by the server; trying again');
        window.setTimeout(connect, 2000);
      } else {
        text('connection', 'reconnecting\u2026');
      }
    };
  }
  connect();

  $('cancel').addEventListener('click', async () => {
    S.cancelAt = performance.now();
    updateCancel();
    $('cancel').textContent = 'Cancelling\u2026';
    // Logged now: the server's update with the end can arrive before the answer to the POST.
    logEvent('Cancel pressed');
    try {
      const res = await fetch('cancel?token=' + encodeURIComponent(token), {
        method: 'POST',
        headers: { Authorization: 'token ' + token },
        cache: 'no-store',
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        logEvent('cancel refused (' + res.status + '): ' + (body.error || res.statusText));
      }
    } catch (e) {
      logEvent('cancel failed: ' + e.message);
    }
    $('cancel').textContent = S.ended ? 'Ended' : 'Cancelled';
  });

  scheduleDraw();
})();
