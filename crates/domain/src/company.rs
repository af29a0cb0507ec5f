//! A participating company (参建单位) of the project, as AddCompany carries it.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::field_spec::{Field, FieldSpec, spec};
use super::text::text_problem;
use super::{Problem, Severity, Validated};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Company {
    pub company_name: String,
    pub short_name: String,
    /// Registered capital in 万元.
    pub capital: String,
    pub legal_person: String,
    /// 社会统一信用代码(组织机构代码), the key on the platform: an 18-character credit
    /// code, or an old registration's organisation code `XXXXXXXX-X`.
    pub suid: String,
    pub bank_open: String,
    pub bank_num: String,
    pub address: String,
    pub contacts: String,
    pub mobile_phone: String,
    pub email: String,
    pub postcode: String,
    /// SUID of the superior company, which must already be on the project.
    pub suid_superior: String,
    /// GetCompanyType code.
    pub company_type: String,
}

/// The company's fields, each named once: label, AddCompany key, whether required, longest
/// text, and where it lives in [`Company`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CompanyField {
    CompanyName,
    ShortName,
    Suid,
    LegalPerson,
    Capital,
    CompanyType,
    SuidSuperior,
    BankOpen,
    BankNum,
    Address,
    Contacts,
    MobilePhone,
    Email,
    Postcode,
}

macro_rules! company_fields {
    ($field:expr, $c:expr, $($borrow:tt)+) => {
        match $field {
            CompanyField::CompanyName => $($borrow)+ $c.company_name,
            CompanyField::ShortName => $($borrow)+ $c.short_name,
            CompanyField::Suid => $($borrow)+ $c.suid,
            CompanyField::LegalPerson => $($borrow)+ $c.legal_person,
            CompanyField::Capital => $($borrow)+ $c.capital,
            CompanyField::CompanyType => $($borrow)+ $c.company_type,
            CompanyField::SuidSuperior => $($borrow)+ $c.suid_superior,
            CompanyField::BankOpen => $($borrow)+ $c.bank_open,
            CompanyField::BankNum => $($borrow)+ $c.bank_num,
            CompanyField::Address => $($borrow)+ $c.address,
            CompanyField::Contacts => $($borrow)+ $c.contacts,
            CompanyField::MobilePhone => $($borrow)+ $c.mobile_phone,
            CompanyField::Email => $($borrow)+ $c.email,
            CompanyField::Postcode => $($borrow)+ $c.postcode,
        }
    };
}

impl CompanyField {
    /// In the order of the business licence, as the form shows them.
    pub const ALL: [CompanyField; 14] = [
        CompanyField::CompanyName,
        CompanyField::ShortName,
        CompanyField::Suid,
        CompanyField::LegalPerson,
        CompanyField::Capital,
        CompanyField::CompanyType,
        CompanyField::SuidSuperior,
        CompanyField::BankOpen,
        CompanyField::BankNum,
        CompanyField::Address,
        CompanyField::Contacts,
        CompanyField::MobilePhone,
        CompanyField::Email,
        CompanyField::Postcode,
    ];
}

/// The company's table: label, AddCompany key, required by the platform, longest text.
impl Field for CompanyField {
    type Record = Company;

    const ALL: &'static [CompanyField] = &CompanyField::ALL;

    fn spec(self) -> FieldSpec {
        match self {
            CompanyField::CompanyName => spec("单位名称", "Company_Name", true, 100),
            CompanyField::ShortName => spec("单位简称", "Short_Name", false, 50),
            CompanyField::Suid => spec("统一社会信用代码", "SUID", true, 18),
            CompanyField::LegalPerson => spec("法定代表人", "Legal_Person", true, 50),
            CompanyField::Capital => spec("注册资金（万元）", "Capital", false, 20),
            CompanyField::CompanyType => spec("单位类型", "Type", false, 20),
            CompanyField::SuidSuperior => spec("上级单位", "Suid_Superior", false, 18),
            CompanyField::BankOpen => spec("基本账户开户银行", "Bank_Open", false, 100),
            CompanyField::BankNum => spec("基本账户银行账号", "Bank_Num", false, 40),
            CompanyField::Address => spec("单位地址", "Address", false, 200),
            CompanyField::Contacts => spec("联系人", "Contacts", false, 50),
            CompanyField::MobilePhone => spec("联系电话", "Mobile_Phone", false, 30),
            CompanyField::Email => spec("电子邮箱", "Email", false, 100),
            CompanyField::Postcode => spec("邮编", "Postcode", false, 6),
        }
    }

    fn text(self, c: &Company) -> Option<&String> {
        Some(company_fields!(self, c, &))
    }

    fn text_mut(self, c: &mut Company) -> Option<&mut String> {
        Some(company_fields!(self, c, &mut))
    }
}

pub type CompanyProblem = Problem<CompanyField>;

#[derive(Debug, Clone, Default)]
pub struct CompanyRules {
    /// GetCompanyType codes; empty = not known, not checked.
    pub company_types: HashSet<String>,
    /// SUIDs of the companies already on the project.
    pub project_suids: HashSet<String>,
    /// Names of the project's companies → their SUID: two companies under one name would make
    /// a worker's 所属单位 mean either.
    pub names_in_use: HashMap<String, String>,
}

fn error(field: CompanyField, message: impl Into<String>) -> CompanyProblem {
    Problem {
        field,
        message: message.into(),
        severity: Severity::Error,
    }
}

impl Company {
    pub fn normalized(&self) -> Company {
        let mut c = self.clone();
        for f in CompanyField::ALL {
            if let Some(text) = f.text_mut(&mut c) {
                *text = text.trim().to_string();
            }
        }
        // One form per code (an organisation code with its hyphen), so the key is the same
        // however it was typed; a code that is not valid is kept as typed, to be refused.
        let suid = |typed: &str| super::validate_suid(typed).unwrap_or_else(|_| typed.to_uppercase());
        c.suid = suid(&c.suid);
        c.suid_superior = suid(&c.suid_superior);
        c
    }

    pub fn validate(&self, rules: &CompanyRules) -> Vec<CompanyProblem> {
        use CompanyField as F;
        let c = self.normalized();
        let mut out = Vec::new();
        for field in CompanyField::ALL {
            let Some(value) = field.text(&c) else { continue };
            if value.is_empty() {
                if field.required() {
                    out.push(error(field, format!("请填写{}", field.label())));
                }
            } else if let Some(p) = text_problem(field.label(), value, field.max_chars()) {
                out.push(error(field, p));
            }
        }
        if !c.suid.is_empty()
            && let Err(e) = super::validate_suid(&c.suid)
        {
            out.push(error(F::Suid, e.to_string()));
        }
        if let Some(other) = rules.names_in_use.get(&c.company_name)
            && *other != c.suid
        {
            out.push(error(
                F::CompanyName,
                "本项目已有同名单位：单位名称要与营业执照一致，请核对",
            ));
        }
        if !c.suid_superior.is_empty() {
            if c.suid_superior == c.suid {
                out.push(error(F::SuidSuperior, "上级单位不能是本单位自己：请另选或留空"));
            } else if !rules.project_suids.contains(&c.suid_superior) {
                out.push(error(
                    F::SuidSuperior,
                    "上级单位必须已添加到本项目：请先添加上级单位，或从列表中选择",
                ));
            }
        }
        if !c.company_type.is_empty()
            && !rules.company_types.is_empty()
            && !rules.company_types.contains(&c.company_type)
        {
            out.push(error(
                F::CompanyType,
                format!("单位类型代码 {} 不在平台字典中：请从列表中选择", c.company_type),
            ));
        }
        if !c.capital.is_empty() && c.capital.parse::<f64>().map(|v| v < 0.0).unwrap_or(true) {
            out.push(error(F::Capital, "注册资金请填数字（单位：万元）"));
        }
        if !c.mobile_phone.is_empty()
            && !c
                .mobile_phone
                .chars()
                .all(|ch| ch.is_ascii_digit() || "-+ ()".contains(ch))
        {
            out.push(error(F::MobilePhone, "联系电话只能包含数字和“-”"));
        }
        if !c.email.is_empty() {
            let ok = c
                .email
                .split_once('@')
                .is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !d.starts_with('.'));
            if !ok {
                out.push(error(F::Email, "电子邮箱格式不对，例如 name@example.com"));
            }
        }
        if !c.postcode.is_empty() && (c.postcode.len() != 6 || !c.postcode.chars().all(|ch| ch.is_ascii_digit())) {
            out.push(error(F::Postcode, "邮编是 6 位数字"));
        }
        out
    }

    /// The company, normalised, when nothing blocks it: the only way into the store.
    pub fn into_validated(self, rules: &CompanyRules) -> Result<Validated<Company>, Vec<CompanyProblem>> {
        let problems = self.validate(rules);
        if problems.iter().any(|p| p.severity == Severity::Error) {
            return Err(problems);
        }
        Ok(Validated::new(self.normalized()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_code_is_a_suid_kept_and_sent_in_one_form() {
        let company = Company {
            company_name: "深圳市老证照建筑劳务有限公司".into(),
            legal_person: "李四".into(),
            suid: " 192203821 ".into(),
            suid_superior: "70846113－6".into(),
            ..Default::default()
        };
        let rules = CompanyRules {
            project_suids: ["70846113-6".to_string()].into_iter().collect(),
            ..Default::default()
        };
        let checked = company
            .clone()
            .into_validated(&rules)
            .expect("an organisation code is a SUID");
        assert_eq!(
            (checked.suid.as_str(), checked.suid_superior.as_str()),
            ("19220382-1", "70846113-6")
        );
        assert_eq!(company.normalized().suid, "19220382-1");
        let wrong = Company {
            suid: "19220382-2".into(),
            ..company
        };
        let problems = wrong.validate(&rules);
        assert!(
            problems
                .iter()
                .any(|p| p.field == CompanyField::Suid && p.message.contains("应为 1")),
            "{problems:?}"
        );
    }
}
