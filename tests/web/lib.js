// Shared helpers of the browser tests (run by tests/it/web.sh): chromium
// from Debian through playwright-core, results printed as the shell tests
// do (`ok …` / `FAIL …`), and the server's state read with its own CLI
// and the SQLite file.
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');

const env = process.env;
let failures = 0;

function ok(desc) { console.log('ok   ' + desc); }
function fail(desc, why) { failures++; console.log('FAIL ' + desc + (why ? ': ' + why : '')); }
function check(cond, desc, why) { if (cond) ok(desc); else fail(desc, why); return !!cond; }

/* runs a step; an exception (a timeout waiting for the page) fails it */
async function step(desc, fn) {
  try { await fn(); } catch (e) { fail(desc, String(e.message || e).split('\n')[0]); }
}

function ss(...args) {
  return execFileSync(env.WEB_SS, [...args, '--data', env.WEB_DATA], { encoding: 'utf8' });
}
function sql(q) {
  return execFileSync('sqlite3', [env.WEB_DATA + '/central.db', q], { encoding: 'utf8' }).trim();
}

async function browser() {
  return chromium.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--ignore-certificate-errors', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/* a fresh context (its own cookies) at 1366x768 */
async function context(b, opts) {
  const ctx = await b.newContext(Object.assign({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 768 },
    locale: 'en-GB', acceptDownloads: true }, opts || {}));
  ctx.setDefaultTimeout(15000); /* a step that waits longer has failed */
  return ctx;
}

async function login(page, user, password) {
  await page.goto(env.WEB_URL + '/');
  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#who');
}

async function shot(page, name) {
  await page.screenshot({ path: `${env.WEB_SHOTS}/${name}.png`, fullPage: true });
}

/* fetch from inside the page (its cookies); csrf: true adds the token */
async function pageFetch(page, method, path, body, csrf) {
  return page.evaluate(async ([method, path, body, csrf]) => {
    const headers = {};
    const opt = { method, headers, credentials: 'same-origin' };
    if (method === 'POST') {
      headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body || {});
      if (csrf) {
        const me = await (await fetch('/api/me')).json();
        headers['X-CSRF-Token'] = me.csrf;
      }
    }
    const r = await fetch(path, opt);
    return { status: r.status, text: await r.text() };
  }, [method, path, body, csrf]);
}

function done() {
  process.exitCode = failures ? 1 : 0;
}

module.exports = { env, ok, fail, check, step, ss, sql, browser, context, login, shot, pageFetch, done };
