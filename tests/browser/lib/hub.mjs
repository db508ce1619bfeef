// A real hub for the browser tests: target/debug/clearway with the connectors in
// dist/plugins/, in a temp dir with a config written here, an admin token for the
// API and a coordinator for the browser (both made before `serve`: a running hub
// holds the store's lock), on a free port of 127.0.0.1.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
export const BIN = process.env.CLEARWAY_BIN || join(TARGET, 'debug', 'clearway');
export const ARTIFACTS = process.env.CLEARWAY_ARTIFACTS || join(TARGET, 'browser-artifacts');
export const PLUGINS = join(ROOT, 'dist', 'plugins');
/** The compiled-plugin cache the Rust end-to-end tests share (tests/src/support.rs). */
export const CACHE = join(TARGET, 'clearway-test-cache');

export const COORDINATOR = { name: 'casey', password: 'browser-tests-coordinator-pass' };

/** Fail with a message naming what is missing (never skip). */
export function requireBuilt() {
  const missing = [];
  if (!existsSync(BIN)) missing.push(`${BIN} (cargo build -p clearway)`);
  for (const p of ['json', 'x12']) {
    const f = join(PLUGINS, `${p}.wasm`);
    if (!existsSync(f)) missing.push(`${f} (scripts/build-plugins.sh)`);
  }
  if (missing.length) {
    throw new Error(`missing: ${missing.join('; ')}; run ./test.sh, which builds them`);
  }
}

async function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function config({ port, deadPort }) {
  const plugin = (n) => JSON.stringify(join(PLUGINS, `${n}.wasm`));
  return `# Written by tests/browser/lib/hub.mjs.
[hub]
data_dir = "data"
listen = "127.0.0.1:${port}"
durability = "flush"

[console]
time_zone = "America/Chicago"

[connectors.json]
plugin = ${plugin('json')}

# The practice's side: claims to the clearinghouse (examples/clearway.toml).
[connectors.x12]
plugin = ${plugin('x12')}
grants = ["control-numbers"]
config = { sender_id = "CLEARWAY", receiver_id = "CLEARINGHOUSE", usage = "T" }
limits = { memory_mib = 128, timeout_ms = 5000, max_output_mib = 32 }

# The clearinghouse's side (docs/configuration.md, test-clearinghouse): the ids swapped.
[connectors.x12-clearinghouse]
plugin = ${plugin('x12')}
grants = ["control-numbers"]
config = { sender_id = "CLEARINGHOUSE", receiver_id = "CLEARWAY", usage = "T" }
limits = { memory_mib = 128, timeout_ms = 5000, max_output_mib = 32 }

# 837 files from the practice system.
[endpoints.practice-x12]
transport = "http"
connector = "x12"

# Normalized claims (schemas/examples/claim.json) from the practice system.
[endpoints.practice]
transport = "http"
connector = "json"

[endpoints.clearinghouse-out]
transport = "test-clearinghouse"
connector = "x12"
replies_to = "clearinghouse-in"
remittance_delay_seconds = 0

# What the clearinghouse sends back (999, TA1, 277CA, 835, 271, 277, 278).
[endpoints.clearinghouse-in]
transport = "http"
connector = "x12-clearinghouse"

# A practice-management system that is down (nothing listens on its port): its
# deliveries fail at once and are dead letters for /dead-letters.
[endpoints.practice-pm]
transport = "http-out"
connector = "json"
url = "http://127.0.0.1:${deadPort}/eligibility"
timeout_ms = 2000
retry = { max_attempts = 1, initial_backoff_ms = 10, max_backoff_ms = 10 }

[[routes]]
name = "x12-claims-to-clearinghouse"
from = "practice-x12"
kinds = ["claim"]
to = ["clearinghouse-out"]

[[routes]]
name = "json-claims-to-clearinghouse"
from = "practice"
kinds = ["claim"]
to = ["clearinghouse-out"]

[[routes]]
name = "eligibility-to-pm"
from = "clearinghouse-in"
kinds = ["eligibility.response"]
to = ["practice-pm"]
`;
}

function cli(args, configPath) {
  return execFileSync(BIN, [...args.slice(0, 2), '--config', configPath, ...args.slice(2)], {
    env: { ...process.env, CLEARWAY_CACHE_DIR: CACHE },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export class Hub {
  /** Start a hub of its own for `name` (a test file). */
  static async start(name) {
    requireBuilt();
    mkdirSync(CACHE, { recursive: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), `clearway-browser-${name}-`));
    const port = await freePort();
    const deadPort = await freePort();
    const configPath = join(dir, 'clearway.toml');
    writeFileSync(configPath, config({ port, deadPort }));
    const token = cli(['token', 'create', '--name', 'browser-tests-admin', '--role', 'admin'], configPath).trim();
    if (!token.startsWith('cwt_')) throw new Error(`token create printed ${JSON.stringify(token)}`);
    const pw = join(dir, 'coordinator.password');
    writeFileSync(pw, `${COORDINATOR.password}\n`, { mode: 0o600 });
    cli(['user', 'add', COORDINATOR.name, '--role', 'coordinator', '--password-file', pw], configPath);
    const hub = new Hub(name, dir, configPath, port, token);
    await hub.#spawn();
    return hub;
  }

  constructor(name, dir, configPath, port, token) {
    this.name = name;
    this.dir = dir;
    this.configPath = configPath;
    this.port = port;
    this.token = token;
    this.url = `http://127.0.0.1:${port}`;
    this.logPath = join(dir, 'hub.log');
  }

  async #spawn() {
    const { openSync } = await import('node:fs');
    const log = openSync(this.logPath, 'a');
    this.child = spawn(BIN, ['serve', '--config', this.configPath], {
      env: { ...process.env, CLEARWAY_CACHE_DIR: CACHE, RUST_LOG: 'info' },
      stdio: ['ignore', log, log],
    });
    this.exited = null;
    this.child.on('exit', (code, signal) => { this.exited = { code, signal }; });
    // Never leave a hub behind, whatever ends this process.
    const child = this.child;
    process.once('exit', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.exited) {
        throw new Error(`the hub exited (${JSON.stringify(this.exited)}) before it was ready; log:\n${this.log()}`);
      }
      try {
        const r = await fetch(`${this.url}/readyz`);
        if (r.ok) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`the hub was not ready in 60 s; log:\n${this.log()}`);
      await sleep(50);
    }
  }

  log() {
    try { return readFileSync(this.logPath, 'utf8'); } catch { return ''; }
  }

  /** Stop the hub, keep its log among the artifacts, remove its folder. */
  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      const done = new Promise((ok) => this.child.once('exit', ok));
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    }
    try { copyFileSync(this.logPath, join(ARTIFACTS, `hub-${this.name}.log`)); } catch { /* no log */ }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** GET an API path as admin; the JSON answer. */
  async get(path) {
    const r = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    const text = await r.text();
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${text}`);
    return JSON.parse(text);
  }

  /** POST a payload to an inbound endpoint as admin; { status, body }. */
  async post(endpoint, body, contentType) {
    const r = await fetch(`${this.url}/v1/inbound/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': contentType },
      body,
    });
    const text = await r.text();
    let json;
    try { json = JSON.parse(text); } catch { json = text; }
    return { status: r.status, body: json };
  }

  /** Every claim row of the ledger (GET /v1/claims, every page). */
  async claims(query = '') {
    const rows = [];
    let cursor = '';
    for (;;) {
      const sep = query ? '&' : '';
      const page = await this.get(`/v1/claims?limit=200${sep}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      rows.push(...page.items);
      if (!page.next_cursor) return rows;
      cursor = page.next_cursor;
    }
  }
}

export function sleep(ms) {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** Poll `probe` (async, returns [done, what]) until done or `secs` pass. */
export async function waitFor(what, secs, probe) {
  const deadline = Date.now() + secs * 1000;
  let last;
  for (;;) {
    const [done, state] = await probe();
    if (done) return state;
    last = state;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${secs} s waiting for ${what}; last seen: ${JSON.stringify(last, null, 1)}`);
    }
    await sleep(100);
  }
}
