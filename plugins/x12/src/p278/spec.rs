//! The loops of the 278 request and response (005010X217) for the [walker](crate::walker).
//!
//! The HL levels: 2000A UMO (`HL03` 20), 2000B requester (21), 2000C subscriber (22), 2000D
//! dependent (23), 2000E patient event (EV), 2000F service (SS). The walker checks that each
//! `HL02` names an earlier `HL01`; [`super::hierarchy::check`] checks the parent's level.

use super::codes::{OTHER_UMO_ROLES, PROVIDER_ROLES, REQUESTER_ROLES, TRANSPORT_ROLES};
use crate::walker::{LoopDef, Trigger};

/// A name loop with no children.
const fn name(
    id: &'static str,
    roles: &'static [&'static str],
    segments: &'static [&'static str],
) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", roles),
        segments,
        required: &[],
        children: &[],
    }
}

/// An HL level with its segments, requirements and name loops.
const fn level(
    id: &'static str,
    code: &'static str,
    segments: &'static [&'static str],
    required: &'static [&'static str],
    children: &'static [LoopDef],
) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Hl(code),
        segments,
        required,
        children,
    }
}

/// Segments of a subscriber or dependent name loop (2010C/D).
const MEMBER: &[&str] = &["REF", "N3", "N4", "AAA", "DMG", "INS"];
/// Segments of a provider name loop (2010B, 2010EA, 2010F).
const PROVIDER: &[&str] = &["REF", "N3", "N4", "PER", "AAA", "PRV"];

/// Patient event segments both directions share (besides `TRN`, `UM`, `HCR`, `AAA`).
const EVENT: &[&str] = &[
    "TRN", "AAA", "UM", "HCR", "REF", "DTP", "HI", "HSD", "CRC", "CL1", "CR1", "CR2", "CR5", "CR6",
    "PWK", "MSG",
];
/// Service level segments.
const SERVICE: &[&str] = &[
    "TRN", "AAA", "UM", "HCR", "REF", "DTP", "SV1", "SV2", "SV3", "TOO", "HSD", "PWK", "MSG",
];

/// The 2010E loops: providers, transport locations, another UMO.
const EVENT_PARTIES: &[LoopDef] = &[
    name("2010EA", PROVIDER_ROLES, PROVIDER),
    name("2010EB", TRANSPORT_ROLES, &["N3", "N4"]),
    name("2010EC", OTHER_UMO_ROLES, &["REF", "DTP", "AAA"]),
];
/// The 2010F loop.
const SERVICE_PARTIES: &[LoopDef] = &[name("2010F", PROVIDER_ROLES, PROVIDER)];

/// The levels above the patient event, shared by both directions.
const UMO: LoopDef = level(
    "2000A",
    "20",
    &["AAA"],
    &["2010A"],
    &[name("2010A", &["X3"], &["PER", "AAA"])],
);
/// Loop 2000B.
const REQUESTER: LoopDef = level(
    "2000B",
    "21",
    &[],
    &["2010B"],
    &[name("2010B", REQUESTER_ROLES, PROVIDER)],
);
/// Loop 2000C.
const SUBSCRIBER: LoopDef = level(
    "2000C",
    "22",
    &[],
    &["2010C"],
    &[name("2010C", &["IL"], MEMBER)],
);
/// Loop 2000D.
const DEPENDENT: LoopDef = level(
    "2000D",
    "23",
    &[],
    &["2010D"],
    &[name("2010D", &["QC"], MEMBER)],
);

/// The whole 278 request body. `HCR` and `AAA` are response segments: the request's loops
/// do not allow them.
pub static REQUEST: LoopDef = LoopDef {
    id: "HEADER",
    trigger: Trigger::Root,
    segments: &["BHT"],
    required: &["BHT", "2000A", "2000B", "2000C", "2000E"],
    children: &[
        level(
            "2000A",
            "20",
            &[],
            &["2010A"],
            &[name("2010A", &["X3"], &[])],
        ),
        level(
            "2000B",
            "21",
            &[],
            &["2010B"],
            &[name(
                "2010B",
                REQUESTER_ROLES,
                &["REF", "N3", "N4", "PER", "PRV"],
            )],
        ),
        level(
            "2000C",
            "22",
            &[],
            &["2010C"],
            &[name("2010C", &["IL"], &["REF", "N3", "N4", "DMG", "INS"])],
        ),
        level(
            "2000D",
            "23",
            &[],
            &["2010D"],
            &[name("2010D", &["QC"], &["REF", "N3", "N4", "DMG", "INS"])],
        ),
        level(
            "2000E",
            "EV",
            &[
                "TRN", "UM", "REF", "DTP", "HI", "HSD", "CRC", "CL1", "CR1", "CR2", "CR5", "CR6",
                "PWK", "MSG",
            ],
            &["UM"],
            &[
                name("2010EA", PROVIDER_ROLES, &["REF", "N3", "N4", "PER", "PRV"]),
                name("2010EB", TRANSPORT_ROLES, &["N3", "N4"]),
                name("2010EC", OTHER_UMO_ROLES, &["REF", "DTP"]),
            ],
        ),
        level(
            "2000F",
            "SS",
            &[
                "TRN", "UM", "REF", "DTP", "SV1", "SV2", "SV3", "TOO", "HSD", "PWK", "MSG",
            ],
            &["UM"],
            &[name(
                "2010F",
                PROVIDER_ROLES,
                &["REF", "N3", "N4", "PER", "PRV"],
            )],
        ),
    ],
};

/// The whole 278 response body. Only the UMO level is required: a request rejected at the
/// requester or subscriber (`AAA`) is answered without the levels below.
pub static RESPONSE: LoopDef = LoopDef {
    id: "HEADER",
    trigger: Trigger::Root,
    segments: &["BHT"],
    required: &["BHT", "2000A"],
    children: &[
        UMO,
        REQUESTER,
        SUBSCRIBER,
        DEPENDENT,
        level("2000E", "EV", EVENT, &["UM"], EVENT_PARTIES),
        level("2000F", "SS", SERVICE, &["UM", "HCR"], SERVICE_PARTIES),
    ],
};
