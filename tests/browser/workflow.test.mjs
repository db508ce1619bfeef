// A coordinator's morning in the console, in a real Chromium against a real hub fed
// with real X12 files: log in, find a claim by its patient control number and follow
// its timeline from the 837 to the 835, work a denial (note, resolve), check the KPIs
// of a payer against figures worked out by hand, export CSV, log out. This context
// keeps the hub's Content-Security-Policy in force (no bypass): the console must work
// without any script.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hub, ARTIFACTS, COORDINATOR } from './lib/hub.mjs';
import { feed, x12Values, FOLLOWED_FILE, PAYER, DENIED_PCN, FORMULA_NAME, OWN_CLAIMS, expectedKpis, IN_CI } from './lib/data.mjs';
import { launch, newContext, open, login, screenshot } from './lib/browser.mjs';

let hub, fed, browser, context, page;

before(async () => {
  hub = await Hub.start('workflow');
  fed = await feed(hub);
  browser = await launch();
  context = await newContext(browser, hub);
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
}, { timeout: 120_000 });

after(async () => {
  await context?.close();
  await browser?.close();
  await hub?.stop();
});

/** Skip a test that needs the corpus when it is missing (a failure under CI=true: feed() threw). */
function needCorpus(t) {
  if (fed.withCorpus) return true;
  assert.ok(!IN_CI, 'the corpus is required under CI=true');
  t.skip('../shared/corpus/ is missing');
  return false;
}

/** The practice-zone rendering of an ISO instant, as the console writes times. */
function chicago(iso) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/Chicago', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** The texts of the definition list's `dd` for a `dt`. */
async function fact(label) {
  return (await page.locator('dl.facts dt', { hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]').innerText()).trim();
}

/** The headings of the timeline's steps, oldest first. */
async function timeline() {
  return page.locator('ol.timeline > li > h3').allInnerTexts();
}

test('a coordinator logs in through /login', async () => {
  const r = await open(page, '/login');
  const csp = r.headers()['content-security-policy'] || '';
  assert.match(csp, /script-src 'self'/, `the console's CSP: ${csp}`);
  assert.match(csp, /frame-ancestors 'none'/, `the console's CSP: ${csp}`);
  await page.getByLabel('Name').fill(COORDINATOR.name);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await assert.doesNotReject(page.getByRole('alert').filter({ hasText: 'Wrong name or password' }).waitFor());
  await login(page);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Claims');
  const who = await page.locator('header .who').innerText();
  assert.match(who, new RegExp(`${COORDINATOR.name} \\(coordinator\\)`));
  assert.match(who, /Times in America\/Chicago/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'clearway_session');
  assert.ok(session, `a session cookie: ${JSON.stringify(cookies)}`);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
});

test('finds a claim by its patient control number and follows its timeline 837 -> 999 -> 277CA -> 835', async (t) => {
  if (!needCorpus(t)) return;
  const [pcn] = x12Values(FOLLOWED_FILE, 'CLM');
  await open(page, '/claims');
  await page.getByLabel('Find by any identifier').fill(pcn);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/claims/search'),
    page.getByRole('button', { name: 'Find' }).click(),
  ]);
  assert.match(await page.getByRole('status').innerText(), /^1 claims? match/);
  // The identifier went in the POST body, never into the URL.
  assert.ok(!page.url().includes(pcn), page.url());
  await Promise.all([
    page.waitForURL(/\/claims\/[0-9a-f]{32}$/),
    page.getByRole('link', { name: 'Open the claim' }).click(),
  ]);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Claim ${pcn}`);
  assert.match(await fact('State'), /^Paid since \d{4}-\d\d-\d\d \d\d:\d\d$/);
  assert.equal(await fact('Patient control number'), pcn);
  assert.match(await fact('Paid'), /^\$\d[\d,]*\.\d\d$/);
  assert.match(await fact('Payer claim number'), /^TCH[0-9A-F]{12}$/);

  const steps = await timeline();
  const at = (re) => steps.findIndex((s) => re.test(s));
  const order = [/^Claim submitted \(837P\)/, /^Implementation acknowledgment \(999\)/, /^Claim acknowledgment \(277CA\)/, /^Payment \(835\)/].map(at);
  assert.ok(order.every((i) => i >= 0), `every step is on the timeline: ${JSON.stringify(steps)}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, `837, 999, 277CA, 835 in that order: ${JSON.stringify(steps)}`);
  const item = (i) => page.locator('ol.timeline > li').nth(i);
  assert.match(await item(order[1]).innerText(), /Accepted/);
  assert.match(await item(order[2]).innerText(), /Accepted — payer claim number TCH/);
  assert.match(await item(order[2]).innerText(), /A2 — Acknowledgement\/Acceptance into adjudication system/);
  assert.match(await item(order[3]).innerText(), /processed as primary/);
  assert.match(await item(order[3]).innerText(), /45 — Charges exceed your contracted\/legislated fee arrangement/);

  // Times are in the practice's zone (the header names it; <time datetime> has the offset).
  const times = await page.locator('ol.timeline time').evaluateAll((els) => els.map((e) => [e.getAttribute('datetime'), e.textContent]));
  assert.ok(times.length >= 4, JSON.stringify(times));
  for (const [iso, text] of times) {
    assert.match(iso, /[-+]0[56]:00$/, `a Chicago offset in ${iso}`);
    assert.equal(text, chicago(iso), `the time shown for ${iso}`);
  }
  // A coordinator gets no raw payloads.
  assert.equal(await page.getByText('Raw payload').count(), 0);
  await screenshot(page, 'workflow-claim-timeline');
});

test('works a denial: note, resolve, and it leaves the open worklist', async () => {
  await open(page, `/worklists/denials?payer=${PAYER.id}`);
  const group = page.locator('table').first().locator('tbody tr', { hasText: 'CO-50' });
  const cells = await group.locator('td').allInnerTexts();
  assert.equal(cells[1], '2', `two open CO-50 denials of ${PAYER.id}: ${cells}`);
  assert.equal(cells[2], '$200.00', `CO-50 dollars of ${PAYER.id}: ${cells}`);
  await Promise.all([
    page.waitForURL(/\/claims\/[0-9a-f]{32}$/),
    page.getByRole('link', { name: DENIED_PCN, exact: true }).click(),
  ]);
  const claimUrl = page.url();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Claim ${DENIED_PCN}`);
  assert.match(await fact('State'), /^Denied since/);
  assert.match(await fact('Timely filing'), /^by \d{4}-\d\d-\d\d \(\d+ days left\)$/);
  assert.match(await page.locator('section', { has: page.getByRole('heading', { name: 'Timeline' }) }).innerText(), /50 — These are non-covered services because this is not deemed a/);

  const note = `Called the payer ${new Date().toISOString()}: appeal with the therapy notes.`;
  await page.getByLabel('Add a note').fill(note);
  await Promise.all([
    page.waitForURL(claimUrl),
    page.getByRole('button', { name: 'Add note' }).click(),
  ]);
  let steps = await timeline();
  assert.match(steps.at(-1), /^Note · /, JSON.stringify(steps));
  const last = () => page.locator('ol.timeline > li').last();
  assert.match(await last().innerText(), new RegExp(note.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.match(await last().innerText(), new RegExp(`by ${COORDINATOR.name}`));

  await Promise.all([
    page.waitForURL(claimUrl),
    page.getByRole('button', { name: 'Mark resolved' }).click(),
  ]);
  steps = await timeline();
  assert.match(steps.at(-1), /^Resolved · /, JSON.stringify(steps));
  assert.match(await last().innerText(), new RegExp(`by ${COORDINATOR.name}`));
  assert.match(await fact('Worklist'), /; resolved; 1 note$/);
  await assert.doesNotReject(page.getByRole('button', { name: 'Reopen' }).waitFor());
  await screenshot(page, 'workflow-denial-resolved');

  await open(page, `/worklists/denials?payer=${PAYER.id}`);
  const rows = page.locator('table').nth(1).locator('tbody tr');
  const open_ = await rows.locator('td:first-child a').allInnerTexts();
  assert.ok(!open_.includes(DENIED_PCN), `${DENIED_PCN} left the open worklist: ${open_}`);
  assert.ok(open_.includes('BT-PART-0004'), `the partly paid claim is still open: ${open_}`);
  const after_ = await page.locator('table').first().locator('tbody tr', { hasText: 'CO-50' }).locator('td').allInnerTexts();
  assert.deepEqual(after_.slice(1), ['1', '$80.00'], `CO-50 after resolving: ${after_}`);
  // "Include resolved" brings it back.
  await page.getByLabel('Include resolved').check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/resolved=true/);
  assert.ok((await rows.locator('td:first-child a').allInnerTexts()).includes(DENIED_PCN));
});

test(`the KPIs of ${PAYER.id} are the figures worked out by hand`, async () => {
  const want = expectedKpis();
  // Worked out from the claims and the test clearinghouse's rules; spelled out here too.
  assert.deepEqual(
    [want.firstPass, want.denialRate, want.denialDollarRate, want.rejectionRate],
    ['80.0%', '50.0%', '26.0%', '20.0%'],
  );
  await open(page, '/kpis');
  await page.getByLabel('Payer', { exact: true }).selectOption(PAYER.id);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('payer') === PAYER.id),
    page.getByRole('button', { name: 'Show' }).click(),
  ]);
  const box = (title) => page.locator('div.kpi', { has: page.getByRole('heading', { name: title, exact: true }) });
  const big = async (title) => (await box(title).locator('p.big').innerText()).trim();
  const text = async (title) => (await box(title).innerText()).replace(/\s+/g, ' ');

  assert.equal(await big('First-pass acceptance'), want.firstPass);
  assert.match(await text('First-pass acceptance'), new RegExp(`${want.firstPassCount} of ${want.submitted} claims submitted`));
  assert.equal(await big('Initial denial rate'), want.denialRate);
  const denial = await text('Initial denial rate');
  assert.ok(
    denial.includes(`${want.deniedCount} of ${want.withPayment} claims with an 835; by dollars ${want.denialDollarRate} (${want.deniedDollars} of ${want.billedWithPayment})`),
    denial,
  );
  assert.equal(await big('Rejection rate'), want.rejectionRate);
  assert.match(await text('Rejection rate'), new RegExp(`${want.rejected} of ${want.submitted} claims rejected now`));
  assert.equal(await big('Days to payment'), '0 d');

  const row = page.locator('table', { has: page.locator('caption', { hasText: 'KPIs by payer' }) }).locator('tbody tr');
  assert.equal(await row.count(), 1, 'one payer in the table');
  assert.equal((await row.locator('th').innerText()).trim(), `${PAYER.name} (${PAYER.id})`);
  assert.deepEqual(
    (await row.locator('td').allInnerTexts()).map((s) => s.trim()),
    [String(want.submitted), want.firstPass, want.denialRate, want.denialDollarRate, '0 d', '0 d', want.rejectionRate],
  );
  // The rejection is on the page by its root cause, at 1 of 5.
  const causes = page.locator('table', { has: page.locator('caption', { hasText: 'by root cause' }) }).locator('tbody tr');
  assert.equal(await causes.count(), 1);
  assert.equal((await causes.locator('td').nth(2).innerText()).trim(), want.rejectionRate);
  await screenshot(page, 'workflow-kpis-payer');
});

/** A CSV text's rows (RFC 4180: quoted cells, doubled quotes, CRLF). */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('exports the claims of a filter as CSV, formulas escaped', async () => {
  await open(page, '/claims');
  await page.getByLabel('Payer', { exact: true }).selectOption(PAYER.id);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('payer') === PAYER.id),
    page.getByRole('button', { name: 'Apply filters' }).click(),
  ]);
  assert.match(await page.getByRole('status').innerText(), new RegExp(`^${OWN_CLAIMS.length} claims match`));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /^Export .* as CSV$/ }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'claims.csv');
  const saved = join(ARTIFACTS, `claims-${PAYER.id}.csv`);
  copyFileSync(await download.path(), saved);
  const text = readFileSync(saved, 'utf8');
  const [header, ...rows] = parseCsv(text);
  assert.equal(
    text.split('\r\n')[0],
    'patient_control_number,patient,member_id,payer,payer_id,provider_npi,service_from,service_to,billed,paid,state,submitted,days_since_submission,payer_claim_control_number,check_numbers,rejection_root_cause,denial_codes',
  );
  assert.equal(rows.length, OWN_CLAIMS.length, text);
  const col = (name) => header.indexOf(name);
  const byPcn = new Map(rows.map((r) => [r[col('patient_control_number')], r]));
  for (const c of OWN_CLAIMS) {
    const r = byPcn.get(c.pcn);
    assert.ok(r, `${c.pcn} in the CSV`);
    assert.equal(r[col('state')], c.state);
    assert.equal(r[col('payer_id')], PAYER.id);
  }
  // The patient named "=HYPERLINK, Jane" is written as text, not as a formula.
  const formula = byPcn.get('BT-PAID-0001')[col('patient')];
  assert.equal(formula, `'${FORMULA_NAME}, Jane`);
  assert.ok(text.includes(`"'${FORMULA_NAME}, Jane"`), 'the cell is quoted (it holds a comma) and starts with an apostrophe');
  assert.equal(byPcn.get(DENIED_PCN)[col('denial_codes')], 'CO-50');
  for (const r of rows) {
    for (const c of r) assert.doesNotMatch(c, /^[=+\-@\t\r]/, `a cell that a spreadsheet would run: ${JSON.stringify(c)}`);
  }
});

test('logs out, and /claims sends the browser back to /login', async () => {
  await open(page, '/claims');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    page.getByRole('button', { name: 'Log out' }).click(),
  ]);
  assert.match(await page.getByRole('status').innerText(), /You are logged out/);
  const r = await page.goto('/claims');
  assert.equal(new URL(page.url()).pathname, '/login', page.url());
  assert.equal(new URL(page.url()).searchParams.get('ended'), '1');
  assert.equal(r.status(), 200);
  assert.match(await page.getByRole('status').innerText(), /Your session has ended/);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Log in');
});
