// The coordinator's day in chromium: log in, overview, find a case, resolve
// a conflict, enroll and revoke a device, the audit trail, the language —
// each step checked on the page and on the server.
'use strict';
const T = require('./lib');
const { env, check, step } = T;

(async () => {
  const b = await T.browser();
  const ctx = await T.context(b);
  const page = await ctx.newPage();
  const errors = [];
  // a 401 before logging in is how the page learns it must ask to log in
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));

  await step('login: a wrong password is refused on the page', async () => {
    await page.goto(env.WEB_URL + '/');
    await page.fill('#user', 'admin');
    await page.fill('#password', 'not-the-password');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('.msg.err');
    check(/Wrong user name or password/.test(await page.textContent('.msg.err')), 'login: a wrong password is refused on the page');
  });
  await step('login: admin', async () => {
    await T.login(page, 'admin', 'admin-secret-1');
    check((await page.textContent('#who')).includes('admin'), 'login: admin logged in, name shown');
    const cookies = await ctx.cookies();
    const c = cookies.find((x) => x.name === 'fa_session');
    check(c && c.httpOnly && c.secure && c.sameSite === 'Strict', 'login: session cookie HttpOnly, Secure, SameSite=Strict');
    const js = await page.evaluate(() => document.cookie);
    check(!js.includes('fa_session'), 'login: the page script cannot read the session cookie');
  });

  await step('overview', async () => {
    await page.waitForSelector('#view-overview .card');
    const n = Number(T.sql("SELECT count(*) FROM record WHERE kind = 'assessment'"));
    const text = await page.textContent('#view-overview .cards');
    check(text.includes(String(n)), `overview: shows the ${n} assessments of the server`, text);
    const charts = await page.$$eval('#view-overview figure svg', (s) => s.length);
    check(charts >= 6, `overview: ${charts} charts drawn as inline SVG`);
    const rects = await page.$$eval('#view-overview figure svg rect', (s) => s.length);
    check(rects > 5, `overview: charts have bars (${rects})`);
    await T.shot(page, 'overview');
  });

  await step('cases: find a case', async () => {
    await page.click('nav a[href="#/cases"]');
    await page.waitForSelector('#view-cases table');
    const first = env.WEB_NAME.split(' ')[0];
    await page.fill('#q', env.WEB_NAME);
    await page.press('#q', 'Enter');
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('#view-cases tbody tr')];
      return location.hash.includes('q=') && rows.length > 0 && rows.every((r) => r.textContent.includes(n));
    }, env.WEB_NAME);
    const rows = await page.$$eval('#view-cases tbody tr', (r) => r.map((x) => x.textContent));
    const want = Number(T.sql(`SELECT count(*) FROM record WHERE kind = 'assessment' AND json_extract(body, '$.person.name') LIKE '%${env.WEB_NAME.replace(/'/g, "''")}%'`));
    check(rows.length === want && rows.every((r) => r.includes(env.WEB_NAME)), `cases: searching "${first}…" lists the ${want} matching case(s)`, rows.join(' | '));
    await T.shot(page, 'cases');
    await page.click('#view-cases tbody tr a');
    await page.waitForSelector('#view-case h1');
    const h1 = await page.textContent('#view-case h1');
    check(h1.includes(env.WEB_NAME), 'case: the case page names the person');
    const answers = await page.$$eval('#view-case table', (t) => t.length);
    check(answers >= 3, 'case: answers, revisions and audit history shown');
    const labelled = await page.$$eval('#answers tr', (r) => r.filter((x) => x.children[1].textContent.length > 3).length);
    check(labelled > 30, `case: answers shown with the instrument's labels (${labelled})`);
    const id = page.url().split('/case/')[1];
    const pts = T.sql(`SELECT json_extract(outputs, '$.points') FROM score WHERE assessment_id = '${id}'`);
    check((await page.textContent('#view-case')).includes(pts), `case: the server's recomputed points (${pts}) shown`);
    await T.shot(page, 'case');
  });

  await step('conflicts: resolve one', async () => {
    await page.click('nav a[href="#/conflicts"]');
    await page.waitForSelector('#view-conflicts table');
    await T.shot(page, 'conflicts');
    await page.click('#view-conflicts tbody tr a');
    await page.waitForSelector('#view-conflict .side');
    const a = await page.textContent('td[data-side=a]'), bb = await page.textContent('td[data-side=b]');
    // '–' is what the page shows for a missing value: the side that is the
    // record's head must show its text too
    check(!['', '–'].includes(a.trim()) && !['', '–'].includes(bb.trim()) && a !== bb && /Шипка/.test(a + bb),
      `conflict: both versions side by side, neither missing ("${a}" / "${bb}")`);
    await T.shot(page, 'conflict');
    const cid = page.url().split('/conflict/')[1];
    await page.click('#keep-b');
    await page.waitForFunction(() => location.hash.includes('done=1') && document.querySelector('#status') &&
      document.querySelector('#status').textContent === 'resolved');
    check((await page.$$('#view-conflict button')).length === 0, 'conflict: the page shows it resolved, no more choices');
    check(T.ss('conflicts', 'list', '--all', 'yes').includes(cid.slice(0, 36)) &&
      T.sql(`SELECT status || ' ' || resolved_by FROM conflict WHERE id = '${cid}'`) === 'resolved admin',
      'conflict: resolved on the server, by admin');
    const rec = T.sql(`SELECT record_id FROM conflict WHERE id = '${cid}'`);
    const addr = T.sql(`SELECT json_extract(body, '$.address') FROM record WHERE id = '${rec}'`);
    check(addr === bb, `conflict: the record now holds version B ("${addr}")`);
  });

  await step('devices: enroll with a QR code', async () => {
    await page.click('nav a[href="#/devices"]');
    await page.waitForSelector('#enroll');
    await page.fill('#enroll input[name=assessor]', 'Елена Стоянова');
    await page.fill('#enroll input[name=localities]', env.WEB_L1);
    await page.click('#enroll button');
    await page.waitForSelector('#code');
    const code = await page.textContent('#code');
    check(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code), `devices: a one-time code shown (${code})`);
    const modules = await page.$eval('svg.qr path', (p) => p.getAttribute('d').split('M').length);
    check(modules > 200, 'devices: the QR code is drawn');
    await T.shot(page, 'devices-enroll');
    // the code works for a real field agent
    const { execFileSync } = require('child_process');
    const dir = env.WEB_T + '/dev-c';
    execFileSync(env.WEB_FA, ['init', '--kdf-ms', '20'], { env: Object.assign({}, process.env, { FA_DATA: dir }) });
    execFileSync(env.WEB_FA, ['enroll', env.WEB_URL, code, '--pin', env.WEB_PIN, '--name', 'tablet-c'],
      { env: Object.assign({}, process.env, { FA_DATA: dir }) });
    check(T.ss('device', 'list').includes('tablet-c'), 'devices: a field agent enrolled with the code from the page');
  });

  await step('devices: revoke', async () => {
    await page.reload();
    await page.waitForSelector(`tr[data-id="${env.WEB_DEV_B}"] button`);
    page.once('dialog', (d) => d.accept());
    await page.click(`tr[data-id="${env.WEB_DEV_B}"] button`);
    await page.waitForSelector(`tr[data-id="${env.WEB_DEV_B}"] .tag.revoked`);
    check(true, 'devices: the page shows tablet-b revoked');
    check(/tablet-b.*REVOKED/.test(T.ss('device', 'list')), 'devices: revoked on the server (device list)');
    let refused = false;
    try {
      require('child_process').execFileSync(env.WEB_FA, ['sync', '--retries', '0'],
        { env: Object.assign({}, process.env, { FA_DATA: env.WEB_T + '/dev-b' }), stdio: 'pipe' });
    } catch (e) { refused = /revoked/.test(String(e.stderr) + String(e.stdout)); }
    check(refused, 'devices: the revoked tablet can no longer sync');
    await T.shot(page, 'devices');
  });

  await step('audit trail', async () => {
    await page.click('nav a[href="#/audit"]');
    await page.waitForSelector('#view-audit table');
    const text = await page.textContent('#view-audit');
    check(text.includes('resolve') && text.includes('revoke') && text.includes('login'), 'audit: the page lists login, resolve and revoke');
    await T.shot(page, 'audit');
  });

  await step('language', async () => {
    await page.selectOption('#lang', 'bg');
    await page.waitForFunction(() => document.querySelector('nav').textContent.includes('Случаи'));
    check(true, 'language: Bulgarian chosen, the menu is in Bulgarian');
    await page.reload();
    await page.waitForSelector('#who');
    check((await page.textContent('nav')).includes('Случаи'), 'language: the choice is kept after a reload');
    await T.shot(page, 'audit-bg');
    await page.selectOption('#lang', 'ro');
    await page.waitForFunction(() => document.querySelector('nav').textContent.includes('Cazuri'));
    check(true, 'language: Romanian');
    await page.selectOption('#lang', 'en');
  });

  await step('keyboard', async () => {
    await page.goto(env.WEB_URL + '/#/overview');
    await page.waitForSelector('#who');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement.textContent);
    check(/Skip/.test(first), 'keyboard: the first Tab reaches "Skip to content"');
    let reached = false;
    for (let i = 0; i < 8 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement.getAttribute('href') === '#/cases');
    }
    if (reached) {
      await page.keyboard.press('Enter');
      await page.waitForSelector('#view-cases');
    }
    check(reached, 'keyboard: Cases reached and opened with Tab and Enter');
  });

  await step('logout', async () => {
    await page.click('#logout');
    await page.waitForSelector('#login');
    const r = await T.pageFetch(page, 'GET', '/api/cases');
    check(r.status === 401, 'logout: back to the login form, the API answers 401');
  });

  check(errors.length === 0, 'no script errors or CSP violations in the console', errors.join(' | '));
  await b.close();
  T.done();
})().catch((e) => { console.log('FAIL coordinator: ' + e.message); process.exitCode = 1; });
