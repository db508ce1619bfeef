//! The loops of the 837I (005010X223A2) for the [walker](crate::walker): the hierarchy of
//! every 837 around the institutional loop 2300.

use crate::p837::spec::{hierarchy, party};
use crate::walker::{LoopDef, Trigger};

/// A party loop that also holds a `DTP` (the other payer's adjudication date, 2330B).
const fn payer(id: &'static str) -> LoopDef {
    LoopDef {
        id,
        trigger: Trigger::Qualified("NM1", &["PR"]),
        segments: &["N2", "N3", "N4", "DTP", "REF", "PER"],
        required: &[],
        children: &[],
    }
}

/// Loop 2300, institutional claim information, shared by 2000B and 2000C.
const CLAIM: LoopDef = LoopDef {
    id: "2300",
    trigger: Trigger::Seg("CLM"),
    segments: &[
        "DTP", "CL1", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CRC", "HI", "HCP",
    ],
    required: &["CL1", "HI", "2400"],
    children: &[
        party("2310A", &["71"]),
        party("2310B", &["72"]),
        party("2310C", &["ZZ"]),
        party("2310D", &["82"]),
        party("2310E", &["77"]),
        party("2310F", &["DN"]),
        LoopDef {
            id: "2320",
            trigger: Trigger::Seg("SBR"),
            segments: &["CAS", "AMT", "OI", "MIA", "MOA"],
            required: &["OI", "2330A", "2330B"],
            children: &[
                party("2330A", &["IL"]),
                payer("2330B"),
                party("2330C", &["71"]),
                party("2330D", &["72"]),
                party("2330E", &["ZZ"]),
                party("2330F", &["77"]),
                party("2330G", &["82"]),
                party("2330H", &["DN"]),
                party("2330I", &["85"]),
            ],
        },
        LoopDef {
            id: "2400",
            trigger: Trigger::Seg("LX"),
            segments: &["SV2", "PWK", "DTP", "REF", "AMT", "NTE", "HCP"],
            required: &["SV2"],
            children: &[
                LoopDef {
                    id: "2410",
                    trigger: Trigger::Seg("LIN"),
                    segments: &["CTP", "REF"],
                    required: &["CTP"],
                    children: &[],
                },
                party("2420A", &["72"]),
                party("2420B", &["ZZ"]),
                party("2420C", &["82"]),
                party("2420D", &["DN"]),
                LoopDef {
                    id: "2430",
                    trigger: Trigger::Seg("SVD"),
                    segments: &["CAS", "DTP", "AMT"],
                    required: &[],
                    children: &[],
                },
            ],
        },
    ],
};

/// The whole 837I transaction body.
pub static ROOT: LoopDef = hierarchy!(CLAIM);
