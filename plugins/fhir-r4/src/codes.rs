//! FHIR `Coding`/`CodeableConcept` to and from the model's [`Code`], and the FHIR code
//! system URIs the connector reads and writes.

use clearway_plugin_sdk::schemas::{Code, CodeSystem};

use crate::node::Node;

/// `Claim.type` codes.
pub const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";
/// `Claim.diagnosis.type` codes.
pub const DIAGNOSIS_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype";
/// `Claim.diagnosis.onAdmission` codes.
pub const ON_ADMISSION: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosis-on-admission";
/// `Claim.careTeam.role` codes.
pub const CARE_TEAM_ROLE: &str = "http://terminology.hl7.org/CodeSystem/claimcareteamrole";
/// `supportingInfo.category` codes.
pub const INFO_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/claiminformationcategory";
/// Adjudication category codes (`submitted`, `eligible`, `benefit`, ...).
pub const ADJUDICATION: &str = "http://terminology.hl7.org/CodeSystem/adjudication";
/// Benefit category codes of eligibility responses.
pub const BENEFIT_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/ex-benefitcategory";
/// Benefit type codes (`benefit`, `deductible`, `copay`, ...).
pub const BENEFIT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/benefit-type";
/// Benefit network codes (`in`, `out`).
pub const BENEFIT_NETWORK: &str = "http://terminology.hl7.org/CodeSystem/benefit-network";
/// Benefit unit codes (`individual`, `family`).
pub const BENEFIT_UNIT: &str = "http://terminology.hl7.org/CodeSystem/benefit-unit";
/// Benefit term codes (`annual`, `day`, `lifetime`).
pub const BENEFIT_TERM: &str = "http://terminology.hl7.org/CodeSystem/benefit-term";
/// Payee type codes.
pub const PAYEE_TYPE: &str = "http://terminology.hl7.org/CodeSystem/payeetype";
/// Process priority codes.
pub const PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/processpriority";
/// Coverage relationship codes.
pub const RELATIONSHIP: &str = "http://terminology.hl7.org/CodeSystem/subscriber-relationship";
/// Coverage class codes (`group`, `plan`, ...).
pub const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";
/// Identifier type codes (`MR`, `MB`, `TAX`, `NPI`, ...).
pub const IDENTIFIER_TYPE: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";
/// Teeth (ADA universal numbering), `Claim.item.bodySite` of oral claims.
pub const TOOTH: &str = "http://terminology.hl7.org/CodeSystem/ex-tooth";
/// Tooth surfaces, `Claim.item.subSite` of oral claims.
pub const SURFACE: &str = "http://terminology.hl7.org/CodeSystem/FDI-surface";
/// National Provider Identifier.
pub const NPI: &str = "http://hl7.org/fhir/sid/us-npi";
/// US Social Security numbers.
pub const SSN: &str = "http://hl7.org/fhir/sid/us-ssn";
/// Payment type codes (`complete`, `partial`).
pub const PAYMENT_TYPE: &str = "http://terminology.hl7.org/CodeSystem/ex-paymenttype";
/// ISO 4217 currency (the only currency the model carries is US dollars).
pub const USD: &str = "USD";

/// The first coding of a `CodeableConcept` that has a code, as a [`Code`] whose system comes
/// from the coding's URI (CPT, HCPCS, CDT, ICD-10-CM, ... or [`CodeSystem::Other`]).
/// Codings without a system are skipped: a [`Code`] always carries its system.
pub fn code(concept: &Node<'_>) -> Option<Code> {
    concept.items("coding").into_iter().find_map(|coding| {
        let system = coding.str("system")?;
        let code = coding.str("code")?;
        let mut result = Code::new(CodeSystem::from_fhir_uri(system), code);
        if let Some(display) = coding.str("display") {
            result = result.with_display(display);
        }
        Some(result)
    })
}

/// The code of the first coding of `concept` whose system is `system`.
pub fn code_in<'a>(concept: &Node<'a>, system: &str) -> Option<&'a str> {
    concept
        .items("coding")
        .into_iter()
        .find(|coding| coding.str("system") == Some(system))
        .and_then(|coding| coding.str("code"))
}

/// The code of the first coding of `concept`, whatever its system.
pub fn any_code<'a>(concept: &Node<'a>) -> Option<&'a str> {
    concept
        .items("coding")
        .into_iter()
        .find_map(|coding| coding.str("code"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn codes_take_their_system_from_the_uri() {
        let parsed = parse(
            br#"{"coding": [{"code": "nosystem"}, {"system": "http://www.ama-assn.org/go/cpt", "code": "99213", "display": "Office visit"}]}"#,
        )
        .expect("valid JSON");
        let node = Node::root(&parsed.value, "x", &parsed.numbers);
        let found = code(&node).expect("a coded concept");
        assert_eq!(found.system, CodeSystem::Cpt);
        assert_eq!(found.code, "99213");
        assert_eq!(found.display.as_deref(), Some("Office visit"));
        assert_eq!(any_code(&node), Some("nosystem"));
        assert_eq!(
            code_in(&node, "http://www.ama-assn.org/go/cpt"),
            Some("99213")
        );
    }
}
