//! The loops of the 276 and 277 (005010X212) for the [walker](crate::walker).

use crate::walker::{LoopDef, Trigger};

/// A name loop (2100A-E) opened by `NM1` with one of `codes`.
const fn name(id: &'static str, codes: &'static [&'static str]) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", codes),
        segments: &["PER"],
        required: &[],
        children: &[],
    }
}

/// Segments of a claim status tracking loop (2200D/E).
const CLAIM: &[&str] = &["STC", "REF", "AMT", "DTP"];
/// Segments of a service line loop (2210D/E).
const LINE: &[&str] = &["STC", "REF", "DTP"];

/// The subscriber claim loop (2200D) with its lines.
const CLAIM_D: &[LoopDef] = &[
    name("2100D", &["IL"]),
    LoopDef {
        id: "2200D",
        trigger: Trigger::Seg("TRN"),
        segments: CLAIM,
        required: &[],
        children: &[LoopDef {
            id: "2210D",
            trigger: Trigger::Seg("SVC"),
            segments: LINE,
            required: &[],
            children: &[],
        }],
    },
];

/// The dependent claim loop (2200E) with its lines.
const CLAIM_E: &[LoopDef] = &[
    name("2100E", &["QC"]),
    LoopDef {
        id: "2200E",
        trigger: Trigger::Seg("TRN"),
        segments: CLAIM,
        required: &[],
        children: &[LoopDef {
            id: "2210E",
            trigger: Trigger::Seg("SVC"),
            segments: LINE,
            required: &[],
            children: &[],
        }],
    },
];

/// The whole 276 or 277 transaction body.
pub static ROOT: LoopDef = LoopDef {
    id: "HEADER",
    trigger: Trigger::Root,
    segments: &["BHT"],
    required: &["BHT", "2000A"],
    children: &[
        LoopDef {
            id: "2000A",
            trigger: Trigger::Hl("20"),
            segments: &[],
            required: &["2100A"],
            children: &[name("2100A", &["PR", "AY"])],
        },
        LoopDef {
            id: "2000B",
            trigger: Trigger::Hl("21"),
            segments: &[],
            required: &["2100B"],
            children: &[name("2100B", &["41"])],
        },
        LoopDef {
            id: "2000C",
            trigger: Trigger::Hl("19"),
            segments: &[],
            required: &["2100C"],
            children: &[name("2100C", &["1P"])],
        },
        LoopDef {
            id: "2000D",
            trigger: Trigger::Hl("22"),
            segments: &["DMG"],
            required: &["2100D"],
            children: CLAIM_D,
        },
        LoopDef {
            id: "2000E",
            trigger: Trigger::Hl("23"),
            segments: &["DMG"],
            required: &["2100E"],
            children: CLAIM_E,
        },
    ],
};
