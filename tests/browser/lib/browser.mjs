// Debian's Chromium driven by playwright-core (never a browser download), logging in
// through /login, running axe-core on a page and keeping full-page screenshots.

import { chromium } from 'playwright-core';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ARTIFACTS, COORDINATOR } from './hub.mjs';

export const CHROMIUM = process.env.CLEARWAY_CHROMIUM || '/usr/bin/chromium';
export const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Launch headless Chromium with the flags that work on these machines. */
export async function launch() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: scripts/browser-tests.sh installs Debian's chromium package`);
  }
  // playwright gives each launch a fresh, empty --user-data-dir of its own (and
  // refuses one in `args`), removed when the browser closes.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return browser;
}

/** A browser context for the hub (one per test file). */
export async function newContext(browser, hub, { bypassCSP = false } = {}) {
  return browser.newContext({
    baseURL: hub.url,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    bypassCSP,
    locale: 'en-US',
  });
}

/** Open `path` and fail with a clear message unless the hub answered 200. */
export async function open(page, path) {
  const r = await page.goto(path, { waitUntil: 'load' });
  assert.ok(r, `no answer for ${path}`);
  if (r.status() === 404) {
    assert.fail(`GET ${path} answered 404: the screen does not exist (yet) on this hub`);
  }
  assert.equal(r.status(), 200, `GET ${path} answered ${r.status()} (${page.url()})`);
  const landed = new URL(page.url());
  if (landed.pathname === '/login' && !path.startsWith('/login')) {
    assert.fail(`GET ${path} sent the browser to ${landed.pathname}${landed.search}: no live session`);
  }
  return r;
}

/** Log in as the coordinator through the /login form. */
export async function login(page, who = COORDINATOR) {
  await open(page, '/login');
  await page.getByLabel('Name').fill(who.name);
  await page.getByLabel('Password').fill(who.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/claims'),
    page.getByRole('button', { name: 'Log in' }).click(),
  ]);
}

/** A full-page PNG in the artifacts folder. */
export async function screenshot(page, name) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * axe-core over the page (WCAG 2.0/2.1 A and AA, 2.2 AA); fails on any serious or
 * critical violation, naming rule, impact, targets and help. The results are kept in
 * the artifacts folder; lesser violations are returned for the test's diagnostics.
 */
export async function checkAccessibility(page, name) {
  await page.addScriptTag({ path: AXE_PATH });
  const results = await page.evaluate(
    (tags) => globalThis.axe.run(document, { runOnly: tags, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  writeFileSync(join(ARTIFACTS, `${name}.axe.json`), JSON.stringify(results.violations, null, 2));
  const describe = (v) => [
    `- ${v.id} (${v.impact}): ${v.help}`,
    `  ${v.helpUrl}`,
    ...v.nodes.slice(0, 8).map((n) => `  at ${n.target.join(' ')}: ${(n.failureSummary || '').replace(/\s+/g, ' ').trim()}`),
    ...(v.nodes.length > 8 ? [`  ... and ${v.nodes.length - 8} more`] : []),
  ].join('\n');
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = results.violations.filter((v) => !bad.includes(v));
  if (bad.length) {
    assert.fail(`axe-core found ${bad.length} serious or critical violation(s) on ${page.url()}:\n${bad.map(describe).join('\n')}`);
  }
  return minor.map(describe);
}
