//! Listing, counting and KPIs over the in-memory index: the one implementation of
//! every claims filter, used by the console's pages, their CSV exports and
//! `/v1/claims` alike.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rust_decimal::Decimal;

use super::{Index, Ledger, LedgerError, Row, State, Summary};

/// Which worklist a list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worklist {
    /// File and claim rejections (TA1/999/277CA).
    Rejections,
    /// Denials and partial denials (835).
    Denials,
}

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// First submission time.
    #[default]
    Submitted,
    /// Latest activity.
    Updated,
    /// Billed amount.
    Billed,
    /// Paid amount.
    Paid,
    /// State (life order).
    State,
    /// Payer.
    Payer,
}

impl Sort {
    /// Every sort, with its wire name.
    pub const ALL: [(Sort, &'static str); 6] = [
        (Sort::Submitted, "submitted"),
        (Sort::Updated, "updated"),
        (Sort::Billed, "billed"),
        (Sort::Paid, "paid"),
        (Sort::State, "state"),
        (Sort::Payer, "payer"),
    ];

    /// By wire name.
    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.iter().find(|(_, n)| *n == s).map(|(s, _)| *s)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        Sort::ALL
            .iter()
            .find(|(s, _)| *s == self)
            .map_or("submitted", |(_, n)| n)
    }
}

/// A claims filter.
#[derive(Debug, Clone, Default)]
pub struct ClaimQuery {
    /// Only these states (none: all).
    pub states: Vec<State>,
    /// Only this payer (its id, else name, as the index keeps it).
    pub payer: Option<String>,
    /// Only this billing provider NPI.
    pub provider: Option<String>,
    /// Submitted at or after (Unix ms).
    pub from_ms: Option<u64>,
    /// Submitted before (Unix ms).
    pub to_ms: Option<u64>,
    /// Only these claim keys (an identifier search's result).
    pub keys: Option<Vec<String>>,
    /// Only the open items of this worklist.
    pub worklist: Option<Worklist>,
    /// Only this denial code (`CO-50`) or rejection root cause.
    pub reason: Option<String>,
    /// Only claims assigned to this user.
    pub assignee: Option<String>,
    /// Worklists: include resolved items.
    pub include_resolved: bool,
    /// Only payments with no known claim (true) or only known claims (false).
    pub unmatched: Option<bool>,
    /// Only first-pass accepted (true) or not (false): the KPI drill-downs.
    pub first_pass: Option<bool>,
    /// Only initially denied (true): the KPI drill-downs.
    pub initially_denied: Option<bool>,
    /// Only claims with an 835 (true).
    pub has_payment: Option<bool>,
    /// Sort order.
    pub sort: Sort,
    /// Ascending instead of descending.
    pub ascending: bool,
    /// Start after this cursor (from a previous page).
    pub cursor: Option<String>,
    /// Page size.
    pub limit: usize,
}

/// A filter value and its label (a payer id and "Aetna (60054)").
pub type Facet = (String, String);

/// One page of claims.
#[derive(Debug, Clone, Default)]
pub struct ClaimPage {
    /// The rows of this page.
    pub rows: Vec<Row>,
    /// How many claims the filter matches (all pages).
    pub total: usize,
    /// Per state, how many claims the filter matches without its state filter.
    pub counts: Vec<(State, usize)>,
    /// The cursor of the next page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    N(u64),
    D(Decimal),
    S(String),
}

fn sort_value(idx: &Index, s: &Summary, sort: Sort) -> SortValue {
    match sort {
        Sort::Submitted => SortValue::N(s.submitted_ms),
        Sort::Updated => SortValue::N(s.last_ms),
        Sort::Billed => SortValue::D(s.billed),
        Sort::Paid => SortValue::D(s.paid),
        Sort::State => {
            SortValue::N(State::ALL.iter().position(|x| *x == s.state).unwrap_or(0) as u64)
        }
        Sort::Payer => SortValue::S(idx.payer_label(s.payer).to_lowercase()),
    }
}

fn encode_cursor(v: &SortValue, key: &str) -> String {
    match v {
        SortValue::N(n) => format!("n{n}.{key}"),
        SortValue::D(d) => format!("d{d}.{key}"),
        SortValue::S(s) => format!("s{}.{key}", hex::encode(s)),
    }
}

fn decode_cursor(c: &str) -> Option<(SortValue, String)> {
    let (v, key) = c.rsplit_once('.')?;
    let value = match v.split_at_checked(1)? {
        ("n", n) => SortValue::N(n.parse().ok()?),
        ("d", d) => SortValue::D(d.parse().ok()?),
        ("s", s) => SortValue::S(String::from_utf8(hex::decode(s).ok()?).ok()?),
        _ => return None,
    };
    Some((value, key.to_owned()))
}

/// Whether `c` is a cursor this module made.
pub fn valid_cursor(c: &str) -> bool {
    decode_cursor(c).is_some()
}

impl ClaimQuery {
    /// Whether `s` passes every filter but the state filter.
    fn matches_but_state(&self, idx: &Index, s: &Summary, keys: Option<&HashSet<&str>>) -> bool {
        if let Some(k) = keys
            && !k.contains(&*s.key)
        {
            return false;
        }
        if let Some(p) = &self.payer
            && idx.strings.get(p) != Some(s.payer)
        {
            return false;
        }
        if let Some(p) = &self.provider
            && idx.strings.get(p) != Some(s.provider)
        {
            return false;
        }
        if self.from_ms.is_some_and(|f| s.submitted_ms < f)
            || self.to_ms.is_some_and(|t| s.submitted_ms >= t)
        {
            return false;
        }
        if let Some(u) = self.unmatched
            && s.unmatched != u
        {
            return false;
        }
        if let Some(f) = self.first_pass
            && s.first_pass != f
        {
            return false;
        }
        if let Some(f) = self.initially_denied
            && s.initially_denied != f
        {
            return false;
        }
        if let Some(f) = self.has_payment
            && s.has_payment != f
        {
            return false;
        }
        match self.worklist {
            Some(Worklist::Rejections) if !s.state.is_rejection() => return false,
            Some(Worklist::Denials) if !s.state.is_denial() => return false,
            Some(_) if s.resolved && !self.include_resolved => return false,
            _ => {}
        }
        if let Some(r) = &self.reason {
            let Some(n) = idx.strings.get(r) else {
                return false;
            };
            if s.root_cause != Some(n) && !s.denial_codes.iter().any(|(c, _)| *c == n) {
                return false;
            }
        }
        if let Some(a) = &self.assignee
            && (idx.strings.get(a).is_none() || s.assignee != idx.strings.get(a))
        {
            return false;
        }
        true
    }
}

impl Ledger {
    /// The claims `q` selects, one page, with the total and the per-state counts.
    pub fn list(&self, q: &ClaimQuery) -> Result<ClaimPage, LedgerError> {
        let idx = self.index();
        let keys: Option<HashSet<&str>> = q
            .keys
            .as_ref()
            .map(|k| k.iter().map(String::as_str).collect());
        let mut counts: BTreeMap<State, usize> = BTreeMap::new();
        let mut hits: Vec<(SortValue, &Summary)> = Vec::new();
        // An identifier search names its claims: look at those, not at every claim.
        let candidates: Box<dyn Iterator<Item = &Summary>> = match &keys {
            Some(k) => Box::new(k.iter().filter_map(|k| idx.claims.get(*k))),
            None => Box::new(idx.claims.values()),
        };
        for s in candidates {
            if !q.matches_but_state(&idx, s, keys.as_ref()) {
                continue;
            }
            *counts.entry(s.state).or_default() += 1;
            if q.states.is_empty() || q.states.contains(&s.state) {
                hits.push((sort_value(&idx, s, q.sort), s));
            }
        }
        let order = |a: &(SortValue, &Summary), b: &(SortValue, &Summary)| -> Ordering {
            let o = a.0.cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key));
            if q.ascending { o } else { o.reverse() }
        };
        hits.sort_by(order);
        let total = hits.len();
        let start = match q.cursor.as_deref().and_then(decode_cursor) {
            Some((v, key)) => hits.partition_point(|h| {
                let o = h.0.cmp(&v).then_with(|| (*h.1.key).cmp(key.as_str()));
                let o = if q.ascending { o } else { o.reverse() };
                o != Ordering::Greater
            }),
            None => 0,
        };
        let limit = q.limit.max(1);
        let page: Vec<(SortValue, Arc<str>)> = hits[start.min(total)..]
            .iter()
            .take(limit)
            .map(|(v, s)| (v.clone(), s.key.clone()))
            .collect();
        let more = start + page.len() < total;
        drop(idx);
        let mut rows = Vec::with_capacity(page.len());
        for (_, k) in &page {
            if let Some(r) = self.row(k)? {
                rows.push(r);
            }
        }
        let next_cursor = if more {
            page.last().map(|(v, k)| encode_cursor(v, k))
        } else {
            None
        };
        Ok(ClaimPage {
            rows,
            total,
            counts: State::ALL
                .iter()
                .map(|s| (*s, counts.get(s).copied().unwrap_or(0)))
                .collect(),
            next_cursor,
        })
    }

    /// Every payer and provider the index knows, with display names, sorted by name.
    pub fn facets(&self) -> (Vec<Facet>, Vec<Facet>) {
        let idx = self.index();
        let mut payers: HashSet<u32> = HashSet::new();
        let mut providers: HashSet<u32> = HashSet::new();
        for s in idx.claims.values() {
            payers.insert(s.payer);
            providers.insert(s.provider);
        }
        let mut p: Vec<Facet> = payers
            .into_iter()
            .map(|n| (idx.strings.name(n).to_owned(), idx.payer_label(n)))
            .collect();
        let mut v: Vec<Facet> = providers
            .into_iter()
            .map(|n| (idx.strings.name(n).to_owned(), idx.provider_label(n)))
            .collect();
        p.sort_by(|a, b| a.1.cmp(&b.1));
        v.sort_by(|a, b| a.1.cmp(&b.1));
        (p, v)
    }

    /// Worklist groups: (reason, claims, dollars) of the open items of `w`, largest
    /// first. Rejections group by root cause, denials by `GROUP-CARC`.
    pub fn worklist_groups(&self, q: &ClaimQuery) -> Vec<(String, usize, Decimal)> {
        let idx = self.index();
        let keys: Option<HashSet<&str>> = q
            .keys
            .as_ref()
            .map(|k| k.iter().map(String::as_str).collect());
        let mut groups: BTreeMap<u32, (usize, Decimal)> = BTreeMap::new();
        let mut q = q.clone();
        q.reason = None;
        for s in idx.claims.values() {
            if !q.matches_but_state(&idx, s, keys.as_ref()) {
                continue;
            }
            match q.worklist {
                Some(Worklist::Rejections) => {
                    if let Some(r) = s.root_cause {
                        let g = groups.entry(r).or_default();
                        g.0 += 1;
                        g.1 += s.billed;
                    }
                }
                _ => {
                    for (c, dollars) in &s.denial_codes {
                        let g = groups.entry(*c).or_default();
                        g.0 += 1;
                        g.1 += *dollars;
                    }
                }
            }
        }
        let mut out: Vec<(String, usize, Decimal)> = groups
            .into_iter()
            .map(|(n, (c, d))| (idx.strings.name(n).to_owned(), c, d))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

/// KPI figures over a set of claims.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiFigures {
    /// Claims submitted.
    pub submitted: u64,
    /// Of those, accepted first pass.
    pub first_pass: u64,
    /// Claims with an 835.
    pub with_payment: u64,
    /// Of those, initially denied (all or part).
    pub initially_denied: u64,
    /// Billed dollars of the claims with an 835.
    pub billed_with_payment: Decimal,
    /// Dollars the first 835s denied.
    pub denied_dollars: Decimal,
    /// Claims rejected (file or claim) at the moment.
    pub rejected: u64,
    /// Days from submission to first 835, per paid claim, sorted.
    pub days: Vec<u64>,
}

impl KpiFigures {
    fn add(&mut self, s: &Summary) {
        if s.unmatched {
            return;
        }
        self.submitted += 1;
        if s.first_pass {
            self.first_pass += 1;
        }
        if s.state.is_rejection() {
            self.rejected += 1;
        }
        if s.has_payment {
            self.with_payment += 1;
            self.billed_with_payment += s.billed;
            self.denied_dollars += s.initially_denied_amount;
            if s.initially_denied {
                self.initially_denied += 1;
            }
            if let Some(d) = s.days_to_payment
                && matches!(s.state, State::Paid | State::PartiallyPaid)
            {
                self.days.push(d);
            }
        }
    }

    /// First-pass acceptance rate, percent.
    pub fn first_pass_rate(&self) -> Option<Decimal> {
        percent(self.first_pass.into(), self.submitted.into())
    }

    /// Initial denial rate by count, percent.
    pub fn denial_rate(&self) -> Option<Decimal> {
        percent(self.initially_denied.into(), self.with_payment.into())
    }

    /// Initial denial rate by dollars, percent.
    pub fn denial_dollar_rate(&self) -> Option<Decimal> {
        percent(self.denied_dollars, self.billed_with_payment)
    }

    /// Rejection rate, percent of submitted.
    pub fn rejection_rate(&self) -> Option<Decimal> {
        percent(self.rejected.into(), self.submitted.into())
    }

    /// Median days to payment (nearest rank).
    pub fn median_days(&self) -> Option<u64> {
        nearest_rank(&self.days, 50)
    }

    /// 90th percentile days to payment (nearest rank).
    pub fn p90_days(&self) -> Option<u64> {
        nearest_rank(&self.days, 90)
    }
}

/// `part / whole` in percent, one decimal place (half away from zero); `None` for
/// an empty whole.
pub fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    let mut p = (part * Decimal::ONE_HUNDRED / whole)
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    p.rescale(1);
    Some(p)
}

/// The nearest-rank `p`th percentile of sorted `v`.
pub fn nearest_rank(v: &[u64], p: usize) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    let rank = (p * v.len()).div_ceil(100).max(1);
    v.get(rank - 1).copied()
}

/// The KPI page's figures.
#[derive(Debug, Clone, Default)]
pub struct Kpis {
    /// Over everything selected.
    pub overall: KpiFigures,
    /// Per payer: (payer key, label, figures), by label.
    pub by_payer: Vec<(String, String, KpiFigures)>,
    /// Per submission month (`YYYY-MM`), oldest first.
    pub by_month: Vec<(String, KpiFigures)>,
    /// Rejections by root cause: (cause, claims), most first.
    pub root_causes: Vec<(String, u64)>,
    /// Claims submitted per day (`YYYY-MM-DD`), oldest first.
    pub daily: Vec<(String, u64)>,
}

impl Ledger {
    /// KPIs over the claims submitted in `[from_ms, to_ms)` (optionally one payer);
    /// `month` and `day` name the month and day of a time in the practice's zone.
    pub fn kpis(
        &self,
        q: &ClaimQuery,
        month: &dyn Fn(u64) -> String,
        day: &dyn Fn(u64) -> String,
    ) -> Kpis {
        let idx = self.index();
        let mut overall = KpiFigures::default();
        let mut by_payer: BTreeMap<u32, KpiFigures> = BTreeMap::new();
        let mut by_month: BTreeMap<String, KpiFigures> = BTreeMap::new();
        let mut causes: BTreeMap<u32, u64> = BTreeMap::new();
        let mut daily: BTreeMap<String, u64> = BTreeMap::new();
        let mut q = q.clone();
        q.unmatched = Some(false);
        for s in idx.claims.values() {
            if !q.matches_but_state(&idx, s, None) {
                continue;
            }
            overall.add(s);
            by_payer.entry(s.payer).or_default().add(s);
            by_month.entry(month(s.submitted_ms)).or_default().add(s);
            *daily.entry(day(s.submitted_ms)).or_default() += 1;
            if let Some(c) = s.root_cause
                && s.state.is_rejection()
            {
                *causes.entry(c).or_default() += 1;
            }
        }
        let sort = |f: &mut KpiFigures| f.days.sort_unstable();
        sort(&mut overall);
        let mut payers: Vec<(String, String, KpiFigures)> = by_payer
            .into_iter()
            .map(|(p, mut f)| {
                sort(&mut f);
                (idx.strings.name(p).to_owned(), idx.payer_label(p), f)
            })
            .collect();
        payers.sort_by(|a, b| a.1.cmp(&b.1));
        let mut root_causes: Vec<(String, u64)> = causes
            .into_iter()
            .map(|(c, n)| (idx.strings.name(c).to_owned(), n))
            .collect();
        root_causes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Kpis {
            overall,
            by_payer: payers,
            by_month: by_month
                .into_iter()
                .map(|(m, mut f)| {
                    sort(&mut f);
                    (m, f)
                })
                .collect(),
            root_causes,
            daily: daily.into_iter().collect(),
        }
    }
}
