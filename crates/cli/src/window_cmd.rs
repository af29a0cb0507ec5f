//! Opening the window: with the saved settings, or as a demo against the built-in simulator.

use std::sync::Arc;

use super::demo_data::demo_companies;
use super::{Cli, Context, Exit};
use card::DemoCards;
use card::poller::ConfiguredReader;
use media::camera::{NokhwaCameras, SyntheticCameras};
use sim::SimConfig;
use station::config::{Config, Environment};
use ui::AppOptions;
use ui::config_problem::ConfigProblem;

pub fn window(ctx: Context) -> Exit {
    host::logging::init_file(&ctx.data_dir);
    match ui::run_window(station_options(ctx)) {
        Ok(()) => Exit::Accepted,
        Err(e) => {
            errln!("{e}");
            Exit::NotReached
        }
    }
}

fn station_options(ctx: Context) -> AppOptions {
    let card_reader = Arc::new(ConfiguredReader {
        settings: ctx.config.card_reader.clone(),
        work_dir: ctx.data_dir.join("card"),
    });
    AppOptions {
        data_dir: ctx.data_dir,
        config_path: ctx.config_path,
        config: ctx.config,
        secret: ctx.secret,
        demo: false,
        cameras: Arc::new(NokhwaCameras::new()),
        card_reader,
        demo_cards: None,
    }
}

/// The window asked for with settings it cannot use (`message`, as a command would print
/// it): instead of exiting with the message on a stderr no one sees, the window opens on it
/// and offers the way out. Quitting there exits with `exit`, as the command would.
pub fn config_problem(cli: &Cli, message: String, exit: Exit) -> Exit {
    let (data_dir, config_path) = cli.paths();
    host::logging::init_file(&data_dir);
    tracing::warn!("{message}");
    let env = |k: &str| std::env::var(k).ok();
    // What the station starts with once the file is aside: the defaults, and the variables.
    let mut config = Config::default();
    let problem = ConfigProblem::new(message, &config_path, config.apply_env(env).map_err(|e| e.to_string()));
    let ctx = Context {
        secret: host::secret::load_secret(&data_dir, env),
        data_dir,
        config_path,
        config,
    };
    match ui::run_window_on_problem(problem, station_options(ctx)) {
        Ok(true) => Exit::Accepted,
        Ok(false) => exit,
        Err(e) => {
            errln!("{e}");
            exit
        }
    }
}

/// Where and how the demo window opens (`packaging/screenshots.sh` takes every screen in
/// both themes this way, without clicking).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DemoStart {
    /// The screen to open on.
    #[arg(long, value_enum)]
    pub screen: Option<DemoScreen>,
    /// 外观: light or dark (the default follows the system).
    #[arg(long, value_enum)]
    pub theme: Option<DemoTheme>,
    /// 文字大小 in percent: 100, 125 or 150.
    #[arg(long, value_parser = ["100", "125", "150"])]
    pub text_size: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DemoScreen {
    Enroll,
    Attendance,
    Roster,
    Import,
    Companies,
    Blacklist,
    Queue,
    Settings,
    Setup,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DemoTheme {
    System,
    Light,
    Dark,
}

impl DemoStart {
    fn window_start(&self) -> ui::WindowStart {
        use ui::app::{Screen, TextSize, ThemeChoice};
        ui::WindowStart {
            screen: self.screen.map(|s| match s {
                DemoScreen::Enroll => Screen::Enroll,
                DemoScreen::Attendance => Screen::Attendance,
                DemoScreen::Roster => Screen::Roster,
                DemoScreen::Import => Screen::Import,
                DemoScreen::Companies => Screen::Companies,
                DemoScreen::Blacklist => Screen::Blacklist,
                DemoScreen::Queue => Screen::Queue,
                DemoScreen::Settings => Screen::Settings,
                DemoScreen::Setup => Screen::Setup,
            }),
            theme: self.theme.map(|t| match t {
                DemoTheme::System => ThemeChoice::System,
                DemoTheme::Light => ThemeChoice::Light,
                DemoTheme::Dark => ThemeChoice::Dark,
            }),
            text_size: self.text_size.as_deref().map(|t| match t {
                "125" => TextSize::Percent125,
                "150" => TextSize::Percent150,
                _ => TextSize::Percent100,
            }),
        }
    }
}

pub fn demo(sample: bool, start: DemoStart) -> Exit {
    let mut sim_config = SimConfig::demo();
    sim_config.addr = match "127.0.0.1:0".parse() {
        Ok(a) => a,
        Err(_) => return Exit::Invalid,
    };
    let sim = match sim::start(sim_config.clone()) {
        Ok(s) => s,
        Err(e) => {
            errln!("演示用的模拟平台无法启动：{e}");
            return Exit::NotReached;
        }
    };
    let data_dir = std::env::temp_dir().join(format!("cwr-station-demo-{}", std::process::id()));
    let config = station::config::Config {
        environment: Environment::Demo,
        base_url: sim.base_url(),
        api_key: sim_config.api_key.clone(),
        client_serial: sim_config.client_serial.clone(),
        project_id: sim_config.project_id.clone(),
        device_id: super::DEMO_DEVICE_ID.into(),
        ..Default::default()
    };
    let clock = std::sync::Arc::new(station::platform::PlatformClock::new(
        station::platform::clock::system_time(),
    ));
    match station::Station::open(&data_dir, config.clone(), clock) {
        Ok(mut station) => {
            for c in demo_companies() {
                if let Err(e) = station.save_company(c) {
                    errln!("{e}");
                }
            }
            if sample {
                // The first trade of the simulator's dictionary (木工).
                if let Err(e) = super::demo_data::seed_sample_workers(&mut station, "7D4DDE53D08D97CF7FFBB561D1E17624")
                {
                    errln!("示例人员没有建立：{e}");
                }
            }
        }
        Err(e) => {
            errln!("{e}");
            return Exit::LocalFailure;
        }
    }
    outln!(
        "演示模式：模拟平台 {}，数据目录 {}（退出后删除）",
        sim.base_url(),
        data_dir.display()
    );
    let demo_cards = DemoCards::default();
    let options = AppOptions {
        config_path: data_dir.join("config.json"),
        data_dir: data_dir.clone(),
        config,
        secret: station::platform::Secret::new(sim_config.api_secret),
        demo: true,
        cameras: Arc::new(SyntheticCameras::new()),
        card_reader: Arc::new(demo_cards.clone()),
        demo_cards: Some(demo_cards),
    };
    let result = ui::run_window_with(options, start.window_start());
    drop(sim);
    let _ = std::fs::remove_dir_all(&data_dir);
    match result {
        Ok(()) => Exit::Accepted,
        Err(e) => {
            errln!("{e}");
            Exit::NotReached
        }
    }
}
