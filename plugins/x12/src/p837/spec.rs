//! The loops of the 837P (005010X222A1) for the [walker](crate::walker).

use crate::walker::{LoopDef, Trigger};

/// Names, addresses and references of a secondary party loop.
pub const PARTY: &[&str] = &["N2", "N3", "N4", "REF", "PER", "PRV", "DMG"];

/// A party loop opened by `NM1` with one of `codes`.
pub const fn party(id: &'static str, codes: &'static [&'static str]) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", codes),
        segments: PARTY,
        required: &[],
        children: &[],
    }
}

/// A party loop that also holds a `DTP` (the other payer's adjudication date, 2330B of the
/// 837I and 837D).
pub const fn payer(id: &'static str) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", &["PR"]),
        segments: &["N2", "N3", "N4", "DTP", "REF", "PER"],
        required: &[],
        children: &[],
    }
}

/// Loop 2300 (claim information, opened by `CLM`) with the variant's segments, required
/// segments or loops, and child loops.
pub const fn claim_loop(
    segments: &'static [&'static str],
    required: &'static [&'static str],
    children: &'static [LoopDef],
) -> LoopDef {
    LoopDef {
        id: "2300",
        trigger: Trigger::Seg("CLM"),
        segments,
        required,
        children,
    }
}

/// Loop 2320 (other subscriber information, opened by `SBR`) with the variant's segments,
/// required segments or loops, and its 2330 loops.
pub const fn other_subscriber(
    segments: &'static [&'static str],
    required: &'static [&'static str],
    children: &'static [LoopDef],
) -> LoopDef {
    LoopDef {
        id: "2320",
        trigger: Trigger::Seg("SBR"),
        segments,
        required,
        children,
    }
}

/// Loop 2400 (service line, opened by `LX`) with the variant's segments, required service
/// segment (`SV1`, `SV2`, `SV3`) and child loops.
pub const fn service_line(
    segments: &'static [&'static str],
    required: &'static [&'static str],
    children: &'static [LoopDef],
) -> LoopDef {
    LoopDef {
        id: "2400",
        trigger: Trigger::Seg("LX"),
        segments,
        required,
        children,
    }
}

/// Loop 2410, drug identification (837P and 837I).
pub const DRUG: LoopDef = LoopDef {
    id: "2410",
    trigger: Trigger::Seg("LIN"),
    segments: &["CTP", "REF"],
    required: &["CTP"],
    children: &[],
};

/// Loop 2430, line adjudication information (every variant).
pub const ADJUDICATION: LoopDef = LoopDef {
    id: "2430",
    trigger: Trigger::Seg("SVD"),
    segments: &["CAS", "DTP", "AMT"],
    required: &[],
    children: &[],
};

/// Loop 2300, claim information, shared by 2000B and 2000C.
const CLAIM: LoopDef = claim_loop(
    &[
        "DTP", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CR1", "CR2", "CRC", "HI", "HCP",
    ],
    &["HI"],
    &[
        party("2310A", &["DN", "P3"]),
        party("2310B", &["82"]),
        party("2310C", &["77"]),
        party("2310D", &["DQ"]),
        party("2310E", &["PW"]),
        party("2310F", &["45"]),
        other_subscriber(
            &["CAS", "AMT", "OI", "MOA"],
            &[],
            &[
                party("2330A", &["IL"]),
                party("2330B", &["PR"]),
                party("2330C", &["DN", "P3"]),
                party("2330D", &["82"]),
                party("2330E", &["77"]),
                party("2330F", &["DQ"]),
                party("2330G", &["85"]),
            ],
        ),
        service_line(
            &[
                "SV1", "SV5", "PWK", "CR1", "CR3", "CRC", "DTP", "QTY", "MEA", "CN1", "REF", "AMT",
                "K3", "NTE", "PS1", "HCP",
            ],
            &["SV1"],
            &[
                DRUG,
                party("2420A", &["82"]),
                party("2420B", &["QB"]),
                party("2420C", &["77"]),
                party("2420D", &["DQ"]),
                party("2420E", &["DK"]),
                party("2420F", &["DN", "P3"]),
                party("2420G", &["PW"]),
                party("2420H", &["45"]),
                ADJUDICATION,
                LoopDef {
                    id: "2440",
                    trigger: Trigger::Seg("LQ"),
                    segments: &["FRM"],
                    required: &[],
                    children: &[],
                },
            ],
        ),
    ],
);

/// The loops of an 837 transaction body around `$claim` (the variant's loop 2300): the
/// header, 1000A/1000B and the `HL` levels 2000A, 2000B and 2000C, alike in all variants.
macro_rules! hierarchy {
    ($claim:expr) => {
        LoopDef {
            id: "HEADER",
            trigger: Trigger::Root,
            segments: &["BHT", "REF"],
            required: &["BHT", "1000A", "1000B", "2000A"],
            children: &[
                LoopDef {
                    id: "1000A",
                    trigger: Trigger::Qualified("NM1", &["41"]),
                    segments: &["PER"],
                    required: &[],
                    children: &[],
                },
                LoopDef {
                    id: "1000B",
                    trigger: Trigger::Qualified("NM1", &["40"]),
                    segments: &[],
                    required: &[],
                    children: &[],
                },
                LoopDef {
                    id: "2000A",
                    trigger: Trigger::Hl("20"),
                    segments: &["PRV", "CUR"],
                    required: &["2010AA"],
                    children: &[
                        LoopDef {
                            id: "2010AA",
                            trigger: Trigger::Qualified("NM1", &["85"]),
                            segments: &["N3", "N4", "REF", "PER"],
                            required: &["N3", "N4"],
                            children: &[],
                        },
                        party("2010AB", &["87"]),
                        party("2010AC", &["PE"]),
                    ],
                },
                LoopDef {
                    id: "2000B",
                    trigger: Trigger::Hl("22"),
                    segments: &["SBR", "PAT"],
                    required: &["SBR", "2010BA", "2010BB"],
                    children: &[
                        LoopDef {
                            id: "2010BA",
                            trigger: Trigger::Qualified("NM1", &["IL"]),
                            segments: &["N3", "N4", "DMG", "REF", "PER"],
                            required: &[],
                            children: &[],
                        },
                        party("2010BB", &["PR"]),
                        $claim,
                    ],
                },
                LoopDef {
                    id: "2000C",
                    trigger: Trigger::Hl("23"),
                    segments: &["PAT"],
                    required: &["PAT", "2010CA"],
                    children: &[
                        LoopDef {
                            id: "2010CA",
                            trigger: Trigger::Qualified("NM1", &["QC"]),
                            segments: &["N3", "N4", "DMG", "REF", "PER"],
                            required: &["N3", "N4"],
                            children: &[],
                        },
                        $claim,
                    ],
                },
            ],
        }
    };
}

pub(crate) use hierarchy;

/// The whole 837P transaction body.
pub static ROOT: LoopDef = hierarchy!(CLAIM);
