//! `cwr-station acceptance`: the guided acceptance run (联调向导) from the command line, the
//! same run as the window's, with the same saved progress.

use std::path::Path;
use std::sync::Arc;

use super::queue_cmds::open_station;
use super::{Context, Exit};
use crate::acceptance::{self, AcceptanceRun, RunEnd, Runner};
use crate::domain::PhotoKind;
use crate::outbox::SendSettings;
use crate::station::platform_client;
use crate::store::Store;

fn counts(store: &Store, environment: &str) -> Result<std::collections::BTreeMap<String, u64>, Exit> {
    store
        .success_counts(environment)
        .map(|c| c.into_iter().collect())
        .map_err(|e| {
            errln!("{e}");
            Exit::LocalFailure
        })
}

fn open_store(ctx: &Context) -> Result<Store, Exit> {
    Store::open_in(&ctx.data_dir).map_err(|e| {
        errln!("{e}");
        Exit::LocalFailure
    })
}

pub fn status(ctx: &Context) -> Exit {
    let Ok(store) = open_store(ctx) else {
        return Exit::LocalFailure;
    };
    let env = ctx.config.environment_label();
    let Ok(counts) = counts(&store, env) else {
        return Exit::LocalFailure;
    };
    let run = acceptance::load(&store).ok().flatten();
    out!(
        "{}",
        acceptance::report_text(run.as_ref(), &counts, env, &ctx.config.project_id)
    );
    let all = acceptance::INTERFACES
        .iter()
        .all(|e| counts.get(e.name()).copied().unwrap_or(0) >= acceptance::REQUIRED);
    if all { Exit::Accepted } else { Exit::NotReached }
}

pub fn run(ctx: &Context, consent: bool) -> Exit {
    if let Err(why) = acceptance::allowed(ctx.config.environment, ctx.config.custom_is) {
        errln!("{why}");
        return Exit::Invalid;
    }
    if !consent {
        errln!("联调向导会在测试平台上新增测试单位和测试人员、上传考勤，最后让测试人员离场、移除测试单位：");
        errln!("  身份证号：{}", acceptance::TEST_ID_RANGE);
        errln!("  统一社会信用代码：{}", acceptance::TEST_COMPANY_RANGE);
        errln!("本机的人员和单位记录不受影响。同意请加 --yes 重新执行。");
        return Exit::Invalid;
    }
    let Ok(station) = open_station(ctx) else {
        return Exit::LocalFailure;
    };
    let client = match platform_client(&ctx.config, &ctx.secret, Arc::clone(station.clock())) {
        Ok(c) => c,
        Err(why) => {
            errln!("{why}");
            return Exit::Invalid;
        }
    };
    let Ok(mut store) = open_store(ctx) else {
        return Exit::LocalFailure;
    };
    let env = ctx.config.environment_label();
    let fingerprint = SendSettings::for_client(&client, &ctx.config.project_id, env).fingerprint;
    let Ok(counts) = counts(&store, env) else {
        return Exit::LocalFailure;
    };
    let mut plan = match acceptance::load(&store) {
        Ok(Some(saved)) if saved.fingerprint == fingerprint && !saved.finished() => {
            outln!(
                "接着上次的联调继续：已完成 {} / {} 步",
                saved.done_count(),
                saved.steps.len()
            );
            saved
        }
        Ok(_) => acceptance::plan(&counts, env, &fingerprint),
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    if plan.steps.is_empty() {
        outln!("九个接口都已有至少 {} 次成功记录，无需再做。", acceptance::REQUIRED);
        return Exit::Accepted;
    }
    let mut printed = plan.done_count();
    let mut print_new = |run: &AcceptanceRun| {
        for (i, step) in run.steps.iter().enumerate().skip(printed) {
            let Some(o) = &step.outcome else { break };
            let head: String = o.answer.chars().take(300).collect();
            let mark = if o.ok { "成功" } else { "失败" };
            outln!(
                "[{}/{}] {}：{mark}（代码 {}）",
                i + 1,
                run.steps.len(),
                step.kind.describe(),
                o.code
            );
            outln!("    平台回答：{head}");
            if !o.ok {
                outln!("    平台原话：{}", o.words);
                outln!("    怎么办：{}", o.advice);
            }
            printed = i + 1;
        }
    };
    let mut runner = Runner {
        client: &client,
        store: &mut store,
        project_id: &ctx.config.project_id,
        device_id: &ctx.config.device_id,
        site_photo_bytes: ctx.config.photo_budgets.bytes_for(PhotoKind::Site),
    };
    let end = match runner.run(&mut plan, &mut print_new, &|| false) {
        Ok(end) => end,
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    match end {
        RunEnd::Finished => {
            outln!("联调完成：每个接口都已有至少 {} 次成功记录。", acceptance::REQUIRED);
            outln!("用 `cwr-station acceptance report 文件.xlsx` 导出报告交给平台。");
            Exit::Accepted
        }
        RunEnd::Stopped { step } => {
            errln!(
                "联调停在第 {} 步：改正后重新执行 `cwr-station acceptance run --yes`，从这一步接着做。",
                step + 1
            );
            let reached = plan.steps[step].outcome.as_ref().is_some_and(|o| !o.code.is_empty());
            if reached { Exit::Refused } else { Exit::NotReached }
        }
        RunEnd::Cancelled => Exit::NotReached,
    }
}

pub fn report(ctx: &Context, path: &Path, force: bool) -> Exit {
    let Ok(store) = open_store(ctx) else {
        return Exit::LocalFailure;
    };
    let env = ctx.config.environment_label();
    let Ok(counts) = counts(&store, env) else {
        return Exit::LocalFailure;
    };
    let run = acceptance::load(&store).ok().flatten();
    let is_xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let existing = crate::output_file::Existing::replace_if(force);
    let written = crate::output_file::write_output(path, existing, &ctx.station_files(), |tmp| {
        if is_xlsx {
            acceptance::write_report_xlsx(tmp, run.as_ref(), &counts, env, &ctx.config.project_id)
        } else {
            let text = acceptance::report_text(run.as_ref(), &counts, env, &ctx.config.project_id);
            std::fs::write(tmp, text).map_err(|e| format!("报告没能写入：{e}"))
        }
    });
    match written {
        Ok(()) => {
            outln!("联调报告已写入 {}", path.display());
            Exit::Accepted
        }
        Err(e) => {
            errln!("{e}");
            super::output_file_exit(&e)
        }
    }
}
