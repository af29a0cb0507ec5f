//! Between the domain's records and the platform's bodies. The domain knows nothing of the
//! wire; what a body holds and how a record becomes one (optional keys left out when empty,
//! the normalised forms sent) is decided here, beside the wire types.

use domain::{Company, Worker};

use crate::types::{AddCompany, RegisterEmployee};

impl RegisterEmployee {
    /// The RegisterEmployee body, photos given as raw Base64 JPEG.
    pub fn from_worker(worker: &Worker, project_id: &str, photos: [String; 4]) -> RegisterEmployee {
        let w = worker.normalized();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let [id_photo, facephoto, idphoto_scan, idphoto_scan2] = photos;
        RegisterEmployee {
            project_id: project_id.to_string(),
            id_code: w.id_code.clone(),
            id_photo,
            emp_name: w.emp_name.clone(),
            emp_phone: w.emp_phone.clone(),
            emp_nativeplace: w.emp_nativeplace.clone(),
            emp_nation: w.emp_nation.clone(),
            pass_period: w.pass_period.clone(),
            match_flag: w.match_flag.clone(),
            facephoto,
            emp_company: w.emp_company.clone(),
            emp_category: w.emp_category.clone(),
            emp_dept: opt(&w.emp_dept),
            job_typename: w.job_typename.clone(),
            job_name: w.job_name.clone(),
            contract_status: w.contract_status.clone(),
            id_agency: w.id_agency.clone(),
            id_validdate: w.id_validdate.clone(),
            emp_bankname: opt(&w.emp_bankname),
            emp_cardnum: opt(&w.emp_cardnum),
            job_dept: opt(&w.job_dept),
            idphoto_scan,
            idphoto_scan2,
        }
    }

    /// The form fields of a RegisterEmployee body (photos are handled apart).
    pub fn to_worker(&self) -> Worker {
        let r = self;
        Worker {
            id_code: r.id_code.clone(),
            emp_name: r.emp_name.clone(),
            emp_phone: r.emp_phone.clone(),
            emp_nativeplace: r.emp_nativeplace.clone(),
            emp_nation: r.emp_nation.clone(),
            pass_period: r.pass_period.clone(),
            match_flag: r.match_flag.clone(),
            emp_company: r.emp_company.clone(),
            emp_category: r.emp_category.clone(),
            emp_dept: r.emp_dept.clone().unwrap_or_default(),
            job_typename: r.job_typename.clone(),
            job_name: r.job_name.clone(),
            contract_status: r.contract_status.clone(),
            id_agency: r.id_agency.clone(),
            id_validdate: r.id_validdate.clone(),
            emp_bankname: r.emp_bankname.clone().unwrap_or_default(),
            emp_cardnum: r.emp_cardnum.clone().unwrap_or_default(),
            job_dept: r.job_dept.clone().unwrap_or_default(),
            team_name: String::new(),
        }
    }
}

impl AddCompany {
    pub fn from_company(company: &Company, project_id: &str) -> AddCompany {
        let c = company.normalized();
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

    /// The company's fields as an AddCompany body carries them.
    pub fn to_company(&self) -> Company {
        let r = self;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_code_is_sent_in_its_normalised_form() {
        let company = Company {
            company_name: "深圳市老证照建筑劳务有限公司".into(),
            legal_person: "李四".into(),
            suid: " 192203821 ".into(),
            ..Company::default()
        };
        assert_eq!(AddCompany::from_company(&company, "P").suid, "19220382-1");
    }
}
