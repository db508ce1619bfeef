//! Key layouts of the index and queue trees.
//!
//! Index keys are `<tag> 0x00 <value> 0x00 <record id>` with an empty value; ids are
//! ULIDs, so within one prefix the keys sort by creation time.

use super::record::Record;

/// Index tag: status.
pub const STATUS: u8 = b's';
/// Index tag: message kind.
pub const KIND: u8 = b'k';
/// Index tag: inbound endpoint.
pub const ENDPOINT: u8 = b'e';
/// Index tag: any correlation value.
pub const CORRELATION: u8 = b'c';

/// The prefix of every index key for `tag` and `value`.
pub fn index_prefix(tag: u8, value: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(value.len() + 3);
    k.push(tag);
    k.push(0);
    k.extend_from_slice(value.as_bytes());
    k.push(0);
    k
}

fn index_key(tag: u8, value: &str, id: &str) -> Vec<u8> {
    let mut k = index_prefix(tag, value);
    k.extend_from_slice(id.as_bytes());
    k
}

/// Every index key a record should have.
pub fn index_keys(r: &Record) -> Vec<Vec<u8>> {
    let mut out = vec![
        index_key(STATUS, r.status.as_str(), &r.id),
        index_key(ENDPOINT, &r.endpoint, &r.id),
    ];
    if let Some(kind) = r.kind {
        out.push(index_key(KIND, kind.as_str(), &r.id));
    }
    let mut values: Vec<&str> = r.correlation.iter().map(|(_, v)| v.as_str()).collect();
    values.sort_unstable();
    values.dedup();
    for v in values {
        out.push(index_key(CORRELATION, v, &r.id));
    }
    out
}

/// The prefix of one destination's keys in the queue trees.
pub fn queue_prefix(dest: &str) -> Vec<u8> {
    let mut k = dest.as_bytes().to_vec();
    k.push(0);
    k
}

/// The key of one message in one destination's id map (`queue_ids`): the value
/// is the due time of its entry in `queue_due`.
pub fn queue_id_key(dest: &str, msg_id: &str) -> Vec<u8> {
    let mut k = queue_prefix(dest);
    k.extend_from_slice(msg_id.as_bytes());
    k
}

/// The key of one entry in `queue_due`: `<dest> 0x00 <due ms, 8 bytes big-endian>
/// <message id>`, so a destination's entries sort by due time (then by id, which
/// is time-ordered): the due ones are a prefix of its range.
pub fn queue_due_key(dest: &str, due_ms: u64, msg_id: &str) -> Vec<u8> {
    let mut k = queue_prefix(dest);
    k.extend_from_slice(&due_ms.to_be_bytes());
    k.extend_from_slice(msg_id.as_bytes());
    k
}

/// The due time and message id of a `queue_due` key of `dest` (its prefix
/// already stripped), if it has that layout.
pub fn split_queue_due(rest: &[u8]) -> Option<(u64, &[u8])> {
    let (due, id) = rest.split_at_checked(8)?;
    Some((u64::from_be_bytes(due.try_into().ok()?), id))
}

/// The key that remembers a file taken in by a `dir` endpoint.
pub fn seen_key(endpoint: &str, filename: &str, sha256: &str) -> Vec<u8> {
    format!("{endpoint}\0{filename}\0{sha256}").into_bytes()
}
