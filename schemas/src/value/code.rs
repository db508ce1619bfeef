//! Coded values that always carry their code system: [`Code`], [`CodeSystem`], [`Identifier`].

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Pattern a code system outside the known list must match: an absolute URI (or `urn:oid:`).
pub const URI_PATTERN: &str = r"^[A-Za-z][A-Za-z0-9+.-]*:/*[^\s/][^\s]*$";

/// A code system name that is neither a known name nor an absolute URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown code system: expected one of {} or an absolute URI",
    CodeSystem::known_names()
)]
pub struct UnknownCodeSystem;

macro_rules! code_systems {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $uri:literal; )*) => {
        /// The code system a [`Code`] belongs to.
        ///
        /// Serialized as a stable short name (`"cpt"`, `"icd-10-cm"`, ...) or, for any other
        /// system, its URI. FHIR: `Coding.system` via [`CodeSystem::fhir_uri`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CodeSystem {
            $( $(#[$doc])* $variant, )*
            /// Any other system, named by its absolute URI (FHIR `Coding.system`).
            Other(String),
        }

        impl CodeSystem {
            /// Every known system (everything but [`CodeSystem::Other`]).
            pub const KNOWN: &[CodeSystem] = &[$(CodeSystem::$variant),*];

            /// The stable short name used in JSON, or the URI for [`CodeSystem::Other`].
            pub fn as_str(&self) -> &str {
                match self {
                    $(CodeSystem::$variant => $name,)*
                    CodeSystem::Other(uri) => uri,
                }
            }

            /// The FHIR `Coding.system` URI for this system.
            pub fn fhir_uri(&self) -> &str {
                match self {
                    $(CodeSystem::$variant => $uri,)*
                    CodeSystem::Other(uri) => uri,
                }
            }

            /// The system a FHIR `Coding.system` URI names; unknown URIs become
            /// [`CodeSystem::Other`].
            pub fn from_fhir_uri(uri: &str) -> CodeSystem {
                let trimmed = uri.trim_end_matches('/');
                match trimmed {
                    $($uri => CodeSystem::$variant,)*
                    _ => CodeSystem::Other(uri.to_owned()),
                }
            }

            /// The known short names, comma separated (for error messages).
            fn known_names() -> &'static str {
                concat!($($name, ", ",)* "")
                    .trim_end_matches(", ")
            }

            /// The system with the short name `name`, if known.
            fn from_name(name: &str) -> Option<CodeSystem> {
                match name {
                    $($name => Some(CodeSystem::$variant),)*
                    _ => None,
                }
            }

            /// The known short names as a JSON array (for the schema).
            fn name_list() -> Vec<&'static str> {
                vec![$($name),*]
            }
        }
    };
}

code_systems! {
    /// CPT (AMA). X12 qualifier `HC` (shared with HCPCS Level II).
    Cpt => "cpt", "http://www.ama-assn.org/go/cpt";
    /// HCPCS Level II (CMS). X12 qualifier `HC`.
    Hcpcs => "hcpcs", "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
    /// CDT dental procedures (ADA). X12 qualifier `AD`.
    Cdt => "cdt", "http://www.ada.org/cdt";
    /// ICD-10-CM diagnoses. X12 qualifiers `ABK`, `ABF`, `ABJ`, `APR`, `ABN`.
    Icd10Cm => "icd-10-cm", "http://hl7.org/fhir/sid/icd-10-cm";
    /// ICD-10-PCS inpatient procedures. X12 qualifiers `BBR`, `BBQ`.
    Icd10Pcs => "icd-10-pcs", "http://www.cms.gov/Medicare/Coding/ICD10";
    /// National Drug Codes (11-digit 5-4-2 form). X12 qualifier `N4`.
    Ndc => "ndc", "http://hl7.org/fhir/sid/ndc";
    /// Claim adjustment reason codes (X12 external code list 139).
    Carc => "carc", "https://x12.org/codes/claim-adjustment-reason-codes";
    /// Remittance advice remark codes (X12 external code list 411).
    Rarc => "rarc", "https://x12.org/codes/remittance-advice-remark-codes";
    /// Claim adjustment group codes (`CAS01`: CO, PR, OI, PI, CR).
    Cagc => "cagc", "https://x12.org/codes/claim-adjustment-group-codes";
    /// CMS place of service codes (`CLM05-1` with `B`, `SV105`).
    PlaceOfService => "pos", "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";
    /// NUCC health care provider taxonomy (`PRV03`).
    Nucc => "nucc", "http://nucc.org/provider-taxonomy";
    /// X12 service type codes (`EQ01`, `EB03`, `UM03`; code list 1365).
    X12ServiceType => "x12-service-type", "https://x12.org/codes/service-type-codes";
    /// X12 claim status category codes (`STC01-1`; code list 507).
    X12ClaimStatusCategory => "x12-claim-status-category", "https://x12.org/codes/claim-status-category-codes";
    /// X12 claim status codes (`STC01-2`; code list 508).
    X12ClaimStatus => "x12-claim-status", "https://x12.org/codes/claim-status-codes";
    /// X12 entity identifier codes (`NM101`, `STC01-3`; element 98).
    X12EntityIdentifier => "x12-entity-identifier", "https://x12.org/codes/entity-identifier-codes";
    /// X12 health care services review decision reason codes (`HCR03`; code list 886).
    X12ReviewDecisionReason => "x12-review-decision-reason", "https://x12.org/codes/health-care-services-decision-reason-codes";
    /// Procedure modifiers (CPT/HCPCS modifiers such as `25`, `59`, `LT`).
    Modifier => "modifier", "http://terminology.hl7.org/CodeSystem/modifiers";
    /// NUBC revenue codes (`SV201`, `SVC04`).
    NubcRevenue => "nubc-revenue", "https://www.nubc.org/CodeSystem/RevenueCodes";
    /// NUBC type of bill, four digits with the leading zero (`0111`): facility type + frequency.
    NubcBillType => "nubc-bill-type", "https://www.nubc.org/CodeSystem/TypeOfBill";
    /// NUBC condition codes (`HI` with `BG`).
    NubcCondition => "nubc-condition", "https://www.nubc.org/CodeSystem/ConditionCodes";
    /// NUBC occurrence codes (`HI` with `BH`).
    NubcOccurrence => "nubc-occurrence", "https://www.nubc.org/CodeSystem/OccurrenceCodes";
    /// NUBC occurrence span codes (`HI` with `BI`).
    NubcOccurrenceSpan => "nubc-occurrence-span", "https://www.nubc.org/CodeSystem/OccurrenceSpanCodes";
    /// NUBC value codes (`HI` with `BE`).
    NubcValue => "nubc-value", "https://www.nubc.org/CodeSystem/ValueCodes";
    /// NUBC priority (type) of admission or visit (`CL101`).
    NubcAdmissionType => "nubc-admission-type", "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit";
    /// NUBC point of origin for admission or visit (`CL102`).
    NubcPointOfOrigin => "nubc-point-of-origin", "https://www.nubc.org/CodeSystem/PointOfOrigin";
    /// NUBC patient discharge status (`CL103`).
    NubcPatientStatus => "nubc-patient-status", "https://www.nubc.org/CodeSystem/PatDischargeStatus";
    /// MS-DRG diagnosis related groups (`HI` with `DR`, `CLP11`).
    MsDrg => "ms-drg", "https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software";
}

impl fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CodeSystem {
    type Err = UnknownCodeSystem;

    /// A known short name, or an absolute URI (a known system's FHIR URI maps to it).
    fn from_str(s: &str) -> Result<CodeSystem, UnknownCodeSystem> {
        if let Some(system) = CodeSystem::from_name(s) {
            return Ok(system);
        }
        let scheme_ok = s.split_once(':').is_some_and(|(scheme, rest)| {
            scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && !rest.trim_start_matches('/').is_empty()
                && !rest.chars().any(char::is_whitespace)
        });
        if scheme_ok {
            Ok(CodeSystem::from_fhir_uri(s))
        } else {
            Err(UnknownCodeSystem)
        }
    }
}

impl Serialize for CodeSystem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CodeSystem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Visitor accepting a known name or a URI.
        struct V;
        impl Visitor<'_> for V {
            type Value = CodeSystem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a code system name or URI")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CodeSystem, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}

impl JsonSchema for CodeSystem {
    fn schema_name() -> Cow<'static, str> {
        "CodeSystem".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "clearway_schemas::CodeSystem".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Code system: a known short name, or the absolute URI of any other system.",
            "anyOf": [
                { "type": "string", "enum": CodeSystem::name_list() },
                { "type": "string", "pattern": URI_PATTERN },
            ],
        })
    }
}

/// A code with its system, e.g. CPT `99213` or ICD-10-CM `E11.9`.
///
/// FHIR: `Coding` (`system`, `code`, `display`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Code {
    /// The code system. X12: implied by the qualifier (`HC`, `ABK`, ...). FHIR: `Coding.system`.
    pub system: CodeSystem,
    /// The code as the system writes it (ICD-10-CM with its dot, `E11.9`). FHIR: `Coding.code`.
    pub code: String,
    /// Human-readable text for the code, if the sender gave one. FHIR: `Coding.display`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Code {
    /// A code without display text.
    pub fn new(system: CodeSystem, code: impl Into<String>) -> Code {
        Code {
            system,
            code: code.into(),
            display: None,
        }
    }

    /// The same code with display text.
    pub fn with_display(mut self, display: impl Into<String>) -> Code {
        self.display = Some(display.into());
        self
    }
}

/// An identifier with what kind of identifier it is.
///
/// X12: `REF01`/`REF02` or `NM108`/`NM109`. FHIR: `Identifier` (`system`, `value`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identifier {
    /// X12 reference qualifier (`REF01`, `NM108`), e.g. `EI` (EIN), `SY` (SSN), `G2`, `1G`, `MI`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    /// FHIR `Identifier.system` URI, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The identifier itself. X12: `REF02`/`NM109`. FHIR: `Identifier.value`.
    pub value: String,
}

impl Identifier {
    /// An identifier with an X12 qualifier.
    pub fn qualified(qualifier: impl Into<String>, value: impl Into<String>) -> Identifier {
        Identifier {
            qualifier: Some(qualifier.into()),
            system: None,
            value: value.into(),
        }
    }
}
