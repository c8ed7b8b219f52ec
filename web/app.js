/* Coordinator web interface: one page, views drawn from /api JSON.
 * Text goes into the page with textContent only (never innerHTML), charts
 * are SVG built here, and every change is a POST carrying the session's
 * CSRF token. */
'use strict';
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  let me = null;
  let flash = null; /* a message for the next view drawn */
  let lang = document.documentElement.lang || 'en';

  function t(s) {
    const d = window.I18N && window.I18N[lang];
    return (d && d[s]) || s;
  }

  /* h('tag', {attr: v, onclick: f}, child, …): an element; strings are text */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function s(tag, attrs, ...kids) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    for (const c of kids.flat()) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  }

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }
  async function call(method, path, body) {
    const opt = { method, credentials: 'same-origin', headers: {} };
    if (method === 'POST') {
      opt.headers['Content-Type'] = 'application/json';
      if (me) opt.headers['X-CSRF-Token'] = me.csrf;
      opt.body = JSON.stringify(body || {});
    }
    const r = await fetch(path, opt);
    const type = r.headers.get('Content-Type') || '';
    const data = type.startsWith('application/json') ? await r.json() : await r.text();
    if (!r.ok) {
      const e = data && data.error ? data.error : { code: 'http', message: String(r.status) };
      if (r.status === 401 && path !== '/api/login' && path !== '/api/me' && me) { me = null; render(); }
      throw new ApiError(r.status, e.code, e.message);
    }
    return data;
  }
  const get = (p) => call('GET', p);
  const post = (p, b) => call('POST', p, b);
  const can = (p) => me && me.can.includes(p);

  function msg(kind, text) { return h('div', { class: 'msg ' + kind, role: kind === 'err' ? 'alert' : 'status' }, text); }
  function errMsg(e) { return msg('err', t('Error') + ': ' + (e.message || e)); }
  function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
    const q = u.toString();
    return q ? '?' + q : '';
  }
  const fmt = (x) => (x === null || x === undefined ? '–' : typeof x === 'number' ? String(Math.round(x * 100) / 100) : String(x));

  /* ---- charts ---- */

  /* A bar chart of [{label, value}] (and an optional second series value2). */
  function bars(title, rows, opts) {
    opts = opts || {};
    const rowH = 20, top = 6;
    /* room for the longest label (about 6.5 px a character at 11 px) */
    const left = Math.min(300, Math.max(90, 12 + 6.5 * Math.max(0, ...rows.map((r) => String(r.label).length))));
    const w = Math.max(560, left + 330);
    const max = Math.max(1, ...rows.map((r) => Math.max(r.value, r.value2 || 0)));
    const hgt = top + rows.length * rowH + 6;
    const svg = s('svg', { viewBox: `0 0 ${w} ${Math.max(hgt, 30)}`, role: 'img', 'aria-label': title });
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      const bw = ((w - left - 60) * r.value) / max;
      svg.append(s('text', { x: left - 6, y: y + 13, 'text-anchor': 'end' }, r.label));
      svg.append(s('rect', { class: 'bar', x: left, y: y + 2, width: Math.max(bw, 1), height: opts.two ? 8 : 14 },
        s('title', {}, `${r.label}: ${fmt(r.value)}`)));
      if (opts.two) {
        const bw2 = ((w - left - 60) * (r.value2 || 0)) / max;
        svg.append(s('rect', { class: 'bar2', x: left, y: y + 10, width: Math.max(bw2, 1), height: 8 }));
      }
      svg.append(s('text', { x: left + bw + 4, y: y + 13 }, fmt(r.value) + (opts.two ? ' / ' + fmt(r.value2) : '')));
    });
    if (!rows.length) svg.append(s('text', { x: 10, y: 20 }, t('No data')));
    return h('figure', { class: 'chart' }, h('h2', {}, title), svg,
      opts.legend ? h('figcaption', { class: 'muted' }, opts.legend) : null);
  }

  /* A grid: localities (rows) by week (columns), shade = count. */
  function heat(title, cells) {
    const locs = [...new Set(cells.map((c) => c.locality))].sort();
    const weeks = [...new Set(cells.map((c) => c.week))].sort();
    const max = Math.max(1, ...cells.map((c) => c.n));
    const cw = 34, ch = 18, left = 120, top = 40;
    const svg = s('svg', { viewBox: `0 0 ${left + weeks.length * cw + 10} ${top + locs.length * ch + 6}`, role: 'img', 'aria-label': title });
    weeks.forEach((wk, j) => svg.append(s('text', { x: left + j * cw + 2, y: top - 6, transform: `rotate(-40 ${left + j * cw + 2} ${top - 6})` }, wk || '?')));
    locs.forEach((l, i) => svg.append(s('text', { x: left - 6, y: top + i * ch + 13, 'text-anchor': 'end' }, l)));
    for (const c of cells) {
      const i = locs.indexOf(c.locality), j = weeks.indexOf(c.week);
      const a = 0.15 + 0.85 * (c.n / max);
      svg.append(s('rect', { x: left + j * cw, y: top + i * ch, width: cw - 2, height: ch - 2, fill: '#1f5fbf', 'fill-opacity': a.toFixed(2) },
        s('title', {}, `${c.locality} ${c.week}: ${c.n}`)));
      svg.append(s('text', { x: left + j * cw + 4, y: top + i * ch + 12, fill: a > 0.5 ? '#fff' : '#000' }, c.n));
    }
    if (!cells.length) svg.append(s('text', { x: 10, y: 20 }, t('No data')));
    return h('figure', { class: 'chart' }, h('h2', {}, title), svg);
  }

  /* ---- views ---- */

  async function viewOverview(main) {
    const o = await get('/api/overview');
    const card = (label, n) => h('div', { class: 'card' }, h('div', { class: 'n' }, fmt(n)), h('div', { class: 'muted' }, label));
    const byLoc = {};
    for (const c of o.by_week) byLoc[c.locality] = (byLoc[c.locality] || 0) + c.n;
    main.append(h('h1', {}, t('Overview')),
      h('div', { class: 'cards' },
        card(t('Applications'), o.applications), card(t('Assessments'), o.assessments),
        card(t('Persons'), o.persons), card(t('Households'), o.households),
        card(t('Daily hours assessed'), o.hours), card(t('Open conflicts'), o.open_conflicts),
        card(t('Active devices'), o.devices)),
      h('div', { class: 'charts' },
        heat(t('Assessments by locality and week'), o.by_week),
        bars(t('Assessments by locality'), Object.entries(byLoc).map(([k, v]) => ({ label: k, value: v }))),
        bars(t('Groups'), o.groups.map((g) => ({ label: t('Group') + ' ' + g.group, value: g.n, value2: g.hours })),
          { two: true, legend: t('blue: cases, orange: daily hours') }),
        bars(t('Daily hours per case'), o.hours_hist.map((x) => ({ label: fmt(x.hours) + ' h', value: x.n }))),
        bars(t('Census cases by dimension'), o.census.map((x) => ({ label: x.dimension, value: x.n }))),
        bars(t('Services by month'), o.services.map((x) => ({ label: x.month || '?', value: x.n, value2: x.minutes / 60 })),
          { two: true, legend: t('blue: services, orange: hours') })));
  }

  async function viewCases(main, params) {
    const locs = await get('/api/localities');
    const f = h('form', { class: 'filters', role: 'search' },
      h('label', {}, t('Search (name or id)'), h('input', { name: 'q', id: 'q', value: params.get('q') || '', autocomplete: 'off' })),
      h('label', {}, t('Locality'), h('select', { name: 'locality' }, h('option', { value: '' }, t('all')),
        locs.map((l) => h('option', { value: l.locality, selected: params.get('locality') === l.locality }, l.locality)))),
      h('label', {}, t('Group'), h('select', { name: 'group' }, h('option', { value: '' }, t('all')),
        ['I', 'II', 'III', 'IV'].map((g) => h('option', { value: g, selected: params.get('group') === g }, g)))),
      h('button', { type: 'submit' }, t('Search')));
    f.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = new FormData(f);
      location.hash = '#/cases' + qs(Object.fromEntries(d.entries()));
    });
    const rows = await get('/api/cases' + qs({ q: params.get('q'), locality: params.get('locality'), group: params.get('group') }));
    main.append(h('h1', {}, t('Cases')), f,
      h('p', { class: 'muted', id: 'count' }, `${rows.length} ${t('cases')}` + (rows.length >= 200 ? ' (' + t('first 200') + ')' : '')),
      h('div', { class: 'scroll' }, h('table', {},
        h('thead', {}, h('tr', {}, [t('Name'), t('Locality'), t('Instrument'), t('Assessed on'), t('Status'),
          t('Points'), t('Group'), t('Hours')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows.map((r) => h('tr', {},
          h('td', {}, h('a', { href: '#/case/' + r.id }, r.name || r.id.slice(-8)), r.conflict ? [' ', h('span', { class: 'tag open' }, t('conflict'))] : null),
          h('td', {}, r.locality), h('td', {}, r.instrument), h('td', {}, r.assessed_on), h('td', {}, t(r.status || '')),
          h('td', { class: 'num' }, fmt(r.points)), h('td', {}, fmt(r.grp)), h('td', { class: 'num' }, fmt(r.hours))))))));
  }

  function kv(obj) {
    return h('table', { class: 'kv' }, h('tbody', {}, Object.entries(obj || {}).map(([k, v]) =>
      h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : fmt(v))))));
  }

  async function viewCase(main, id) {
    const c = await get('/api/case?id=' + encodeURIComponent(id));
    const b = c.body || {};
    let lab = { fields: {} };
    if (b.instrument && b.version) {
      try { lab = await get('/api/labels' + qs({ instrument: b.instrument, version: String(b.version), lang })); } catch (e) { /* ids only */ }
    }
    const answers = h('table', { class: 'kv', id: 'answers' }, h('tbody', {}, Object.entries(b.answers || {}).map(([k, v]) => {
      const f = lab.fields[k];
      const show = (x) => (f && f.choices && f.choices[String(x)] ? f.choices[String(x)] : typeof x === 'object' && x !== null ? JSON.stringify(x) : fmt(x));
      return h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, f ? f.label : ''), h('td', {}, Array.isArray(v) ? v.map(show).join('; ') : show(v)));
    })));
    const person = b.person || {};
    main.append(h('div', {}, h('h1', {}, (person.name || t('Case')) + ' · ' + c.locality),
      h('p', { class: 'muted' }, `${b.instrument || c.kind} · ${t('assessed on')} ${b.assessed_on || '–'} · ${t(b.status || '')} · id ${c.id}`),
      c.outputs ? [h('h2', {}, t('Result recomputed by the server')), h('table', { class: 'kv', id: 'outputs' }, h('tbody', {},
        Object.entries(c.outputs).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, lab.fields[k] ? lab.fields[k].label : ''), h('td', {}, fmt(v))))))]
        : h('p', {}, c.error || ''),
      c.conflicts.length ? [h('h2', {}, t('Conflicts')), h('ul', {}, c.conflicts.map((x) =>
        h('li', {}, h('a', { href: '#/conflict/' + x.id }, x.id.slice(0, 8)), ' ', h('span', { class: 'tag ' + x.status }, t(x.status)), ' ', x.fields.join(', '))))] : null,
      h('h2', {}, t('Answers')), answers,
      h('h2', {}, t('Revisions')), h('table', {}, h('thead', {}, h('tr', {}, [t('Received'), t('Revision'), t('Device'), t('Hash')].map((x) => h('th', {}, x)))),
        h('tbody', {}, c.revisions.map((r) => h('tr', {}, h('td', {}, r.received_at), h('td', {}, r.rev), h('td', {}, r.device_name || r.device), h('td', {}, r.hash.slice(0, 12) + (r.hash === c.head ? ' ← ' + t('current') : '')))))),
      c.decisions.length ? [h('h2', {}, t('Decisions of the commission')), h('div', { class: 'scroll' }, h('table', { id: 'decisions' },
        h('thead', {}, h('tr', {}, [t('When'), t('Round'), t('Action'), t('From'), t('To'), t('Reason'), t('Who')].map((x) => h('th', {}, x)))),
        h('tbody', {}, c.decisions.map((d) => h('tr', {}, h('td', {}, d.at), h('td', {}, d.round + ' #' + d.application), h('td', {}, t(d.action)),
          h('td', {}, d.old || ''), h('td', {}, d.new || ''), h('td', {}, d.reason || ''), h('td', {}, d.actor))))))] : null,
      h('h2', {}, t('Audit history')), auditTable(c.audit)));
  }

  function auditTable(rows) {
    return h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, [t('When'), t('Who'), t('Action'), t('Subject'), t('Detail')].map((x) => h('th', {}, x)))),
      h('tbody', {}, rows.map((a) => h('tr', {}, h('td', {}, a.at), h('td', {}, a.actor), h('td', {}, a.action), h('td', {}, a.subject || ''), h('td', {}, a.detail || ''))))));
  }

  async function viewConflicts(main) {
    const rows = await get('/api/conflicts');
    main.append(h('h1', {}, t('Conflicts')),
      rows.length ? h('table', {}, h('thead', {}, h('tr', {}, [t('Conflict'), t('Status'), t('Record'), t('Locality'), t('Fields'), t('Since')].map((x) => h('th', {}, x)))),
        h('tbody', {}, rows.map((r) => h('tr', {},
          h('td', {}, h('a', { href: '#/conflict/' + r.id }, r.id.slice(0, 8))), h('td', {}, h('span', { class: 'tag ' + r.status }, t(r.status))),
          h('td', {}, t(r.kind)), h('td', {}, r.locality), h('td', {}, r.fields.join(', ')), h('td', {}, r.created_at)))))
        : h('p', {}, t('No conflicts.')));
  }

  function field(obj, path) {
    let v = obj;
    for (const p of path.split('.')) { if (v && typeof v === 'object' && p in v) v = v[p]; else return undefined; }
    return v;
  }

  async function viewConflict(main, id) {
    const c = await get('/api/conflict?id=' + encodeURIComponent(id));
    const side = (key, label) => {
      const body = c[key + '_body'];
      return h('section', { class: 'card', 'aria-label': label },
        h('h2', {}, label + (c.winner === c[key] ? ' (' + t('provisional winner') + ')' : '')),
        h('p', { class: 'muted' }, `${t('Device')} ${c[key + '_device_name'] || c[key + '_device']} · ${c[key + '_at']}`),
        h('table', {}, h('tbody', {}, c.fields.map((f) => h('tr', { class: 'diff' }, h('th', { scope: 'row' }, f), h('td', { 'data-side': key }, fmt(field(body, f))))))),
        c.status === 'open' && can('resolve') ? h('button', { type: 'button', id: 'keep-' + key, onclick: () => resolve(key) }, t('Keep this version')) : null);
    };
    const out = h('div', { id: 'result' });
    async function resolve(pick) {
      try {
        await post('/api/conflict/resolve', { id: c.id, pick });
        location.hash = '#/conflict/' + c.id + '?done=1';
      } catch (e) { out.replaceChildren(errMsg(e)); }
    }
    main.append(h('h1', {}, t('Conflict') + ' · ' + t(c.kind) + ' · ' + c.locality),
      h('p', {}, h('a', { href: '#/case/' + c.record_id }, t('Record') + ' ' + c.record_id.slice(-8)), ' · ',
        h('span', { class: 'tag ' + c.status, id: 'status' }, t(c.status)), c.resolved_by ? ' · ' + t('resolved by') + ' ' + c.resolved_by : ''),
      h('div', { class: 'side' }, side('a', t('Version A')), side('b', t('Version B'))), out);
  }

  function qrSvg(rows) {
    const n = rows.length, q = 4;
    const svg = s('svg', { class: 'qr', viewBox: `0 0 ${n + 2 * q} ${n + 2 * q}`, role: 'img', 'aria-label': t('QR code for the device') },
      s('rect', { x: 0, y: 0, width: n + 2 * q, height: n + 2 * q, fill: '#fff' }));
    let d = '';
    rows.forEach((r, y) => { for (let x = 0; x < r.length; x++) if (r[x] === '1') d += `M${x + q} ${y + q}h1v1h-1z`; });
    svg.append(s('path', { d, fill: '#000' }));
    return svg;
  }

  async function viewDevices(main) {
    const rows = await get('/api/devices');
    const out = h('div', { id: 'enrolled' });
    let form = null;
    if (can('devices')) {
      form = h('form', { class: 'filters', id: 'enroll' },
        h('label', {}, t('Assessor'), h('input', { name: 'assessor', required: true, maxlength: 128 })),
        h('label', {}, t('Localities (comma separated)'), h('input', { name: 'localities', required: true, value: me.all_localities ? '' : me.localities.join(', ') })),
        h('button', { type: 'submit' }, t('Enroll a device')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const d = Object.fromEntries(new FormData(form).entries());
        try {
          const r = await post('/api/device/enroll', d);
          out.replaceChildren(h('div', { class: 'card' },
            h('p', {}, t('One-time code'), ': ', h('strong', { id: 'code' }, r.code), ' (' + t('valid 24 h') + ')'),
            qrSvg(r.qr),
            h('p', { class: 'muted' }, `field-agent enroll ${r.url} ${r.code} --pin ${r.pin}`)));
        } catch (e) { out.replaceChildren(errMsg(e)); }
      });
    }
    const status = h('div', { id: 'devmsg' });
    main.append(h('h1', {}, t('Devices')), form, out, status,
      h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, [t('Device'), t('Assessor'), t('Localities'), t('Enrolled'), t('Last sync'), t('State'), ''].map((x) => h('th', {}, x)))),
        h('tbody', {}, rows.map((d) => h('tr', { 'data-id': d.id },
          h('td', {}, d.name), h('td', {}, d.assessor), h('td', {}, d.localities.join(', ')), h('td', {}, d.enrolled_at), h('td', {}, d.last_sync || '–'),
          h('td', {}, d.revoked_at ? h('span', { class: 'tag revoked' }, t('revoked')) : t('active')),
          h('td', {}, !d.revoked_at && can('devices') ? h('button', { type: 'button', class: 'danger', 'aria-label': t('Revoke') + ' ' + d.name,
            onclick: async () => {
              if (!confirm(t('Revoke this device? It will not be able to sync again.'))) return;
              try { await post('/api/device/revoke', { id: d.id }); route(); } catch (e) { status.replaceChildren(errMsg(e)); }
            } }, t('Revoke')) : null)))))));
  }

  async function viewAudit(main, params) {
    const rows = await get('/api/audit' + qs({ before: params.get('before') }));
    const last = rows.length ? rows[rows.length - 1].seq : null;
    main.append(h('h1', {}, t('Audit trail')), auditTable(rows),
      rows.length === 200 ? h('p', {}, h('a', { href: '#/audit?before=' + last }, t('Older entries'))) : null);
  }


  /* ---- the round ---- */

  async function viewRound(main, params) {
    const rounds = await get('/api/rounds');
    if (!rounds.length) { main.append(h('h1', {}, t('Round')), h('p', {}, t('No round yet.'))); return; }
    const id = params.get('id') || rounds[rounds.length - 1].id;
    const sel = h('select', { id: 'round-id', 'aria-label': t('Round') }, rounds.map((r) => h('option', { value: r.id, selected: r.id === id }, r.id)));
    sel.addEventListener('change', () => { location.hash = '#/round?id=' + encodeURIComponent(sel.value); });
    const r = await get('/api/round?id=' + encodeURIComponent(id));
    const st = r.round, cap = r.capacity;
    const locked = !!st.locked_on, published = !!st.published_at;
    const out = h('div', { id: 'round-msg' }, flash ? msg('ok', flash) : null);
    flash = null;
    const act = async (path, body, okText) => {
      try { await post(path, Object.assign({ id }, body)); flash = okText; route(); } catch (e) { out.replaceChildren(errMsg(e)); }
    };
    const capCard = (label, c) => h('div', { class: 'card' }, h('div', { class: 'n' }, `${fmt(c.used)} / ${c.max === null ? '∞' : fmt(c.max)}`), h('div', { class: 'muted' }, label));
    const buttons = h('p', { class: 'actions' },
      !locked && can('rounds') && me.all_localities ? h('button', { type: 'button', class: 'secondary', id: 'run', onclick: () => act('/api/round/run', {}, t('Ranked again.')) }, t('Rank again')) : null, ' ',
      !locked && can('lock') && me.all_localities ? h('button', { type: 'button', id: 'lock', onclick: () => {
        if (confirm(t('Lock the list? No more changes after this.'))) act('/api/round/lock', {}, t('The list is locked.'));
      } }, t('Lock the list')) : null, ' ',
      locked && !published && can('publish') && me.all_localities ? h('button', { type: 'button', id: 'publish', onclick: () => act('/api/round/publish', {}, t('The list is published.')) }, t('Publish the list')) : null, ' ',
      published ? [h('a', { href: `/api/round/public?id=${encodeURIComponent(id)}&format=csv&lang=${lang}`, id: 'public-csv', download: '' }, t('Public list (CSV)')), ' · ',
        h('a', { href: `/api/round/public?id=${encodeURIComponent(id)}&format=html&lang=${lang}`, id: 'public-html', target: '_blank', rel: 'noopener' }, t('Public list (printable)'))] : null);
    const editable = !locked && can('override');
    const rows = r.applicants.filter((a) => !a.duplicate_of);
    main.append(h('div', {}, h('h1', {}, t('Round') + ' ', sel),
      h('p', { class: 'muted' }, `${st.municipality} · ${st.service} · ${st.opens_on} – ${st.closes_on} · ${t('status')}: `,
        h('span', { class: 'tag', id: 'round-status' }, t(published ? 'published' : locked ? 'locked' : st.status))),
      h('div', { class: 'cards' }, capCard(t('Places used'), cap.users), capCard(t('Children places used'), cap.children), capCard(t('Hours a month used'), cap.hours)),
      buttons, out,
      h('div', { class: 'scroll' }, h('table', { id: 'ranking' },
        h('thead', {}, h('tr', {}, [t('Rank'), t('Application'), t('Initials'), t('Locality'), t('Group'), t('Points'), t('Hours'), t('Outcome'), t('Change by the commission'), t('State'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows.map((a) => {
          const tr = h('tr', { 'data-app': a.application },
            h('td', { class: 'num' }, fmt(a.rank)), h('td', { class: 'num' }, a.application), h('td', {}, a.initials), h('td', {}, a.locality),
            h('td', {}, fmt(a.group)), h('td', { class: 'num' }, fmt(a.points)),
            h('td', { class: 'num hours' }, fmt(a.hours), a.override && a.override.hours !== null ? h('span', { class: 'muted' }, ` (${t('computed')} ${fmt(a.daily_hours)})`) : null),
            h('td', { class: 'outcome' }, t(a.decided)),
            h('td', { class: 'reason' }, a.override ? a.override.reason : ''),
            h('td', { class: 'state' }, t(a.state || '')),
            h('td', {}, locked && (can('rounds') || can('redecide')) && !['withdrawn', 'left'].includes(a.state) ? h('button', { type: 'button', class: 'secondary', 'aria-label': t('After the decision') + ' ' + a.application, onclick: () => afterForm(tr, a) }, t('After the decision')) : null, ' ',
              editable ? h('button', { type: 'button', class: 'secondary', 'aria-label': t('Change hours') + ' ' + a.application, onclick: () => overrideForm(tr, a) }, t('Change hours')) : null,
              locked ? h('a', { href: `/api/round/letter?id=${encodeURIComponent(id)}&app=${a.application}`, target: '_blank', rel: 'noopener' }, t('Letter')) : null));
          return tr;
        }))))));

    /* what follows the decision: the applicant's answer, a departure, or
     * the commission's re-decision of an objection */
    function afterForm(tr, a) {
      const acts = [];
      if (can('rounds')) acts.push('accept', 'object', 'contract', 'withdraw', 'refuse-assistants', 'leave');
      if (can('redecide') && a.state === 'objected') acts.push('redecide');
      const f = h('form', { class: 'filters after' },
        h('label', {}, t('What happened'), h('select', { name: 'action' }, acts.map((x) => h('option', { value: x }, t(x))))),
        h('label', {}, t('Daily hours'), h('input', { name: 'hours', type: 'number', min: 0, max: 24, step: 0.5, value: a.hours })),
        h('label', {}, t('Reason'), h('textarea', { name: 'reason', maxlength: 1000, rows: 2, cols: 40 })),
        h('button', { type: 'submit' }, t('Save')), h('button', { type: 'button', class: 'secondary', onclick: () => row.remove() }, t('Cancel')));
      f.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const d = Object.fromEntries(new FormData(f).entries());
        const base = { id, application: a.application, reason: d.reason || undefined };
        const hours = d.hours === '' ? undefined : Number(d.hours);
        try {
          let r;
          if (d.action === 'redecide') r = await post('/api/round/redecide', Object.assign(base, { hours }));
          else if (['accept', 'object', 'contract'].includes(d.action)) r = await post('/api/round/respond', Object.assign(base, { action: d.action, hours: d.action === 'object' ? hours : undefined }));
          else r = await post('/api/round/release', Object.assign(base, { action: d.action }));
          const offered = r.offered && r.offered.length ? ' ' + t('The place goes to application(s)') + ' ' + r.offered.join(', ') + '.' : '';
          flash = t('Saved.') + offered;
          route();
        } catch (e) { f.append(errMsg(e)); }
      });
      const row = h('tr', { class: 'editing' }, h('td', { colspan: 11 }, f));
      tr.after(row);
      f.querySelector('select').focus();
    }

    function overrideForm(tr, a) {
      const f = h('form', { class: 'filters override' },
        h('label', {}, t('Daily hours'), h('input', { name: 'value', type: 'number', min: 0, max: 24, step: 0.5, value: a.hours, required: true })),
        h('label', {}, t('Reason (required)'), h('textarea', { name: 'reason', required: true, maxlength: 1000, rows: 2, cols: 40 })),
        h('button', { type: 'submit' }, t('Save')), h('button', { type: 'button', class: 'secondary', onclick: () => f.parentNode.parentNode.remove() }, t('Cancel')));
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const d = Object.fromEntries(new FormData(f).entries());
        act('/api/round/override', { application: a.application, field: 'hours', value: d.value, reason: d.reason }, t('Saved.'));
      });
      const row = h('tr', { class: 'editing' }, h('td', { colspan: 11 }, f));
      tr.after(row);
      f.querySelector('input').focus();
    }
  }

  async function viewAssistants(main, params) {
    const load = await get('/api/assistants' + qs({ on: params.get('on') }));
    const list = load.assistants || [];
    const f = h('form', { class: 'filters' },
      h('label', {}, t('On'), h('input', { type: 'date', name: 'on', value: load.on })), h('button', { type: 'submit' }, t('Show')));
    f.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/assistants' + qs(Object.fromEntries(new FormData(f).entries())); });
    main.append(h('div', {}, h('h1', {}, t('Assistants and their load')), f,
      bars(t('Daily hours by assistant') + ` (${t('at most')} ${fmt(load.day_hours)})`,
        list.map((x) => ({ label: `${x.initials} · ${x.locality}`, value: x.hours || 0 }))),
      h('div', { class: 'scroll' }, h('table', { id: 'assistants' },
        h('thead', {}, h('tr', {}, [t('Assistant'), t('Locality'), t('Role'), t('Status'), t('Users'), t('Hours a day'), t('Load'), t('Problems')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, list.map((x) => h('tr', { 'data-id': x.id },
          h('td', {}, x.initials), h('td', {}, x.locality), h('td', {}, t(x.role)), h('td', {}, t(x.status)),
          h('td', {}, x.users.map((u) => h('div', {}, u.person.slice(-8) + ` · ${fmt(u.hours)} h${u.child ? ' · ' + t('child') : ''}`))),
          h('td', { class: 'num hours' }, fmt(x.hours)), h('td', {}, h('span', { class: 'tag' + (x.load === 'over' ? ' open' : '') }, t(x.load))),
          h('td', {}, [...x.violations, ...x.warnings].map((v) => t(v)).join(', ')))))))));
  }

  async function viewCensus(main, params) {
    const locs = me.all_localities ? null : me.localities;
    const chosen = params.get('locality') || '';
    let c;
    try { c = await get('/api/census' + qs({ locality: chosen, lang })); } catch (e) {
      if (e.status !== 404) throw e;
      main.append(h('h1', {}, t('Census')), h('p', { id: 'census-none' }, t('No census data for this locality.')));
      return;
    }
    const o = c.overall;
    const f = h('form', { class: 'filters' },
      h('label', {}, t('Locality'), h('select', { name: 'locality', id: 'census-locality' },
        me.all_localities ? h('option', { value: '' }, t('all')) : null,
        (locs || c.localities.map((l) => l.locality)).map((l) => h('option', { value: l, selected: l === chosen }, l)))),
      h('button', { type: 'submit' }, t('Show')));
    f.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/census' + qs(Object.fromEntries(new FormData(f).entries())); });
    const card = (label, n, id) => h('div', { class: 'card', id }, h('div', { class: 'n' }, fmt(n)), h('div', { class: 'muted' }, label));
    main.append(h('div', {}, h('h1', {}, t('Census')), f,
      h('div', { class: 'cards' }, card(t('Households'), o.households), card(t('Persons'), o.people), card(t('Screened'), o.screened),
        card(t('Cases'), o.cases, 'census-cases'), card(t('Active cases'), o.active_cases), card(t('Resolved vulnerabilities'), o.resolved)),
      h('div', { class: 'charts' },
        bars(t('Census cases by dimension'), o.dimensions.map((d) => ({ label: d.label, value: d.cases, value2: d.active })), { two: true, legend: t('blue: cases, orange: active') })),
      c.localities.length ? h('div', { class: 'scroll' }, h('table', { id: 'census-localities' },
        h('thead', {}, h('tr', {}, [t('Locality'), t('Households'), t('Persons'), t('Screened'), t('Cases'), t('Active cases')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, c.localities.map((l) => h('tr', {}, h('td', {}, l.locality), h('td', { class: 'num' }, l.households), h('td', { class: 'num' }, l.people),
          h('td', { class: 'num' }, l.screened), h('td', { class: 'num' }, l.cases), h('td', { class: 'num' }, l.active_cases)))))) : null));
  }

  /* ---- frame ---- */

  const views = [
    ['overview', 'Overview', viewOverview],
    ['cases', 'Cases', viewCases],
    ['conflicts', 'Conflicts', viewConflicts],
    ['round', 'Round', viewRound],
    ['census', 'Census', viewCensus],
    ['assistants', 'Assistants', viewAssistants],
    ['devices', 'Devices', viewDevices],
    ['audit', 'Audit trail', viewAudit, () => can('audit')],
  ];
  window.FA_VIEWS = views; /* later modules (round, assistants) add theirs */
  window.FA = { h, s, t, get, post, can, bars, errMsg, msg, fmt, qs, kv, route: () => route() };

  function header(current) {
    const top = document.getElementById('top');
    const sel = h('select', { 'aria-label': t('Language'), id: 'lang' },
      [['bg', 'Български'], ['ro', 'Română'], ['en', 'English']].map(([v, n]) => h('option', { value: v, selected: v === lang }, n)));
    sel.addEventListener('change', async () => {
      lang = sel.value;
      document.documentElement.lang = lang;
      try { await post('/api/lang', { lang }); } catch (e) { /* the cookie is a convenience */ }
      render();
    });
    top.replaceChildren(h('span', { class: 'brand' }, t('Field assessment')),
      me ? h('nav', { 'aria-label': t('Main') }, views.filter((v) => !v[3] || v[3]()).map((v) =>
        h('a', { href: '#/' + v[0], 'aria-current': v[0] === current ? 'page' : null }, t(v[1])))) : null,
      h('div', { class: 'who' }, sel, me ? [h('span', { id: 'who' }, `${me.name} (${t(me.role)})`),
        h('button', { type: 'button', class: 'secondary', id: 'logout', onclick: async () => {
          try { await post('/api/logout', {}); } catch (e) { /* ended anyway */ }
          me = null; location.hash = ''; render();
        } }, t('Log out'))] : null));
  }

  function viewLogin(main) {
    const err = h('div', {});
    const f = h('form', { class: 'login', id: 'login' },
      h('h1', {}, t('Log in')),
      h('label', {}, t('User name'), h('input', { name: 'user', id: 'user', autocomplete: 'username', required: true })),
      h('label', {}, t('Password'), h('input', { name: 'password', id: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      h('button', { type: 'submit' }, t('Log in')), err);
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const d = Object.fromEntries(new FormData(f).entries());
      try {
        me = await post('/api/login', d);
        render();
      } catch (e) {
        err.replaceChildren(msg('err', e.code === 'locked' ? t('Too many failed attempts; the account is locked for a while.') : t('Wrong user name or password.')));
      }
    });
    main.append(f);
    f.querySelector('input').focus();
  }

  let seq = 0;
  async function route() {
    const main = document.getElementById('main');
    const mine = ++seq;
    const hash = location.hash.replace(/^#\/?/, '');
    const [path, query] = hash.split('?');
    const parts = path.split('/');
    const params = new URLSearchParams(query || '');
    if (!me) { header(''); main.replaceChildren(); viewLogin(main); return; }
    const name = parts[0] || 'overview';
    header(name === 'case' ? 'cases' : name === 'conflict' ? 'conflicts' : name);
    const box = h('div', { id: 'view-' + name });
    try {
      if (name === 'case') await viewCase(box, parts[1]);
      else if (name === 'conflict') await viewConflict(box, parts[1]);
      else {
        const v = views.find((x) => x[0] === name) || views[0];
        await v[2](box, params, parts);
      }
    } catch (e) { box.replaceChildren(errMsg(e)); }
    if (mine !== seq) return;
    main.replaceChildren(box);
    document.title = t('Field assessment') + ' · ' + t((views.find((x) => x[0] === name) || [0, name])[1]);
  }

  async function render() {
    if (!me) {
      try { me = await get('/api/me'); } catch (e) { me = null; }
    }
    route();
  }
  window.addEventListener('hashchange', route);
  render();
})();
