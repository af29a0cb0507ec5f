//! `cwr-station store`: what the store holds, the photo prune on demand, and a backup that
//! can be made while the window runs.

use std::path::Path;

use super::queue_cmds::open_station;
use super::{Context, Exit};
use station::maintenance::{self, RestoreRefused};

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

pub fn stats(ctx: &Context, json: bool) -> Exit {
    let reading = match super::queue_cmds::open_for_reading(ctx) {
        Ok(r) => r,
        Err(exit) => return exit,
    };
    let store = reading.store();
    let stats = match store.stats() {
        Ok(s) => s,
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&stats).unwrap_or_default());
        return Exit::Accepted;
    }
    outln!("数据库：{}", store.location());
    outln!(
        "人员 {} 人（已离场 {}），单位 {} 家",
        stats.workers,
        stats.departed,
        stats.companies
    );
    outln!("人员照片 {} 张，{}", stats.photos, mb(stats.photo_bytes));
    outln!(
        "考勤 {} 条，现场照片 {}",
        stats.attendance_logs,
        mb(stats.site_photo_bytes)
    );
    outln!(
        "上传队列 {} 项，其中还没上传到平台的 {} 项",
        stats.outbox_items,
        stats.unsent
    );
    outln!(
        "文件大小 {}（其中空闲 {}），平均每人 {:.0} KB",
        mb(stats.file_bytes),
        mb(stats.free_bytes),
        stats.bytes_per_worker() as f64 / 1024.0
    );
    Exit::Accepted
}

pub fn prune(ctx: &Context) -> Exit {
    let Ok(mut station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let c = &ctx.config;
    let pruned = match station.prune_photos(chrono::Utc::now()) {
        Ok(p) => p,
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    outln!(
        "已清理：离场超过 {} 天的 {} 人的照片 {} 张，上传超过 {} 天的考勤现场照片 {} 张，共 {}",
        c.departed_photo_keep_days,
        pruned.workers,
        pruned.photos,
        c.site_photo_keep_days,
        pruned.site_photos,
        mb(pruned.bytes)
    );
    let compacted = station.compact();
    match compacted.switched_to_incremental {
        Ok(true) => outln!("数据库已整理为可逐步回收空间的格式（只需一次）"),
        Ok(false) => {}
        Err(e) => errln!("数据库没能整理（窗口程序是否正在运行？下次再试即可）：{e}"),
    }
    match compacted.file_bytes {
        Ok(bytes) => outln!("文件大小现在 {}", mb(bytes)),
        Err(e) => errln!("空间没能回收：{e}"),
    }
    Exit::Accepted
}

pub fn backup(ctx: &Context, dest: &Path, force: bool) -> Exit {
    let existing = host::output_file::Existing::replace_if(force);
    match maintenance::backup(&ctx.data_dir, dest, existing, &ctx.station_files()) {
        Ok(()) => {
            outln!(
                "已备份到 {}（可在窗口运行时备份；恢复时把它改名为 station.sqlite 放进数据目录（先关闭程序））",
                dest.display()
            );
            Exit::Accepted
        }
        Err(station::records::StoreError::Output(e)) => {
            errln!("备份没有做：{e}");
            super::output_file_exit(&e)
        }
        Err(e) => {
            errln!("备份没有完成：{e}");
            Exit::LocalFailure
        }
    }
}

/// Puts the store back from a backup (the current file is renamed aside, never deleted).
pub fn restore(ctx: &Context, backup: &Path, force: bool) -> Exit {
    match maintenance::restore(&ctx.data_dir, backup, force) {
        Ok(aside) => {
            outln!("已从 {} 恢复数据库", backup.display());
            if let Some(aside) = aside {
                outln!("原来的数据库文件改名保留为 {}", aside.display());
            }
            outln!("备份之后新登记或修改的记录不在里面：请核对花名册，必要时重新登记");
            Exit::Accepted
        }
        Err(RestoreRefused::StoreIsHealthy) => {
            errln!("{}。确实要恢复时加 --force", RestoreRefused::StoreIsHealthy);
            Exit::Invalid
        }
        Err(RestoreRefused::Failed(e)) => {
            errln!("没有恢复：{e}");
            Exit::LocalFailure
        }
    }
}

pub fn generate(ctx: &Context, options: &station::generate::GenerateOptions) -> Exit {
    let started = std::time::Instant::now();
    match station::generate::generate_store(&ctx.data_dir, options) {
        Ok(n) => {
            outln!(
                "已生成 {n} 名人员（{} 家单位）到 {}，用时 {:.1} 秒",
                options.companies,
                ctx.data_dir.display(),
                started.elapsed().as_secs_f64()
            );
            Exit::Accepted
        }
        Err(e) => {
            errln!("{e}");
            Exit::Invalid
        }
    }
}

/// `store migrate --to ADDRESS`: this PC's records into the site database. Exit 0 when every
/// row is there (copied now or before), 2 for an address that is not one, 4 when the copy
/// failed (nothing was written: it is one transaction).
pub fn migrate(ctx: &Context, to: &str, json: bool) -> Exit {
    let mut config = ctx.config.clone();
    if let Err(e) = config.use_store(to) {
        errln!("--to：{e}");
        return Exit::Invalid;
    }
    let location = match config.store_location(&ctx.data_dir) {
        Ok(l) => l,
        Err(e) => {
            errln!("{e}");
            return Exit::Invalid;
        }
    };
    let report = match maintenance::copy_to_site(&ctx.data_dir, &location) {
        Ok(r) => r,
        Err(e) => {
            errln!("没有复制：{e}");
            return Exit::LocalFailure;
        }
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return Exit::Accepted;
    }
    if report.earlier_copy {
        outln!(
            "这台电脑的记录以前已经复制到 {} 了：这次没有重复复制，核对全部在。",
            location.describe()
        );
    } else {
        outln!("已把这台电脑的记录复制到 {}：", location.describe());
    }
    for t in &report.tables {
        let kept = if t.already_there > 0 && !report.earlier_copy {
            format!("，{} 条工地数据库里已有（保留原样）", t.already_there)
        } else {
            String::new()
        };
        outln!(
            "  {:<20} 本机 {:>6} 条，复制 {:>6} 条{kept}",
            t.table,
            t.source,
            t.copied
        );
    }
    outln!(
        "下一步：在“设置 → 数据存放”里选“工地数据库”，或启动时加 --store {}。",
        config.store.site_address
    );
    Exit::Accepted
}
