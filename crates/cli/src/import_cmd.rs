//! `import template FILE` and `import workers FILE [--dry-run] [--json]`: the window's Excel
//! import for scripts. The list is checked with the station's rules; without `--dry-run`
//! its valid rows are saved (new people as drafts, never sent; people on the roster updated
//! and queued). Exit 0 when every row is valid, 2 when any is not or the file cannot be
//! read, 4 when the store fails.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::{Value, json};

use super::{Context, Exit};
use domain::{Field, Severity, mask_id};
use excel::{read_worker_sheet, write_template};
use station::ImportReport;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Write the import template (.xlsx) with the cached dictionaries and the project's companies.
    Template {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Replace FILE if it exists (never the station's own files).
        #[arg(long)]
        force: bool,
    },
    /// Check a worker list (.xlsx/.xls) and save its valid rows as drafts (待补全).
    Workers {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Check only: save nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, command: ImportCommand) -> Exit {
    match command {
        ImportCommand::Template { file, force } => template(ctx, &file, force),
        ImportCommand::Workers { file, dry_run, json } => workers(ctx, &file, dry_run, json),
    }
}

fn template(ctx: &Context, file: &Path, force: bool) -> Exit {
    let Ok(station) = super::queue_cmds::open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let lists = match station.template_lists() {
        Ok(l) => l,
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    let existing = host::output_file::Existing::replace_if(force);
    let written =
        host::output_file::write_output(file, existing, &ctx.station_files(), |tmp| write_template(tmp, &lists));
    match written {
        Ok(notes) => {
            for n in notes {
                errln!("注意：{n}");
            }
            outln!("已生成导入模板：{}", file.display());
            Exit::Accepted
        }
        Err(e) => {
            errln!("{e}");
            super::output_file_exit(&e)
        }
    }
}

fn workers(ctx: &Context, file: &Path, dry_run: bool, json: bool) -> Exit {
    let sheet = match read_worker_sheet(file) {
        Ok(s) => s,
        Err(e) => {
            errln!("{e}");
            errln!("没有导入任何人。");
            return Exit::Invalid;
        }
    };
    let Ok(mut station) = super::queue_cmds::open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let (report, saved) = if dry_run {
        match station.check_import(&sheet) {
            Ok(r) => (r, None),
            Err(e) => {
                errln!("{e}");
                return Exit::LocalFailure;
            }
        }
    } else {
        match station.import_workers(&sheet) {
            Ok(o) => {
                let saved = (o.drafts_saved, o.workers_updated);
                (o.report, Some(saved))
            }
            Err(e) => {
                let x = e.explain();
                let x = if x.local {
                    x.with_outcome("本机没能保存：没有导入任何人")
                } else {
                    x
                };
                return super::queue_cmds::explained(x);
            }
        }
    };
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&report_json(&report, saved)).unwrap_or_default()
        );
    } else {
        print_report(&report, saved);
    }
    if report.all_valid() {
        Exit::Accepted
    } else {
        Exit::Invalid
    }
}

fn print_report(report: &ImportReport, saved: Option<(usize, usize)>) {
    outln!(
        "{}（工作表“{}”，表头在第 {} 行）",
        report.file,
        report.sheet,
        report.header_row
    );
    for n in &report.notes {
        outln!("注意：{n}");
    }
    for r in report.rows.iter().filter(|r| !r.problems.is_empty()) {
        outln!(
            "第 {} 行 {}（{}）{}，{}：",
            r.row,
            r.emp_name,
            mask_id(&r.id_code),
            r.action.label(),
            r.status.label()
        );
        for p in &r.problems {
            let tag = if p.severity == Severity::Error {
                "错误"
            } else {
                "提醒"
            };
            outln!("    [{tag}] {}：{}", p.field.label(), p.message);
        }
    }
    outln!("{}", report.summary_text());
    match saved {
        None => outln!("只做了检查（--dry-run）：没有保存任何内容。"),
        Some((drafts, updated)) => {
            outln!(
                "已保存：待补全 {drafts} 人（不上传，到登记台读卡、拍照后提交），更新花名册 {updated} 人（已排入上传队列）。"
            );
        }
    }
}

fn report_json(report: &ImportReport, saved: Option<(usize, usize)>) -> Value {
    let rows: Vec<Value> = report
        .rows
        .iter()
        .map(|r| {
            let problems: Vec<Value> = r
                .problems
                .iter()
                .map(|p| {
                    json!({
                        "field": p.field.key(),
                        "label": p.field.label(),
                        "severity": if p.severity == Severity::Error { "error" } else { "warning" },
                        "message": p.message,
                    })
                })
                .collect();
            json!({
                "row": r.row,
                "id_code": r.id_code,
                "emp_name": r.emp_name,
                "action": r.action,
                "status": r.status,
                "problems": problems,
            })
        })
        .collect();
    json!({
        "file": report.file,
        "sheet": report.sheet,
        "header_row": report.header_row,
        "notes": report.notes,
        "summary": report.summary(),
        "saved": saved.map(|(drafts, updated)| json!({"drafts": drafts, "workers_updated": updated})),
        "rows": rows,
    })
}
