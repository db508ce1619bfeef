//! The loops of the 277CA (005010X214) for the [walker](crate::walker).

use crate::walker::{LoopDef, Trigger};

/// A name loop (2100A-D) opened by `NM1` with one of `codes`.
const fn name(id: &'static str, codes: &'static [&'static str]) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", codes),
        segments: &[],
        required: &[],
        children: &[],
    }
}

/// A status loop (2200A-C) opened by `TRN`.
const fn status(id: &'static str, segments: &'static [&'static str]) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Seg("TRN"),
        segments,
        required: &[],
        children: &[],
    }
}

/// The whole 277CA transaction body.
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
            required: &["2100A", "2200A"],
            children: &[name("2100A", &["PR", "AY"]), status("2200A", &["DTP"])],
        },
        LoopDef {
            id: "2000B",
            trigger: Trigger::Hl("21"),
            segments: &[],
            required: &["2100B"],
            children: &[
                name("2100B", &["41"]),
                status("2200B", &["STC", "QTY", "AMT"]),
            ],
        },
        LoopDef {
            id: "2000C",
            trigger: Trigger::Hl("19"),
            segments: &[],
            required: &["2100C"],
            children: &[
                name("2100C", &["85"]),
                status("2200C", &["STC", "REF", "QTY", "AMT"]),
            ],
        },
        LoopDef {
            id: "2000D",
            trigger: Trigger::Hl("PT"),
            segments: &[],
            required: &["2100D", "2200D"],
            children: &[
                name("2100D", &["QC"]),
                LoopDef {
                    id: "2200D",
                    trigger: Trigger::Seg("TRN"),
                    segments: &["STC", "REF", "DTP"],
                    required: &["STC"],
                    children: &[LoopDef {
                        id: "2220D",
                        trigger: Trigger::Seg("SVC"),
                        segments: &["STC", "REF", "DTP"],
                        required: &["STC"],
                        children: &[],
                    }],
                },
            ],
        },
    ],
};
