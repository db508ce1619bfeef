// Every screen of the console, in a real Chromium against a real hub fed with real
// X12 files: each must answer 200 (a screen that is missing fails its test, it is
// not skipped), pass axe-core's WCAG 2.0/2.1 A and AA and 2.2 AA rules without a
// serious or critical violation, and is kept as a full-page screenshot in
// target/browser-artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Hub } from './lib/hub.mjs';
import { feed, x12Values, FOLLOWED_FILE, PAYER, DENIED_PCN } from './lib/data.mjs';
import { launch, newContext, open, login, screenshot, checkAccessibility } from './lib/browser.mjs';

let hub, fed, browser, context, page;
/** Problems the browser saw on the current screen (CSP reports, failed loads). */
let seen = [];

before(async () => {
  hub = await Hub.start('screens');
  fed = await feed(hub);
  browser = await launch();
  // The hub's Content-Security-Policy (script-src 'self') blocks the inline script
  // page.addScriptTag() inserts to load axe-core, so this context, used only for the
  // axe checks and screenshots, bypasses CSP. workflow.test.mjs keeps CSP in force.
  context = await newContext(browser, hub, { bypassCSP: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => { if (m.type() === 'error') seen.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') seen.push(`${r.status()} ${r.url()}`);
  });
}, { timeout: 120_000 });

after(async () => {
  await context?.close();
  await browser?.close();
  await hub?.stop();
});

/** Screenshot and axe the current page as `name`; report what else was seen. */
async function check(t, name) {
  await screenshot(page, name);
  // One h1 per screen: the title of the page.
  assert.equal(await page.locator('h1').count(), 1, 'one h1');
  // Not a WCAG failure for data tables (1.4.10 exempts them), but worth knowing.
  const [wide, viewport] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
  if (wide > viewport) t.diagnostic(`layout: the page is ${wide} px wide in a ${viewport} px window (horizontal scrolling)`);
  const minor = await checkAccessibility(page, name);
  for (const m of minor) t.diagnostic(`axe (moderate/minor): ${m}`);
  for (const s of seen) t.diagnostic(`browser: ${s}`);
  seen = [];
}

/** Open a console screen (logged in) and check it. */
async function screen(t, name, path, title) {
  seen = [];
  await open(page, path);
  if (title) assert.equal((await page.locator('h1').innerText()).trim(), title);
  assert.match(await page.locator('header .who').innerText(), /Times in America\/Chicago/);
  await check(t, name);
}

/** The first link in main whose href matches, else a clear failure. */
async function firstLink(re, what, within = 'main') {
  const hrefs = await page.locator(`${within} a[href]`).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  const href = hrefs.find((h) => re.test(h));
  assert.ok(href, `no ${what} link on ${page.url()} (links: ${hrefs.slice(0, 40).join(' ')})`);
  return href;
}

/** Whether the corpus was fed; skips the test when not (under CI=true feed() failed instead). */
function corpus(t) {
  if (!fed.withCorpus) t.skip('../shared/corpus/ is missing (under CI=true that fails the whole file)');
  return fed.withCorpus;
}

const keyOf = (pcn) => {
  const row = fed.rows.find((r) => r.pcn === pcn && !r.unmatched);
  assert.ok(row, `a claim row for ${pcn}`);
  return row.key;
};

test('/login', async (t) => {
  seen = [];
  await open(page, '/login');
  await check(t, '01-login');
  await login(page);
});

test('/claims', async (t) => screen(t, '02-claims', '/claims', 'Claims'));

test('the axe check is not vacuous: it fails a page with an unlabeled control', async () => {
  await open(page, '/claims');
  await page.evaluate(() => {
    const main = document.querySelector('main');
    main.insertAdjacentHTML('beforeend', '<input type="text" id="axe-canary"><img src="data:,">');
  });
  await assert.rejects(checkAccessibility(page, 'axe-canary'), (e) => {
    assert.match(e.message, /- label \(critical\)/);
    assert.match(e.message, /#axe-canary/);
    assert.match(e.message, /image-alt \(critical\)/);
    return true;
  });
});

test('/claims/{key} (a corpus claim, 837 to 835)', async (t) => {
  if (!corpus(t)) return;
  const [pcn] = x12Values(FOLLOWED_FILE, 'CLM');
  await screen(t, '03-claim-detail-paid', `/claims/${keyOf(pcn)}`, `Claim ${pcn}`);
});

test('/claims/{key} (a denied claim, with its worklist actions)', async (t) => {
  await screen(t, '04-claim-detail-denied', `/claims/${keyOf(DENIED_PCN)}`, `Claim ${DENIED_PCN}`);
});

test('/claims/{key} (a rejected claim)', async (t) => {
  await screen(t, '05-claim-detail-rejected', `/claims/${keyOf('REJ-BT-0005')}`, 'Claim REJ-BT-0005');
});

test('/worklists/rejections', async (t) => screen(t, '06-worklist-rejections', '/worklists/rejections', 'Rejections worklist'));

test('/worklists/denials', async (t) => screen(t, '07-worklist-denials', '/worklists/denials', 'Denials worklist'));

test('/payments', async (t) => screen(t, '08-payments', '/payments'));

test('/payments/{id}', async (t) => {
  await open(page, '/payments');
  const href = await firstLink(/^\/payments\/[^/?#]+$/, 'payment detail', 'main table');
  await screen(t, '09-payment-detail', href);
});

test('/eligibility', async (t) => screen(t, '10-eligibility', '/eligibility'));

test('/eligibility/{id}', async (t) => {
  if (!corpus(t)) return; // only the corpus has 271s and 278s
  await open(page, '/eligibility');
  const href = await firstLink(/^\/eligibility\/[^/?#]+$/, 'eligibility detail', 'main table');
  await screen(t, '11-eligibility-detail', href);
});

test('/prior-auths', async (t) => screen(t, '12-prior-auths', '/prior-auths'));

test('/prior-auths/{id}', async (t) => {
  if (!corpus(t)) return; // only the corpus has 271s and 278s
  await open(page, '/prior-auths');
  const href = await firstLink(/^\/prior-auths\/[^/?#]+$/, 'prior authorization detail', 'main table');
  await screen(t, '13-prior-auth-detail', href);
});

test('/kpis', async (t) => screen(t, '14-kpis', '/kpis', 'KPIs'));

test(`/kpis?payer=${PAYER.id}`, async (t) => screen(t, '15-kpis-payer', `/kpis?payer=${PAYER.id}`, 'KPIs'));

test('/messages', async (t) => screen(t, '16-messages', '/messages'));

test('/messages/{id}', async (t) => {
  await open(page, '/messages');
  const href = await firstLink(/^\/messages\/[0-9A-Z]{26}$/, 'message detail', 'main table');
  await screen(t, '17-message-detail', href);
});

test('/dead-letters', async (t) => screen(t, '18-dead-letters', '/dead-letters'));

test('/endpoints', async (t) => screen(t, '19-endpoints', '/endpoints'));
