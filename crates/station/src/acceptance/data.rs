//! The run's test data: valid (check characters right, dates sane) and obviously fictional,
//! from ranges reserved for it that the clerk is shown before the run starts.

use std::io::Cursor;

use base64::Engine;

use api::types::{AddCompany, PassedLog, RegisterEmployee};
use domain::{id_check_char, uscc_check_char};

/// Shown to the clerk: the ID numbers the run uses.
pub const TEST_ID_RANGE: &str =
    "44030519900101901 至 44030519900101905 加校验位（1990-01-01 出生，顺序号 901–905，联调专用）";
/// Shown to the clerk: the credit codes the run uses.
pub const TEST_COMPANY_RANGE: &str = "91440300CWRT00001 至 91440300CWRT00005 加校验位（“CWRT”为联调专用）";

/// The n-th test company (from 0): its name and SUID.
pub fn test_company(n: usize) -> (String, String) {
    let body = format!("91440300CWRT{:05}", n + 1);
    let check = uscc_check_char(&body).unwrap_or('0');
    (format!("联调测试单位{}（测试数据）", n + 1), format!("{body}{check}"))
}

pub fn test_worker_id(n: usize) -> String {
    let body = format!("44030519900101{:03}", 901 + n);
    format!("{body}{}", id_check_char(&body))
}

pub fn test_worker_name(n: usize) -> String {
    const NUMBERS: [&str; 9] = ["一", "二", "三", "四", "五", "六", "七", "八", "九"];
    format!("联调测试{}", NUMBERS.get(n).copied().unwrap_or("十"))
}

pub fn company_request(n: usize, project_id: &str, company_type: &str) -> AddCompany {
    let (name, suid) = test_company(n);
    AddCompany {
        project_id: project_id.to_string(),
        company_name: name,
        legal_person: "联调测试".into(),
        suid,
        company_type: (!company_type.is_empty()).then(|| company_type.to_string()),
        ..Default::default()
    }
}

/// The codes a test worker takes from the dictionaries (the first entry of each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerCodes {
    pub emp_category: String,
    pub job_typename: String,
    pub job_name: String,
}

pub fn worker_request(n: usize, project_id: &str, today: chrono::NaiveDate, codes: &WorkerCodes) -> RegisterEmployee {
    let b64 = |jpeg: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(jpeg);
    RegisterEmployee {
        project_id: project_id.to_string(),
        id_code: test_worker_id(n),
        id_photo: b64(jpeg(&face(102, 126))),
        emp_name: test_worker_name(n),
        emp_phone: format!("13800000{:03}", 901 + n),
        emp_nativeplace: format!("广东省深圳市南山区联调测试路{}号", n + 1),
        emp_nation: "汉".into(),
        pass_period: format!("{}:", today.format("%Y-%m-%d")),
        match_flag: "Y".into(),
        facephoto: b64(jpeg(&face(360, 480))),
        emp_company: test_company(0).0,
        emp_category: codes.emp_category.clone(),
        emp_dept: None,
        job_typename: codes.job_typename.clone(),
        job_name: codes.job_name.clone(),
        contract_status: "1".into(),
        id_agency: "深圳市公安局南山分局".into(),
        id_validdate: "2020.01.01-2040.01.01".into(),
        emp_bankname: None,
        emp_cardnum: None,
        job_dept: None,
        idphoto_scan: b64(jpeg(&card_scan())),
        idphoto_scan2: b64(jpeg(&card_scan())),
    }
}

/// A log of the n-th test worker, with a site photo carrying the pass time.
pub fn passed_log(
    n: usize,
    seq: usize,
    passed_at: chrono::DateTime<chrono::Utc>,
    budget_bytes: usize,
) -> Result<PassedLog, media::PhotoError> {
    let stamp = api::beijing_timestamp(passed_at);
    let photo = media::site_photo_rgb(face(480, 360), &stamp, budget_bytes)?;
    Ok(PassedLog {
        person_type: "1".into(),
        person_id: test_worker_id(n),
        person_name: test_worker_name(n),
        passed_time: stamp,
        direction: if seq.is_multiple_of(2) { "in" } else { "out" }.into(),
        way: "1".into(),
        site_photo: Some(photo.to_base64()),
        longitude: None,
        latitude: None,
        address: None,
    })
}

/// A plain drawn face (no real person's picture goes to the platform).
fn face(width: u32, height: u32) -> image::RgbImage {
    let (cx, cy) = (width as f32 / 2.0, height as f32 / 2.2);
    let (rx, ry) = (width as f32 * 0.28, height as f32 * 0.33);
    image::RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
        if dx * dx + dy * dy < 1.0 {
            image::Rgb([224, 186, 152])
        } else {
            image::Rgb([70, 110 + (y % 40) as u8, 160])
        }
    })
}

fn card_scan() -> image::RgbImage {
    image::RgbImage::from_fn(640, 404, |x, y| {
        image::Rgb([200 + (x % 30) as u8, 210, 220 - (y % 30) as u8])
    })
}

fn jpeg(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    // Encoding a small in-memory image cannot fail; an empty photo is refused by the platform.
    let _ = image::DynamicImage::ImageRgb8(img.clone()).write_to(&mut out, image::ImageFormat::Jpeg);
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_data_is_valid_and_in_its_reserved_range() {
        for n in 0..5 {
            let id = domain::parse_id_number(&test_worker_id(n)).expect("valid ID");
            assert!(id.code.starts_with("44030519900101"), "{}", id.code);
            let (name, suid) = test_company(n);
            assert!(name.contains("测试"));
            assert!(domain::validate_uscc(&suid).is_ok(), "{suid}");
            assert!(suid.contains("CWRT"));
        }
        assert_ne!(test_worker_id(0), test_worker_id(1));
    }
}
