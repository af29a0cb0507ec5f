//! A participating company (参建单位) of the project, as AddCompany carries it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Problem, Severity};
use crate::api::types::AddCompany;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Company {
    pub company_name: String,
    pub short_name: String,
    /// Registered capital in 万元.
    pub capital: String,
    pub legal_person: String,
    /// Unified social credit code, the key on the platform.
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

pub fn company_field_label(field: &str) -> &'static str {
    match field {
        "company_name" => "单位名称",
        "short_name" => "单位简称",
        "capital" => "注册资金（万元）",
        "legal_person" => "法定代表人",
        "suid" => "统一社会信用代码",
        "bank_open" => "基本账户开户银行",
        "bank_num" => "基本账户银行账号",
        "address" => "单位地址",
        "contacts" => "联系人",
        "mobile_phone" => "联系电话",
        "email" => "电子邮箱",
        "postcode" => "邮编",
        "suid_superior" => "上级单位",
        "company_type" => "单位类型",
        _ => "其它",
    }
}

#[derive(Debug, Clone, Default)]
pub struct CompanyRules {
    /// GetCompanyType codes; empty = not known, not checked.
    pub company_types: HashSet<String>,
    /// SUIDs of the companies already on the project.
    pub project_suids: HashSet<String>,
}

fn error(field: &str, message: impl Into<String>) -> Problem {
    Problem {
        field: field.to_string(),
        message: message.into(),
        severity: Severity::Error,
    }
}

impl Company {
    pub fn normalized(&self) -> Company {
        let mut c = self.clone();
        for f in [
            &mut c.company_name,
            &mut c.short_name,
            &mut c.capital,
            &mut c.legal_person,
            &mut c.suid,
            &mut c.bank_open,
            &mut c.bank_num,
            &mut c.address,
            &mut c.contacts,
            &mut c.mobile_phone,
            &mut c.email,
            &mut c.postcode,
            &mut c.suid_superior,
            &mut c.company_type,
        ] {
            *f = f.trim().to_string();
        }
        c.suid = c.suid.to_uppercase();
        c.suid_superior = c.suid_superior.to_uppercase();
        c
    }

    pub fn validate(&self, rules: &CompanyRules) -> Vec<Problem> {
        let c = self.normalized();
        let mut out = Vec::new();
        for (field, value) in [
            ("company_name", &c.company_name),
            ("legal_person", &c.legal_person),
            ("suid", &c.suid),
        ] {
            if value.is_empty() {
                out.push(error(field, format!("请填写{}", company_field_label(field))));
            }
        }
        if !c.suid.is_empty()
            && let Err(e) = super::validate_uscc(&c.suid)
        {
            out.push(error("suid", e));
        }
        if !c.suid_superior.is_empty() {
            if c.suid_superior == c.suid {
                out.push(error("suid_superior", "上级单位不能是本单位自己：请另选或留空"));
            } else if !rules.project_suids.contains(&c.suid_superior) {
                out.push(error(
                    "suid_superior",
                    "上级单位必须已添加到本项目：请先添加上级单位，或从列表中选择",
                ));
            }
        }
        if !c.company_type.is_empty()
            && !rules.company_types.is_empty()
            && !rules.company_types.contains(&c.company_type)
        {
            out.push(error(
                "company_type",
                format!("单位类型代码 {} 不在平台字典中：请从列表中选择", c.company_type),
            ));
        }
        if !c.capital.is_empty() && c.capital.parse::<f64>().map(|v| v < 0.0).unwrap_or(true) {
            out.push(error("capital", "注册资金请填数字（单位：万元）"));
        }
        if !c.mobile_phone.is_empty()
            && !c
                .mobile_phone
                .chars()
                .all(|ch| ch.is_ascii_digit() || "-+ ()".contains(ch))
        {
            out.push(error("mobile_phone", "联系电话只能包含数字和“-”"));
        }
        if !c.email.is_empty() {
            let ok = c
                .email
                .split_once('@')
                .is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !d.starts_with('.'));
            if !ok {
                out.push(error("email", "电子邮箱格式不对，例如 name@example.com"));
            }
        }
        if !c.postcode.is_empty() && (c.postcode.len() != 6 || !c.postcode.chars().all(|ch| ch.is_ascii_digit())) {
            out.push(error("postcode", "邮编是 6 位数字"));
        }
        out
    }

    pub fn to_request(&self, project_id: &str) -> AddCompany {
        let c = self.normalized();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        AddCompany {
            project_id: project_id.to_string(),
            company_name: c.company_name.clone(),
            short_name: opt(&c.short_name),
            capital: opt(&c.capital),
            legal_person: c.legal_person.clone(),
            suid: c.suid.clone(),
            bank_open: opt(&c.bank_open),
            bank_num: opt(&c.bank_num),
            address: opt(&c.address),
            contacts: opt(&c.contacts),
            mobile_phone: opt(&c.mobile_phone),
            email: opt(&c.email),
            postcode: opt(&c.postcode),
            suid_superior: opt(&c.suid_superior),
            company_type: opt(&c.company_type),
        }
    }

    pub fn from_request(r: &AddCompany) -> Company {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        Company {
            company_name: r.company_name.clone(),
            short_name: s(&r.short_name),
            capital: s(&r.capital),
            legal_person: r.legal_person.clone(),
            suid: r.suid.clone(),
            bank_open: s(&r.bank_open),
            bank_num: s(&r.bank_num),
            address: s(&r.address),
            contacts: s(&r.contacts),
            mobile_phone: s(&r.mobile_phone),
            email: s(&r.email),
            postcode: s(&r.postcode),
            suid_superior: s(&r.suid_superior),
            company_type: s(&r.company_type),
        }
    }
}
