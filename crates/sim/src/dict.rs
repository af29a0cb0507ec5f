//! The four dictionaries, shipped as `assets/sim/dictionaries.json` so that an integrator
//! can mirror a particular platform instance's code sets by editing one file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use protocol::endpoints::Endpoint;

const DICTIONARIES_JSON: &str = include_str!("../../../assets/sim/dictionaries.json");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictEntry {
    pub orders: String,
    pub value: String,
    pub flag: String,
}

#[derive(Debug, Clone, Default)]
pub struct Dictionaries {
    by_name: BTreeMap<String, Vec<DictEntry>>,
}

impl Dictionaries {
    pub fn load() -> std::io::Result<Dictionaries> {
        let by_name: BTreeMap<String, Vec<DictEntry>> = serde_json::from_str(DICTIONARIES_JSON)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("dictionaries.json: {e}")))?;
        for e in Endpoint::ALL.into_iter().filter(|e| e.is_dictionary()) {
            if by_name.get(e.name()).is_none_or(Vec::is_empty) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("dictionaries.json has no {}", e.name()),
                ));
            }
        }
        Ok(Dictionaries { by_name })
    }

    pub fn entries(&self, dictionary: Endpoint) -> &[DictEntry] {
        self.by_name.get(dictionary.name()).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Codes are compared exactly: the platform does not trim or fold case.
    pub fn has_code(&self, dictionary: Endpoint, code: &str) -> bool {
        self.entries(dictionary).iter().any(|e| e.orders == code)
    }

    pub fn result_data(&self, dictionary: Endpoint) -> Value {
        json!({ "dict_list": self.entries(dictionary) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_dictionaries_are_well_formed() {
        let d = Dictionaries::load().expect("valid asset");
        for e in Endpoint::ALL.into_iter().filter(|e| e.is_dictionary()) {
            let entries = d.entries(e);
            assert_eq!(entries.iter().filter(|x| x.flag == "Y").count(), 1, "{e}: one default");
            assert!(entries.iter().all(|x| x.flag == "Y" || x.flag == "N"));
            let mut codes: Vec<&str> = entries.iter().map(|x| x.orders.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), entries.len(), "{e}: distinct codes");
        }
        let jobs = d.entries(Endpoint::DictListJobName);
        assert!(jobs.len() >= 50);
        assert!(
            jobs.iter()
                .all(|j| j.orders.len() == 32
                    && j.orders.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)))
        );
        assert!(d.has_code(Endpoint::GetCompanyType, "07") && d.has_code(Endpoint::GetCompanyType, "13"));
        assert!(d.has_code(Endpoint::DictListEmpCategory, "05"));
        assert!(!d.has_code(Endpoint::DictListEmpCategory, "04"));
    }
}
