//! Clearway's rules for sorting remittance adjustments and 277CA rejections
//! into the groups a coordinator works by. These are our rules, not X12's:
//! `codes/README.md` explains them, and the tests pin the examples.
//!
//! Every function trims its arguments and compares codes in upper case, so
//! `" co "` and `"CO"` are the same group.

/// Every value [`denial_category`] can return.
pub const DENIAL_CATEGORIES: &[&str] = &[
    "eligibility",
    "authorization",
    "medical necessity",
    "coding",
    "duplicate",
    "timely filing",
    "missing information",
    "coordination of benefits",
    "bundling",
    "non-covered",
    "provider eligibility",
];

/// Every value [`rejection_root_cause`] can return.
pub const REJECTION_ROOT_CAUSES: &[&str] = &[
    "subscriber id",
    "patient demographics",
    "provider NPI/taxonomy",
    "provider name/address",
    "payer id",
    "eligibility",
    "authorization",
    "coordination of benefits",
    "diagnosis code",
    "procedure code",
    "dates of service",
    "duplicate",
    "other",
    "not a rejection",
];

/// CARCs that, under group CO, are the contract (or the law) pricing the
/// claim rather than a refusal to pay: 24 capitation, 42/45 above the fee
/// schedule or contracted rate, 59 multiple-surgery and concurrent-anesthesia
/// rules, 94 processed in excess of charges, 104 managed care withholding,
/// 105 tax withholding, 131 negotiated discount, 144 incentive adjustment,
/// 237 legislated or regulatory penalty, 253 sequestration, A2 contractual
/// adjustment.
pub(crate) const CONTRACTUAL: &[&str] = &[
    "24", "42", "45", "59", "94", "104", "105", "131", "144", "237", "253", "A2",
];

/// CARC to denial category. Codes absent here (cost sharing, contractual
/// adjustments, informational codes, rare codes) have no category.
pub(crate) const DENIALS: &[(&str, &str)] = &[
    // The patient's coverage does not apply to this claim.
    ("26", "eligibility"),
    ("27", "eligibility"),
    ("31", "eligibility"),
    ("32", "eligibility"),
    ("33", "eligibility"),
    ("34", "eligibility"),
    ("109", "eligibility"),
    ("140", "eligibility"),
    ("177", "eligibility"),
    ("200", "eligibility"),
    ("B9", "eligibility"),
    // Prior authorization, certification or referral.
    ("15", "authorization"),
    ("39", "authorization"),
    ("62", "authorization"),
    ("165", "authorization"),
    ("197", "authorization"),
    ("198", "authorization"),
    ("210", "authorization"),
    ("284", "authorization"),
    ("287", "authorization"),
    ("288", "authorization"),
    ("296", "authorization"),
    ("302", "authorization"),
    // The payer's clinical judgement.
    ("50", "medical necessity"),
    ("55", "medical necessity"),
    ("56", "medical necessity"),
    ("57", "medical necessity"),
    ("150", "medical necessity"),
    ("151", "medical necessity"),
    ("152", "medical necessity"),
    ("153", "medical necessity"),
    ("154", "medical necessity"),
    ("167", "medical necessity"),
    // A code on the claim is wrong or does not fit the patient or provider.
    ("4", "coding"),
    ("5", "coding"),
    ("6", "coding"),
    ("7", "coding"),
    ("8", "coding"),
    ("9", "coding"),
    ("10", "coding"),
    ("11", "coding"),
    ("12", "coding"),
    ("47", "coding"),
    ("58", "coding"),
    ("146", "coding"),
    ("181", "coding"),
    ("182", "coding"),
    ("189", "coding"),
    ("199", "coding"),
    // Billed before.
    ("18", "duplicate"),
    ("B13", "duplicate"),
    // Sent too late.
    ("29", "timely filing"),
    // Something the payer needs is not on the claim or was not sent.
    ("16", "missing information"),
    ("17", "missing information"),
    ("125", "missing information"),
    ("163", "missing information"),
    ("164", "missing information"),
    ("206", "missing information"),
    ("207", "missing information"),
    ("208", "missing information"),
    ("226", "missing information"),
    ("227", "missing information"),
    ("252", "missing information"),
    // Another payer or party should pay first.
    ("19", "coordination of benefits"),
    ("20", "coordination of benefits"),
    ("21", "coordination of benefits"),
    ("22", "coordination of benefits"),
    ("136", "coordination of benefits"),
    // Paid as part of another service.
    ("97", "bundling"),
    ("231", "bundling"),
    ("234", "bundling"),
    ("236", "bundling"),
    ("B15", "bundling"),
    // The plan does not pay for this service, or not this much of it.
    ("35", "non-covered"),
    ("46", "non-covered"),
    ("49", "non-covered"),
    ("96", "non-covered"),
    ("119", "non-covered"),
    ("149", "non-covered"),
    ("204", "non-covered"),
    ("222", "non-covered"),
    ("256", "non-covered"),
    ("273", "non-covered"),
    // The provider is not enrolled, credentialed or in network for it.
    ("38", "provider eligibility"),
    ("52", "provider eligibility"),
    ("170", "provider eligibility"),
    ("171", "provider eligibility"),
    ("183", "provider eligibility"),
    ("184", "provider eligibility"),
    ("185", "provider eligibility"),
    ("242", "provider eligibility"),
    ("299", "provider eligibility"),
    ("B7", "provider eligibility"),
];

/// Whether a CAS adjustment is a contractual (or legislated) payment
/// adjustment that the provider writes off, rather than a denial to work.
///
/// True only for group `CO` with one of the CARCs the contract or the law
/// uses to price the claim: 24, 42, 45, 59, 94, 104, 105, 131, 144, 237, 253
/// and A2. CO-45 ("charge exceeds the fee schedule or contracted amount") is
/// the usual one: it is **not** a denial. The same CARC under `PR` is the
/// patient's to pay, and under `OA` or `PI` it is not a contract write-off,
/// so both are false. [`denial_category`] returns `None` for all of these
/// codes.
pub fn carc_is_contractual(group: &str, carc: &str) -> bool {
    is_group(group, "CO") && CONTRACTUAL.contains(&upper(carc).as_str())
}

/// Whether a CAS adjustment is the patient's to pay (deductible, coinsurance,
/// copay, or a non-covered service the patient is liable for).
///
/// X12 makes the group code decide this: group `PR` assigns the amount to the
/// patient whatever the CARC (PR-1 deductible, PR-2 coinsurance, PR-3 copay,
/// PR-66 blood deductible, but also PR-204 for a service the plan does not
/// cover). Any other group is not patient responsibility, even with a
/// cost-sharing CARC: CO-2 means the provider may not bill the patient. False
/// when the CARC is empty.
pub fn carc_is_patient_responsibility(group: &str, carc: &str) -> bool {
    is_group(group, "PR") && !carc.trim().is_empty()
}

/// The root-cause group a coordinator works a denial by, for the common
/// CARCs: one of [`DENIAL_CATEGORIES`].
///
/// `None` for the CARCs that are not denials (cost sharing such as 1, 2, 3
/// and 66; the contractual codes of [`carc_is_contractual`] such as 45 and
/// 253), for codes that only carry information, and for rare or unknown
/// codes. The category ignores the group code: a `PR-50` is still a medical
/// necessity decision, even though the patient is billed for it. Note that
/// CARC 27 (expenses after coverage ended) is an eligibility problem, not a
/// timely filing one; timely filing is CARC 29.
pub fn denial_category(carc: &str) -> Option<&'static str> {
    let carc = upper(carc);
    DENIALS
        .iter()
        .find(|(code, _)| *code == carc)
        .map(|(_, category)| *category)
}

/// Claim status categories that mean the claim was rejected or not found
/// before adjudication.
const REJECTION_CATEGORIES: &[&str] = &["A3", "A4", "A6", "A7", "A8"];
/// Entity identifier codes for the patient or subscriber.
const PERSON: &[&str] = &["IL", "QC", "03", "QD"];
/// Entity identifier codes for a provider or facility.
const PROVIDER: &[&str] = &[
    "1P", "1T", "71", "72", "73", "77", "80", "82", "85", "87", "DD", "DK", "DN", "DQ", "FA", "P3",
    "QB", "SJ",
];
/// Entity identifier codes for a payer.
const PAYER: &[&str] = &["PR", "PRP", "SEP", "TTP"];
/// Entity identifier code for another insured person (COB).
const OTHER_INSURED: &str = "GB";

/// What an entity-dependent status code points at, by entity.
struct ByEntity {
    person: &'static str,
    provider: &'static str,
    payer: &'static str,
    /// Also used for an entity we do not group and for no entity.
    none: &'static str,
}

/// A short root-cause label for a 277CA rejection, one of
/// [`REJECTION_ROOT_CAUSES`], derived from the claim status code (STC01-2)
/// and, where the code names an entity's data, from the entity (STC01-3).
///
/// `"not a rejection"` unless the category (STC01-1) is A3, A4, A6, A7 or
/// A8. Examples: A7:562:85 (billing provider NPI) is `"provider NPI/taxonomy"`;
/// A7:33 is `"subscriber id"`; A6:158:QC (patient date of birth) is
/// `"patient demographics"`; A7:503:85 (billing provider street address) is
/// `"provider name/address"`; A7:164:GB (other insured's member id) is
/// `"coordination of benefits"`; a status code we do not group (such as 21,
/// which needs a second status code to say what is missing) is `"other"`.
pub fn rejection_root_cause(category: &str, status: &str, entity: Option<&str>) -> &'static str {
    if !REJECTION_CATEGORIES.contains(&upper(category).as_str()) {
        return "not a rejection";
    }
    let entity = entity.map(upper);
    let entity = entity.as_deref().unwrap_or("");
    let by_entity = |rule: ByEntity| {
        if PERSON.contains(&entity) {
            rule.person
        } else if PROVIDER.contains(&entity) {
            rule.provider
        } else if PAYER.contains(&entity) {
            rule.payer
        } else if entity == OTHER_INSURED {
            "coordination of benefits"
        } else {
            rule.none
        }
    };
    match status.trim() {
        "54" | "78" => "duplicate",
        // Member, policy or contract numbers; the other insured's are COB data.
        "29" | "30" | "32" | "33" | "53" | "97" | "162" | "163" | "164" => {
            if entity == OTHER_INSURED {
                "coordination of benefits"
            } else {
                "subscriber id"
            }
        }
        // Facts about the patient or subscriber.
        "31" | "34" | "155" | "156" | "157" | "158" | "159" => "patient demographics",
        // Names and addresses of whichever entity STC01-3 names.
        "125" | "126" | "500" | "501" | "502" | "503" | "504" | "505" | "514" | "680" | "695" => {
            by_entity(ByEntity {
                person: "patient demographics",
                provider: "provider name/address",
                payer: "payer id",
                none: "other",
            })
        }
        // Provider identifiers and specialty (taxonomy).
        "128" | "129" | "130" | "131" | "132" | "133" | "134" | "135" | "136" | "137" | "138"
        | "139" | "140" | "141" | "142" | "143" | "144" | "145" | "496" | "560" | "562" => {
            by_entity(ByEntity {
                person: "subscriber id",
                provider: "provider NPI/taxonomy",
                payer: "payer id",
                none: "provider NPI/taxonomy",
            })
        }
        // An entity not approved, not found or not identified.
        "24" | "25" | "26" | "153" => by_entity(ByEntity {
            person: "subscriber id",
            provider: "provider NPI/taxonomy",
            payer: "payer id",
            none: "other",
        }),
        "109" => by_entity(ByEntity {
            person: "eligibility",
            provider: "provider NPI/taxonomy",
            payer: "payer id",
            none: "eligibility",
        }),
        "28" | "116" | "487" => "payer id",
        "27" | "88" | "89" | "90" | "91" | "92" | "108" => "eligibility",
        "48" | "84" | "94" | "252" | "674" => "authorization",
        "85" | "171" | "182" | "183" | "286" | "361" | "479" | "480" | "516" | "521" | "542"
        | "672" => "coordination of benefits",
        "86" | "232" | "254" | "255" | "257" | "451" | "477" | "488" | "508" | "509" | "688"
        | "700" => "diagnosis code",
        "453" | "454" | "455" | "465" | "474" | "475" | "476" | "490" | "507" | "513" | "678" => {
            "procedure code"
        }
        "187" | "188" | "189" | "190" | "482" | "486" | "492" | "510" | "675" => "dates of service",
        _ => "other",
    }
}

fn is_group(group: &str, want: &str) -> bool {
    group.trim().eq_ignore_ascii_case(want)
}

fn upper(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}
