//! The loops of the 837D (005010X224A2) for the [walker](crate::walker): the hierarchy of
//! every 837 around the dental loop 2300. The 4010 dental guide (004010X097A1) has the same
//! loops for what its examples use, so the same table reads it.

use crate::p837::spec::{
    ADJUDICATION, claim_loop, hierarchy, other_subscriber, party, payer, service_line,
};
use crate::walker::{LoopDef, Trigger};

/// Loop 2300, dental claim information, shared by 2000B and 2000C.
const CLAIM: LoopDef = claim_loop(
    &[
        "DTP", "DN1", "DN2", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "HI", "HCP",
    ],
    &["2400"],
    &[
        party("2310A", &["DN", "P3"]),
        party("2310B", &["82"]),
        party("2310C", &["77"]),
        party("2310D", &["DD"]),
        party("2310E", &["DQ"]),
        other_subscriber(
            &["CAS", "AMT", "OI", "MOA"],
            &["OI", "2330A", "2330B"],
            &[
                party("2330A", &["IL"]),
                payer("2330B"),
                party("2330C", &["DN", "P3"]),
                party("2330D", &["82"]),
                party("2330E", &["DQ"]),
                party("2330F", &["77"]),
                party("2330G", &["DD"]),
                party("2330H", &["85"]),
            ],
        ),
        service_line(
            &[
                "SV3", "TOO", "DTP", "QTY", "CN1", "REF", "AMT", "K3", "NTE", "HCP",
            ],
            &["SV3"],
            &[
                party("2420A", &["82"]),
                party("2420B", &["DD"]),
                party("2420C", &["DQ"]),
                party("2420D", &["77"]),
                ADJUDICATION,
            ],
        ),
    ],
);

/// The whole 837D transaction body.
pub static ROOT: LoopDef = hierarchy!(CLAIM);
