//! `cwr-station card read`: the card on the reader, as JSON with the platform's keys.
//! Exit 0 a card was read; 2 the card is unreadable or invalid; 3 no reader, or no card.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{Context, Exit};
use card::{CardDriver, CardReaderSettings, ReaderError, read_card};
use domain::PhotoKind;

pub fn read(
    ctx: &Context,
    folder: Option<PathBuf>,
    library: Option<PathBuf>,
    port: i32,
    wait_secs: u64,
    json: bool,
) -> Exit {
    let checked = station::config::check_card_wait_secs("--wait-secs", wait_secs)
        .and_then(|()| station::config::check_card_port("--port", port));
    if let Err(e) = checked {
        errln!("{e}");
        return Exit::Invalid;
    }
    let mut settings = ctx.config.card_reader.clone();
    if let Some(dir) = folder {
        settings = CardReaderSettings {
            driver: CardDriver::Folder,
            folder: dir.display().to_string(),
            ..settings
        };
    } else if let Some(lib) = library {
        settings = CardReaderSettings {
            driver: CardDriver::Sdk,
            library: lib.display().to_string(),
            port,
            ..settings
        };
    }
    let work_dir = std::env::temp_dir().join(format!("cwr-station-card-{}", std::process::id()));
    let mut reader = match settings.open(&work_dir) {
        Ok(r) => r,
        Err(e) => {
            errln!("{e}");
            return Exit::NotReached;
        }
    };
    // A folder shows the last read at once; a reader waits for a card to be placed.
    let deadline = Instant::now() + Duration::from_secs(wait_secs);
    let mut first = settings.driver == CardDriver::Folder;
    let raw = loop {
        let looked = if first {
            first = false;
            // What the tool wrote before the command started is the card to print.
            card::read_folder(&PathBuf::from(settings.folder.trim()))
        } else {
            reader.poll()
        };
        match looked {
            Ok(Some(raw)) => break raw,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(300)),
            Ok(None) => {
                errln!("读卡器上没有身份证（等了 {wait_secs} 秒）：请把身份证平放在读卡器上再试");
                let _ = std::fs::remove_dir_all(&work_dir);
                return Exit::NotReached;
            }
            Err(e) => {
                errln!("{e}");
                let _ = std::fs::remove_dir_all(&work_dir);
                return match e {
                    ReaderError::NoReader(_) => Exit::NotReached,
                    ReaderError::Failed(_) => Exit::Invalid,
                };
            }
        }
    };
    let _ = std::fs::remove_dir_all(&work_dir);
    let budget = ctx.config.photo_budgets.bytes_for(PhotoKind::IdPortrait);
    let read = match read_card(raw, budget) {
        Ok(r) => r,
        Err(e) => {
            errln!("{e}");
            return Exit::Invalid;
        }
    };
    let card = read.to_json();
    if json {
        match serde_json::to_string_pretty(&card) {
            Ok(t) => outln!("{t}"),
            Err(e) => {
                errln!("{e}");
                return Exit::Invalid;
            }
        }
    } else {
        outln!(
            "{}：{}（{}，{}）",
            card.card_kind,
            card.emp_name,
            card.gender,
            card.birth_date
        );
        outln!(
            "民族：{}",
            if card.emp_nation.is_empty() {
                "（无）"
            } else {
                &card.emp_nation
            }
        );
        outln!("身份证号码：{}", card.id_code);
        outln!("住址：{}", card.emp_nativeplace);
        outln!("签发机关：{}", card.id_agency);
        outln!("有效期限：{}", card.id_validdate);
        outln!(
            "芯片照片：{}",
            read.portrait
                .as_ref()
                .map(|p| format!("{}×{}，{} 字节", p.width, p.height, p.jpeg.len()))
                .unwrap_or_else(|| "读卡器没有给出".into())
        );
    }
    Exit::Accepted
}
