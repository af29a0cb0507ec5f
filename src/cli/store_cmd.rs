//! `cwr-station store`: what the store holds, the photo prune on demand, and a backup that
//! can be made while the window runs.

use std::path::Path;

use super::{Context, Exit};
use crate::store::Store;

fn open(ctx: &Context) -> Result<Store, Exit> {
    Store::open_in(&ctx.data_dir).map_err(|e| {
        eprintln!("{e}");
        Exit::LocalFailure
    })
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

pub fn stats(ctx: &Context, json: bool) -> Exit {
    let Ok(store) = open(ctx) else {
        return Exit::LocalFailure;
    };
    let stats = match store.stats() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return Exit::LocalFailure;
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&stats).unwrap_or_default());
        return Exit::Accepted;
    }
    println!("数据库：{}", store.path().display());
    println!(
        "人员 {} 人（已离场 {}），单位 {} 家",
        stats.workers, stats.departed, stats.companies
    );
    println!("人员照片 {} 张，{}", stats.photos, mb(stats.photo_bytes));
    println!(
        "考勤 {} 条，现场照片 {}",
        stats.attendance_logs,
        mb(stats.site_photo_bytes)
    );
    println!(
        "上传队列 {} 项，其中还没上传到平台的 {} 项",
        stats.outbox_items, stats.unsent
    );
    println!(
        "文件大小 {}（其中空闲 {}），平均每人 {:.0} KB",
        mb(stats.file_bytes),
        mb(stats.free_bytes),
        stats.bytes_per_worker() as f64 / 1024.0
    );
    Exit::Accepted
}

pub fn prune(ctx: &Context) -> Exit {
    let Ok(mut store) = open(ctx) else {
        return Exit::LocalFailure;
    };
    let c = &ctx.config;
    let result = store.prune_by_age(chrono::Utc::now(), c.departed_photo_keep_days, c.site_photo_keep_days);
    let pruned = match result {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return Exit::LocalFailure;
        }
    };
    println!(
        "已清理：离场超过 {} 天的 {} 人的照片 {} 张，上传超过 {} 天的考勤现场照片 {} 张，共 {}",
        c.departed_photo_keep_days,
        pruned.workers,
        pruned.photos,
        c.site_photo_keep_days,
        pruned.site_photos,
        mb(pruned.bytes)
    );
    match store.enable_incremental_vacuum() {
        Ok(true) => println!("数据库已整理为可逐步回收空间的格式（只需一次）"),
        Ok(false) => {}
        Err(e) => eprintln!("数据库没能整理（窗口程序是否正在运行？下次再试即可）：{e}"),
    }
    match store.vacuum_all() {
        Ok(_) => match store.stats() {
            Ok(s) => println!("文件大小现在 {}", mb(s.file_bytes)),
            Err(e) => eprintln!("{e}"),
        },
        Err(e) => eprintln!("空间没能回收：{e}"),
    }
    Exit::Accepted
}

pub fn backup(ctx: &Context, dest: &Path) -> Exit {
    let Ok(store) = open(ctx) else {
        return Exit::LocalFailure;
    };
    match store.backup_to(dest) {
        Ok(()) => {
            println!(
                "已备份到 {}（可在窗口运行时备份；恢复时把它改名为 station.sqlite 放进数据目录（先关闭程序））",
                dest.display()
            );
            Exit::Accepted
        }
        Err(e) => {
            eprintln!("备份没有完成：{e}");
            Exit::LocalFailure
        }
    }
}

pub fn generate(ctx: &Context, options: &crate::generate::GenerateOptions) -> Exit {
    let started = std::time::Instant::now();
    match crate::generate::generate_store(&ctx.data_dir, options) {
        Ok(n) => {
            println!(
                "已生成 {n} 名人员（{} 家单位）到 {}，用时 {:.1} 秒",
                options.companies,
                ctx.data_dir.display(),
                started.elapsed().as_secs_f64()
            );
            Exit::Accepted
        }
        Err(e) => {
            eprintln!("{e}");
            Exit::Invalid
        }
    }
}
