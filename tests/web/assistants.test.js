// Assistants and their load in chromium: the table and chart of daily
// hours per assistant agree with `sync-server assistant load`; a
// coordinator of one locality sees only its assistants.
'use strict';
const T = require('./lib');
const { env, check, step } = T;

(async () => {
  const b = await T.browser();
  await step('assistants: the load', async () => {
    const ctx = await T.context(b);
    const page = await ctx.newPage();
    await T.login(page, 'admin', 'admin-secret-1');
    await page.click('nav a[href="#/assistants"]');
    await page.waitForSelector('#assistants tbody tr');
    let cli;
    try { cli = JSON.parse(T.ss('assistant', 'load', '--format', 'json')); } catch (e) { cli = JSON.parse(e.stdout); }
    const rows = await page.$$eval('#assistants tbody tr', (r) => r.map((x) => [...x.children].map((c) => c.textContent)));
    check(rows.length === cli.assistants.length, `assistants: ${rows.length} listed, as the CLI`);
    const a = cli.assistants.find((x) => x.users.length);
    const row = rows.find((r) => r[0] === a.initials && r[1] === a.locality);
    check(row && row[5] === String(a.hours), `assistants: ${a.initials} with ${a.hours} h a day, as the CLI`, row && row.join('|'));
    check(!(await page.textContent('#assistants')).includes(env.WEB_ASSISTANT), 'assistants: initials, not the name');
    check((await page.$$('#view-assistants figure svg rect')).length >= rows.length, 'assistants: chart of daily hours drawn');
    await T.shot(page, 'assistants');
    await ctx.close();
  });
  await step('assistants: coordinator of one locality', async () => {
    const ctx = await T.context(b);
    const page = await ctx.newPage();
    await T.login(page, 'coord', 'coord-secret-1');
    const r = JSON.parse((await T.pageFetch(page, 'GET', '/api/assistants')).text);
    const locs = [...new Set(r.assistants.map((x) => x.locality))];
    check(locs.length === 1 && locs[0] === env.WEB_L1 && !r.totals, `coordinator: only assistants of ${env.WEB_L1}, no totals of all`, locs.join(','));
    await ctx.close();
  });
  await b.close();
  T.done();
})().catch((e) => { console.log('FAIL assistants: ' + e.message); process.exitCode = 1; });
