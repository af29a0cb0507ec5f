//! Pure domain rules: identity numbers, company codes, form fields, ethnic groups, the plain
//! states of a record. No I/O here, so every rule is unit-tested and shared by the form, the
//! commands and the platform simulator. All messages are Chinese and tell the clerk what to do.

pub mod attendance;
pub mod company;
pub mod departure;
mod draft;
mod error;
pub mod ethnic;
mod field_spec;
pub mod fields;
pub mod idcard;
mod identity;
mod photo_kind;
pub mod status;
pub mod text;
pub mod time;
pub mod uscc;
pub mod worker;
mod worker_field;

pub use attendance::{Direction, Identified, Pass, Passer};
pub use company::{Company, CompanyField, CompanyProblem, CompanyRules};
pub use departure::{CompanyRemoval, DepartureBatch, check_exit_time};
pub use draft::{WorkerDraft, still_to_complete};
pub use error::{FieldError, IdCardError, PassError, UsccError};
pub use ethnic::{ETHNIC_GROUPS, ethnic_code, is_ethnic_name};
pub use field_spec::{Field, FieldSpec};
pub use fields::{AgeRules, IdValidity, PassPeriod, check_age, parse_id_validity, parse_pass_period, validate_mobile};
pub use idcard::{Sex, age_on, check_char as id_check_char, mask_id, parse_id_number};
pub use identity::{IdNumber, Suid};
pub use photo_kind::PhotoKind;
pub use status::{DepartureState, ItemState, RecordState};
pub use text::clip;
pub use uscc::{uscc_check_char, validate_suid, validate_uscc};
pub use worker::{PhotosPresent, Worker, WorkerProblem, WorkerRules};
pub use worker_field::WorkerField;

/// One finding about one field (a [`WorkerField`] or a [`CompanyField`]), for the forms and
/// the commands.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem<F> {
    pub field: F,
    pub message: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Severity {
    Error,
    Warning,
}

/// A record that passed every check that blocks. The store takes only these, so no caller
/// can put an unchecked worker, company or departure into the queue. Only this module's
/// checks make one.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated<T> {
    value: T,
}

impl<T> Validated<T> {
    /// Private to the domain: the checks are the only way to a `Validated`.
    fn new(value: T) -> Validated<T> {
        Validated { value }
    }

    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> std::ops::Deref for Validated<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}
