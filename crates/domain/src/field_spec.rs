//! What a form field is, for workers and companies alike: each record type has one table of
//! its fields ([`WorkerField`](crate::WorkerField), [`CompanyField`](crate::CompanyField)),
//! read through one trait, so the forms, the checks, the import and the exports ask it the
//! same way and a screen's widgets serve both records.

/// One field's row in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The clerk's name for it.
    pub label: &'static str,
    /// The platform's key for it (RegisterEmployee, AddCompany).
    pub key: &'static str,
    /// The platform refuses the record without it.
    pub required: bool,
    /// The longest text it takes, in characters (0 for a photo).
    pub max_chars: usize,
}

/// A field key of one record type: a type, not a string, so a form cannot ask a worker for a
/// company's field.
pub trait Field: Copy + Eq + Ord + std::hash::Hash + std::fmt::Debug + 'static {
    type Record;

    /// Every field, in the form's order.
    const ALL: &'static [Self];

    fn spec(self) -> FieldSpec;

    /// Where its text lives in the record; `None` for a field that is not text (a photo).
    fn text(self, record: &Self::Record) -> Option<&String>;

    fn text_mut(self, record: &mut Self::Record) -> Option<&mut String>;

    fn label(self) -> &'static str {
        self.spec().label
    }

    fn key(self) -> &'static str {
        self.spec().key
    }

    fn required(self) -> bool {
        self.spec().required
    }

    fn max_chars(self) -> usize {
        self.spec().max_chars
    }

    fn from_key(key: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.key() == key)
    }
}

/// Builds a [`FieldSpec`] row: `spec("姓名", "emp_name", true, 50)`.
pub(crate) const fn spec(label: &'static str, key: &'static str, required: bool, max_chars: usize) -> FieldSpec {
    FieldSpec {
        label,
        key,
        required,
        max_chars,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CompanyField, WorkerField};
    use std::collections::HashSet;

    fn keys_and_labels_are_unique<F: Field>() {
        let keys: HashSet<_> = F::ALL.iter().map(|f| f.key()).collect();
        let labels: HashSet<_> = F::ALL.iter().map(|f| f.label()).collect();
        assert_eq!(keys.len(), F::ALL.len(), "a key twice");
        assert_eq!(labels.len(), F::ALL.len(), "a label twice");
        for &f in F::ALL {
            assert_eq!(F::from_key(f.key()), Some(f));
        }
        assert_eq!(F::from_key("no_such_key"), None);
    }

    #[test]
    fn every_field_is_found_by_its_key_and_no_two_share_a_key_or_a_label() {
        keys_and_labels_are_unique::<WorkerField>();
        keys_and_labels_are_unique::<CompanyField>();
    }

    #[test]
    fn text_fields_have_a_length_and_photos_have_none() {
        let mut worker = crate::Worker::default();
        for f in WorkerField::ALL {
            assert_eq!(f.text(&worker).is_some(), f.max_chars() > 0, "{f:?}");
            assert_eq!(f.text_mut(&mut worker).is_some(), f.max_chars() > 0, "{f:?}");
        }
        let mut company = crate::Company::default();
        for f in CompanyField::ALL {
            assert!(f.text(&company).is_some() && f.max_chars() > 0, "{f:?}");
            assert!(f.text_mut(&mut company).is_some(), "{f:?}");
        }
    }
}
