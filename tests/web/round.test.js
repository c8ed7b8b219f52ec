// The round in chromium: the ranking table by rank, capacity, an hours
// override with a reason, lock, publish, the public list downloaded, a
// decision letter; the same rules for the coordinator of one locality
// and the viewer. Each step checked on the page and with `round show`.
'use strict';
const fs = require('fs');
const T = require('./lib');
const { env, check, step } = T;
const RID = env.WEB_ROUND;
const show = () => JSON.parse(T.ss('round', 'show', RID));

(async () => {
  const b = await T.browser();
  const ctx = await T.context(b);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await T.login(page, 'admin', 'admin-secret-1');

  let app = null;
  await step('round: the ranking table', async () => {
    await page.goto(env.WEB_URL + '/#/round?id=' + RID);
    await page.waitForSelector('#ranking tbody tr');
    const r = show();
    const listed = r.applicants.filter((a) => !a.duplicate_of);
    const rows = await page.$$eval('#ranking tbody tr', (t) => t.map((x) => [...x.children].map((c) => c.textContent)));
    check(rows.length === listed.length, `round: ${rows.length} applications listed, as on the server`);
    const ranks = rows.map((x) => Number(x[0])).filter((x) => !Number.isNaN(x) && x > 0);
    check(ranks.every((x, i) => i === 0 || x >= ranks[i - 1]) && ranks[0] === 1, 'round: by rank, from 1');
    const first = listed[0];
    check(rows[0][1] === String(first.application) && rows[0][4] === String(first.group) && rows[0][5] === String(first.points),
      `round: the first row is application ${first.application}, group ${first.group}, ${first.points} points`, rows[0].join('|'));
    const cards = await page.textContent('#view-round .cards');
    check(cards.includes(`${r.capacity.users.used} / ${r.capacity.users.max}`), `round: capacity used ${r.capacity.users.used} / ${r.capacity.users.max}`, cards);
    const text = await page.textContent('#ranking');
    const someName = T.sql("SELECT json_extract(body, '$.person.name') FROM record WHERE kind = 'assessment' LIMIT 1");
    check(!text.includes(someName), 'round: the table shows initials, not names');
    await T.shot(page, 'round');
    app = listed.find((a) => a.decided === 'approved') || first;
  });

  await step('round: the viewer and the coordinator of one locality', async () => {
    const c2 = await T.context(b);
    const p2 = await c2.newPage();
    await T.login(p2, 'viewer', 'viewer-secret-1');
    await p2.goto(env.WEB_URL + '/#/round?id=' + RID);
    await p2.waitForSelector('#ranking tbody tr');
    check((await p2.$$('#ranking button, #lock, #publish')).length === 0, 'viewer: no change, lock or publish buttons');
    const r1 = await T.pageFetch(p2, 'POST', '/api/round/override', { id: RID, application: app.application, field: 'hours', value: '1', reason: 'x' }, true);
    const r2 = await T.pageFetch(p2, 'POST', '/api/round/lock', { id: RID }, true);
    check(r1.status === 403 && r2.status === 403, `viewer: override and lock refused (${r1.status} ${r2.status})`);
    await c2.close();
    const c3 = await T.context(b);
    const p3 = await c3.newPage();
    await T.login(p3, 'coord', 'coord-secret-1');
    const rr = JSON.parse((await T.pageFetch(p3, 'GET', '/api/round?id=' + RID)).text);
    const locs = [...new Set(rr.applicants.map((a) => a.locality))];
    check(locs.length === 1 && locs[0] === env.WEB_L1, `coordinator: the round shows only applicants of ${env.WEB_L1}`, locs.join(','));
    const other = show().applicants.find((a) => a.locality !== env.WEB_L1);
    const r3 = await T.pageFetch(p3, 'POST', '/api/round/override', { id: RID, application: other.application, field: 'hours', value: '1', reason: 'x' }, true);
    check(r3.status === 404, `coordinator: cannot override an applicant of another locality (${r3.status})`);
    const r4 = await T.pageFetch(p3, 'POST', '/api/round/lock', { id: RID }, true);
    check(r4.status === 403, `coordinator: cannot lock the round (${r4.status})`);
    const nores = await T.pageFetch(p3, 'POST', '/api/round/override', { id: RID, application: app.application, field: 'hours', value: '1', reason: 'x' }, false);
    check(nores.status === 403, 'csrf: an override without the token is refused (403)');
    await c3.close();
    check(show().applicants.every((a) => !a.override), 'round: nothing was changed by the refused requests');
  });

  await step('round: override hours with a reason', async () => {
    const newHours = app.hours >= 6 ? app.hours - 1 : app.hours + 1.5;
    const reason = 'Медицинско заключение от 12.03: нужда от повече часове';
    await page.click(`tr[data-app="${app.application}"] button`);
    await page.fill('tr.editing input[name=value]', String(newHours));
    await page.fill('tr.editing textarea[name=reason]', reason);
    await page.click('tr.editing button[type=submit]');
    await page.waitForFunction(([n, h]) => {
      const td = document.querySelector(`tr[data-app="${n}"] td.hours`);
      return td && td.textContent.startsWith(String(h));
    }, [app.application, newHours]);
    check((await page.textContent(`tr[data-app="${app.application}"] td.reason`)) === reason, 'override: the page shows the new hours and the reason');
    const a = show().applicants.find((x) => x.application === app.application);
    check(a.override && a.override.hours === newHours && a.override.reason === reason && a.daily_hours === app.daily_hours,
      `override: on the server ${newHours} h with the reason, computed ${app.daily_hours} h kept`);
    check(T.ss('round', 'history', RID, String(app.application)).includes(reason), 'override: in the round history with the reason');
    await page.goto(env.WEB_URL + '/#/case/' + a.assessment);
    await page.waitForSelector('#decisions');
    check((await page.textContent('#decisions')).includes(reason), "override: the case's page lists the decision with its reason");
    await page.goto(env.WEB_URL + '/#/round?id=' + RID);
    await page.waitForSelector('#ranking tbody tr');
    const bad = await T.pageFetch(page, 'POST', '/api/round/override', { id: RID, application: app.application, field: 'hours', value: '2', reason: '' }, true);
    check(bad.status === 400, 'override: refused without a reason (400)');
    await T.shot(page, 'round-override');
  });

  await step('round: lock and publish', async () => {
    page.once('dialog', (d) => d.accept());
    await page.click('#lock');
    await page.waitForSelector('#publish');
    check(!!show().round.locked_on, 'lock: the round is locked on the server');
    check((await page.$$('#ranking button[aria-label^="Change hours"]')).length === 0, 'lock: no more change buttons');
    await page.click('#publish');
    await page.waitForSelector('#public-csv');
    check(!!show().round.published_at, 'publish: published on the server');
    await T.shot(page, 'round-published');
  });

  await step('round: download the public list', async () => {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#public-csv')]);
    const file = env.WEB_T + '/public.csv';
    await dl.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8');
    check(dl.suggestedFilename() === `public-list-${RID}.csv`, `public list: downloaded as ${dl.suggestedFilename()}`);
    const r = show();
    const lines = csv.trim().split(/\r?\n/);
    check(lines.length >= r.applicants.filter((a) => !a.duplicate_of).length, `public list: ${lines.length} lines`);
    check(csv.includes(String(app.application)), 'public list: holds the application numbers');
    const nid = T.sql("SELECT json_extract(body, '$.person.national_id') FROM record WHERE kind = 'assessment' AND json_extract(body, '$.person.national_id') IS NOT NULL LIMIT 1");
    const name = T.sql("SELECT json_extract(body, '$.person.name') FROM record WHERE kind = 'assessment' LIMIT 1");
    check(!csv.includes(nid) && !csv.includes(name), 'public list: no national id, no name');
  });

  await step('round: a decision letter', async () => {
    const [p4] = await Promise.all([ctx.waitForEvent('page'), page.click(`tr[data-app="${app.application}"] a`)]);
    await p4.waitForLoadState();
    const body = await p4.textContent('body');
    check(body.length > 100 && /\S/.test(body), 'letter: opens as a printable page');
    await T.shot(p4, 'letter');
    await p4.close();
  });

  await step('round: after the decision, a withdrawal frees the place', async () => {
    const before = show();
    const target = before.applicants.find((a) => a.decided === 'approved' && a.application !== app.application && a.state !== 'out');
    const waiting = before.applicants.filter((a) => a.decided === 'waitlisted').length;
    await page.goto(env.WEB_URL + '/#/round?id=' + RID);
    await page.waitForSelector(`tr[data-app="${target.application}"] button`);
    await page.click(`tr[data-app="${target.application}"] button`);
    await page.selectOption('tr.editing select[name=action]', 'withdraw');
    await page.fill('tr.editing textarea[name=reason]', 'Семейството се премести в друга община');
    await page.click('tr.editing button[type=submit]');
    await page.waitForFunction((n) => {
      const td = document.querySelector(`tr[data-app="${n}"] td.state`);
      return td && td.textContent === 'withdrawn';
    }, target.application);
    const after = show().applicants.find((a) => a.application === target.application);
    check(after.state === 'withdrawn', `withdraw: application ${target.application} withdrawn on the server, shown on the page`);
    check((await page.textContent('#round-msg')).includes('goes to application'), 'withdraw: the page says who gets the place');
    const offered = show().applicants.filter((a) => a.state === 'offered' && before.applicants.find((b) => b.application === a.application).state !== 'offered');
    check(waiting === 0 || offered.length >= 1, `withdraw: the place went to the next waiting (${offered.map((a) => a.application).join(', ')})`);
    await T.shot(page, 'round-after');
  });

  check(errors.length === 0, 'round: no script errors', errors.join(' | '));
  await b.close();
  T.done();
})().catch((e) => { console.log('FAIL round: ' + e.message); process.exitCode = 1; });
