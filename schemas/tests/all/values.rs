//! Value types: Money/Quantity/Percent, Date/Time/DateTime, CodeSystem, Kind.

use std::collections::BTreeSet;
use std::str::FromStr;

use clearway_schemas::{Code, CodeSystem, Date, DateTime, Kind, Money, Percent, Quantity, Time};
use serde_json::json;

fn money(text: &str) -> Money {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn money_accepts_decimal_strings_and_keeps_their_scale() {
    for text in [
        "0.00",
        "-5.25",
        "125.50",
        "0",
        "1000000",
        "-0.01",
        "12345678901234567890.12",
    ] {
        let parsed: Money = serde_json::from_value(json!(text)).expect(text);
        assert_eq!(serde_json::to_value(parsed).unwrap(), json!(text));
        assert_eq!(parsed.to_string(), text);
    }
}

#[test]
fn money_rejects_json_numbers() {
    for number in [json!(125.5), json!(125), json!(-3), json!(0)] {
        let error = serde_json::from_value::<Money>(number.clone())
            .unwrap_err()
            .to_string();
        assert!(error.contains("not a number"), "{number}: {error}");
    }
    let error = serde_json::from_str::<Money>("12.5")
        .unwrap_err()
        .to_string();
    assert!(error.contains("JSON string"), "{error}");
}

#[test]
fn money_rejects_malformed_strings_without_echoing_them() {
    for text in [
        "", "1.", ".5", "+1", " 1", "1e5", "1,000.00", "12.3.4", "NaN", "--1", "1 ",
    ] {
        let error = serde_json::from_value::<Money>(json!(text))
            .unwrap_err()
            .to_string();
        assert!(error.contains("decimal string"), "{text:?}: {error}");
        if text.trim().len() > 3 {
            assert!(
                !error.contains(text),
                "error echoes the value {text:?}: {error}"
            );
        }
    }
    let too_long = "1".repeat(40);
    assert!(too_long.parse::<Money>().is_err());
}

#[test]
fn money_arithmetic_is_exact() {
    let total: Money = ["0.10", "0.20", "0.30"].into_iter().map(money).sum();
    assert_eq!(total, money("0.60"));
    assert_eq!(money("125.50") - money("25.25"), money("100.25"));
    assert_eq!(money("1.005") + money("-1.005"), Money::zero());
    assert_eq!(-money("5.25"), money("-5.25"));
    assert!(Money::zero().is_zero() && money("0.00").is_zero());
    assert_eq!(money("1.50"), money("1.5"), "equality ignores scale");
}

#[test]
fn quantity_and_percent_are_decimal_strings_too() {
    let q: Quantity = serde_json::from_value(json!("2.5")).unwrap();
    assert_eq!(q.to_string(), "2.5");
    assert!(serde_json::from_value::<Quantity>(json!(2.5)).is_err());
    let p: Percent = serde_json::from_value(json!("0.20")).unwrap();
    assert_eq!(serde_json::to_value(p).unwrap(), json!("0.20"));
    assert!(serde_json::from_value::<Percent>(json!(0.2)).is_err());
}

#[test]
fn dates_must_exist() {
    for ok in [
        "2024-02-29",
        "2000-02-29",
        "1999-12-31",
        "2024-04-30",
        "0001-01-01",
    ] {
        let date: Date = serde_json::from_value(json!(ok)).expect(ok);
        assert_eq!(date.as_str(), ok);
    }
    for bad in [
        "2024-02-30",
        "2023-02-29",
        "1900-02-29",
        "2024-04-31",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-1-01",
        "20240101",
        "2024/01/01",
        "2024-01-01T00:00:00Z",
        "",
        "２０２４-01-01",
    ] {
        let error = serde_json::from_value::<Date>(json!(bad));
        let message = error.expect_err(bad).to_string();
        if !bad.is_empty() {
            assert!(!message.contains(bad), "error echoes the value: {message}");
        }
    }
    assert!(serde_json::from_value::<Date>(json!(20240101)).is_err());
}

#[test]
fn date_parts_and_constructor() {
    let date = Date::from_ymd(2024, 2, 29).unwrap();
    assert_eq!((date.year(), date.month(), date.day()), (2024, 2, 29));
    assert_eq!(date.to_string(), "2024-02-29");
    assert!(Date::from_ymd(2023, 2, 29).is_err());
    assert!(Date::from_ymd(10000, 1, 1).is_err());
    assert!(Date::from_str("2024-03-01").unwrap() > Date::from_str("2024-02-29").unwrap());
}

#[test]
fn times_and_date_times() {
    for ok in ["00:00", "23:59", "14:30:05", "14:30:05.123"] {
        Time::from_str(ok).expect(ok);
    }
    for bad in [
        "24:00",
        "12:60",
        "1:30",
        "12",
        "12:30:61",
        "12:30.5",
        "12:30:00.",
    ] {
        assert!(Time::from_str(bad).is_err(), "{bad}");
    }
    for ok in [
        "2024-03-15T14:30:00Z",
        "2024-03-15T14:30:00-05:00",
        "2024-03-15T14:30:00.25+01:00",
    ] {
        let dt = DateTime::from_str(ok).expect(ok);
        assert_eq!(dt.date().as_str(), "2024-03-15");
    }
    for bad in [
        "2024-03-15",
        "2024-03-15T14:30Z",
        "2024-03-15 14:30:00Z",
        "2024-03-15T14:30:00",
        "2024-02-30T14:30:00Z",
        "2024-03-15T14:30:00+5:00",
        "2024-03-15T25:30:00Z",
    ] {
        assert!(DateTime::from_str(bad).is_err(), "{bad}");
    }
}

#[test]
fn kinds_round_trip_as_strings() {
    for kind in Kind::ALL {
        let text = kind.as_str();
        assert_eq!(serde_json::to_value(kind).unwrap(), json!(text));
        assert_eq!(serde_json::from_value::<Kind>(json!(text)).unwrap(), kind);
        assert_eq!(Kind::from_str(text).unwrap(), kind);
        assert_eq!(kind.to_string(), text);
    }
    let names: BTreeSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), Kind::ALL.len());
    let error = Kind::from_str("claims").unwrap_err().to_string();
    for kind in Kind::ALL {
        assert!(error.contains(kind.as_str()), "{error} should name {kind}");
    }
    assert!(serde_json::from_value::<Kind>(json!("Claim")).is_err());
}

#[test]
fn code_systems_round_trip_by_name_and_by_uri() {
    let mut uris = BTreeSet::new();
    for system in CodeSystem::KNOWN {
        let name = system.as_str();
        assert_eq!(&CodeSystem::from_str(name).unwrap(), system);
        assert_eq!(&CodeSystem::from_fhir_uri(system.fhir_uri()), system);
        assert_eq!(
            &CodeSystem::from_str(system.fhir_uri()).unwrap(),
            system,
            "URI of {name}"
        );
        assert!(
            uris.insert(system.fhir_uri()),
            "two systems share {}",
            system.fhir_uri()
        );
    }
    assert_eq!(CodeSystem::Cpt.fhir_uri(), "http://www.ama-assn.org/go/cpt");
    assert_eq!(
        CodeSystem::Icd10Cm.fhir_uri(),
        "http://hl7.org/fhir/sid/icd-10-cm"
    );
    assert_eq!(
        CodeSystem::Carc.fhir_uri(),
        "https://x12.org/codes/claim-adjustment-reason-codes"
    );
    assert_eq!(
        CodeSystem::from_fhir_uri("http://hl7.org/fhir/sid/ndc/"),
        CodeSystem::Ndc
    );
    let loinc = CodeSystem::from_str("http://loinc.org").unwrap();
    assert_eq!(loinc, CodeSystem::Other("http://loinc.org".to_owned()));
    assert_eq!(
        serde_json::to_value(&loinc).unwrap(),
        json!("http://loinc.org")
    );
    assert!(CodeSystem::from_str("urn:oid:2.16.840.1.113883.6.1").is_ok());
    for bad in ["cpt4", "ICD10", "", "http://", "not a uri:x y"] {
        assert!(CodeSystem::from_str(bad).is_err(), "{bad:?}");
    }
    let code: Code =
        serde_json::from_value(json!({"system": "icd-10-cm", "code": "E11.9"})).unwrap();
    assert_eq!(code, Code::new(CodeSystem::Icd10Cm, "E11.9"));
    assert!(
        serde_json::from_value::<Code>(json!({"system": "cpt", "code": "1", "extra": 1})).is_err()
    );
}
