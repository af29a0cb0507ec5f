//! Pure domain rules: identity numbers, company codes, form fields, ethnic groups.
//! No I/O here, so every rule is unit-tested and shared by the form, the CLI and the
//! platform simulator. All messages are Chinese and tell the clerk what to do.

pub mod company;
pub mod ethnic;
pub mod fields;
pub mod idcard;
pub mod uscc;
pub mod worker;

pub use company::Company;
pub use ethnic::{ETHNIC_GROUPS, ethnic_code, is_ethnic_name};
pub use fields::{AgeRules, IdValidity, PassPeriod, check_age, parse_id_validity, parse_pass_period, validate_mobile};
pub use idcard::{IdNumber, Sex, age_on, check_char as id_check_char, mask_id, parse_id_number};
pub use uscc::{uscc_check_char, validate_uscc};
pub use worker::Worker;

/// One finding about one field, for the form and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Severity {
    Error,
    Warning,
}
