//! The loops of the 837I (005010X223A2) for the [walker](crate::walker): the hierarchy of
//! every 837 around the institutional loop 2300.

use crate::p837::spec::{
    ADJUDICATION, DRUG, claim_loop, hierarchy, other_subscriber, party, payer, service_line,
};
use crate::walker::{LoopDef, Trigger};

/// Loop 2300, institutional claim information, shared by 2000B and 2000C.
const CLAIM: LoopDef = claim_loop(
    &[
        "DTP", "CL1", "PWK", "CN1", "AMT", "REF", "K3", "NTE", "CRC", "HI", "HCP",
    ],
    &["CL1", "HI", "2400"],
    &[
        party("2310A", &["71"]),
        party("2310B", &["72"]),
        party("2310C", &["ZZ"]),
        party("2310D", &["82"]),
        party("2310E", &["77"]),
        party("2310F", &["DN"]),
        other_subscriber(
            &["CAS", "AMT", "OI", "MIA", "MOA"],
            &["OI", "2330A", "2330B"],
            &[
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
        ),
        service_line(
            &["SV2", "PWK", "DTP", "REF", "AMT", "NTE", "HCP"],
            &["SV2"],
            &[
                DRUG,
                party("2420A", &["72"]),
                party("2420B", &["ZZ"]),
                party("2420C", &["82"]),
                party("2420D", &["DN"]),
                ADJUDICATION,
            ],
        ),
    ],
);

/// The whole 837I transaction body.
pub static ROOT: LoopDef = hierarchy!(CLAIM);
