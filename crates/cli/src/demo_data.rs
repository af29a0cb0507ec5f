//! What the demo project starts with: two companies, so a worker can be enrolled at once,
//! and with `--sample` a few workers (one of them refused by the platform) so the roster
//! and the queue have something to show.

use domain::{Company, PhotoKind, Worker};
use media::camera::{CameraProvider, SyntheticCameras};
use station::Station;
use station::records::WorkerPhotos;

pub fn demo_companies() -> Vec<Company> {
    vec![
        Company {
            company_name: "深圳市鹏城建设集团有限公司".into(),
            short_name: "鹏城建设".into(),
            legal_person: "陈建国".into(),
            suid: "91440300100000011X".into(),
            company_type: "01".into(),
            address: "深圳市福田区深南大道 1001 号".into(),
            ..Default::default()
        },
        Company {
            company_name: "深圳市安居劳务分包有限公司".into(),
            short_name: "安居劳务".into(),
            legal_person: "黄志强".into(),
            suid: "914403001000000121".into(),
            suid_superior: "91440300100000011X".into(),
            company_type: "03".into(),
            ..Default::default()
        },
    ]
}

/// With `--sample`: a company whose type code the platform does not have, so the platform
/// refuses it, and the worker who names it waits for it (47) in the queue.
fn refused_company() -> Company {
    Company {
        company_name: "深圳市未登记劳务有限公司".into(),
        legal_person: "周八".into(),
        suid: "914403001000000147".into(),
        company_type: "99".into(),
        ..Default::default()
    }
}

/// A valid ID number (Shenzhen Nanshan region) for a demo person.
fn demo_id(birth: &str, seq: u32) -> String {
    let body = format!("440305{birth}{seq:03}");
    format!("{body}{}", domain::id_check_char(&body))
}

/// Workers with photos from the synthetic camera; the last names a company the platform
/// refuses, so the queue shows what a refusal looks like.
pub fn seed_sample_workers(station: &mut Station, job_name: &str) -> Result<(), String> {
    station.save_company(refused_company()).map_err(|e| e.to_string())?;
    let cameras = SyntheticCameras::new();
    let id = cameras
        .list()
        .map_err(|e| e.to_string())?
        .first()
        .map(|c| c.id.clone())
        .unwrap_or_default();
    let mut camera = cameras.open(&id).map_err(|e| e.to_string())?;
    let today = domain::time::beijing_date(chrono::Utc::now())
        .format("%Y-%m-%d")
        .to_string();
    let people = [
        ("张伟", "19850312", 13, "深圳市安居劳务分包有限公司"),
        ("王芳", "19900521", 24, "深圳市安居劳务分包有限公司"),
        ("李强", "19780809", 35, "深圳市安居劳务分包有限公司"),
        ("刘洋", "19921130", 47, "深圳市鹏城建设集团有限公司"),
        ("陈静", "19880214", 52, "深圳市安居劳务分包有限公司"),
        ("杨帆", "19950607", 61, "深圳市安居劳务分包有限公司"),
        ("赵磊", "19830918", 75, "深圳市鹏城建设集团有限公司"),
        ("黄丽", "19910101", 88, "深圳市未登记劳务有限公司"),
    ];
    for (i, (name, birth, seq, company)) in people.into_iter().enumerate() {
        let frame = camera.next_frame().map_err(|e| e.to_string())?;
        let jpeg = media::camera::frame_to_jpeg(&frame, 60 * 1024)
            .map_err(|e| e.to_string())?
            .jpeg;
        let photos: WorkerPhotos = [
            PhotoKind::Face,
            PhotoKind::IdPortrait,
            PhotoKind::IdScanFront,
            PhotoKind::IdScanBack,
        ]
        .into_iter()
        .map(|k| (k, jpeg.clone()))
        .collect();
        let worker = Worker {
            id_code: demo_id(birth, seq),
            emp_name: name.into(),
            emp_phone: format!("1380013{:04}", 8000 + i),
            emp_nativeplace: "广东省深圳市南山区桃园路 8 号".into(),
            emp_nation: "汉".into(),
            pass_period: format!("{today}:"),
            match_flag: "Y".into(),
            emp_company: company.into(),
            emp_category: "00".into(),
            job_typename: "1".into(),
            job_name: job_name.into(),
            contract_status: "1".into(),
            id_agency: "深圳市公安局南山分局".into(),
            id_validdate: "2016.05.01-2036.05.01".into(),
            team_name: "木工一班".into(),
            ..Default::default()
        };
        station.enroll(worker, photos).map_err(|e| e.to_string())?;
    }
    Ok(())
}
