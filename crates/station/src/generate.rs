//! A generated station: thousands of workers with realistic names, valid ID numbers, the
//! project's companies, photos of realistic sizes and a queue in every state, made without
//! the network. For the benchmarks and for trying the window at site scale; it refuses a data
//! dir that already holds workers, so it can never mix with a clerk's records.

use std::collections::HashSet;
use std::io::Cursor;
use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};

use api::Endpoint;
use api::types::DictEntry;
use domain::{Company, PhotoKind, RecordState, Validated, Worker, id_check_char, uscc_check_char};
use store::prelude::*;
use store::{BulkWorker, Store, StoreError, WorkerPhotos};

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub workers: usize,
    pub companies: usize,
    /// Share of the workers who left (their departure accepted).
    pub departed_pct: u8,
    /// Registrations still waiting for the platform, and refused ones needing a person.
    pub waiting: usize,
    pub refused: usize,
    /// Photos at realistic sizes (≈ 0.8 MB per worker); without, tiny ones.
    pub full_photos: bool,
    pub seed: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            workers: 20_000,
            companies: 40,
            departed_pct: 30,
            waiting: 0,
            refused: 0,
            full_photos: true,
            seed: 7,
        }
    }
}

const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海波红梅文斌小龙德明春生永福金水玉兰国华建华晓东俊杰志明宏伟家豪子轩浩然宇航博文欣怡佳琪堃喆犇珺";
/// Region codes of the provinces Shenzhen's sites draw workers from.
const REGIONS: [&str; 16] = [
    "440305", "440306", "441302", "445102", "430102", "430421", "431022", "510104", "511302", "410105", "411302",
    "360102", "362201", "450102", "520102", "421002",
];
const TRADES: &str = "建筑劳务钢结构机电安装装饰幕墙市政土石方防水消防";

/// Why no store was generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("数据目录 {} 里已经有人员记录：生成的数据只能放进空的数据目录", .0.display())]
    NotEmpty(std::path::PathBuf),
    /// The simulator's dictionaries (built into the program) could not be read.
    #[error("{0}")]
    Dictionaries(#[from] std::io::Error),
    /// A generated record failed its own checks: a fault in the generator, not the clerk's.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Local(#[from] StoreError),
}

/// Makes the store. Returns the number of workers written.
pub fn generate_store(data_dir: &Path, options: &GenerateOptions) -> Result<usize, GenerateError> {
    let mut store = Store::open_in(data_dir)?;
    if store.stats()?.workers > 0 {
        return Err(GenerateError::NotEmpty(data_dir.to_path_buf()));
    }
    let dictionaries = sim::Dictionaries::load()?;
    let now = Utc::now();
    for kind in Endpoint::ALL.into_iter().filter(|e| e.is_dictionary()) {
        let entries: Vec<DictEntry> = dictionaries
            .entries(kind)
            .iter()
            .map(|e| DictEntry {
                orders: e.orders.clone(),
                value: e.value.clone(),
                flag: e.flag.clone(),
            })
            .collect();
        store.save_dictionary(kind, &entries, now)?;
    }
    let code = |kind: Endpoint, i: usize| {
        let e = dictionaries.entries(kind);
        e.get(i % e.len().max(1)).map(|d| d.orders.clone()).unwrap_or_default()
    };
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let companies: Vec<Company> = (0..options.companies.max(1)).map(|i| company(i, &mut rng)).collect();
    let company_rules = domain::CompanyRules {
        company_types: dictionaries
            .entries(Endpoint::GetCompanyType)
            .iter()
            .map(|e| e.orders.clone())
            .collect(),
        ..Default::default()
    };
    let checked: Vec<Validated<Company>> = companies
        .iter()
        .cloned()
        .map(|c| {
            c.into_validated(&company_rules)
                .map_err(|p| GenerateError::Refused(format!("generated company refused: {p:?}")))
        })
        .collect::<Result<_, _>>()?;
    store.bulk_companies(&checked)?;
    let rules = domain::WorkerRules {
        today: api::beijing_date(now),
        age_rules: domain::AgeRules::default(),
        emp_categories: store.dictionary_codes(Endpoint::DictListEmpCategory)?,
        job_types: store.dictionary_codes(Endpoint::DictListJobTypeName)?,
        job_names: store.dictionary_codes(Endpoint::DictListJobName)?,
        companies: companies.iter().map(|c| c.company_name.clone()).collect(),
        locked_category: None,
        blacklist: Default::default(),
    };
    let all_photos = domain::PhotosPresent::of(PhotoKind::ALL);

    let photos = PhotoPool::new(options.full_photos, &mut rng);
    let today = api::beijing_date(now);
    let mut used = HashSet::new();
    let mut written = 0;
    let departed = options.workers * usize::from(options.departed_pct.min(100)) / 100;
    let mut i = 0;
    while written < options.workers {
        let batch_end = (written + 1000).min(options.workers);
        let mut batch = Vec::with_capacity(batch_end - written);
        while written + batch.len() < batch_end {
            i += 1;
            let id = id_number(&mut rng);
            if !used.insert(id.clone()) {
                continue;
            }
            let n = written + batch.len();
            let company = &companies[rng.usize(..companies.len())];
            let worker = Worker {
                id_code: id,
                emp_name: name(&mut rng),
                emp_phone: format!("1{}{:09}", [3, 5, 8][rng.usize(..3)], rng.u32(..1_000_000_000)),
                emp_nativeplace: format!("某省某市某区建设路{}号", rng.u32(1..999)),
                emp_nation: "汉".into(),
                pass_period: format!("{}:", today.format("%Y-%m-%d")),
                match_flag: "Y".into(),
                emp_company: company.company_name.clone(),
                emp_category: code(Endpoint::DictListEmpCategory, i),
                job_typename: code(Endpoint::DictListJobTypeName, i),
                job_name: code(Endpoint::DictListJobName, i),
                contract_status: "1".into(),
                id_agency: "某市公安局某分局".into(),
                id_validdate: "2018.01.01-2038.01.01".into(),
                ..Default::default()
            };
            let state = if n < options.refused {
                RecordState::NeedsFix
            } else if n < options.refused + options.waiting {
                RecordState::Pending
            } else if n < options.refused + options.waiting + departed {
                RecordState::Departed
            } else {
                RecordState::Sent
            };
            let accepted = matches!(state, RecordState::Sent | RecordState::Departed);
            let (worker, _warnings) = worker
                .into_validated(all_photos, &rules)
                .map_err(|p| GenerateError::Refused(format!("generated worker refused: {p:?}")))?;
            let (set, thumbnail) = photos.pick(&mut rng);
            batch.push(BulkWorker {
                worker,
                photos: set,
                thumbnail: Some(thumbnail),
                emp_id: if accepted {
                    format!("{:032X}", rng.u128(..))
                } else {
                    String::new()
                },
                message: if state == RecordState::NeedsFix {
                    "参数不合法(emp_phone)".into()
                } else {
                    String::new()
                },
                state,
                at: now - Duration::minutes(rng.i64(0..60 * 24 * 700)),
            });
        }
        written += store.bulk_workers(batch)?;
    }
    store.checkpoint()?;
    Ok(written)
}

fn name(rng: &mut fastrand::Rng) -> String {
    let surnames: Vec<char> = SURNAMES.chars().collect();
    let given: Vec<char> = GIVEN.chars().collect();
    let mut s = String::new();
    s.push(surnames[rng.usize(..surnames.len())]);
    for _ in 0..rng.usize(1..=2) {
        s.push(given[rng.usize(..given.len())]);
    }
    s
}

fn id_number(rng: &mut fastrand::Rng) -> String {
    let birth = NaiveDate::from_ymd_opt(1968, 1, 1).unwrap_or_default() + Duration::days(rng.i64(0..365 * 36));
    let body = format!(
        "{}{}{:03}",
        REGIONS[rng.usize(..REGIONS.len())],
        birth.format("%Y%m%d"),
        rng.u32(..1000)
    );
    format!("{body}{}", id_check_char(&body))
}

fn company(i: usize, rng: &mut fastrand::Rng) -> Company {
    let trades: Vec<char> = TRADES.chars().collect();
    let t = rng.usize(..trades.len() / 2) * 2;
    let body = format!("91440300{:09}", 300_000_000 + i);
    Company {
        company_name: format!(
            "深圳市{}{}{}{}工程有限公司{}",
            name(rng).chars().nth(1).unwrap_or('鹏'),
            name(rng).chars().nth(1).unwrap_or('城'),
            trades[t],
            trades[t + 1],
            i + 1
        ),
        legal_person: name(rng),
        suid: format!("{body}{}", uscc_check_char(&body).unwrap_or('0')),
        company_type: "03".into(),
        ..Default::default()
    }
}

/// A few photo sets, shared by the workers: the sizes are what matters for the store.
struct PhotoPool {
    sets: Vec<(WorkerPhotos, Vec<u8>)>,
}

impl PhotoPool {
    fn new(full: bool, rng: &mut fastrand::Rng) -> PhotoPool {
        let sets = (0..6)
            .map(|_| {
                let mut set = WorkerPhotos::new();
                let (face, scan, portrait) = if full {
                    ((640, 480, 26), (1280, 808, 30), (102, 126, 10))
                } else {
                    ((120, 150, 4), (160, 100, 4), (102, 126, 4))
                };
                set.insert(PhotoKind::Face, noisy_jpeg(face, rng));
                set.insert(PhotoKind::IdScanFront, noisy_jpeg(scan, rng));
                set.insert(PhotoKind::IdScanBack, noisy_jpeg(scan, rng));
                set.insert(PhotoKind::IdPortrait, noisy_jpeg(portrait, rng));
                let thumb = set
                    .get(&PhotoKind::Face)
                    .and_then(|face| media::thumbnail(face).ok())
                    .unwrap_or_default();
                (set, thumb)
            })
            .collect();
        PhotoPool { sets }
    }

    fn pick(&self, rng: &mut fastrand::Rng) -> (&WorkerPhotos, &[u8]) {
        let (set, thumb) = &self.sets[rng.usize(..self.sets.len())];
        (set, thumb)
    }
}

/// A JPEG of a gradient with sensor-like noise: it compresses like a photo, not like a flat
/// test card.
fn noisy_jpeg((width, height, noise): (u32, u32, u8), rng: &mut fastrand::Rng) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let n = |rng: &mut fastrand::Rng| rng.u8(..noise.max(1));
        image::Rgb([
            ((x * 200 / width) as u8).saturating_add(n(rng)),
            ((y * 200 / height) as u8).saturating_add(n(rng)),
            (120u8).saturating_add(n(rng)),
        ])
    });
    let mut out = Cursor::new(Vec::new());
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    // Encoding an in-memory RGB image cannot fail; an empty photo would only shrink the figures.
    let _ = encoder.encode_image(&img);
    out.into_inner()
}
