//! Syntax checks of the data elements of one segment, whatever the transaction set:
//! characters outside the X12 character sets (`IK403` `6`), and for the segments whose
//! elements the X12 dictionary defines the same way in every transaction (`NM1`, `N3`,
//! `N4`, `REF`, `PER`, `DTP`, `HL`, `TRN`, `AMT`, `QTY`, `BHT`, `DMG`, `SBR`, `LX`, `CLM`,
//! `STC`, `SVC`, `SV1`, `CLP`, `CAS`): too many elements (`3`), too short (`4`), too long
//! (`5`), not a number (`6`), not a date (`8`) or time (`9`). The element reference numbers
//! and lengths are those of the X12 005010 data element dictionary.

use clearway_plugin_sdk::schemas::body::ack::ElementError;

use crate::syntax::Segment;
use crate::values::{parse_date, parse_time};

/// An X12 data type, as far as the checks need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    /// Identifier or string: only the length is checked.
    Text,
    /// Decimal number (`R`): digits, an optional sign and decimal point.
    Decimal,
    /// Integer (`N0`).
    Integer,
    /// Date `CCYYMMDD` (`DT`).
    Date,
    /// Time `HHMM[SS[D..]]` (`TM`).
    Time,
}

/// One element of the dictionary: reference number, type, minimum and maximum length;
/// `None` for a composite (not checked).
type Def = Option<(u16, Type, usize, usize)>;

use Type::{Date, Decimal, Integer, Text, Time};

/// Shorthands for the table.
const fn t(number: u16, min: usize, max: usize) -> Def {
    Some((number, Text, min, max))
}
/// A decimal element.
const fn r(number: u16, max: usize) -> Def {
    Some((number, Decimal, 1, max))
}
/// A composite.
const C: Def = None;
/// A `DT` date element (373).
const DT: Def = Some((373, Date, 8, 8));

/// The elements of the generic segments, in order.
#[rustfmt::skip]
const TABLE: &[(&str, &[Def])] = &[
    ("NM1", &[t(98, 2, 3), t(1065, 1, 1), t(1035, 1, 60), t(1036, 1, 35), t(1037, 1, 25),
        t(1038, 1, 10), t(1039, 1, 10), t(66, 1, 2), t(67, 2, 80), t(706, 2, 2), t(98, 2, 3),
        t(1035, 1, 60)]),
    ("N3", &[t(166, 1, 55), t(166, 1, 55)]),
    ("N4", &[t(19, 2, 30), t(156, 2, 2), t(116, 3, 15), t(26, 2, 3), t(309, 1, 2),
        t(310, 1, 30), t(1715, 1, 3)]),
    ("REF", &[t(128, 2, 3), t(127, 1, 50), t(352, 1, 80), C]),
    ("PER", &[t(366, 2, 2), t(93, 1, 60), t(365, 2, 2), t(364, 1, 256), t(365, 2, 2),
        t(364, 1, 256), t(365, 2, 2), t(364, 1, 256), t(443, 1, 20)]),
    ("DTP", &[t(374, 3, 3), t(1250, 2, 3), t(1251, 1, 35)]),
    ("HL", &[t(628, 1, 12), t(734, 1, 12), t(735, 1, 2), t(736, 1, 1)]),
    ("TRN", &[t(481, 1, 2), t(127, 1, 50), t(509, 10, 10), t(127, 1, 50)]),
    ("AMT", &[t(522, 1, 3), r(782, 18), t(478, 1, 1)]),
    ("QTY", &[t(673, 2, 2), r(380, 15), C, t(61, 1, 30)]),
    ("BHT", &[t(1005, 4, 4), t(353, 2, 2), t(127, 1, 50), DT, Some((337, Time, 4, 8)),
        t(640, 2, 2)]),
    ("DMG", &[t(1250, 2, 3), t(1251, 1, 35), t(1068, 1, 1), t(1067, 1, 1), C, t(1066, 1, 2),
        t(26, 2, 3), t(659, 1, 2), r(380, 15), t(1270, 1, 3), t(1271, 1, 30)]),
    ("SBR", &[t(1138, 1, 1), t(1069, 2, 2), t(127, 1, 50), t(93, 1, 60), t(1336, 1, 3),
        t(1143, 1, 1), t(1073, 1, 1), t(584, 2, 2), t(1032, 1, 2)]),
    ("LX", &[Some((554, Integer, 1, 6))]),
    ("CLM", &[t(1028, 1, 38), r(782, 18), t(1032, 1, 2), t(1343, 1, 2), C, t(1073, 1, 1),
        t(1359, 1, 1), t(1073, 1, 1), t(1363, 1, 1), t(1351, 1, 1), C, t(1366, 2, 3),
        t(1073, 1, 1), t(1338, 1, 3), t(1073, 1, 1), t(1360, 1, 1), t(1029, 1, 2),
        t(1073, 1, 1), t(1383, 2, 2), t(1514, 1, 2)]),
    ("STC", &[C, DT, t(306, 1, 2), r(782, 18), r(782, 18), DT, t(591, 3, 3), DT,
        t(429, 1, 16), C, C, t(933, 1, 264)]),
    ("SVC", &[C, r(782, 18), r(782, 18), t(234, 1, 48), r(380, 15), C, r(380, 15)]),
    ("SV1", &[C, r(782, 18), t(355, 2, 2), r(380, 15), t(1331, 1, 2), t(1365, 1, 2), C,
        r(782, 18), t(1073, 1, 1), t(1340, 1, 2), t(1073, 1, 1), t(1073, 1, 1),
        t(1364, 1, 2), t(1341, 1, 2), t(1327, 1, 1), t(1334, 1, 1), t(127, 1, 50),
        t(116, 3, 15), r(782, 18), t(1337, 1, 1), t(1360, 1, 1)]),
    ("CLP", &[t(1028, 1, 38), t(1029, 1, 2), r(782, 18), r(782, 18), r(782, 18),
        t(1032, 1, 2), t(127, 1, 50), t(1331, 1, 2), t(1325, 1, 1), t(1352, 1, 2),
        t(1354, 1, 4), r(380, 15), r(954, 10), t(1073, 1, 1)]),
    ("CAS", &[t(1033, 1, 2), t(1034, 1, 5), r(782, 18), r(380, 15), t(1034, 1, 5),
        r(782, 18), r(380, 15), t(1034, 1, 5), r(782, 18), r(380, 15), t(1034, 1, 5),
        r(782, 18), r(380, 15), t(1034, 1, 5), r(782, 18), r(380, 15), t(1034, 1, 5),
        r(782, 18), r(380, 15)]),
];

/// The dictionary entry of element `n` (1-based) of segment `id`: `Some(None)` for a
/// composite, `None` when the segment is not in the table or has no element `n`.
fn def(id: &str, n: usize) -> Option<Def> {
    let (_, defs) = TABLE.iter().find(|(s, _)| *s == id)?;
    defs.get(n.checked_sub(1)?).copied()
}

/// The data element reference number of element `n` of segment `id`, when the table has
/// it (for `IK402`).
pub fn reference(id: &str, n: usize) -> Option<String> {
    def(id, n).flatten().map(|(number, ..)| number.to_string())
}

/// Whether `c` is in the X12 basic or extended character set (printable ASCII).
fn allowed(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// The error code for a simple element's value, if any.
fn value_error(
    value: &str,
    (_, kind, min, max): (u16, Type, usize, usize),
) -> Option<&'static str> {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let length = match kind {
        Type::Decimal | Type::Integer => {
            let unsigned = value.strip_prefix('-').unwrap_or(value);
            let points = unsigned.bytes().filter(|&b| b == b'.').count();
            let numeric = unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            let max_points = usize::from(kind == Type::Decimal);
            if !numeric || points > max_points || digits == 0 {
                return Some("6");
            }
            digits
        }
        Type::Date => return parse_date(value).is_none().then_some("8"),
        Type::Time => {
            let ok = (4..=8).contains(&value.len())
                && digits == value.len()
                && parse_time(&value[..4]).is_some()
                && value.get(4..6).is_none_or(|s| s < "60");
            return (!ok).then_some("9");
        }
        Type::Text => value.chars().count(),
    };
    if length < min {
        Some("4")
    } else if length > max {
        Some("5")
    } else {
        None
    }
}

/// The element errors of `segment`, at most one per element, in element order.
pub fn check(segment: &Segment<'_>) -> Vec<ElementError> {
    let mut errors = Vec::new();
    let component = segment.delimiters.component;
    let known = TABLE
        .iter()
        .find(|(s, _)| *s == segment.id)
        .map(|(_, d)| d.len());
    for (i, value) in segment.elements.iter().enumerate() {
        let n = i + 1;
        let error = |code: &str, component_position: Option<u32>| ElementError {
            position: u32::try_from(n).unwrap_or(u32::MAX),
            component_position,
            repetition: None,
            element_reference: reference(segment.id, n),
            error_code: code.to_owned(),
            bad_value: None,
            context: Vec::new(),
        };
        if let Some(c) = value.split(component).position(|p| !p.chars().all(allowed)) {
            let composite = value.contains(component);
            let at = composite.then(|| u32::try_from(c + 1).unwrap_or(u32::MAX));
            errors.push(error("6", at));
            continue;
        }
        if value.is_empty() {
            continue;
        }
        if known.is_some_and(|count| n > count) {
            errors.push(error("3", None));
            break;
        }
        if let Some(Some(d)) = def(segment.id, n)
            && let Some(code) = value_error(value, d)
        {
            errors.push(error(code, None));
        }
    }
    errors
}
