// The responders' web UI in a real headless browser (Debian chromium via playwright-core).
// Started by tests/it/browser.rs, which runs the app and passes everything in TANGGAP_UI_TEST
// (JSON: base, ingest token, users, incident ids, screenshot directory). Exits non-zero, naming
// the failed step, when anything does not behave.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const cfg = JSON.parse(process.env.TANGGAP_UI_TEST);
const shots = cfg.screenshots;
let step = 'start';
const log = (s) => { step = s; console.log('· ' + s); };

const browser = await chromium.launch({
  executablePath: cfg.chromium || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});

async function session(user, opts = {}) {
  const context = await browser.newContext({ viewport: opts.viewport || { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: cfg.base });
  const page = await context.newPage();
  page.alerts = [];
  page.on('dialog', async (d) => { page.alerts.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => { page.alerts.push('pageerror: ' + e.message); });
  if (user) await login(page, user);
  return page;
}

async function login(page, user) {
  await page.goto(cfg.base + '/login');
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForURL(cfg.base + '/'), page.click('button[type=submit]')]);
}

// Waits until `fn(arg)`, evaluated in the page, gives a truthy value, and returns it. Polls
// from here with page.evaluate: the pages' Content-Security-Policy forbids the string eval that
// Playwright's waitForFunction relies on. Evaluation errors (a navigation in between) count as
// "not yet"; `until.stop` ends the wait early with null.
async function poll(page, fn, arg, timeout = 30000, until = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (until.stop) return null;
    const v = await page.evaluate(fn, arg).catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${fn}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Submits one of the pages' API forms: they reload on success and show the error otherwise.
async function submit(page, formSel) {
  const nav = page.waitForNavigation({ timeout: 20000 }).then(() => null);
  await page.click(`${formSel} button[type=submit], ${formSel} button:not([type])`);
  const until = {};
  const err = poll(page, (sel) => {
    const a = document.querySelector(sel + ' [role=alert]');
    return a && a.textContent.trim() ? a.textContent : null;
  }, formSel, 20000, until).catch(() => null);
  const problem = await Promise.race([nav, err]);
  until.stop = true;
  if (problem) throw new Error(`${formSel} was refused: ${problem}`);
  await page.waitForLoadState('load');
}

async function noScriptRan(page, where) {
  const injected = await page.evaluate(() => document.querySelectorAll('img[src="x"]').length);
  assert.equal(injected, 0, `${where}: the hostile <img> became an element`);
  assert.deepEqual(page.alerts, [], `${where}: a script ran or failed`);
}

try {
  // Login and logout.
  log('login page, wrong password');
  let page = await session(null);
  await page.goto(cfg.base + '/');
  assert.ok(page.url().includes('/login'), 'pages need a login');
  await page.screenshot({ path: `${shots}/01-login.png` });
  await page.fill('#username', cfg.responder.username);
  await page.fill('#password', 'wrong password');
  await page.click('button[type=submit]');
  await page.waitForSelector('[role=alert]');
  log('log in as responder');
  await login(page, cfg.responder);
  await page.waitForSelector('tr.incident');
  await page.screenshot({ path: `${shots}/02-queue.png` });

  // Hostile text renders as text on the queue.
  log('hostile mention shows as text in the queue');
  const queueText = await page.textContent('#queue');
  assert.ok(queueText.includes('<img src=x onerror=alert(1)>'), 'the hostile text is shown literally');
  await noScriptRan(page, 'queue');

  // Live: a new incident appears without reloading.
  log('queue updates live when a mention is ingested');
  await poll(page, () => document.getElementById('live-state').textContent.includes('aktif'));
  await page.evaluate(() => { window.__notReloaded = true; });
  const before = await page.locator('tr.incident').count();
  const res = await fetch(cfg.base + '/api/v1/mentions', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + cfg.ingest_token, 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'whatsapp', external_id: 'live-1', region: 'Lampung Selatan',
      text: 'VIRAL!! Vaksin campak di Puskesmas Metro mengandung chip pelacak, jangan bawa anak kalian, SEBARKAN!!' }),
  });
  assert.equal(res.status, 201, 'ingest');
  await poll(page, (n) => document.querySelectorAll('tr.incident').length > n, before, 60000);
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  await page.screenshot({ path: `${shots}/03-queue-live.png` });

  // Keyboard: help, select, acknowledge, search focus.
  log('keyboard: ? lists the keys');
  await page.keyboard.press('?');
  await page.waitForSelector('dialog#keys[open]');
  await page.screenshot({ path: `${shots}/04-keys.png` });
  await page.keyboard.press('Escape');
  log('keyboard: j selects, a acknowledges');
  const newRow = page.locator('tr.incident[data-can-ack="yes"]').first();
  const target = await newRow.getAttribute('data-id');
  await page.keyboard.press('j');
  for (let i = 0; i < 50; i++) {
    const sel = await page.getAttribute('tr.incident.selected', 'data-id');
    if (sel === target) break;
    await page.keyboard.press('j');
  }
  assert.equal(await page.getAttribute('tr.incident.selected', 'data-id'), target, 'j reaches the row');
  await page.keyboard.press('a');
  await poll(page, (id) => {
    const r = document.querySelector(`tr.incident[data-id="${id}"] td.status`);
    return r && r.textContent.trim() === 'acknowledged';
  }, target, 20000);
  const api = await (await fetch(`${cfg.base}/api/v1/incidents/${target}`, {
    headers: { authorization: 'Bearer ' + cfg.admin_token } })).json();
  assert.equal(api.status, 'acknowledged', 'the API agrees');
  log('keyboard: / focuses search');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'quick-search');

  // CSRF: a session POST without the token is refused and changes nothing.
  log('CSRF-less POST is refused');
  const csrfLess = await page.evaluate(async (id) => (await fetch(`/api/v1/incidents/${id}/transitions`, {
    method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'dismissed', reason: 'x' }) })).status, cfg.scam_incident);
  assert.equal(csrfLess, 403);

  // Incident page: hostile text, then draft → submit.
  log('incident page with hostile text');
  await page.goto(`${cfg.base}/incidents/${cfg.hostile_incident}`);
  assert.ok((await page.textContent('main')).includes('<img src=x onerror=alert(1)>'));
  await noScriptRan(page, 'incident page');
  log('search page');
  await page.goto(`${cfg.base}/search?q=${encodeURIComponent('onerror tipu')}`);
  await page.goto(`${cfg.base}/search?q=transfer`);
  await page.waitForSelector('ol.hits li');
  await page.screenshot({ path: `${shots}/05-search.png` });
  await page.goto(`${cfg.base}/search?q=onerror`);
  await page.waitForSelector('ol.hits li mark');
  await noScriptRan(page, 'search page');

  log('draft a clarification and submit it');
  await page.goto(`${cfg.base}/incidents/${cfg.scam_incident}`);
  await page.screenshot({ path: `${shots}/06-incident.png`, fullPage: true });
  for (const input of await page.locator('form.draft input[name^="variables."]').all()) {
    const name = await input.getAttribute('name');
    const value = { 'variables.tautan': 'https://lampungprov.go.id/klarifikasi', 'variables.sumber': 'Biro Adpim',
                    'variables.klaim': 'Pesan WA atas nama Gubernur meminta transfer dana' }[name];
    await input.fill(value || 'Gubernur tidak pernah meminta transfer lewat WhatsApp.');
  }
  // A long-form channel: a tweet-length template would (rightly) be refused for its length.
  const channel = await page.evaluate(() => {
    const opts = Array.from(document.querySelectorAll('form.draft select[name=template] option')).map((o) => o.value);
    return opts.find((v) => /^(website|whatsapp|press)/.test(v)) || opts[opts.length - 1];
  });
  await page.selectOption('form.draft select[name=template]', channel);
  await submit(page, 'form.draft');
  await page.waitForSelector('form[data-api$="/submit"]');
  await submit(page, 'form[data-api$="/submit"]');
  await page.screenshot({ path: `${shots}/07-incident-submitted.png`, fullPage: true });
  assert.equal(await page.locator('form[data-api$="/approve"]').count(), 0, 'the author cannot approve');

  log('log out');
  await Promise.all([page.waitForURL(/\/login/), page.click('header form button[type=submit]')]);
  await page.goto(cfg.base + '/');
  assert.ok(page.url().includes('/login'), 'logged out');

  log('admin approves');
  await login(page, cfg.admin);
  await page.goto(`${cfg.base}/incidents/${cfg.scam_incident}`);
  await submit(page, 'form[data-api$="/approve"]');
  log('copy from the library');
  await page.goto(cfg.base + '/library');
  await page.waitForSelector('button[data-copy]');
  await page.screenshot({ path: `${shots}/08-library.png`, fullPage: true });
  await page.click('button[data-copy]');
  await poll(page, () => document.querySelector('button[data-copy]').textContent.includes('Tersalin'));
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(copied.includes('Gubernur tidak pernah meminta transfer'), 'the approved text is on the clipboard');

  log('a viewer cannot act');
  const viewer = await session(cfg.viewer);
  await viewer.goto(`${cfg.base}/incidents/${cfg.scam_incident}`);
  assert.equal(await viewer.locator('form[data-api*="/transitions"]').count(), 0, 'no state buttons');
  assert.equal(await viewer.locator('form.draft').count(), 0, 'no draft form');
  await viewer.goto(cfg.base + '/');
  await viewer.waitForSelector('tr.incident');
  await viewer.keyboard.press('j');
  await viewer.keyboard.press('a');
  await poll(viewer, () => document.getElementById('flash').textContent.includes('tidak boleh'));
  const forced = await viewer.evaluate(async (id) => (await fetch(`/api/v1/incidents/${id}/transitions`, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content },
    body: JSON.stringify({ to: 'acknowledged' }) })).status, cfg.hostile_incident);
  assert.equal(forced, 403, 'the API refuses a viewer too');

  log('the queue on a phone');
  const phone = await session(cfg.viewer, { viewport: { width: 390, height: 844 } });
  await phone.goto(cfg.base + '/');
  await phone.waitForSelector('tr.incident');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling on a phone (overflow ${overflow}px)`);
  await phone.screenshot({ path: `${shots}/09-queue-phone.png`, fullPage: true });

  if (cfg.extra_pages) {
    for (const [name, path] of cfg.extra_pages) {
      log(`page ${path}`);
      const resp = await page.goto(cfg.base + path);
      assert.equal(resp.status(), 200, `${path} answers 200`);
      await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
      await noScriptRan(page, path);
    }
  }
  log('the known-claims page');
  const claimsPage = await page.goto(cfg.base + '/claims');
  assert.equal(claimsPage.status(), 200, '/claims answers 200');
  await page.waitForSelector('form#add-claim');
  await page.screenshot({ path: `${shots}/11-claims.png`, fullPage: true });
  await noScriptRan(page, '/claims');

  log('users page: an admin adds a user and disables them');
  await page.click('header a[href="/users"]');
  await page.waitForSelector('form#add-user');
  assert.equal(await page.locator(`tr.user[data-username="${cfg.admin.username}"] form.disable`).count(), 0,
    'no disable button for oneself');
  await page.fill('#add-user input[name=username]', 'ui-baru');
  await page.fill('#add-user input[name=name]', 'Pengguna Baru');
  await page.selectOption('#add-user select[name=role]', 'viewer');
  await page.fill('#add-user input[name=password]', 'kata-sandi-baru-1');
  await submit(page, 'form#add-user');
  await page.waitForSelector('tr.user[data-username="ui-baru"] form.disable');
  await page.screenshot({ path: `${shots}/12-users.png`, fullPage: true });
  await submit(page, 'tr.user[data-username="ui-baru"] form.disable');
  await page.waitForSelector('tr.user.disabled[data-username="ui-baru"]');
  await noScriptRan(page, '/users');

  log('the queue in English, then back to Indonesian');
  await page.goto(cfg.base + '/');
  await page.waitForSelector('tr.incident');
  await Promise.all([page.waitForNavigation(), page.click('header a[hreflang=en]')]);
  await page.waitForSelector('html[lang="en"]', { state: 'attached' });
  assert.equal(page.url(), cfg.base + '/', 'the switch comes back to the queue');
  await page.waitForSelector('tr.incident');
  assert.equal((await page.textContent('h1')).trim(), 'Queue of open incidents');
  await poll(page, () => document.getElementById('live-state').textContent.includes('Live updates: on'));
  await poll(page, () => /^(due in|overdue by) /.test(
    (document.querySelector('#queue .countdown') || { textContent: 'due in ' }).textContent));
  await page.screenshot({ path: `${shots}/13-queue-en.png` });
  await noScriptRan(page, 'English queue');
  await Promise.all([page.waitForNavigation(), page.click('header a[hreflang=id]')]);
  await page.waitForSelector('html[lang="id"]', { state: 'attached' });
  assert.equal((await page.textContent('h1')).trim(), 'Antrean insiden terbuka');

  console.log('ok: every browser step passed');
  await browser.close();
} catch (e) {
  console.error(`FAILED at step "${step}": ${e.stack || e}`);
  await browser.close();
  process.exit(1);
}
