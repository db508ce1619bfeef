// What the browser tests feed the hub: the public corpus's X12 files
// (../shared/corpus/x12/, never copied into this repository) and claims of our own
// with known outcomes, under a payer of their own, so that its KPIs can be worked
// out by hand here.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, waitFor } from './hub.mjs';

export const CORPUS = process.env.CLEARWAY_CORPUS
  ? resolve(process.env.CLEARWAY_CORPUS)
  : resolve(ROOT, '..', 'shared', 'corpus');
const X12 = join(CORPUS, 'x12');
export const IN_CI = process.env.CI === 'true';

/** Whether the corpus is here; under CI=true its absence is a failure, never a skip. */
export function corpusPresent() {
  if (existsSync(X12)) return true;
  if (IN_CI) throw new Error(`the public test corpus is missing: ${X12} (CI=true: the browser tests need it)`);
  return false;
}

/**
 * 837s the practice sends (through the test clearinghouse, which answers with a 999,
 * a 277CA and an 835). `ok`: the hub must take it (202). The imsweb files carry an
 * SE01 segment count that does not match their transaction sets (25 for 34 segments
 * in x12_valid.txt), so the x12 connector refuses them with a positioned
 * `x12.envelope.count`; they are still stored, as decode_failed records on /messages.
 */
export const CORPUS_837 = [
  { file: 'lfh_837p_autoaccident.x12', ok: true },
  { file: 'lfh_837p_example1.x12', ok: true },
  { file: 'lfh_837p_drug_example10_1.x12', ok: true },
  { file: 'lfh_837i_institutional.x12', ok: true },
  { file: 'x12types_837p.x12', ok: true },
  { file: 'ims_837p_valid.x12', ok: false },
  { file: 'ims_837p_complex.x12', ok: false },
  { file: 'ims_837p_valid_diff_separators.x12', ok: false },
  { file: 'ims_837i_x223.x12', ok: false },
];

/**
 * Answers posted straight to clearinghouse-in, as if the clearinghouse had sent them
 * (for claims the hub never saw: the "no claim on file" rows and unmatched payments).
 * Not `ok`: ims_999_accepted's IEA02 (000000001) is not its ISA13 (000000286), and the
 * two LinuxForHealth 835s have a BPR16 that is not a date (20002316) or none at all.
 */
export const CORPUS_REPLIES = [
  { file: 'ims_999_accepted.x12', ok: false },
  { file: 'ims_999_rejected.x12', ok: true },
  { file: 'ims_277ca_accepted.x12', ok: true },
  { file: 'oop_ta1_rejected_5010.x12', ok: true },
  { file: 'lfh_835_medicare_part_a.x12', ok: true },
  { file: 'pyx12_835_mult_loops.x12', ok: true },
  { file: 'lfh_835_managed_care.x12', ok: false },
  { file: 'lfh_835_cob_contractual_adj.x12', ok: false },
  { file: 'lfh_277_claim_level.x12', ok: true },
  { file: 'lfh_271_subscriber.x12', ok: true },
  { file: 'lfh_271_subscriber_aaa_error.x12', ok: true },
  { file: 'oop_278_response_3_1_2.x12', ok: true },
];

/** The claim an X12 file names first (CLM01), or the claims an 835 pays (CLP01). */
export function x12Values(file, segment) {
  const text = readFileSync(join(X12, file), 'utf8').replace(/^\uFEFF/, '');
  const elementSep = text[3];
  const segmentSep = text[105];
  return text
    .split(segmentSep)
    .map((s) => s.trim())
    .filter((s) => s.startsWith(`${segment}${elementSep}`))
    .map((s) => s.split(elementSep)[1]);
}

/** The corpus claim the workflow test follows from 837 to 835. */
export const FOLLOWED_FILE = 'lfh_837p_autoaccident.x12';

export const PAYER = { id: 'BTPAYER01', name: 'Browser Test Health Plan' };
/** A patient last name a spreadsheet would run as a formula: the CSV must escape it. */
export const FORMULA_NAME = '=HYPERLINK';

/**
 * Our own claims, with the outcome the test clearinghouse gives them
 * (docs/configuration.md: allowed 80 % of the charge, coinsurance 20 % of that,
 * procedure 97110 denied with CO-50, a patient control number starting with REJ
 * rejected by the 277CA with A7:21).
 */
export const OWN_CLAIMS = [
  { pcn: 'BT-PAID-0001', member: 'BTM00000001', last: FORMULA_NAME, lines: [['99213', '150.00'], ['85025', '50.00']], state: 'paid' },
  { pcn: 'BT-PAID-0002', member: 'BTM00000002', last: 'Testperson', lines: [['99214', '220.00']], state: 'paid' },
  { pcn: 'BT-DENY-0003', member: 'BTM00000003', last: 'Testperson', lines: [['97110', '120.00']], state: 'denied' },
  { pcn: 'BT-PART-0004', member: 'BTM00000004', last: 'Testperson', lines: [['99213', '150.00'], ['97110', '80.00']], state: 'partially_paid' },
  { pcn: 'REJ-BT-0005', member: 'BTM00000005', last: 'Testperson', lines: [['99213', '90.00']], state: 'rejected' },
];
export const DENIED_PCN = 'BT-DENY-0003';

const cents = (s) => BigInt(s.replace('.', ''));
const fmtMoney = (c) => {
  const s = c.toString().padStart(3, '0');
  const int = s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `$${int}.${s.slice(-2)}`;
};
/** `part / whole` in percent to one place, half away from zero, as the console writes it. */
export function percent(part, whole) {
  const p = BigInt(part);
  const w = BigInt(whole);
  const tenths = (p * 2000n + w) / (2n * w);
  return `${tenths / 10n}.${tenths % 10n}%`;
}

/** The KPIs of PAYER, worked out from OWN_CLAIMS and the test clearinghouse's rules. */
export function expectedKpis() {
  let submitted = 0, accepted = 0, withPayment = 0, denied = 0, rejected = 0;
  let billed = 0n, deniedDollars = 0n;
  for (const c of OWN_CLAIMS) {
    submitted += 1;
    const charge = c.lines.reduce((a, [, ch]) => a + cents(ch), 0n);
    if (c.pcn.startsWith('REJ')) { rejected += 1; continue; } // 277CA A7: no 835
    accepted += 1; // 999 and 277CA accepted, no resubmission
    withPayment += 1;
    billed += charge;
    const deniedLines = c.lines.filter(([proc]) => proc === '97110');
    if (deniedLines.length) {
      denied += 1;
      // A wholly denied claim: its whole charge; a partly denied one: the CO-50s.
      deniedDollars += deniedLines.length === c.lines.length
        ? charge
        : deniedLines.reduce((a, [, ch]) => a + cents(ch), 0n);
    }
  }
  return {
    submitted,
    firstPass: percent(accepted, submitted),
    firstPassCount: accepted,
    withPayment,
    deniedCount: denied,
    denialRate: percent(denied, withPayment),
    denialDollarRate: percent(deniedDollars, billed),
    deniedDollars: fmtMoney(deniedDollars),
    billedWithPayment: fmtMoney(billed),
    rejected,
    rejectionRate: percent(rejected, submitted),
  };
}

/** Our claims as normalized messages, from schemas/examples/claim.json. */
export function ownClaimMessages() {
  const base = JSON.parse(readFileSync(join(ROOT, 'schemas', 'examples', 'claim.json'), 'utf8'));
  const day = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
  return OWN_CLAIMS.map((c) => {
    const m = structuredClone(base);
    m.correlation = { claim_id: c.pcn };
    m.parties.payer = { entity_type: 'organization', name: PAYER.name, payer_id: PAYER.id };
    m.parties.subscriber.member_id = c.member;
    m.parties.subscriber.last_name = c.last;
    const b = m.body;
    b.patient_control_number = c.pcn;
    delete b.prior_authorization_numbers;
    delete b.notes;
    b.service_lines = c.lines.map(([proc, charge], i) => ({
      line_number: i + 1,
      procedure: { system: 'cpt', code: proc },
      charge,
      units: '1',
      unit_type: 'units',
      diagnosis_pointers: [1],
      service_period: { start: day, end: day },
      line_item_control_number: `${c.pcn}-L${i + 1}`,
    }));
    const total = c.lines.reduce((a, [, ch]) => a + cents(ch), 0n);
    b.total_charge = fmtMoney(total).slice(1).replace(/,/g, '');
    return m;
  });
}

/**
 * Feed the hub: the corpus 837s and answers, then our claims; wait until the ledger
 * has taken everything in (every claim answered, the 835s for unknown claims on file,
 * the dead letters dead). Returns what the tests look for.
 */
export async function feed(hub) {
  const withCorpus = corpusPresent();
  const posted = { corpusClaims: [], corpusPayments: [] };
  if (withCorpus) {
    // One file at a time, each answered before the next: lfh_837p_example1 and
    // x12types_837p are two claims with the same patient control number (26463774)
    // and charge (100.00) from two billing NPIs, and the ledger links a 277CA to the
    // latest claim submitted with that number and charge (it takes no NPI from a
    // 277CA), so when both are submitted before the first 277CA comes back, both
    // 277CAs and both 835s land on the second claim and the first stays "submitted".
    const expected = new Map();
    for (const { file, ok } of CORPUS_837) {
      const r = await hub.post('practice-x12', readFileSync(join(X12, file)), 'application/edi-x12');
      if (ok && r.status !== 202) throw new Error(`POST ${file} to practice-x12: ${r.status} ${JSON.stringify(r.body)}`);
      if (!ok && ![202, 422].includes(r.status)) throw new Error(`POST ${file}: ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status !== 202) continue;
      const pcns = x12Values(file, 'CLM');
      posted.corpusClaims.push(...pcns);
      for (const pcn of pcns) expected.set(pcn, (expected.get(pcn) || 0) + 1);
      await waitFor(`the answers to ${file}`, 30, async () => {
        const rows = (await hub.claims()).filter((row) => expected.has(row.pcn) && !row.unmatched);
        const pending = [...expected].filter(([pcn, n]) => {
          const mine = rows.filter((row) => row.pcn === pcn);
          return mine.length < n || mine.some((row) => row.state === 'submitted');
        });
        return [pending.length === 0, { pending, rows: rows.map((row) => `${row.pcn} ${row.state}`) }];
      });
    }
    for (const { file, ok } of CORPUS_REPLIES) {
      const r = await hub.post('clearinghouse-in', readFileSync(join(X12, file)), 'application/edi-x12');
      if (ok && r.status !== 202) throw new Error(`POST ${file} to clearinghouse-in: ${r.status} ${JSON.stringify(r.body)}`);
      if (!ok && ![202, 422].includes(r.status)) throw new Error(`POST ${file}: ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status === 202 && file.includes('835')) posted.corpusPayments.push(...x12Values(file, 'CLP'));
    }
  }
  const own = await hub.post('practice', JSON.stringify(ownClaimMessages()), 'application/json');
  if (own.status !== 202) throw new Error(`POST our claims to practice: ${own.status} ${JSON.stringify(own.body)}`);

  const rows = await waitFor('the ledger to take in every answer', 60, async () => {
    const all = await hub.claims();
    const byPcn = new Map();
    for (const r of all) byPcn.set(r.pcn, [...(byPcn.get(r.pcn) || []), r]);
    const pending = [];
    for (const c of OWN_CLAIMS) {
      const got = (byPcn.get(c.pcn) || []).map((r) => r.state);
      if (!got.includes(c.state)) pending.push(`${c.pcn}: ${got.join(',') || 'no row'} (want ${c.state})`);
    }
    for (const pcn of posted.corpusClaims) {
      const got = (byPcn.get(pcn) || []).filter((r) => !r.unmatched);
      if (!got.length || got.some((r) => r.state === 'submitted')) pending.push(`${pcn}: ${got.map((r) => r.state).join(',') || 'no row'}`);
    }
    for (const pcn of posted.corpusPayments) {
      if (!byPcn.has(pcn)) pending.push(`835 claim ${pcn}: no row`);
    }
    return [pending.length === 0, pending.length ? pending : all];
  });
  if (withCorpus) {
    await waitFor('the dead letters (practice-pm is down)', 30, async () => {
      const page = await hub.get('/v1/messages?status=dead&limit=50');
      return [page.items.length >= 1, page.items.map((m) => `${m.kind} ${m.status}`)];
    });
  }
  return { rows, withCorpus, ...posted };
}
