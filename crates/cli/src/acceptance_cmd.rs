//! `cwr-station acceptance`: the guided acceptance run (联调向导) from the command line, the
//! same run as the window's, with the same saved progress.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::queue_cmds::{open_for_reading, open_station};
use super::{Context, Exit};
use station::acceptance::{self, AcceptanceRun, RunEnd, Start};
use station::platform_client;

/// The saved run and the successes per interface, as the station keeps them.
fn saved(ctx: &Context) -> Result<(Option<AcceptanceRun>, BTreeMap<String, u64>), Exit> {
    let station = open_for_reading(ctx)?;
    let counts = acceptance::success_counts(station.store(), ctx.config.environment_label()).map_err(|e| {
        errln!("{e}");
        Exit::LocalFailure
    })?;
    // A saved run that does not read is said; the counts still tell where the run stands.
    let run = acceptance::load(station.store()).unwrap_or_else(|e| {
        errln!("联调向导上次的进度读不出来：{e}。下次运行会按已成功的次数重新安排");
        None
    });
    Ok((run, counts))
}

pub fn status(ctx: &Context) -> Exit {
    let (run, counts) = match saved(ctx) {
        Ok(saved) => saved,
        Err(exit) => return exit,
    };
    let env = ctx.config.environment_label();
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
    // The steps already printed (a resumed run's finished steps count as printed).
    let printed = std::cell::Cell::new(0);
    let mut on_start = |run: &AcceptanceRun, start: Start| {
        printed.set(run.done_count());
        if start == Start::Resumed {
            outln!(
                "接着上次的联调继续：已完成 {} / {} 步",
                run.done_count(),
                run.steps.len()
            );
        }
    };
    let mut print_new = |run: &AcceptanceRun| {
        for (i, step) in run.steps.iter().enumerate().skip(printed.get()) {
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
            printed.set(i + 1);
        }
    };
    let (end, plan) = match acceptance::run_acceptance(
        &ctx.data_dir,
        &ctx.config,
        &client,
        &mut on_start,
        &mut print_new,
        &|| false,
    ) {
        Ok(ended) => ended,
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    };
    if plan.steps.is_empty() {
        outln!("九个接口都已有至少 {} 次成功记录，无需再做。", acceptance::REQUIRED);
        return Exit::Accepted;
    }
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
    let (run, counts) = match saved(ctx) {
        Ok(saved) => saved,
        Err(exit) => return exit,
    };
    let env = ctx.config.environment_label();
    let is_xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    let existing = host::output_file::Existing::replace_if(force);
    let written = host::output_file::write_output(path, existing, &ctx.station_files(), |tmp| {
        if is_xlsx {
            acceptance::write_report_xlsx(tmp, run.as_ref(), &counts, env, &ctx.config.project_id)
                .map_err(|e| e.to_string())
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
