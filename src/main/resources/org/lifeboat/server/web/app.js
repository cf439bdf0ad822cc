// Lifeboat dashboard (`lifeboat serve`): one page shell, routed here by location.pathname.
//   /                      overview of every system
//   /systems/NAME          one system: status, backup/drill buttons, snapshot chart, snapshots, jobs, drills
//   /snapshots/ID?path=/x  snapshot browser: folders, downloads, restore
// Plain ES2020, no framework, no build step. Every string from the API reaches the page through text nodes
// (textContent / createElement), never through innerHTML, so names holding "<" stay text.
'use strict';

const REFRESH_MS = 5000;   // overview and system pages re-fetch their data this often
const JOB_POLL_MS = 1000;  // a running job is polled this often
const CSRF = document.querySelector('meta[name="csrf-token"]')?.content || '';
const SVG_NS = 'http://www.w3.org/2000/svg';
const app = document.getElementById('app');
let redirecting = false;   // set once a 401 sent us to /login: stop reporting errors from then on

// ------------------------------------------------------------------------------------------ DOM helpers

/** createElement with attributes and children; strings become text nodes, null/false are skipped. */
function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(e, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) if (dv != null) e.dataset[dk] = String(dv);
    } else if (k.startsWith('on')) {
      e.addEventListener(k.slice(2), v);
    } else {
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/**
 * Replaces a container's content. The pages re-render every 5 s; a keyboard user's focus must not jump back
 * to the top of the page each time, so the focused link/button is found again (by id or href) and refocused.
 */
function replaceContent(container, ...nodes) {
  const active = document.activeElement;
  const key = active && active !== container && container.contains(active)
    ? (active.id ? '#' + active.id : active.getAttribute('href')) : null;
  container.replaceChildren(...nodes.flat(Infinity).filter((n) => n != null));
  if (!key) return;
  const again = key.startsWith('#') ? document.getElementById(key.slice(1))
    : [...container.querySelectorAll('a[href]')].find((a) => a.getAttribute('href') === key);
  again?.focus();
}

/** Renders only when the data changed since the last time (keeps text selections alive between refreshes). */
const lastRendered = new WeakMap();
function renderIfChanged(container, data, render) {
  const json = JSON.stringify(data);
  if (lastRendered.get(container) === json) return;
  lastRendered.set(container, json);
  render();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------- formatting

// The browser's clock may be off from the server's; ages are computed against the server's clock, learned from
// the Date header of each response. Date has one-second resolution, so small differences are ignored.
let clockOffsetMs = 0;
function noteServerClock(res) {
  const server = Date.parse(res.headers.get('Date') || '');
  if (!Number.isFinite(server)) return;
  const off = server - Date.now();
  clockOffsetMs = Math.abs(off) > 3000 ? off : 0;
}
const serverNow = () => Date.now() + clockOffsetMs;

/** Seconds as "45s", "12m", "4m 30s", "3h 5m", "2d 4h"; "unknown" for null. */
function fmtDuration(sec) {
  if (sec == null || !Number.isFinite(sec)) return 'unknown';
  const t = Math.max(0, Math.round(sec));
  if (t < 60) return t + 's';
  const m = Math.floor(t / 60);
  if (m < 10) return m + 'm' + (t % 60 ? ' ' + (t % 60) + 's' : '');
  if (m < 60) return m + 'm';
  const hr = Math.floor(m / 60);
  if (hr < 24) return hr + 'h' + (m % 60 ? ' ' + (m % 60) + 'm' : '');
  const d = Math.floor(hr / 24);
  return d + 'd' + (hr % 24 ? ' ' + (hr % 24) + 'h' : '');
}

/** Bytes 1024-based: "512 B", "1.5 KiB", "12 MiB", "3.2 GiB"; "—" for null or -1 (unknown). */
function fmtSize(bytes) {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const text = i === 0 || v >= 100 ? String(Math.round(v)) : v.toFixed(1).replace(/\.0$/, '');
  return text + ' ' + units[i];
}

function fmtCount(n) {
  return n == null || !Number.isFinite(n) || n < 0 ? '—' : n.toLocaleString('en-US');
}

const pad2 = (n) => String(n).padStart(2, '0');

/** A time as "2024-05-01 14:03" in the browser's time zone. */
function fmtTime(t) {
  const d = new Date(t);
  if (t == null || Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Seconds since an RFC 3339 time, by the server's clock; null for null. */
function ageSeconds(t) {
  const ms = Date.parse(t ?? '');
  return Number.isFinite(ms) ? (serverNow() - ms) / 1000 : null;
}

/** "12m ago" / "in 3m" / "never", as a <time> element whose tooltip is the full time. */
function timeAgo(t, never = 'never') {
  const age = ageSeconds(t);
  if (age == null) return h('span', { class: 'muted' }, never);
  const text = Math.abs(age) < 5 ? 'just now' : age > 0 ? fmtDuration(age) + ' ago' : 'in ' + fmtDuration(-age);
  return h('time', { datetime: t, title: fmtTime(t) + ' (' + t + ')' }, text);
}

function timeCell(t) {
  return t ? h('time', { datetime: t, title: t }, fmtTime(t)) : '—';
}

const capitalise = (x) => (x ? x[0].toUpperCase() + x.slice(1) : x);
const known = (v, allowed, dflt) => (allowed.includes(v) ? v : dflt);

/** Only same-site absolute paths become link targets (a report URL from the API could say "javascript:"). */
const safeHref = (u) => (typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? u : null);

/**
 * A snapshot path for a query: as encodeURIComponent, but a lone surrogate U+DC80..U+DCFF (how the
 * server sends a name's byte that is not UTF-8) is that byte, %80..%FF, so the server finds the name.
 */
function encodePath(path) {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < path.length && (path.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += encodeURIComponent(path.slice(i, i + 2));
      i++;
    } else if (c >= 0xdc80 && c <= 0xdcff) {
      out += '%' + (c - 0xdc00).toString(16).toUpperCase();
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '%EF%BF%BD'; // another lone surrogate: U+FFFD
    } else {
      out += encodeURIComponent(path[i]);
    }
  }
  return out;
}

/** The query's path as encodePath wrote it: UTF-8, each byte that is not part of it a lone surrogate again. */
function decodePath(search) {
  const m = /[?&]path=([^&]*)/.exec(search);
  if (!m) return null;
  const bytes = [];
  const v = m[1];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '%' && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) { bytes.push(parseInt(v.slice(i + 1, i + 3), 16)); i += 2; }
    else if (v[i] === '+') bytes.push(0x20);
    else for (const b of new TextEncoder().encode(v[i])) bytes.push(b);
  }
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = n > 0 && i + n <= bytes.length;
    for (let k = 1; ok && k < n; k++) ok = (bytes[i + k] & 0xc0) === 0x80;
    if (ok && n > 1) {
      // shortest form, no surrogates, at most U+10FFFF (as the server's reading, Go's utf8.DecodeRune)
      const b1 = bytes[i + 1];
      if (b === 0xe0 && b1 < 0xa0 || b === 0xed && b1 > 0x9f || b === 0xf0 && b1 < 0x90 || b === 0xf4 && b1 > 0x8f) ok = false;
    }
    if (!ok) { out += String.fromCharCode(0xdc00 + b); i++; continue; }
    out += new TextDecoder().decode(new Uint8Array(bytes.slice(i, i + n)));
    i += n;
  }
  return out;
}

const systemHref = (name) => '/systems/' + encodeURIComponent(name);
const browseHref = (id, path) => '/snapshots/' + encodeURIComponent(id) + '?path=' + encodePath(path);
const snapshotApi = (id, what, path) =>
  '/api/snapshots/' + encodeURIComponent(id) + '/' + what + '?path=' + encodePath(path);

// ------------------------------------------------------------------------------------------- API access

class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

/** Fetches JSON from the API; a 401 goes to /login, any other failure throws ApiError with the server's sentence. */
async function api(path, { method = 'GET', body } = {}) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') {
    opts.headers['X-CSRF-Token'] = CSRF;
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (e) {
    throw new ApiError('Cannot reach the Lifeboat server (' + e.message + ').', 0);
  }
  noteServerClock(res);
  if (res.status === 401) {
    redirecting = true;
    location.assign('/login');
    throw new ApiError('Your session has ended; please log in again.', 401);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: reported below when status says error */ }
  if (!res.ok) {
    const msg = data && typeof data.error === 'string' && data.error ? data.error : `${method} ${path}: HTTP ${res.status}`;
    throw new ApiError(msg, res.status);
  }
  return data;
}

// ---------------------------------------------------------------------------------------- message area

// #message shows one error at a time. Errors from the periodic refresh clear themselves when a refresh works
// again; errors from an action (button, form) stay until dismissed or replaced.
const messageEl = document.getElementById('message');
let messageSource = null;

function showMessage(text, kind = 'error', source = 'action') {
  if (redirecting) return;
  messageSource = source;
  messageEl.dataset.kind = kind;
  messageEl.className = 'message message-' + kind;
  messageEl.replaceChildren(
    h('span', { class: 'message-text' }, text),
    h('button', { type: 'button', class: 'dismiss', 'aria-label': 'Dismiss message', onclick: () => clearMessage() }, '×'));
  messageEl.hidden = false;
}

function clearMessage(source) {
  if (source && messageSource !== source) return;
  messageSource = null;
  messageEl.hidden = true;
  messageEl.replaceChildren();
}

/**
 * Calls fn now and then every `ms` after each call ends (never two at once). Returns { now() } to refresh at once,
 * e.g. after a job finished.
 */
function every(ms, fn) {
  let timer = null, busy = null, again = false;
  const run = async () => {
    if (busy) { again = true; return busy; }
    clearTimeout(timer);
    busy = (async () => {
      try { await fn(); clearMessage('refresh'); } catch (e) { showMessage(e.message, 'error', 'refresh'); }
    })();
    await busy;
    busy = null;
    if (redirecting) return;
    if (again) { again = false; return run(); }
    timer = setTimeout(run, ms);
  };
  run();
  return { now: run };
}

// ---------------------------------------------------------------------------------------- job progress

let trackedJob = null;     // the job #job-status follows; starting another one stops following the first
let onStateChange = null;  // called when a job starts being followed (the system page re-evaluates its buttons)

/** Polls /api/jobs/ID every second, showing its progress in statusEl until it ends; then calls onDone(job). */
async function trackJob(id, statusEl, onDone) {
  trackedJob = id;
  statusEl.hidden = false;
  statusEl.dataset.job = id;
  statusEl.dataset.result = 'running';
  statusEl.replaceChildren(h('span', null, 'Job ' + id + ' started…'));
  onStateChange?.();
  let failures = 0;
  while (trackedJob === id) {
    try {
      const job = await api('/api/jobs/' + encodeURIComponent(id));
      failures = 0;
      if (trackedJob !== id) return;
      renderJob(statusEl, job);
      if (job.result !== 'running') {
        trackedJob = null;
        onDone?.(job);
        return job;
      }
    } catch (e) {
      // A job that vanished (404) is not coming back; a network hiccup may pass.
      if (e.status === 404 || e.status === 401 || ++failures > 30) {
        trackedJob = null;
        statusEl.dataset.result = 'unknown';
        statusEl.replaceChildren(h('span', { class: 'result result-failed' }, 'Lost track of job ' + id + ': ' + e.message));
        onDone?.(null);
        return null;
      }
    }
    await sleep(JOB_POLL_MS);
  }
  return null;
}

function renderJob(el, job) {
  const result = job.result || 'running';
  const end = job.finished ? Date.parse(job.finished) : serverNow();
  const elapsed = (end - Date.parse(job.started)) / 1000;
  const facts = [];
  if (job.files >= 0) facts.push(fmtCount(job.files) + ' files');
  if (job.bytes >= 0) facts.push(fmtSize(job.bytes) + ' processed');
  if (job.bytes_added >= 0) facts.push(fmtSize(job.bytes_added) + ' added');
  el.dataset.job = job.id;
  el.dataset.result = result;
  replaceContent(el,
    h('div', { class: 'job-line' },
      h('strong', null, capitalise(job.kind || 'job')), ' ',
      h('span', { class: 'result result-' + result }, result), ' ',
      h('span', { class: 'muted' }, (result === 'running' ? 'for ' : 'in ') + fmtDuration(elapsed)),
      facts.length ? ' · ' + facts.join(' · ') : null,
      result === 'running' ? h('progress', { 'aria-label': 'Job in progress' }) : null),
    job.message ? h('div', { class: 'job-message' }, job.message) : null,
    job.snapshot ? h('div', null, 'Snapshot ', h('code', null, job.snapshot.slice(0, 8)), ' · ',
      h('a', { href: browseHref(job.snapshot, '/'), class: 'job-snapshot-link' }, 'browse')) : null);
}

// ------------------------------------------------------------------------------------ shared status bits

const STATUSES = ['ok', 'warning', 'breached'];

/** The RPO badge: "12m / RPO 1h", coloured by status (the status is also spelled out for screen readers). */
function rpoBadge(sys) {
  const status = known(sys.rpo_status, STATUSES, 'unknown');
  const age = sys.snapshot_age_seconds != null ? fmtDuration(sys.snapshot_age_seconds) : 'no snapshot';
  return [h('span', { class: 'rpo-badge rpo-' + status, title: 'RPO status: ' + status },
    age + ' / RPO ' + fmtDuration(sys.rpo_seconds)), h('span', { class: 'sr-only' }, ' (' + status + ')')];
}

function drillSummary(sys) {
  const parts = [];
  if (sys.last_drill) {
    const r = known(sys.last_drill_result, ['passed', 'failed'], 'unknown');
    parts.push(h('span', { class: 'result result-' + r }, r), ' ', timeAgo(sys.last_drill));
    parts.push(h('div', { class: 'sub' }, 'RTO ' + fmtDuration(sys.rto_measured_seconds) + ' / ' + fmtDuration(sys.rto_seconds)));
  } else {
    parts.push(h('span', { class: 'muted' }, 'never'));
  }
  if (sys.drill_overdue) parts.push(h('div', { class: 'overdue' }, 'drill overdue'));
  return parts;
}

function forecastSummary(sys) {
  return [h('span', { class: 'forecast' + (sys.forecast_exceeds_rto ? ' exceeds' : '') },
    fmtDuration(sys.forecast_seconds) + ' / RTO ' + fmtDuration(sys.rto_seconds)),
  sys.forecast_exceeds_rto ? h('span', { class: 'sr-only' }, ' (exceeds RTO)') : null];
}

function table(id, caption, headers, extraClass) {
  const tbody = h('tbody');
  const t = h('table', { id, class: 'data' + (extraClass ? ' ' + extraClass : '') },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null, headers.map((x) => h('th', { scope: 'col' }, x)))), tbody);
  return { table: h('div', { class: 'table-wrap' }, t), tbody };
}

const emptyRow = (cols, text) => h('tr', { class: 'empty' }, h('td', { colspan: cols }, text));

// ---------------------------------------------------------------------------------------- overview page

function overviewPage() {
  document.title = 'Overview · Lifeboat';
  document.getElementById('nav-overview').setAttribute('aria-current', 'page');
  const summary = h('section', { id: 'summary', class: 'summary', 'aria-label': 'Recovery summary' });
  const alerts = h('section', { id: 'alerts', 'aria-label': 'Open alerts' });
  const systems = table('systems', 'Systems',
    ['System', 'Host', 'RPO', 'Last backup', 'Off-site copy', 'Last drill', 'Forecast vs RTO']);
  replaceContent(app, h('h1', { class: 'sr-only' }, 'Overview'), summary, alerts,
    h('h2', null, 'Systems'), systems.table);

  every(REFRESH_MS, async () => {
    const o = await api('/api/overview');
    renderSummary(summary, o);
    renderAlerts(alerts, (o.alerts || []).filter((a) => !a.resolved));
    const rows = (o.systems || []).map(systemRows);
    replaceContent(systems.tbody, rows.length ? rows : emptyRow(7, 'No systems in the recovery plan.'));
  });
}

function renderSummary(el, o) {
  const worst = (o.systems || []).reduce((w, x) => Math.max(w, STATUSES.indexOf(x.rpo_status)), 0);
  const path = o.critical_path || [];
  replaceContent(el,
    h('p', { class: 'headline' }, 'Everything back in ',
      h('strong', { id: 'recovery-time' }, o.recovery_seconds == null ? 'unknown' : '~' + fmtDuration(o.recovery_seconds))),
    h('p', { class: 'headline-2' }, 'Data lost if disaster struck now: ',
      h('strong', { id: 'data-loss', class: 'loss-' + STATUSES[worst] },
        o.data_loss_seconds == null ? 'unknown' : 'up to ' + fmtDuration(o.data_loss_seconds))),
    h('div', { class: 'critical' }, h('span', { class: 'muted' }, 'Critical path: '),
      path.length
        ? h('ol', { id: 'critical-path', class: 'path' },
          path.map((n) => h('li', null, h('a', { href: systemHref(n) }, n))))
        : h('span', { id: 'critical-path', class: 'muted' }, 'none (no forecast yet)')),
    h('p', { class: 'muted small', id: 'updated' },
      (o.hosts?.length ? o.hosts.length + ' host' + (o.hosts.length === 1 ? '' : 's') + ' · ' : '') +
      'updated ' + fmtTime(o.generated || new Date().toISOString())));
}

function renderAlerts(el, alerts) {
  if (!alerts.length) {
    replaceContent(el, h('p', { class: 'no-alerts' }, 'No open alerts.'));
    return;
  }
  replaceContent(el,
    h('h2', null, 'Open alerts (' + alerts.length + ')'),
    h('ul', { class: 'alerts' }, alerts.map((a) => h('li', {
      class: 'alert', dataset: { id: a.id, kind: a.kind, system: a.system, host: a.host },
    },
    h('span', { class: 'alert-kind' }, a.kind || 'alert'), ' ',
    a.system ? h('a', { href: systemHref(a.system) }, a.system) : null,
    a.host ? h('span', { class: 'muted' }, (a.system ? ' on ' : '') + a.host) : null,
    ': ', h('span', { class: 'alert-message' }, a.message || ''), ' ',
    h('span', { class: 'muted small' }, '(since ', timeAgo(a.since, '?'), ')')))));
}

function systemRows(x) {
  const row = h('tr', { class: 'system-row', dataset: { system: x.name, status: x.rpo_status } },
    h('th', { scope: 'row' }, h('a', { class: 'system-link', href: systemHref(x.name) }, x.name),
      x.running_job ? h('span', { class: 'running-tag' }, 'job running') : null,
      x.suspicious ? h('span', { class: 'suspicious-tag', title: 'A backup looks like ransomware: see the system page' },
        'suspicious') : null),
    h('td', { class: 'host' }, x.host || '—'),
    h('td', null, rpoBadge(x)),
    h('td', null, timeAgo(x.last_snapshot),
      x.next_backup ? h('div', { class: 'sub' }, 'next ', timeAgo(x.next_backup)) : null),
    h('td', null, timeAgo(x.last_offsite),
      x.last_immutable ? h('div', { class: 'sub' }, 'immutable ', timeAgo(x.last_immutable)) : null),
    h('td', null, drillSummary(x)),
    h('td', null, forecastSummary(x)));
  if (!x.problem) return row;
  return [row, h('tr', { class: 'problem-row', dataset: { system: x.name } },
    h('td', { colspan: 7, class: 'problem' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), x.problem))];
}

// ------------------------------------------------------------------------------------------ system page

function systemPage(name) {
  document.title = name + ' · Lifeboat';
  let sys = null;
  const facts = h('section', { id: 'facts', 'aria-label': 'Status' });
  const backupBtn = h('button', { type: 'button', id: 'backup-now', class: 'primary' }, 'Back up now');
  const drillBtn = h('button', { type: 'button', id: 'drill-now', 'aria-describedby': 'drill-unavailable' }, 'Run drill now');
  // Why no drill of this system can run (no sandbox site, say): the button stays off and says so.
  const drillNote = h('p', { id: 'drill-unavailable', class: 'muted small', hidden: true });
  const jobStatus = h('div', { id: 'job-status', class: 'job-status', 'aria-live': 'polite', hidden: true });
  const chartBox = h('figure', { class: 'chart' });
  const snaps = table('snapshots', 'Snapshots, newest first',
    ['Snapshot', 'Time', 'Host', 'Paths', 'Tags', 'Files', 'Size', 'Added', '']);
  const jobs = table('jobs', 'Jobs, newest first',
    ['Started', 'Kind', 'Trigger', 'Result', 'Duration', 'Files', 'Processed', 'Added', 'Snapshot', 'Message']);
  const drills = table('drills', 'Drills, newest first',
    ['Started', 'Result', 'Measured RTO / target', 'RPO achieved', 'Report']);

  replaceContent(app,
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Overview'), ' › '),
    h('h1', { id: 'system-name' }, name),
    facts,
    h('div', { class: 'actions' }, backupBtn, ' ', drillBtn),
    drillNote,
    jobStatus,
    h('h2', null, 'Snapshot history'), chartBox,
    h('h2', null, 'Snapshots'), snaps.table,
    h('h2', null, 'Jobs'), jobs.table,
    h('h2', null, 'Drills'), drills.table);

  const base = '/api/systems/' + encodeURIComponent(name);
  // Buttons are off while a job of this system runs (ours or a scheduled one): the server would answer 409.
  const updateButtons = () => {
    const busy = trackedJob != null || !!sys?.running_job;
    const noDrill = sys?.drill_unavailable || '';
    backupBtn.disabled = busy;
    drillBtn.disabled = busy || !!noDrill;
    if (noDrill) drillBtn.title = capitalise(noDrill) + '.';
    else drillBtn.removeAttribute('title');
    drillNote.hidden = !noDrill;
    drillNote.textContent = noDrill ? capitalise(noDrill) + '.' : '';
  };
  onStateChange = updateButtons;
  let lastButton = null;
  const follow = (id) => trackJob(id, jobStatus, () => {
    updateButtons();
    // The clicked button was disabled while the job ran, which dropped keyboard focus to <body>: give it back.
    if (document.activeElement === document.body && lastButton && !lastButton.disabled) lastButton.focus();
    refresher.now();
  });

  const refresher = every(REFRESH_MS, async () => {
    const [s, snapshots, jobList, drillList] = await Promise.all([
      api(base), api(base + '/snapshots'), api(base + '/jobs'), api(base + '/drills')]);
    sys = s;
    renderFacts(facts, s);
    // A job started elsewhere (schedule, another browser) is followed too, so its progress shows here.
    if (s.running_job && trackedJob == null) follow(s.running_job);
    updateButtons();
    renderIfChanged(chartBox, snapshots, () => replaceContent(chartBox, snapshotChart(snapshots),
      h('figcaption', { class: 'muted small' }, 'Line: total size of each snapshot (left axis). ' +
        'Bars: data added by each snapshot (right axis).')));
    renderIfChanged(snaps.tbody, snapshots, () => replaceContent(snaps.tbody,
      snapshots.length ? [...snapshots].reverse().map(snapshotRow) : emptyRow(9, 'No snapshots yet.')));
    renderIfChanged(jobs.tbody, jobList, () => replaceContent(jobs.tbody,
      jobList.length ? jobList.map(jobRow) : emptyRow(10, 'No jobs yet.')));
    renderIfChanged(drills.tbody, drillList, () => replaceContent(drills.tbody,
      drillList.length ? drillList.map(drillRow) : emptyRow(5, 'No drills yet.')));
  });

  const start = async (btn, what) => {
    clearMessage();
    lastButton = btn;
    btn.disabled = true;
    try {
      const r = await api(base + '/' + what, { method: 'POST' });
      follow(r.job);
    } catch (e) {
      showMessage(e.message);
      updateButtons();
      refresher.now();   // a 409 means a job runs that we have not seen yet: pick it up
    }
  };
  backupBtn.addEventListener('click', () => start(backupBtn, 'backup'));
  drillBtn.addEventListener('click', () => start(drillBtn, 'drill'));
}

function renderFacts(el, x) {
  const fact = (term, ...value) => h('div', null, h('dt', null, term), h('dd', null, value));
  // "15m" and "15m (from the RPO)" are intervals, "continuous" is said as is, anything else is a cron expression.
  const when = (v) => /^(every )?[0-9]/.test(v) && !v.includes('*') && v.trim().split(/\s+/).length <= 4
    ? 'every ' + v.replace(/^every /, '') : v === 'continuous' ? 'continuously' : 'at cron "' + v + '"';
  const schedule = Object.entries(x.schedule || {}).map(([k, v]) => k + ' ' + when(v)).join(', ');
  replaceContent(el,
    h('dl', { class: 'facts', dataset: { status: x.rpo_status } },
      fact('Host', x.host || '—'),
      fact('Repository', h('code', null, x.repository || '—')),
      fact('RPO', rpoBadge(x)),
      fact('Last backup', timeAgo(x.last_snapshot),
        x.last_snapshot_id ? [' ', h('a', { href: browseHref(x.last_snapshot_id, '/'), class: 'small' }, 'browse')] : null),
      fact('Next backup', timeAgo(x.next_backup, 'not scheduled')),
      fact('Off-site copy', timeAgo(x.last_offsite)),
      fact('Immutable copy', timeAgo(x.last_immutable)),
      fact('Last drill', drillSummary(x)),
      fact('Forecast vs RTO', forecastSummary(x)),
      fact('Schedule', schedule || 'none'),
      x.suspicious ? fact('Ransomware', h('span', { class: 'suspicious', id: 'suspicious' },
        'the backup of ', timeAgo(x.suspicious.since), ' (snapshot ',
        h('code', null, String(x.suspicious.first_snapshot).slice(0, 8)), ') looks like ransomware',
        x.suspicious.snapshots > 1 ? ', and the ' + (x.suspicious.snapshots - 1) + ' after it' : '', '; ',
        x.suspicious.clean_point
          ? ['clean point ', h('a', { href: browseHref(x.suspicious.clean_point, '/') },
            String(x.suspicious.clean_point).slice(0, 8)), ' (lifeboat recover --clean)']
          : 'no snapshot before it')) : null,
      x.running_job ? fact('Running', h('code', null, x.running_job)) : null,
      (x.waiting || []).length ? fact('Waiting', x.waiting.map((w, i) =>
        [i ? h('br') : null, h('span', { class: 'waiting' }, w.job + ', due ', timeAgo(w.since), ': ' + w.reason)])) : null),
    x.problem ? h('p', { class: 'problem', id: 'problem' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), x.problem) : null);
}

function snapshotRow(x) {
  return h('tr', { class: 'snapshot-row', dataset: { id: x.id } },
    h('td', null, h('code', { title: x.id }, x.short_id || String(x.id).slice(0, 8))),
    h('td', null, timeCell(x.time)),
    h('td', null, x.host || '—'),
    h('td', { class: 'wrap' }, (x.paths || []).join(', ')),
    h('td', { class: 'wrap' }, (x.tags || []).join(', ')),
    h('td', { class: 'num' }, fmtCount(x.files)),
    h('td', { class: 'num' }, fmtSize(x.bytes)),
    h('td', { class: 'num' }, fmtSize(x.data_added)),
    h('td', null, h('a', { class: 'browse', href: browseHref(x.id, '/'), 'aria-label': 'Browse snapshot ' + (x.short_id || x.id) }, 'browse')));
}

function jobRow(j) {
  const result = j.result || 'running';
  const end = j.finished ? Date.parse(j.finished) : (result === 'running' ? serverNow() : NaN);
  return h('tr', { class: 'job-row', dataset: { result, kind: j.kind, job: j.id } },
    h('td', null, timeCell(j.started)),
    h('td', null, j.kind),
    h('td', null, j.trigger || '—'),
    h('td', null, h('span', { class: 'result result-' + result }, result)),
    h('td', { class: 'num' }, Number.isFinite(end) ? fmtDuration((end - Date.parse(j.started)) / 1000) : '—'),
    h('td', { class: 'num' }, fmtCount(j.files)),
    h('td', { class: 'num' }, fmtSize(j.bytes)),
    h('td', { class: 'num' }, fmtSize(j.bytes_added)),
    h('td', null, j.snapshot ? h('a', { href: browseHref(j.snapshot, '/') }, h('code', null, j.snapshot.slice(0, 8))) : '—'),
    h('td', { class: 'wrap' }, j.message || ''));
}

function drillRow(d) {
  const result = known(d.result, ['passed', 'failed'], 'unknown');
  const exceeded = d.rto_measured_seconds != null && d.rto_target_seconds != null && d.rto_measured_seconds > d.rto_target_seconds;
  const report = safeHref(d.report);
  return h('tr', { class: 'drill-row', dataset: { result, id: d.id } },
    h('td', null, timeCell(d.started)),
    h('td', null, h('span', { class: 'result result-' + result }, result)),
    h('td', { class: exceeded ? 'exceeds' : null },
      fmtDuration(d.rto_measured_seconds) + ' / ' + fmtDuration(d.rto_target_seconds)),
    h('td', null, fmtDuration(d.rpo_achieved_seconds)),
    h('td', null, report ? h('a', { class: 'drill-report', href: report }, 'report') : '—'));
}

// --------------------------------------------------------------------------------------- snapshot chart

/** Round axis steps in the size's own unit (KiB, MiB, …) so tick labels read "2 MiB", "4 MiB", … */
function niceScale(max) {
  if (!(max > 0)) return { top: 1024, step: 256 };
  const unit = 1024 ** Math.min(5, Math.floor(Math.log(max) / Math.log(1024)));
  const v = max / unit, raw = v / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw);
  if (unit === 1) step = Math.max(1, Math.round(step));
  return { top: Math.ceil(v / step) * step * unit, step: step * unit };
}

/** Inline SVG of the snapshot history: x = time, line = total size, bars = data added, a <title> per point. */
function snapshotChart(snapshots) {
  const W = 900, H = 280, L = 72, R = 72, T = 28, B = 40;
  const pts = snapshots.map((x) => ({ ...x, t: Date.parse(x.time) })).filter((x) => Number.isFinite(x.t));
  const svg = s('svg', {
    id: 'snapshot-chart', class: 'chart-svg', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': pts.length
      ? `Snapshot history: ${pts.length} snapshots from ${fmtTime(pts[0].time)} to ${fmtTime(pts[pts.length - 1].time)}`
      : 'Snapshot history: no snapshots yet',
  });
  if (!pts.length) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'No snapshots yet'));
    return svg;
  }
  let t0 = Math.min(...pts.map((p) => p.t)), t1 = Math.max(...pts.map((p) => p.t));
  if (t1 - t0 < 60000) { t0 -= 3600000; t1 += 3600000; }   // one snapshot (or a burst): a two-hour window around it
  const pw = W - L - R, ph = H - T - B;
  const bw = Math.max(2, Math.min(18, (pw / pts.length) * 0.6));
  const x = (t) => L + bw + ((t - t0) / (t1 - t0)) * (pw - 2 * bw);   // inset so edge bars stay inside the axes
  const sizeScale = niceScale(Math.max(0, ...pts.map((p) => p.bytes ?? 0)));
  const addScale = niceScale(Math.max(0, ...pts.map((p) => p.data_added ?? 0)));
  const ySize = (v) => T + ph - (v / sizeScale.top) * ph;
  const yAdd = (v) => T + ph - (v / addScale.top) * ph;

  // Grid and left axis (total size), right axis (data added).
  for (let v = 0; v <= sizeScale.top + 1e-9; v += sizeScale.step) {
    svg.append(s('line', { x1: L, x2: L + pw, y1: ySize(v), y2: ySize(v), class: 'grid' }),
      s('text', { x: L - 6, y: ySize(v) + 4, 'text-anchor': 'end', class: 'tick tick-size' }, fmtSize(v)));
  }
  for (let v = 0; v <= addScale.top + 1e-9; v += addScale.step) {
    svg.append(s('text', { x: L + pw + 6, y: yAdd(v) + 4, class: 'tick tick-added' }, fmtSize(v)));
  }
  svg.append(s('line', { x1: L, x2: L, y1: T, y2: T + ph, class: 'axis' }),
    s('line', { x1: L + pw, x2: L + pw, y1: T, y2: T + ph, class: 'axis' }),
    s('line', { x1: L, x2: L + pw, y1: T + ph, y2: T + ph, class: 'axis' }));

  // Time ticks: the label's precision follows the span shown.
  const span = t1 - t0, day = 86400000;
  const label = (t) => {
    const d = new Date(t), date = `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`, time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    return span > 3 * day ? date : span > day ? date + ' ' + time : time;
  };
  for (let i = 0; i <= 5; i++) {
    const t = t0 + (span * i) / 5;
    svg.append(s('line', { x1: x(t), x2: x(t), y1: T + ph, y2: T + ph + 4, class: 'axis' }),
      s('text', { x: x(t), y: T + ph + 18, 'text-anchor': i === 0 ? 'start' : i === 5 ? 'end' : 'middle', class: 'tick' }, label(t)));
  }
  svg.append(s('text', { x: L, y: H - 4, class: 'axis-title' }, 'Time'),
    s('text', { x: L, y: 14, class: 'axis-title legend-size' }, '— Total size (left)'),
    s('text', { x: L + pw, y: 14, 'text-anchor': 'end', class: 'axis-title legend-added' }, '▮ Data added (right)'));

  const tip = (p) => `${p.short_id || String(p.id).slice(0, 8)} · ${fmtTime(p.time)}\n` +
    `total size ${fmtSize(p.bytes)} · added ${fmtSize(p.data_added)} · ${fmtCount(p.files)} files`;
  for (const p of pts) {
    if (p.data_added == null) continue;
    const y = yAdd(p.data_added);
    svg.append(s('rect', { x: x(p.t) - bw / 2, y, width: bw, height: Math.max(1, T + ph - y), class: 'bar-added', dataset: { id: p.id } },
      s('title', null, tip(p))));
  }
  const line = pts.filter((p) => p.bytes != null);
  if (line.length) {
    svg.append(s('polyline', { points: line.map((p) => `${x(p.t).toFixed(1)},${ySize(p.bytes).toFixed(1)}`).join(' '), class: 'line-size' }));
    for (const p of line) {
      svg.append(s('circle', { cx: x(p.t), cy: ySize(p.bytes), r: line.length > 80 ? 2 : 4, class: 'point', dataset: { id: p.id } },
        s('title', null, tip(p))));
    }
  }
  return svg;
}

// ------------------------------------------------------------------------------------- snapshot browser

/** "/a/b" → [["/", "/"], ["a", "/a"], ["b", "/a/b"]] */
function crumbs(path) {
  const out = [['/', '/']];
  let acc = '';
  for (const part of path.split('/').filter(Boolean)) { acc += '/' + part; out.push([part, acc]); }
  return out;
}

async function snapshotPage(id, path) {
  document.title = 'Snapshot ' + id.slice(0, 8) + ' · Lifeboat';
  const entries = table('entries', 'Folder contents', ['Name', 'Type', 'Size', 'Modified', 'Download']);
  const target = h('input', { id: 'restore-target', name: 'target', type: 'text', required: true, placeholder: '/srv/restore', autocomplete: 'off', spellcheck: 'false' });
  const restoreBtn = h('button', { type: 'submit', id: 'restore-button' }, 'Restore');
  const jobStatus = h('div', { id: 'job-status', class: 'job-status', 'aria-live': 'polite', hidden: true });
  const crumbNav = h('nav', { id: 'breadcrumbs', 'aria-label': 'Folder' });
  const zip = h('a', { id: 'download-zip', class: 'button-link', href: snapshotApi(id, 'archive', path) + '&format=zip', download: '' }, 'Download as zip');
  const tar = h('a', { id: 'download-tar', class: 'button-link', href: snapshotApi(id, 'archive', path) + '&format=tar', download: '' }, 'tar');
  const restoreLabel = h('label', { for: 'restore-target' });
  const form = h('form', { id: 'restore-form', class: 'restore', novalidate: true },
    restoreLabel, h('div', { class: 'row' }, target, ' ', restoreBtn));

  replaceContent(app,
    h('p', { class: 'crumbs' }, h('a', { href: '/' }, 'Overview'), ' › '),
    h('h1', null, 'Snapshot ', h('code', { id: 'snapshot-id', title: id }, id.slice(0, 8))),
    crumbNav,
    h('div', { class: 'actions' }, zip, ' ', tar),
    entries.table,
    h('h2', null, 'Restore'), form, jobStatus);

  const showPath = (p) => {
    replaceContent(crumbNav, h('ol', { class: 'breadcrumbs' }, crumbs(p).map(([n, full], i, all) => h('li', null,
      i === all.length - 1 ? h('span', { 'aria-current': 'location', class: 'crumb current' }, n)
        : h('a', { class: 'crumb', href: browseHref(id, full) }, n)))));
    restoreLabel.textContent = 'Restore ' + p + ' of this snapshot into this folder on the server:';
  };
  showPath(path);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearMessage();
    const dest = target.value.trim();
    if (!dest) { showMessage('Enter the folder on the server to restore into.'); target.focus(); return; }
    restoreBtn.disabled = true;
    try {
      const r = await api('/api/snapshots/' + encodeURIComponent(id) + '/restore', { method: 'POST', body: { path, target: dest } });
      await trackJob(r.job, jobStatus, null);
    } catch (e) {
      showMessage(e.message);
    } finally {
      restoreBtn.disabled = false;
    }
  });

  // A snapshot never changes, so the listing is fetched once.
  let tree;
  try {
    tree = await api(snapshotApi(id, 'tree', path));
  } catch (e) {
    showMessage(e.message);
    replaceContent(entries.tbody, emptyRow(5, 'Could not list this folder.'));
    return;
  }
  if (tree.path && tree.path !== path) showPath(tree.path);
  const here = tree.path || path;
  const list = [...(tree.entries || [])].sort((a, b) =>
    (a.type === 'dir' ? 0 : 1) - (b.type === 'dir' ? 0 : 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  replaceContent(entries.tbody, list.length ? list.map((e) => entryRow(id, here, e)) : emptyRow(5, 'This folder is empty.'));
}

function entryRow(id, dir, e) {
  const full = e.path || (dir.replace(/\/$/, '') + '/' + e.name);
  const type = known(e.type, ['dir', 'file', 'symlink', 'other'], 'other');
  const name = type === 'dir'
    ? h('a', { class: 'entry-link', href: browseHref(id, full) }, e.name + '/')
    : h('span', { class: 'entry-name' }, e.name, type === 'symlink' ? h('span', { class: 'muted', 'aria-hidden': 'true' }, ' ↪') : null);
  return h('tr', { class: 'entry', dataset: { name: e.name, type } },
    h('td', { class: 'wrap' }, name),
    h('td', null, type),
    h('td', { class: 'num' }, type === 'dir' ? '—' : fmtSize(e.size)),
    h('td', null, timeCell(e.mtime)),
    h('td', null, type === 'file'
      ? h('a', { class: 'download', href: snapshotApi(id, 'file', full), download: e.name, 'aria-label': 'Download ' + e.name }, 'download')
      : null));
}

// ----------------------------------------------------------------------------------------------- routing

/** The 404 page; `why` is the server's sentence (e.g. "there is no system 'x' in the plan"), when it gave one. */
function notFound(why) {
  document.title = 'Not found · Lifeboat';
  replaceContent(app, h('h1', null, 'Page not found'),
    why ? h('p', { id: 'not-found' }, capitalise(why) + '.') : null,
    h('p', null, h('a', { href: '/' }, 'Back to the overview')));
}

function route() {
  // The logout form's token comes from the meta tag, so it is right even if the server filled in only the meta.
  const logoutCsrf = document.getElementById('logout-csrf');
  if (logoutCsrf) logoutCsrf.value = CSRF;
  // The server answered 404 for this address (an unknown system, say) and said why: no page is built for it.
  const missing = document.querySelector('meta[name="not-found"]')?.content || '';
  if (missing) return notFound(missing);
  const p = location.pathname;
  let m;
  try {
    if (p === '/' || p === '') return overviewPage();
    if ((m = p.match(/^\/systems\/([^/]+)\/?$/))) return systemPage(decodeURIComponent(m[1]));
    if ((m = p.match(/^\/snapshots\/([^/]+)\/?$/))) {
      return snapshotPage(decodeURIComponent(m[1]), decodePath(location.search) || '/');
    }
  } catch (e) {
    if (!(e instanceof URIError)) throw e;   // a malformed %-escape in the address: treat as not found
  }
  return notFound();
}

route();
