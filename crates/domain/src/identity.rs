//! Checked identities that travel as their own types once validated, so that two of them
//! (or one and a name) cannot be passed in each other's place.

use serde::{Deserialize, Serialize};

/// A resident ID number (公民身份号码), checked by [`crate::parse_id_number`]: 18
/// characters, check character upper-case (an old 15-digit number is upgraded).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdNumber(String);

impl IdNumber {
    /// Checks an ID number as typed or read from a card; the error is the clerk's words.
    pub fn parse(input: &str) -> Result<IdNumber, crate::IdCardError> {
        crate::parse_id_number(input).map(|id| IdNumber(id.code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 4 and last 4 kept, for screens and logs (see [`crate::mask_id`]).
    pub fn masked(&self) -> String {
        crate::mask_id(&self.0)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for IdNumber {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for IdNumber {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A company's SUID (社会统一信用代码, or an old registration's organisation code), valid
/// and in the one form it is kept and sent in (see [`crate::validate_suid`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Suid(String);

impl Suid {
    /// Checks a SUID as typed; the error is the clerk's words.
    pub fn parse(input: &str) -> Result<Suid, crate::UsccError> {
        crate::validate_suid(input).map(Suid)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Suid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Suid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Suid {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Suid {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_number_is_kept_in_its_18_character_form() {
        let body = "44030519900101123";
        let code = format!("{body}{}", crate::id_check_char(body)).to_lowercase();
        let id = IdNumber::parse(&format!(" {code} ")).expect("valid");
        assert_eq!(id, code.to_uppercase().as_str());
        assert_eq!(id.masked(), crate::mask_id(id.as_str()));
        assert_eq!(serde_json::to_string(&id).expect("json"), format!("\"{id}\""));
        assert!(IdNumber::parse("44030").is_err());
    }

    #[test]
    fn a_suid_is_kept_in_one_form_and_serialised_bare() {
        let suid = Suid::parse(" 19220382-1 ").expect("organisation code");
        assert_eq!(suid, Suid::parse("192203821").expect("without hyphen"));
        assert_eq!(suid.to_string(), suid.as_str());
        assert_eq!(serde_json::to_string(&suid).expect("json"), format!("\"{suid}\""));
        assert!(Suid::parse("91440300ABC").is_err());
    }
}
