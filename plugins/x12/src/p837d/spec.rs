//! The loops of the 837D (005010X224A2) for the [walker](crate::walker): the hierarchy of
//! every 837 around the dental loop 2300. The 4010 dental guide (004010X097A1) has the same
//! loops for what its examples use, so the same table reads it.

use crate::p837::spec::{hierarchy, party};
use crate::walker::{LoopDef, Trigger};

/// Loop 2300, dental claim information, shared by 2000B and 2000C.
const CLAIM: LoopDef = LoopDef {
    id: "2300",
    trigger: Trigger::Seg("CLM"),
    segments: &[
        "DTP", "DN1", "DN2", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "HI", "HCP",
    ],
    required: &["2400"],
    children: &[
        party("2310A", &["DN", "P3"]),
        party("2310B", &["82"]),
        party("2310C", &["77"]),
        party("2310D", &["DD"]),
        party("2310E", &["DQ"]),
        LoopDef {
            id: "2320",
            trigger: Trigger::Seg("SBR"),
            segments: &["CAS", "AMT", "OI", "MOA"],
            required: &["OI", "2330A", "2330B"],
            children: &[
                party("2330A", &["IL"]),
                LoopDef {
                    id: "2330B",
                    trigger: Trigger::Qualified("NM1", &["PR"]),
                    segments: &["N2", "N3", "N4", "DTP", "REF", "PER"],
                    required: &[],
                    children: &[],
                },
                party("2330C", &["DN", "P3"]),
                party("2330D", &["82"]),
                party("2330E", &["DQ"]),
                party("2330F", &["77"]),
                party("2330G", &["DD"]),
                party("2330H", &["85"]),
            ],
        },
        LoopDef {
            id: "2400",
            trigger: Trigger::Seg("LX"),
            segments: &[
                "SV3", "TOO", "DTP", "QTY", "CN1", "REF", "AMT", "K3", "NTE", "HCP",
            ],
            required: &["SV3"],
            children: &[
                party("2420A", &["82"]),
                party("2420B", &["DD"]),
                party("2420C", &["DQ"]),
                party("2420D", &["77"]),
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

/// The whole 837D transaction body.
pub static ROOT: LoopDef = hierarchy!(CLAIM);
