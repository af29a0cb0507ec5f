//! `cwr-station attend`: the 考勤 point from the command line records and sends a log with
//! its site photo, and refuses one without it.

use crate::common;
use cwr_station::store::prelude::*;

use common::cli::*;
use common::*;
use cwr_station::store::Store;

const COMPANY: &str = "深圳市考勤测试劳务有限公司";

#[test]
fn the_command_line_records_and_sends_a_log_with_its_photo() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = sim.base_url();
    let suid = uscc(400);
    let company = write_company_file(dir.path(), &suid, COMPANY);
    let (code, text) = run(station(&data, &url).args(["company", "add", "--file"]).arg(&company));
    assert_eq!(code, 0, "{text}");
    let id = id_code(401);
    let worker_file = write_worker_file(dir.path(), &id, "命令行工人", COMPANY);
    let (code, text) = run(station(&data, &url).args(["register", "--worker"]).arg(&worker_file));
    assert_eq!(code, 0, "{text}");

    let photo = dir.path().join("face.jpg");
    std::fs::write(&photo, jpeg_bytes(480, 640)).expect("photo");
    // The photo's face is nobody's (a synthetic picture): without the clerk's check the log
    // cannot claim 人脸识别, and nothing is kept.
    let (code, text) = run(station(&data, &url)
        .args(["attend", &id, "--in", "--photo"])
        .arg(format!("@{}", photo.display())));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("--confirmed") && text.contains("认不出"), "{text}");
    assert!(sim.state().passed_logs.is_empty());
    let (code, text) = run(station(&data, &url)
        .args(["attend", &id, "--in", "--confirmed", "--photo"])
        .arg(format!("@{}", photo.display())));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("平台已接收"), "{text}");
    let logs = sim.state().passed_logs;
    assert_eq!(logs.len(), 1);
    assert!(logs[0]["site_photo"].as_str().is_some_and(|p| p.len() > 1000));

    // A repeat within a minute is the same log; exit 0 because that log is on the platform.
    let photo_arg = format!("@{}", photo.display());
    let (code, text) = run(station(&data, &url).args(["attend", &id, "--in", "--confirmed", "--photo", &photo_arg]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("没有另记"), "{text}");
    assert_eq!(sim.state().passed_logs.len(), 1);

    let (code, text) = run(station(&data, &url).args([
        "attend",
        &id,
        "--out",
        "--confirmed",
        "--photo",
        &photo_arg,
        "--time",
        "2020-01-01 08:00:00",
    ]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("2 小时"), "{text}");
    let (code, text) =
        run(station(&data, &url).args(["attend", &id, "--out", "--photo", &photo_arg, "--time", "八点"]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("yyyy-MM-dd HH:mm:ss"), "{text}");
    let (code, text) = run(station(&data, &url).args([
        "attend",
        &id_code(402),
        "--in",
        "--confirmed",
        "--photo",
        &photo_arg,
        "--visitor",
        "送货司机",
    ]));
    assert_eq!(code, 0, "{text}");
    assert_eq!(sim.state().passed_logs.len(), 2);
}

/// `way` 1 is 人脸识别: the command refuses a log without its photo, saying how to give it.
#[test]
fn the_command_line_needs_the_site_photo() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = format!("http://127.0.0.1:{}", free_port());
    let (code, text) = run(station(&data, &url).args(["attend", &id_code(403), "--in", "--visitor", "送货司机"]));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("--photo") && text.contains("人脸识别"), "{text}");
    let store = Store::open_in(&data).expect("store");
    assert_eq!(store.outbox_counts().expect("counts").open(), 0, "nothing kept");
}
