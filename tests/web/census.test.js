// The census indicators in chromium, from a Romanian tablet's synced
// households and screenings: the page agrees with `sync-server census`;
// a coordinator of another locality cannot read them.
'use strict';
const T = require('./lib');
const { env, check, step } = T;

(async () => {
  const b = await T.browser();
  await step('census: indicators', async () => {
    const ctx = await T.context(b, { locale: 'ro-RO' });
    const page = await ctx.newPage();
    await T.login(page, 'admin', 'admin-secret-1');
    check((await page.textContent('nav')).includes('Recensământ'), 'Accept-Language ro: the page opens in Romanian');
    await page.click('nav a[href="#/census"]');
    await page.waitForSelector('#census-cases');
    const cli = JSON.parse(T.ss('census'));
    check((await page.textContent('#census-cases .n')) === String(cli.overall.cases), `census: ${cli.overall.cases} cases, as the CLI`);
    const dims = cli.overall.dimensions.filter((d) => d.cases > 0).map((d) => d.label);
    const text = await page.textContent('#view-census');
    check(dims.length > 0 && dims.every((d) => text.includes(d)), `census: cases by dimension drawn (${dims.length} dimensions with cases)`);
    const rows = await page.$$eval('#census-localities tbody tr', (r) => r.length);
    check(rows === cli.localities.length, `census: ${rows} localities listed`);
    await T.shot(page, 'census-ro');
    await page.selectOption('#census-locality', 'Buhoci');
    await page.click('#view-census form button');
    await page.waitForFunction(() => location.hash.includes('Buhoci'));
    await page.waitForSelector('#census-cases');
    const one = JSON.parse(execCensus('Buhoci'));
    check((await page.textContent('#census-cases .n')) === String(one.overall.cases), `census: Buhoci alone, ${one.overall.cases} case(s)`);
    await ctx.close();
  });
  await step('census: coordinator of another locality', async () => {
    const ctx = await T.context(b);
    const page = await ctx.newPage();
    await T.login(page, 'coord', 'coord-secret-1');
    const r = await T.pageFetch(page, 'GET', '/api/census?locality=Buhoci');
    check(r.status === 403, `coordinator: the census of Buhoci is refused (${r.status})`);
    await ctx.close();
  });
  await b.close();
  T.done();
})().catch((e) => { console.log('FAIL census: ' + e.message); process.exitCode = 1; });

function execCensus(loc) {
  return require('child_process').execFileSync(T.env.WEB_SS, ['census', '--locality', loc, '--data', T.env.WEB_DATA], { encoding: 'utf8' });
}
