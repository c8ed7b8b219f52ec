// Roles and localities in chromium: a viewer cannot change anything; a
// coordinator of one locality sees only its cases; a request without the
// CSRF token is refused; a tablet-sized window works.
'use strict';
const T = require('./lib');
const { env, check, step } = T;

(async () => {
  const b = await T.browser();

  await step('viewer', async () => {
    const ctx = await T.context(b);
    const page = await ctx.newPage();
    await T.login(page, 'viewer', 'viewer-secret-1');
    await page.goto(env.WEB_URL + '/#/conflicts');
    await page.waitForSelector('#view-conflicts');
    const link = await page.$('#view-conflicts tbody tr a');
    if (link) {
      await link.click();
      await page.waitForSelector('#view-conflict');
    }
    check((await page.$$('#view-conflict button')).length === 0, 'viewer: no resolve buttons');
    await page.goto(env.WEB_URL + '/#/devices');
    await page.waitForSelector('#view-devices table');
    check(!(await page.$('#enroll')) && (await page.$$('#view-devices button')).length === 0, 'viewer: no enroll form, no revoke buttons');
    // refusals are audited (reliability.md R10); nothing else may change
    const changes = "SELECT count(*) FROM audit WHERE action <> 'request_refused'";
    const refusals = "SELECT count(*) FROM audit WHERE action = 'request_refused' AND detail LIKE '403 POST /api/%'";
    const before = T.sql(changes), refusedBefore = Number(T.sql(refusals));
    const dev = T.sql("SELECT id FROM device WHERE revoked_at IS NULL LIMIT 1");
    const r1 = await T.pageFetch(page, 'POST', '/api/device/revoke', { id: dev }, true);
    const cid = T.sql("SELECT id FROM conflict LIMIT 1");
    const r2 = await T.pageFetch(page, 'POST', '/api/conflict/resolve', { id: cid, pick: 'a' }, true);
    const r3 = await T.pageFetch(page, 'POST', '/api/device/enroll', { assessor: 'X', localities: env.WEB_L1 }, true);
    check(r1.status === 403 && r2.status === 403 && r3.status === 403, `viewer: revoke, resolve, enroll with a valid token are refused (${r1.status} ${r2.status} ${r3.status})`);
    check(T.sql(`SELECT revoked_at IS NULL FROM device WHERE id = '${dev}'`) === '1' &&
      T.sql(changes) === before, 'viewer: nothing changed on the server');
    check(Number(T.sql(refusals)) === refusedBefore + 3, 'viewer: the three refusals are in the audit trail');
    const a = await T.pageFetch(page, 'GET', '/api/audit');
    check(a.status === 200, 'viewer of all localities: may read the audit trail');
    await ctx.close();
  });

  await step('coordinator of one locality', async () => {
    const ctx = await T.context(b, { viewport: { width: 820, height: 1180 }, isMobile: true, hasTouch: true, locale: 'bg-BG' });
    const page = await ctx.newPage();
    await T.login(page, 'coord', 'coord-secret-1');
    check((await page.textContent('nav')).includes('Случаи'), 'Accept-Language bg: the page opens in Bulgarian');
    await page.goto(env.WEB_URL + '/#/cases');
    await page.waitForSelector('#view-cases tbody');
    const locs = await page.$$eval('#view-cases tbody tr td:nth-child(2)', (t) => [...new Set(t.map((x) => x.textContent))]);
    const want = Number(T.sql(`SELECT count(*) FROM record WHERE kind = 'assessment' AND locality = '${env.WEB_L1}'`));
    const rows = await page.$$eval('#view-cases tbody tr', (t) => t.length);
    check(locs.length === 1 && locs[0] === env.WEB_L1 && rows === want, `coordinator: lists only the ${want} cases of ${env.WEB_L1}`, locs.join(','));
    await T.shot(page, 'cases-tablet-bg');
    const other = await T.pageFetch(page, 'GET', '/api/case?id=' + env.WEB_OTHER);
    check(other.status === 404, "coordinator: a case of another locality is not found (404)");
    const ov = JSON.parse((await T.pageFetch(page, 'GET', '/api/overview')).text);
    check(ov.assessments === want, `coordinator: the overview counts only ${env.WEB_L1} (${ov.assessments})`);
    const au = await T.pageFetch(page, 'GET', '/api/audit');
    check(au.status === 403, 'coordinator of one locality: the whole audit trail is refused (403)');
    const en = await T.pageFetch(page, 'POST', '/api/device/enroll', { assessor: 'X', localities: 'Elsewhere' }, true);
    check(en.status === 403, 'coordinator: cannot enroll a device for another locality (403)');
    const noTok = await T.pageFetch(page, 'POST', '/api/device/enroll', { assessor: 'X', localities: env.WEB_L1 }, false);
    check(noTok.status === 403 && /csrf/.test(noTok.text), 'csrf: the browser POST without the token is refused (403)');
    await ctx.close();
  });

  await b.close();
  T.done();
})().catch((e) => { console.log('FAIL roles: ' + e.message); process.exitCode = 1; });
