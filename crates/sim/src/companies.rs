//! AddCompany (an upsert keyed by SUID) and ProjectRemoveCompany.

use serde_json::Value;

use super::envelope::{Answer, Code};
use super::fields::{Body, check_project, light_email, light_phone, light_postcode, optional, required};
use super::server::Ctx;
use protocol::endpoints::Endpoint;

fn suid(field: &str, value: &str) -> Result<String, Answer> {
    domain::validate_suid(value).map_err(|e| Answer::field(Code::Illegal, field, format!("统一社会信用代码无效:{e}")))
}

/// An optional field, its shape check and the refusal's wording.
type LightCheck = (&'static str, fn(&str) -> bool, &'static str);

pub fn add(ctx: &mut Ctx<'_>, body: &Body) -> Answer {
    match try_add(ctx, body) {
        Ok(answer) | Err(answer) => answer,
    }
}

fn try_add(ctx: &mut Ctx<'_>, body: &Body) -> Result<Answer, Answer> {
    for key in ["Project_ID", "Company_Name", "Legal_Person", "SUID"] {
        required(body, key)?;
    }
    check_project(body, &ctx.config.project_id)?;
    let key = suid("SUID", required(body, "SUID")?)?;
    if let Some(kind) = optional(body, "Type")?
        && !ctx.dicts.has_code(Endpoint::GetCompanyType, kind)
    {
        return Err(Answer::field(Code::Illegal, "Type", "单位类型编码不在数据字典中"));
    }
    let checks: [LightCheck; 3] = [
        ("Email", light_email, "电子邮箱格式不正确"),
        ("Postcode", light_postcode, "邮编应为6位数字"),
        ("Mobile_Phone", light_phone, "电话号码格式不正确"),
    ];
    for (field, ok, what) in checks {
        if let Some(v) = optional(body, field)?
            && !ok(v)
        {
            return Err(Answer::field(Code::Illegal, field, what));
        }
    }
    for field in ["Short_Name", "Capital", "Bank_Open", "Bank_Num", "Address", "Contacts"] {
        optional(body, field)?;
    }
    if let Some(superior) = optional(body, "Suid_Superior")? {
        let superior_key = domain::validate_suid(superior).unwrap_or_else(|_| superior.to_string());
        if superior_key == key || !ctx.state.companies.contains_key(&superior_key) {
            return Err(Answer::field(Code::NotFound, "Suid_Superior", "上级单位未添加到该项目"));
        }
    }
    ctx.state.companies.insert(key, Value::Object(body.clone()));
    Ok(Answer::ok(Value::Null))
}

pub fn remove(ctx: &mut Ctx<'_>, body: &Body) -> Answer {
    match try_remove(ctx, body) {
        Ok(answer) | Err(answer) => answer,
    }
}

fn try_remove(ctx: &mut Ctx<'_>, body: &Body) -> Result<Answer, Answer> {
    for key in ["Project_ID", "Company_Name", "SUID"] {
        required(body, key)?;
    }
    check_project(body, &ctx.config.project_id)?;
    let key = suid("SUID", required(body, "SUID")?)?;
    let Some(existing) = ctx.state.companies.get(&key) else {
        return Err(Answer::field(Code::NotFound, "SUID", "该项目下没有此单位"));
    };
    // The document asks for both; a name that disagrees with the SUID means the client is
    // about to remove a different company than the clerk picked.
    let name = required(body, "Company_Name")?;
    if existing.get("Company_Name").and_then(Value::as_str) != Some(name) {
        return Err(Answer::field(
            Code::Illegal,
            "Company_Name",
            "企业名称与统一社会信用代码不符",
        ));
    }
    ctx.state.companies.remove(&key);
    Ok(Answer::ok(Value::Null))
}
