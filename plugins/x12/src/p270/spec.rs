//! The loops of the 270 and 271 (005010X279A1) for the [walker](crate::walker).

use crate::walker::{LoopDef, Trigger};

/// Entity codes of a 2120C/D benefit related entity (`NM101`).
const RELATED: &[&str] = &[
    "13", "1I", "1P", "2B", "36", "71", "72", "73", "74", "75", "76", "80", "82", "85", "87", "8S",
    "FA", "GP", "GW", "I3", "IL", "LR", "OC", "P3", "P4", "P5", "PR", "PRP", "SEP", "TTP", "VER",
    "VN", "VY", "X3", "Y2",
];

/// Segments of a subscriber or dependent name loop (2100C/D).
const PERSON: &[&str] = &[
    "REF", "N3", "N4", "AAA", "PRV", "DMG", "INS", "HI", "DTP", "MPI",
];

/// Loop 2000A, the information source (payer).
const SOURCE: LoopDef = LoopDef {
    id: "2000A",
    trigger: Trigger::Hl("20"),
    segments: &["AAA"],
    required: &["2100A"],
    children: &[LoopDef {
        id: "2100A",
        trigger: Trigger::Qualified("NM1", &["2B", "36", "GP", "P5", "PR"]),
        segments: &["PER", "AAA"],
        required: &[],
        children: &[],
    }],
};

/// Loop 2000B, the information receiver (provider).
const RECEIVER: LoopDef = LoopDef {
    id: "2000B",
    trigger: Trigger::Hl("21"),
    segments: &[],
    required: &["2100B"],
    children: &[LoopDef {
        id: "2100B",
        trigger: Trigger::Qualified("NM1", &["1P", "2B", "36", "80", "FA", "GP", "P5", "PR"]),
        segments: &["REF", "N3", "N4", "AAA", "PRV"],
        required: &[],
        children: &[],
    }],
};

/// A 2120C/D related entity loop.
const fn related(id: &'static str) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", RELATED),
        segments: &["N2", "N3", "N4", "PER", "PRV"],
        required: &[],
        children: &[],
    }
}

/// A 270 `EQ` loop (2110C/D).
const fn eq(id: &'static str) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Seg("EQ"),
        segments: &["AMT", "III", "REF", "DTP"],
        required: &[],
        children: &[],
    }
}

/// The 2120C loop, for [`eb`].
const RELATED_C: &[LoopDef] = &[related("2120C")];
/// The 2120D loop, for [`eb`].
const RELATED_D: &[LoopDef] = &[related("2120D")];

/// A 271 `EB` loop (2110C/D) with its related entities.
const fn eb(id: &'static str, children: &'static [LoopDef]) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Seg("EB"),
        segments: &["HSD", "REF", "DTP", "AAA", "MSG", "III", "LS", "LE"],
        required: &[],
        children,
    }
}

/// A person name loop (2100C `NM1*IL`, 2100D `NM1*03`) with its inquiry or benefit loops.
const fn name_loop(
    id: &'static str,
    codes: &'static [&'static str],
    children: &'static [LoopDef],
) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", codes),
        segments: PERSON,
        required: &[],
        children,
    }
}

/// The 270 subscriber name loop (2100C) with its inquiries.
const INQUIRY_2100C: &[LoopDef] = &[name_loop("2100C", &["IL"], &[eq("2110C")])];

/// The 270 dependent name loop (2100D) with its inquiries.
const INQUIRY_2100D: &[LoopDef] = &[name_loop("2100D", &["03"], &[eq("2110D")])];

/// The 271 subscriber name loop (2100C) with its benefits.
const RESPONSE_2100C: &[LoopDef] = &[name_loop("2100C", &["IL"], &[eb("2110C", RELATED_C)])];

/// The 271 dependent name loop (2100D) with its benefits.
const RESPONSE_2100D: &[LoopDef] = &[name_loop("2100D", &["03"], &[eb("2110D", RELATED_D)])];

/// A subscriber (2000C, `HL03` 22) or dependent (2000D, `HL03` 23) level.
const fn person(id: &'static str, level: &'static str, children: &'static [LoopDef]) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Hl(level),
        segments: &["TRN"],
        required: &[],
        children,
    }
}

/// The whole 270 transaction body.
pub static INQUIRY: LoopDef = LoopDef {
    id: "HEADER",
    trigger: Trigger::Root,
    segments: &["BHT"],
    required: &["BHT", "2000A"],
    children: &[
        SOURCE,
        RECEIVER,
        person("2000C", "22", INQUIRY_2100C),
        person("2000D", "23", INQUIRY_2100D),
    ],
};

/// The whole 271 transaction body.
pub static RESPONSE: LoopDef = LoopDef {
    id: "HEADER",
    trigger: Trigger::Root,
    segments: &["BHT"],
    required: &["BHT", "2000A"],
    children: &[
        SOURCE,
        RECEIVER,
        person("2000C", "22", RESPONSE_2100C),
        person("2000D", "23", RESPONSE_2100D),
    ],
};
