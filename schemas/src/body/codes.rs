//! Small X12 code lists modeled as enums with stable JSON names and their X12 codes.

/// Defines an enum whose variants serialize to stable snake_case names and map to X12 codes
/// (`x12_code`, `from_x12_code`), so a connector converts both ways without a table of its own.
macro_rules! x12_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $json:literal / $x12:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("X12 `", $x12, "`.")]
                #[serde(rename = $json)]
                $variant,
            )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &[$name] = &[$($name::$variant),*];

            /// The X12 code.
            pub fn x12_code(self) -> &'static str {
                match self {
                    $($name::$variant => $x12,)*
                }
            }

            /// The value an X12 code names, if any.
            pub fn from_x12_code(code: &str) -> Option<$name> {
                match code {
                    $($x12 => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The stable JSON name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $json,)*
                }
            }
        }
    };
}

pub(crate) use x12_enum;

x12_enum! {
    /// Claim frequency: original, replacement, void, ... X12: `CLM05-3`, `CLP09`, last digit
    /// of the bill type. FHIR: `Claim.related` / extension.
    ClaimFrequency {
        /// Original claim (admit through discharge for institutional).
        Original = "original" / "1",
        /// Interim, first claim.
        InterimFirst = "interim_first" / "2",
        /// Interim, continuing claim.
        InterimContinuing = "interim_continuing" / "3",
        /// Interim, last claim.
        InterimLast = "interim_last" / "4",
        /// Late charges only.
        LateCharge = "late_charge" / "5",
        /// Adjustment of a prior claim.
        Adjustment = "adjustment" / "6",
        /// Replacement (corrected claim) of a prior claim.
        Replacement = "replacement" / "7",
        /// Void or cancel of a prior claim.
        Void = "void" / "8",
    }
}

x12_enum! {
    /// Claim adjustment group code. X12: `CAS01`. FHIR: `adjudication.category` (CAGC).
    AdjustmentGroup {
        /// Contractual obligation (provider write-off).
        ContractualObligation = "CO" / "CO",
        /// Patient responsibility.
        PatientResponsibility = "PR" / "PR",
        /// Other adjustment.
        OtherAdjustment = "OA" / "OA",
        /// Payer initiated reduction.
        PayerInitiated = "PI" / "PI",
        /// Correction and reversal.
        CorrectionReversal = "CR" / "CR",
    }
}

x12_enum! {
    /// Order of a payer's responsibility. X12: `SBR01`. FHIR: `Coverage.order`.
    PayerSequence {
        /// Primary.
        Primary = "primary" / "P",
        /// Secondary.
        Secondary = "secondary" / "S",
        /// Tertiary.
        Tertiary = "tertiary" / "T",
        /// Payer responsibility four.
        Fourth = "fourth" / "A",
        /// Payer responsibility five.
        Fifth = "fifth" / "B",
        /// Payer responsibility six.
        Sixth = "sixth" / "C",
        /// Payer responsibility seven.
        Seventh = "seventh" / "D",
        /// Payer responsibility eight.
        Eighth = "eighth" / "E",
        /// Payer responsibility nine.
        Ninth = "ninth" / "F",
        /// Payer responsibility ten.
        Tenth = "tenth" / "G",
        /// Payer responsibility eleven.
        Eleventh = "eleventh" / "H",
        /// Unknown.
        Unknown = "unknown" / "U",
    }
}

x12_enum! {
    /// A yes / no / unknown answer. X12: `Y`, `N`, `U` (e.g. `EB11`).
    YesNoUnknown {
        /// Yes.
        Yes = "yes" / "Y",
        /// No.
        No = "no" / "N",
        /// Unknown.
        Unknown = "unknown" / "U",
    }
}

x12_enum! {
    /// Unit of measure of service units. X12: `SV103`, `SV204`, `SV303`, `HSD02`.
    /// FHIR: `Claim.item.quantity.unit`.
    UnitType {
        /// Units.
        Units = "units" / "UN",
        /// Minutes (anesthesia).
        Minutes = "minutes" / "MJ",
        /// Days.
        Days = "days" / "DA",
        /// Visits.
        Visits = "visits" / "VS",
        /// Hours.
        Hours = "hours" / "HS",
        /// Months.
        Months = "months" / "MO",
        /// Weeks.
        Weeks = "weeks" / "WK",
    }
}

x12_enum! {
    /// Unit of measure of a drug quantity. X12: `CTP05-1`. FHIR: `Quantity.unit`.
    DrugUnit {
        /// International unit.
        InternationalUnit = "international_unit" / "F2",
        /// Gram.
        Gram = "gram" / "GR",
        /// Milligram.
        Milligram = "milligram" / "ME",
        /// Milliliter.
        Milliliter = "milliliter" / "ML",
        /// Unit.
        Unit = "unit" / "UN",
    }
}
