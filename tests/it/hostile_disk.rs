//! Issue 18, the commands' side: files the user names never replace the station's own or
//! another's work, a closed output stream ends a command quietly, a broken store says which
//! way it is broken and what to do, and a busy queue names who holds it.

use crate::common;
use cwr_station::store::prelude::*;

use std::process::Stdio;

use common::cli::*;
use common::*;

const COMPANY: &str = "深圳市安居劳务分包有限公司";

/// A data dir with one company and `n` workers queued (the platform unreachable).
fn station_with_workers(dir: &std::path::Path, n: u32) -> std::path::PathBuf {
    let data = dir.join("data");
    let url = format!("http://127.0.0.1:{}", free_port());
    let company = write_company_file(dir, &uscc(7), COMPANY);
    let (code, text) = run(station(&data, &url).args(["company", "add", "--file"]).arg(&company));
    assert_eq!(code, 3, "{text}");
    for i in 0..n {
        let file = write_worker_file(dir, &id_code(500 + i), &format!("工人{i}"), COMPANY);
        let (code, text) = run(station(&data, &url).args(["register", "--worker"]).arg(&file));
        assert_eq!(code, 3, "{text}");
    }
    data
}

fn workers_in(data: &std::path::Path) -> u64 {
    cwr_station::store::Store::open_in(data)
        .expect("store")
        .stats()
        .expect("stats")
        .workers
}

#[test]
fn a_report_or_template_never_replaces_the_store_or_a_filled_in_list() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 3);
    let url = format!("http://127.0.0.1:{}", free_port());
    let store_file = data.join("station.sqlite");
    for args in [
        vec!["acceptance", "report"],
        vec!["acceptance", "report", "--force"],
        vec!["import", "template", "--force"],
    ] {
        let (code, text) = run(station(&data, &url).args(&args).arg(&store_file));
        assert_eq!(code, 2, "{args:?}: {text}");
        assert!(text.contains("工作站自己的数据库"), "{args:?}: {text}");
    }
    let (code, text) = run(station(&data, &url)
        .args(["acceptance", "report"])
        .arg(data.join("config.json")));
    assert_eq!(code, 2, "{text}");
    assert_eq!(workers_in(&data), 3, "the store is whole");

    let list = dir.path().join("分包名单.xlsx");
    std::fs::write(&list, b"the subcontractor's list").expect("write");
    let (code, text) = run(station(&data, &url).args(["import", "template"]).arg(&list));
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("已经存在") && text.contains("--force"), "{text}");
    assert_eq!(std::fs::read(&list).expect("read"), b"the subcontractor's list");
    let (code, text) = run(station(&data, &url).args(["import", "template", "--force"]).arg(&list));
    assert_eq!(code, 0, "{text}");
    assert!(std::fs::read(&list).expect("read").starts_with(b"PK"), "now a workbook");

    let report = dir.path().join("联调报告.txt");
    let (code, text) = run(station(&data, &url).args(["acceptance", "report"]).arg(&report));
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(station(&data, &url).args(["acceptance", "report"]).arg(&report));
    assert_eq!(code, 2, "a second report does not replace the first: {text}");
}

#[cfg(unix)]
#[test]
fn a_backup_is_private_to_this_user_and_leaves_nothing_behind_when_it_fails() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 1);
    let url = format!("http://127.0.0.1:{}", free_port());
    let copy = dir.path().join("copy.sqlite");
    let (code, text) = run(station(&data, &url).args(["store", "backup"]).arg(&copy));
    assert_eq!(code, 0, "{text}");
    let mode = std::fs::metadata(&copy).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the copy holds every ID number");
    // Into a folder that is not there: fails, and no temp or journal file is left anywhere.
    let nowhere = dir.path().join("missing").join("copy.sqlite");
    let (code, text) = run(station(&data, &url).args(["store", "backup"]).arg(&nowhere));
    assert_eq!(code, 4, "{text}");
    let stray: Vec<_> = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial") || n.contains("journal"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}

/// `… | head` closes the command's output early.
#[test]
fn a_closed_output_ends_a_command_quietly_with_its_own_exit_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 2);
    let url = format!("http://127.0.0.1:{}", free_port());
    let worker = write_worker_file(dir.path(), &id_code(900), "关管道", COMPANY);
    for args in [
        vec!["outbox".to_string(), "list".into()],
        vec!["store".into(), "stats".into()],
        vec!["register".into(), "--worker".into(), worker.display().to_string()],
    ] {
        let mut child = station(&data, &url)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        // Nobody reads: the first write meets a closed pipe.
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let code = output.status.code();
        assert!(matches!(code, Some(0) | Some(3)), "{args:?}: {code:?} {stderr}");
    }
    assert_eq!(workers_in(&data), 3, "the record was saved");
}

/// Thirty clerks' scripts at once, no window anywhere: whoever finds the queue taken is told
/// who has it, and every record reaches the platform by the time the last command ends.
#[test]
fn parallel_commands_name_who_sends_and_leave_nothing_behind() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let url = sim.base_url();
    let company = write_company_file(dir.path(), &uscc(7), COMPANY);
    let (code, text) = run(station(&data, &url).args(["company", "add", "--file"]).arg(&company));
    assert_eq!(code, 0, "{text}");
    let files: Vec<_> = (0..30)
        .map(|i| {
            let sub = dir.path().join(format!("w{i}"));
            std::fs::create_dir_all(&sub).expect("dir");
            write_worker_file(&sub, &id_code(700 + i), &format!("并行{i}"), COMPANY)
        })
        .collect();
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            station(&data, &url)
                .args(["register", "--worker"])
                .arg(f)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains("窗口程序"), "no window runs: {text}");
        if text.contains("正在上传队列") {
            assert!(text.contains("另一个命令（cwr-station register"), "{text}");
        }
    }
    let store = cwr_station::store::Store::open_in(&data).expect("store");
    let unsent: Vec<_> = store
        .outbox_items(false)
        .expect("items")
        .into_iter()
        .map(|i| (i.id, i.state))
        .collect();
    assert!(unsent.is_empty(), "every record went out: {unsent:?}");
    assert_eq!(store.stats().expect("stats").workers, 30);
}

/// Takes the store as it stands into one file (no log beside it), as a copy or a crash would.
fn checkpoint(data: &std::path::Path) {
    let store = cwr_station::store::Store::open_in(data).expect("store");
    store.checkpoint().expect("checkpoint");
}

#[test]
fn a_damaged_store_says_so_names_the_file_and_the_way_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 3);
    let url = format!("http://127.0.0.1:{}", free_port());
    let backup = dir.path().join("备份.sqlite");
    let (code, text) = run(station(&data, &url).args(["store", "backup"]).arg(&backup));
    assert_eq!(code, 0, "{text}");
    checkpoint(&data);
    let db = data.join("station.sqlite");
    let whole = std::fs::read(&db).expect("read");

    // Garbage, then a file cut off half-way: both are 损坏, with the way back.
    for damaged in [vec![0x5Au8; 64 * 1024], whole[..whole.len() / 2].to_vec()] {
        std::fs::write(&db, &damaged).expect("damage");
        for args in [vec!["store", "stats"], vec!["outbox", "list"]] {
            let (code, text) = run(station(&data, &url).args(&args));
            assert_eq!(code, 4, "{args:?}: {text}");
            assert!(text.contains("损坏") || text.contains("不完整"), "{args:?}: {text}");
            assert!(text.contains(&db.display().to_string()), "names the file: {text}");
            assert!(text.contains("恢复") && text.contains("backups"), "{text}");
            assert!(!text.contains("请重启程序"), "restarting fixes nothing: {text}");
        }
    }

    // Put back: the damaged file is kept aside, the workers are there again.
    let (code, text) = run(station(&data, &url).args(["store", "restore"]).arg(&backup));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("改名保留"), "{text}");
    assert_eq!(workers_in(&data), 3);
    let kept = std::fs::read_dir(&data)
        .expect("ls")
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with("station.sqlite.damaged-"));
    assert!(kept, "the damaged file is kept");
    // A healthy store is not replaced without --force.
    let (code, text) = run(station(&data, &url).args(["store", "restore"]).arg(&backup));
    assert_eq!(code, 2, "{text}");
}

#[test]
fn an_emptied_store_in_a_used_data_dir_is_not_taken_for_a_new_station() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 2);
    let url = format!("http://127.0.0.1:{}", free_port());
    std::fs::write(data.join("config.json"), "{}").expect("config");
    checkpoint(&data);
    std::fs::write(data.join("station.sqlite"), b"").expect("empty it");
    let worker = write_worker_file(dir.path(), &id_code(960), "空库", COMPANY);
    let worker = worker.display().to_string();
    for args in [vec!["store", "stats"], vec!["register", "--worker", worker.as_str()]] {
        let (code, text) = run(station(&data, &url).args(&args));
        assert_eq!(code, 4, "{args:?}: {text}");
        assert!(text.contains("是空的（0 字节）") && text.contains("恢复"), "{text}");
    }
    assert_eq!(
        std::fs::metadata(data.join("station.sqlite")).expect("meta").len(),
        0,
        "left as found"
    );
    // A brand-new data dir still starts from nothing, silently.
    let fresh = dir.path().join("fresh");
    let (code, text) = run(station(&fresh, &url).args(["store", "stats"]));
    assert_eq!(code, 0, "{text}");
}

/// The store and its folder made immutable (`chattr +i`: read-only even for root, which the
/// tests run as). Undone on drop so the temp dir can go.
#[cfg(target_os = "linux")]
#[test]
fn a_read_only_store_still_shows_what_it_holds() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 2);
    let url = format!("http://127.0.0.1:{}", free_port());
    checkpoint(&data);
    let worker = write_worker_file(dir.path(), &id_code(950), "只读", COMPANY);
    let Some(_guard) = common::immutable::Immutable::set(&[data.join("station.sqlite"), data.clone()]) else {
        eprintln!("skipped: chattr +i is not available on this file system");
        return;
    };
    let (code, text) = run(station(&data, &url).args(["store", "stats"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("人员 2 人") && text.contains("只读"), "{text}");
    let (code, text) = run(station(&data, &url).args(["outbox", "list"]));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("共 3 条"), "{text}");
    let (code, text) = run(station(&data, &url).args(["register", "--worker"]).arg(&worker));
    assert_eq!(code, 4, "{text}");
    assert!(text.contains("只读") && !text.contains("请重启程序"), "{text}");
}

/// A data dir on a tiny disk, in a mount namespace of its own (gone with the process).
#[cfg(target_os = "linux")]
fn on_a_full_disk(data: &std::path::Path, commands: &str) -> Option<(i32, String)> {
    let size_kb = std::fs::read_dir(data)
        .expect("ls")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum::<u64>()
        / 1024
        + 256;
    let script = format!(
        r#"set -e
mnt=$(mktemp -d)
mount -t tmpfs -o size={size_kb}k tmpfs "$mnt"
cp -a "{data}/." "$mnt/"
dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null || true
set +e
{commands}
"#,
        data = data.display()
    );
    let out = std::process::Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env("BIN", BIN)
        .output()
        .ok()?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if text.contains("mount:") || text.contains("unshare:") {
        return None;
    }
    Some((out.status.code().unwrap_or(-1), text))
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_names_the_cause_and_keeps_the_queue_as_it_is() {
    let sim = start_sim();
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 2);
    checkpoint(&data);
    let demo = cwr_station::sim::SimConfig::demo();
    let env = format!(
        "CWR_BASE_URL={} CWR_API_KEY={} CWR_API_SECRET={} CWR_CLIENT_SERIAL={} CWR_PROJECT_ID={} CWR_SECRET_STORE=file",
        sim.base_url(),
        demo.api_key,
        demo.api_secret,
        demo.client_serial,
        demo.project_id
    );
    let commands = format!(
        r#"{env} "$BIN" --data-dir "$mnt" outbox drain; echo "drain-exit=$?"
rm "$mnt/filler"
{env} "$BIN" --data-dir "$mnt" outbox list"#
    );
    let Some((_, text)) = on_a_full_disk(&data, &commands) else {
        eprintln!("skipped: no mount namespace for a tiny disk here");
        return;
    };
    assert!(text.contains("磁盘已满"), "{text}");
    assert!(!text.contains("没有排入上传队列"), "the records are queued: {text}");
    assert!(text.contains("drain-exit=4"), "{text}");
    assert!(text.contains("共 3 条"), "every item is still there: {text}");
}

#[test]
fn the_window_on_a_damaged_store_shows_the_way_back_instead_of_an_empty_station() {
    use common::ui::*;
    use egui_kittest::kittest::Queryable;
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 3);
    {
        let store = cwr_station::store::Store::open_in(&data).expect("store");
        let made = store.backup_automatically(&data, chrono::Utc::now()).expect("backup");
        assert!(made.is_some(), "an automatic backup");
        store.checkpoint().expect("checkpoint");
    }
    std::fs::write(data.join("station.sqlite"), vec![0x5Au8; 64 * 1024]).expect("damage");
    let mut h = harness(&data, &format!("http://127.0.0.1:{}", free_port()));
    step_until(
        &mut h,
        "the page about the store",
        std::time::Duration::from_secs(30),
        |app| app.store_problem.is_some(),
    );
    h.step();
    assert!(h.query_by_label("本机数据库不能使用（损坏）").is_some());
    assert!(
        h.query_by_label("人员登记").is_none(),
        "no screen shows an empty station"
    );
    h.get_by_label("从这份恢复").click();
    h.step();
    h.get_by_label("恢复").click();
    step_until(
        &mut h,
        "the store put back",
        std::time::Duration::from_secs(30),
        |app| app.store_problem.is_none() && app.snapshot.workers.len() == 3,
    );
    assert!(h.state().app().notices.iter().any(|(n, _)| n.contains("改名保留")));
}

/// 设置 → 数据备份 → 从备份恢复 on a healthy station: the station lets go of its store, the
/// copy takes its place, and the window shows what the copy holds.
#[test]
fn the_window_puts_a_backup_back_while_it_runs() {
    use common::ui::*;
    use cwr_station::ui::backend::Intent;
    let dir = tempfile::tempdir().expect("tmp");
    let data = station_with_workers(dir.path(), 2);
    let url = format!("http://127.0.0.1:{}", free_port());
    let copy = dir.path().join("两人.sqlite");
    let (code, text) = run(station(&data, &url).args(["store", "backup"]).arg(&copy));
    assert_eq!(code, 0, "{text}");
    let worker = write_worker_file(dir.path(), &id_code(970), "备份后", COMPANY);
    let (code, text) = run(station(&data, &url).args(["register", "--worker"]).arg(&worker));
    assert_eq!(code, 3, "{text}");
    let mut h = harness(&data, &url);
    step_until(&mut h, "three workers", std::time::Duration::from_secs(30), |app| {
        app.snapshot.workers.len() == 3
    });
    h.state().app().backend.send(Intent::RestoreStore(copy));
    step_until(
        &mut h,
        "the copy's two workers",
        std::time::Duration::from_secs(30),
        |app| app.snapshot.workers.len() == 2 && app.notices.iter().any(|(n, _)| n.contains("已从备份")),
    );
}

/// A draft that no longer reads (an older program's, a damaged record) is said once, not
/// dropped in silence.
#[test]
fn an_unreadable_draft_is_said_not_dropped() {
    use common::ui::*;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    {
        let store = cwr_station::store::Store::open_in(&data).expect("store");
        store.set_setting("enroll_draft", Some("[\"half")).expect("draft");
    }
    // An imported draft (待补全) whose record was damaged.
    rusqlite::Connection::open(data.join(cwr_station::store::DB_FILE))
        .expect("db")
        .execute(
            "INSERT INTO worker_drafts (id_code, emp_name, emp_company, data, source, created_at, updated_at)
             VALUES ('11010519491231002X', '损坏', '某单位', '{\"emp_name\": \"半', 'list.xlsx 第 2 行',
                     '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')",
            [],
        )
        .expect("damaged draft");
    // The window's own state is eframe's now: `ui_window_state` reads a broken one.
    let mut h = harness(&data, &format!("http://127.0.0.1:{}", free_port()));
    step_until(&mut h, "both said", std::time::Duration::from_secs(30), |app| {
        app.errors.iter().any(|e| e.contains("待补全资料已损坏"))
            && app.enroll.save_error().is_some_and(|e| e.contains("草稿读不出来"))
    });
    // Later frames say nothing more.
    for _ in 0..5 {
        h.step();
    }
    let app = h.state().app();
    assert_eq!(
        app.errors.iter().filter(|e| e.contains("待补全资料已损坏")).count(),
        1,
        "{:?}",
        app.errors
    );
}
