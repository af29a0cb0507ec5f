//! What the command line accepts: the commands, their arguments and their help texts. What
//! each does is in its `*_cmd` module; `run` (lib.rs) dispatches.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::platform_cmds::DictKind;
use super::{import_cmd, sim_cmd};

#[derive(Debug, Parser)]
#[command(
    name = "cwr-station",
    version,
    about = "实名制登记工作站 — 深圳市建筑业实名分账平台登记终端"
)]
pub struct Cli {
    /// Settings file (JSON). Default: config.json in the data dir.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where the station keeps its database, settings and secret.
    #[arg(long, global = true, value_name = "DIR", env = "CWR_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Talk to a simulator started with `cwr-station sim` and its demo credentials.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Keep the records in the site database several stations share
    /// (postgres://user@host:5432/database), or `本机` for this PC's file. Also `CWR_STORE`.
    #[arg(long, global = true, value_name = "ADDRESS")]
    pub store: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the window against the built-in simulator, with demo credentials and a
    /// throwaway data dir: no platform keys needed.
    Demo {
        /// Start with a few sample workers (one refused by the platform) to look around.
        #[arg(long)]
        sample: bool,
        #[command(flatten)]
        start: super::window_cmd::DemoStart,
    },
    /// Run the platform simulator on loopback.
    Sim(sim_cmd::SimArgs),
    /// Fetch a dictionary from the platform and print it.
    Dict {
        #[arg(value_enum)]
        kind: DictKind,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Send a JSON body, signed, to an endpoint and print the platform's answer.
    Call {
        /// Endpoint name, e.g. RegisterEmployee or userLeaveProject.
        endpoint: String,
        /// JSON body file, or `-` for standard input. Default: `{}`.
        #[arg(long, value_name = "FILE|-")]
        body: Option<String>,
    },
    /// Enroll or update a worker from a JSON file (RegisterEmployee fields; photos as @PATH).
    Register {
        #[arg(long, value_name = "FILE")]
        worker: PathBuf,
    },
    /// Mark workers leaving the project.
    Leave {
        #[arg(required = true, value_name = "ID_CODE")]
        id_codes: Vec<String>,
        /// "yyyy-MM-dd HH:mm:ss" (Beijing time); default now.
        #[arg(long)]
        exit_time: Option<String>,
    },
    /// The project's companies.
    #[command(subcommand)]
    Company(CompanyCommand),
    /// The upload queue.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// The ID-card reader.
    #[command(subcommand)]
    Card(CardCommand),
    /// The station's database: stats, the photo prune, a backup.
    #[command(subcommand)]
    Store(StoreCommand),
    /// The guided acceptance run (联调向导) on the test environment.
    #[command(subcommand)]
    Acceptance(AcceptanceCommand),
    /// Record attendance (考勤): a worker, or a visitor with --visitor, passing in or out.
    Attend {
        /// The ID number (身份证号).
        id_code: String,
        #[arg(long = "in", conflicts_with = "out", required_unless_present = "out")]
        in_: bool,
        #[arg(long)]
        out: bool,
        /// The site photo (a file, written @FILE or FILE), required: the pass time is burned
        /// into it, and it is the face the platform's `way` 1 (人脸识别) stands for.
        #[arg(long, value_name = "@FILE")]
        photo: Option<String>,
        /// When the person passed, "yyyy-MM-dd HH:mm:ss" (Beijing time); default now.
        #[arg(long)]
        time: Option<String>,
        /// A visitor (not enrolled) with this name.
        #[arg(long, value_name = "NAME")]
        visitor: Option<String>,
        /// The clerk compared the person with the enrolled face photo (a visitor: with the
        /// card) — 本人核对无误. Without it the photo's face must be recognised as this worker.
        #[arg(long)]
        confirmed: bool,
    },
    /// Subcontractors' Excel lists: the template, and checking and importing a list.
    #[command(subcommand)]
    Import(import_cmd::ImportCommand),
    /// 人证匹配 by machine: compare a live face with the ID card's portrait.
    #[command(subcommand)]
    Face(FaceCommand),
    /// The roster (人员花名册): every worker, or one in full.
    #[command(subcommand)]
    Worker(WorkerCommand),
    /// The project's blacklist (黑名单).
    #[command(subcommand)]
    Blacklist(BlacklistCommand),
    /// Workers imported from a list, not enrolled yet (待补全).
    #[command(subcommand)]
    Draft(DraftCommand),
    /// The roster or a day's attendance as Excel (.xlsx), as the window exports them.
    #[command(subcommand)]
    Export(ExportCommand),
}

#[derive(Debug, Subcommand)]
pub enum WorkerCommand {
    /// Every worker and draft: name, ID number (masked), company, trade, type, state, emp_id.
    List {
        /// Print JSON (full ID numbers, the dictionaries' codes).
        #[arg(long)]
        json: bool,
    },
    /// One worker in full: fields, state, the platform's emp_id, queue items, history.
    Show {
        /// The ID number (身份证号).
        id_code: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlacklistCommand {
    /// Every entry, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add (or update) one person; enrollment refuses them from then on.
    Add {
        /// The ID number (身份证号).
        id_code: String,
        /// Why (shown to the clerk when enrollment is refused).
        #[arg(long)]
        reason: String,
        /// Who adds them (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// Take an ID number off the list.
    Remove {
        id_code: String,
        /// Who removes it (kept in the audit trail).
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Add the valid rows of a blacklist sheet (.xlsx/.xls: 身份证号码, 姓名, 原因, 添加人).
    Import {
        file: PathBuf,
        /// Who imports: for the rows that name nobody under 添加人.
        #[arg(long, value_name = "NAME")]
        by: String,
    },
    /// Write the list as .xlsx (the same columns an import reads).
    Export {
        file: PathBuf,
        /// Replace FILE if it exists (never the station's own files).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DraftCommand {
    /// Every draft: who, from which file and row.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One draft's fields as imported.
    Show {
        id_code: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete a draft imported by mistake (it was never on the platform).
    Delete { id_code: String },
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The whole roster (workers and drafts) as the window's 导出 Excel writes it.
    Roster {
        file: PathBuf,
        /// Replace FILE if it exists (never the station's own files).
        #[arg(long)]
        force: bool,
    },
    /// A day's attendance logs and whether the platform has each.
    Attendance {
        file: PathBuf,
        /// The day, YYYY-MM-DD (Beijing); default today.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        /// Replace FILE if it exists (never the station's own files).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Compare the face in LIVE (a camera frame) with the portrait in CHIP (the card's chip
    /// photo); exit 0 when compared, 2 when a picture has no face or cannot be read.
    Compare {
        live: PathBuf,
        chip: PathBuf,
        /// The scan of the card's front: its printed portrait is a second reference.
        #[arg(long, value_name = "SCAN")]
        front: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Compute the face descriptors the 考勤 point recognises workers by, for every worker
    /// enrolled with a face photo who has none yet; prints the counts (done, no face, failed).
    Backfill {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Counts and sizes: workers, photos, logs, the queue, the file.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Remove the photos of workers who left long ago and old site photos (see the settings).
    Prune,
    /// A consistent copy of the database, also while the window runs.
    Backup {
        file: PathBuf,
        /// Replace FILE if it exists (never the station's own files).
        #[arg(long)]
        force: bool,
    },
    /// Put the database back from a backup (the current file is kept aside, renamed).
    Restore {
        file: PathBuf,
        /// Also when the current database still opens.
        #[arg(long)]
        force: bool,
    },
    /// Copy this PC's records (queue included) into the site database several stations share:
    /// one transaction, counts checked, safe to run twice. Then point the station at it
    /// (设置 → 数据存放, or --store / CWR_STORE). This PC's file stays as it was.
    Migrate {
        /// The site database: postgres://user[:password]@host:5432/database. Without a
        /// password in it: CWR_STORE_PASSWORD, or the one kept with 设置 → 数据存放.
        #[arg(long, value_name = "ADDRESS")]
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Fill an empty data dir with generated workers (to try the window at site scale).
    Generate {
        #[arg(long, default_value_t = 20_000)]
        workers: usize,
        /// Registrations still waiting for the platform, and refused ones.
        #[arg(long, default_value_t = 0)]
        waiting: usize,
        #[arg(long, default_value_t = 0)]
        refused: usize,
        /// Tiny photos instead of realistic ones (≈ 0.8 MB per worker).
        #[arg(long)]
        small_photos: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AcceptanceCommand {
    /// Successes per interface and where the last run stands.
    Status,
    /// Produce the missing successful records with test data (test environment only).
    Run {
        /// Consent to the test data being created on the test platform.
        #[arg(long)]
        yes: bool,
    },
    /// Write the report for the platform's staff (.xlsx, or text for any other name).
    Report {
        file: PathBuf,
        /// Replace FILE if it exists (never the station's own files).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Read the card on the reader and print it with the platform's keys.
    Read {
        /// Read what the vendor's tool wrote into this folder (wz.txt, zp.bmp).
        #[arg(long, value_name = "DIR", conflicts_with = "library")]
        folder: Option<PathBuf>,
        /// The vendor's library (sdtapi.dll, termb.dll, libtermb.so).
        #[arg(long, value_name = "PATH")]
        library: Option<PathBuf>,
        /// 1001-1016 USB, 1-16 serial; default: try them all.
        #[arg(long, default_value_t = 0)]
        port: i32,
        /// How long to wait for a card to be placed.
        #[arg(long, default_value_t = 5)]
        wait_secs: u64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Add or update a company (AddCompany fields in a JSON file).
    Add {
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
    /// The project's companies and their state with the platform.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a company from the project.
    Remove {
        #[arg(long)]
        suid: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Every queued item and its state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Send everything now, including scheduled retries.
    Drain,
    /// Send one item again now (also one that needed a fix).
    Retry { id: i64 },
}
