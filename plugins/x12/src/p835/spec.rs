//! The loops of the 835 (005010X221A1) for the [walker](crate::walker).

use crate::walker::{LoopDef, Trigger};

/// The whole 835 transaction body. `PLB` (provider adjustments) follows the last 2000 loop
/// and belongs to the root.
pub static ROOT: LoopDef = LoopDef {
    id: "HEADER",
    trigger: Trigger::Root,
    segments: &["BPR", "TRN", "CUR", "REF", "DTM", "PLB"],
    required: &["BPR", "TRN", "1000A", "1000B"],
    children: &[
        LoopDef {
            id: "1000A",
            trigger: Trigger::Qualified("N1", &["PR"]),
            segments: &["N3", "N4", "REF", "PER"],
            required: &["N3", "N4"],
            children: &[],
        },
        LoopDef {
            id: "1000B",
            trigger: Trigger::Qualified("N1", &["PE"]),
            segments: &["N3", "N4", "REF", "RDM"],
            required: &[],
            children: &[],
        },
        LoopDef {
            id: "2000",
            trigger: Trigger::Seg("LX"),
            segments: &["TS3", "TS2"],
            required: &["2100"],
            children: &[LoopDef {
                id: "2100",
                trigger: Trigger::Seg("CLP"),
                segments: &[
                    "CAS", "NM1", "MIA", "MOA", "REF", "DTM", "PER", "AMT", "QTY",
                ],
                required: &[],
                children: &[LoopDef {
                    id: "2110",
                    trigger: Trigger::Seg("SVC"),
                    segments: &["DTM", "CAS", "REF", "AMT", "QTY", "LQ"],
                    required: &[],
                    children: &[],
                }],
            }],
        },
    ],
};
