//! The 4010 dental claim (004010X097A1), read with the 5010 dental tables: its loops, `CLM`,
//! `SV3` and `TOO` have the 5010 layout for what its examples carry, with two differences
//! handled here (`CLM05-2` may be empty; `DN103`, not `DN104`, says orthodontic purpose). A
//! 4010 837 names its guide in `GS08` or, when that names another 837 (the corpus files say
//! `004010X096A1`), in the header `REF*87`.

use clearway_plugin_sdk::log;
use clearway_plugin_sdk::schemas::Message;

use super::decode::claim_4010;
use super::spec::ROOT;
use crate::decode::EnvelopeIds;
use crate::syntax::{Transaction, X12Error};

/// The 4010 dental guide, up to its addenda.
pub const GUIDE: &str = "004010X097";

/// The guide a header `REF*87` (transmission type) names, if it is the dental one.
fn header_ref(tx: &Transaction<'_>) -> Option<String> {
    tx.body
        .iter()
        .take(3)
        .find(|s| s.id == "REF" && s.el(1) == "87" && s.el(2).starts_with(GUIDE))
        .map(|s| s.el(2).trim().to_owned())
}

/// Whether a transaction set with implementation convention `version` (`ST03`, else `GS08`)
/// is a 4010 dental claim.
pub fn is_dental(tx: &Transaction<'_>, version: &str) -> bool {
    version.starts_with("004010") && (version.starts_with(GUIDE) || header_ref(tx).is_some())
}

/// Decodes one 4010 dental transaction set as 837D claims, recording the dental guide it
/// names as its implementation convention and logging a warning (an encode writes 5010).
///
/// # Errors
///
/// As the 5010 decode, each error with its position.
pub fn decode(tx: &Transaction<'_>, ids: &EnvelopeIds) -> Result<Vec<Message>, X12Error> {
    let mut ids = ids.clone();
    if !ids.version.starts_with(GUIDE)
        && let Some(guide) = header_ref(tx)
    {
        ids.version = guide;
    }
    log::warn!(
        "transaction set {} is a 4010 dental claim ({}): read with the 005010X224A2 tables; \
         encoding it writes 005010X224A2",
        ids.transaction,
        ids.version
    );
    crate::p837::hierarchy::decode(tx, &ids, &ROOT, claim_4010)
}
