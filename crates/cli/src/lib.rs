//! The command line: the same library the window uses, for integrators and scripts.
//!
//! Exit codes: 0 the platform accepted everything; 1 the platform refused something;
//! 2 invalid input (nothing stored, nothing sent); 3 stored and queued, the platform was not
//! reached (it goes out later); 4 a local failure (the store could not be opened or written,
//! a full disk, a read-only data dir): nothing was stored; 5 not found (`worker show`,
//! `draft show|delete`, `blacklist remove` name an ID number the station does not have).

// First: its macros serve every command below.
#[macro_use]
mod output;

mod acceptance_cmd;
mod args;
mod attend_cmd;
mod card_cmd;
mod demo_data;
mod face_backfill_cmd;
mod face_cmd;
mod import_cmd;
mod list_cmds;
mod platform_cmds;
pub mod queue_cmds;
mod sim_cmd;
mod store_cmd;
mod window_cmd;

use std::path::PathBuf;

use clap::Parser;

use station::config::{Config, Environment};
use station::platform::Secret;

pub use args::*;

/// The demo's own gate: the simulator is not the platform, so a made-up serial is honest there.
const DEMO_DEVICE_ID: &str = "DEMO-GATE-1";

pub use demo_data::demo_companies;
pub use platform_cmds::DictKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Accepted = 0,
    Refused = 1,
    Invalid = 2,
    NotReached = 3,
    LocalFailure = 4,
    /// A valid ID number the station has no record of (no such worker, draft or entry).
    NotFound = 5,
}

impl Exit {
    /// Of two outcomes of one command, the one the clerk must hear about: a local failure over
    /// invalid input over a refusal over "queued" over "accepted".
    pub fn worse(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Accepted => 0,
            Exit::NotReached => 1,
            Exit::Refused => 2,
            Exit::Invalid | Exit::NotFound => 3,
            Exit::LocalFailure => 4,
        };
        if rank(other) > rank(self) { other } else { self }
    }
}

/// Everything a command needs: where the files are, the settings, the secret.
#[derive(Debug, Clone)]
pub struct Context {
    pub data_dir: PathBuf,
    pub config_path: PathBuf,
    pub config: Config,
    pub secret: Secret,
}

impl Cli {
    /// The data dir (`--data-dir`, `CWR_DATA_DIR` or the default) and the settings file in it
    /// (or `--config`).
    pub fn paths(&self) -> (PathBuf, PathBuf) {
        let data_dir = self.data_dir.clone().unwrap_or_else(station::config::default_data_dir);
        let config_path = self.config.clone().unwrap_or_else(|| data_dir.join("config.json"));
        (data_dir, config_path)
    }
}

impl Context {
    /// The settings file could not be read at all (a local failure, exit 4) or says something
    /// no station can work with, as does a `CWR_*` variable (invalid input, exit 2).
    pub fn load(cli: &Cli) -> Result<Context, (String, Exit)> {
        let (data_dir, config_path) = cli.paths();
        let env = |k: &str| std::env::var(k).ok();
        if cli.demo {
            return Ok(Context::demo(&data_dir, env("CWR_DEMO_SIM").as_deref()));
        }
        let mut config = Config::load(&config_path).map_err(|e| {
            let exit = if e.is_local_failure() {
                Exit::LocalFailure
            } else {
                Exit::Invalid
            };
            (e.to_string(), exit)
        })?;
        let secret = host::secret::load_secret(&data_dir, env);
        config.apply_env(env).map_err(|e| (e.to_string(), Exit::Invalid))?;
        if let Some(address) = &cli.store {
            config
                .use_store(address)
                .map_err(|e| (format!("--store：{e}"), Exit::Invalid))?;
        }
        Ok(Context {
            data_dir,
            config_path,
            config,
            secret,
        })
    }

    /// `--demo`: the simulator's credentials in a data dir of the demo's own, beside the real
    /// one. Nothing of the real station is read or written: not its store, queue, dictionary
    /// cache, settings file or secret, and no `CWR_*` setting. `sim_addr` (`CWR_DEMO_SIM`)
    /// moves the simulator to another loopback port; anything else is ignored.
    pub fn demo(real_data_dir: &std::path::Path, sim_addr: Option<&str>) -> Context {
        let demo = sim::SimConfig::demo();
        let addr = sim_addr
            .and_then(|a| a.trim().parse::<std::net::SocketAddr>().ok())
            .filter(|a| a.ip().is_loopback())
            .unwrap_or(demo.addr);
        let data_dir = demo_data_dir(real_data_dir);
        let config = Config {
            environment: Environment::Demo,
            base_url: format!("http://{addr}"),
            api_key: demo.api_key,
            client_serial: demo.client_serial,
            project_id: demo.project_id,
            device_id: DEMO_DEVICE_ID.into(),
            ..Config::default()
        };
        Context {
            config_path: data_dir.join("config.json"),
            data_dir,
            config,
            secret: Secret::new(demo.api_secret),
        }
    }
}

impl Context {
    /// The station's own files, which no report, template or backup may write over.
    pub fn station_files(&self) -> host::output_file::StationFiles {
        host::output_file::StationFiles::of(&self.data_dir, &self.config_path)
    }
}

/// A destination the user must change is invalid input (2); a write that failed is local (4).
fn output_file_exit(e: &host::output_file::OutputFileError) -> Exit {
    use host::output_file::OutputFileError as E;
    match e {
        E::Exists(_) | E::StationFile { .. } | E::NotAFile(_) => Exit::Invalid,
        E::Write { .. } => Exit::LocalFailure,
    }
}

/// Where `--demo` keeps its data: a sibling of the real data dir (`…/cwr-station-demo`).
pub fn demo_data_dir(real_data_dir: &std::path::Path) -> PathBuf {
    let name = real_data_dir
        .file_name()
        .map(|n| format!("{}-demo", n.to_string_lossy()))
        .unwrap_or_else(|| "cwr-station-demo".into());
    real_data_dir.with_file_name(name)
}

/// Parses the process arguments, runs the command and returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    // The window logs to a file in its data dir (see window_cmd); everything else to stderr.
    if cli.command.is_some() {
        host::logging::init_stderr();
    }
    run(cli) as i32
}

pub fn run(cli: Cli) -> Exit {
    let ctx = match Context::load(&cli) {
        Ok(ctx) => ctx,
        // The window has no console to print to: it says so on screen (window_cmd).
        Err((e, exit)) if cli.command.is_none() => return window_cmd::config_problem(&cli, e, exit),
        Err((e, exit)) => {
            errln!("{e}");
            if exit == Exit::LocalFailure {
                errln!("没有保存任何内容。");
            }
            return exit;
        }
    };
    match cli.command {
        Some(Command::Sim(args)) => sim_cmd::run(args),
        Some(Command::Face(FaceCommand::Compare {
            live,
            chip,
            front,
            json,
        })) => face_cmd::compare(&live, &chip, front.as_deref(), json),
        Some(Command::Face(FaceCommand::Backfill { json })) => face_backfill_cmd::backfill(&ctx, json),
        Some(Command::Dict { kind, json }) => platform_cmds::dict(&ctx, kind, json),
        Some(Command::Call { endpoint, body }) => platform_cmds::call(&ctx, &endpoint, body.as_deref()),
        Some(Command::Register { worker }) => queue_cmds::register(&ctx, &worker),
        Some(Command::Leave { id_codes, exit_time }) => queue_cmds::leave(&ctx, &id_codes, exit_time.as_deref()),
        Some(Command::Company(CompanyCommand::Add { file })) => queue_cmds::company_add(&ctx, &file),
        Some(Command::Company(CompanyCommand::Remove { suid, name })) => queue_cmds::company_remove(&ctx, &suid, &name),
        Some(Command::Outbox(OutboxCommand::List { json })) => queue_cmds::outbox_list(&ctx, json),
        Some(Command::Outbox(OutboxCommand::Drain)) => queue_cmds::outbox_drain(&ctx),
        Some(Command::Outbox(OutboxCommand::Retry { id })) => queue_cmds::outbox_retry(&ctx, id),
        // The demo's records are made up: they must never land in a site's real database.
        Some(Command::Demo { .. }) if cli.store.is_some() => {
            errln!(
                "演示模式只用自己的临时数据，不连接工地数据库：去掉 --store 再打开演示；要在工地数据库上工作，请不带 demo 启动"
            );
            Exit::Invalid
        }
        Some(Command::Demo { sample, start }) => window_cmd::demo(sample, start),
        Some(Command::Card(CardCommand::Read {
            folder,
            library,
            port,
            wait_secs,
            json,
        })) => card_cmd::read(&ctx, folder, library, port, wait_secs, json),
        Some(Command::Attend {
            id_code,
            in_,
            out: _,
            photo,
            time,
            visitor,
            confirmed,
        }) => {
            let direction = if in_ {
                domain::Direction::In
            } else {
                domain::Direction::Out
            };
            attend_cmd::attend(
                &ctx,
                &id_code,
                direction,
                photo.as_deref(),
                time.as_deref(),
                visitor,
                confirmed,
            )
        }
        Some(Command::Store(StoreCommand::Stats { json })) => store_cmd::stats(&ctx, json),
        Some(Command::Store(StoreCommand::Prune)) => store_cmd::prune(&ctx),
        Some(Command::Store(StoreCommand::Migrate { to, json })) => store_cmd::migrate(&ctx, &to, json),
        Some(Command::Store(StoreCommand::Backup { file, force })) => store_cmd::backup(&ctx, &file, force),
        Some(Command::Store(StoreCommand::Restore { file, force })) => store_cmd::restore(&ctx, &file, force),
        Some(Command::Store(StoreCommand::Generate {
            workers,
            waiting,
            refused,
            small_photos,
        })) => store_cmd::generate(
            &ctx,
            &station::generate::GenerateOptions {
                workers,
                waiting,
                refused,
                full_photos: !small_photos,
                ..Default::default()
            },
        ),
        Some(Command::Acceptance(AcceptanceCommand::Status)) => acceptance_cmd::status(&ctx),
        Some(Command::Acceptance(AcceptanceCommand::Run { yes })) => acceptance_cmd::run(&ctx, yes),
        Some(Command::Acceptance(AcceptanceCommand::Report { file, force })) => {
            acceptance_cmd::report(&ctx, &file, force)
        }
        Some(Command::Import(command)) => import_cmd::run(&ctx, command),
        Some(Command::Company(CompanyCommand::List { json })) => list_cmds::company_list(&ctx, json),
        Some(Command::Worker(WorkerCommand::List { json })) => list_cmds::worker_list(&ctx, json),
        Some(Command::Worker(WorkerCommand::Show { id_code, json })) => list_cmds::worker_show(&ctx, &id_code, json),
        Some(Command::Blacklist(command)) => match command {
            BlacklistCommand::List { json } => list_cmds::blacklist_list(&ctx, json),
            BlacklistCommand::Add {
                id_code,
                reason,
                by,
                name,
            } => list_cmds::blacklist_add(&ctx, &id_code, &name, &reason, &by),
            BlacklistCommand::Remove { id_code, by } => list_cmds::blacklist_remove(&ctx, &id_code, &by),
            BlacklistCommand::Import { file, by } => list_cmds::blacklist_import(&ctx, &file, &by),
            BlacklistCommand::Export { file, force } => list_cmds::blacklist_export(&ctx, &file, force),
        },
        Some(Command::Draft(command)) => match command {
            DraftCommand::List { json } => list_cmds::draft_list(&ctx, json),
            DraftCommand::Show { id_code, json } => list_cmds::draft_show(&ctx, &id_code, json),
            DraftCommand::Delete { id_code } => list_cmds::draft_delete(&ctx, &id_code),
        },
        Some(Command::Export(ExportCommand::Roster { file, force })) => list_cmds::export_roster(&ctx, &file, force),
        Some(Command::Export(ExportCommand::Attendance { file, date, force })) => {
            list_cmds::export_attendance(&ctx, &file, date.as_deref(), force)
        }
        None => window_cmd::window(ctx),
    }
}
