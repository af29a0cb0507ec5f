//! Opening the window: with the saved settings, or as a demo against the built-in simulator.

use std::sync::Arc;

use super::{Context, Exit};
use crate::config::Environment;
use crate::domain::Company;
use crate::media::camera::{NokhwaCameras, SyntheticCameras};
use crate::sim::SimConfig;
use crate::ui::AppOptions;

pub fn window(ctx: Context) -> Exit {
    crate::logging::init_file(&ctx.data_dir);
    let options = AppOptions {
        data_dir: ctx.data_dir,
        config: ctx.config,
        secret: ctx.secret,
        demo: false,
        cameras: Arc::new(NokhwaCameras::new()),
    };
    match crate::ui::run_window(options) {
        Ok(()) => Exit::Accepted,
        Err(e) => {
            eprintln!("{e}");
            Exit::NotReached
        }
    }
}

/// Companies the demo project starts with, so a worker can be enrolled at once.
pub fn demo_companies() -> Vec<Company> {
    vec![
        Company {
            company_name: "深圳市鹏城建设集团有限公司".into(),
            short_name: "鹏城建设".into(),
            legal_person: "陈建国".into(),
            suid: "91440300100000011X".into(),
            company_type: "01".into(),
            address: "深圳市福田区深南大道 1001 号".into(),
            ..Default::default()
        },
        Company {
            company_name: "深圳市安居劳务分包有限公司".into(),
            short_name: "安居劳务".into(),
            legal_person: "黄志强".into(),
            suid: "914403001000000121".into(),
            suid_superior: "91440300100000011X".into(),
            company_type: "03".into(),
            ..Default::default()
        },
    ]
}

pub fn demo() -> Exit {
    let mut sim_config = SimConfig::demo();
    sim_config.addr = match "127.0.0.1:0".parse() {
        Ok(a) => a,
        Err(_) => return Exit::Invalid,
    };
    let sim = match crate::sim::start(sim_config.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("演示用的模拟平台无法启动：{e}");
            return Exit::NotReached;
        }
    };
    let data_dir = std::env::temp_dir().join(format!("cwr-station-demo-{}", std::process::id()));
    let mut config = crate::config::Config {
        environment: Environment::Demo,
        base_url: sim.base_url(),
        api_key: sim_config.api_key.clone(),
        client_serial: sim_config.client_serial.clone(),
        project_id: sim_config.project_id.clone(),
        ..Default::default()
    };
    config.protocol = sim_config.protocol.clone();
    match crate::store::Store::open_in(&data_dir) {
        Ok(mut store) => {
            for c in demo_companies() {
                if let Err(e) = store.save_company(&c) {
                    eprintln!("{e}");
                }
            }
        }
        Err(e) => {
            eprintln!("{e}");
            return Exit::NotReached;
        }
    }
    println!("演示模式：模拟平台 {}，数据目录 {}（退出后删除）", sim.base_url(), data_dir.display());
    let options = AppOptions {
        data_dir: data_dir.clone(),
        config,
        secret: crate::api::Secret::new(sim_config.api_secret),
        demo: true,
        cameras: Arc::new(SyntheticCameras::new()),
    };
    let result = crate::ui::run_window(options);
    drop(sim);
    let _ = std::fs::remove_dir_all(&data_dir);
    match result {
        Ok(()) => Exit::Accepted,
        Err(e) => {
            eprintln!("{e}");
            Exit::NotReached
        }
    }
}
