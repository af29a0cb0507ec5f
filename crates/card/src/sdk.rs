//! The vendors' reader library, loaded at run time (nothing is linked at build time). Two
//! families speak the public-security standard:
//! - `sdtapi.dll` (`SDT_OpenPort`, `SDT_StartFindIDCard`, `SDT_SelectIDCard`,
//!   `SDT_ReadBaseMsg`, `SDT_ClosePort`), with `WltRS.dll`'s `GetBmp` decoding the portrait;
//! - `termb.dll` / `libtermb.so` (`InitComm`, `Authenticate`, `Read_Content`, `CloseComm`),
//!   which writes `wz.txt` and `zp.bmp` itself.
//!
//! A missing or failing library is a clear message, never a crash.

use std::ffi::{CString, c_char, c_int, c_uint};
use std::path::{Path, PathBuf};

use libloading::{Library, Symbol};

use super::{CardReader, RawCard, ReaderError};

/// `SDT_*` success and "card found" codes.
const SDT_OK: c_int = 0x90;
const SDT_FOUND: c_int = 0x9f;
/// USB readers answer on ports 1001–1016, serial ones on 1–16.
const USB_PORTS: std::ops::RangeInclusive<c_int> = 1001..=1016;
const SERIAL_PORTS: std::ops::RangeInclusive<c_int> = 1..=16;

type OpenPort = unsafe extern "system" fn(c_int) -> c_int;
type ClosePort = unsafe extern "system" fn(c_int) -> c_int;
type FindCard = unsafe extern "system" fn(c_int, *mut u8, c_int) -> c_int;
type ReadBaseMsg = unsafe extern "system" fn(c_int, *mut u8, *mut c_uint, *mut u8, *mut c_uint, c_int) -> c_int;
type GetBmp = unsafe extern "system" fn(*const c_char, c_int) -> c_int;
type InitComm = unsafe extern "system" fn(c_int) -> c_int;
type NoArgs = unsafe extern "system" fn() -> c_int;
type ReadContent = unsafe extern "system" fn(c_int) -> c_int;

enum Family {
    Sdt { wlt: Option<Library> },
    Termb,
}

pub struct SdkReader {
    lib: Library,
    path: PathBuf,
    family: Family,
    /// 0 = find it (USB ports first, then serial).
    wanted_port: i32,
    open_port: Option<c_int>,
    /// Where the portrait is decoded (`zp.wlt` → `zp.bmp`).
    work_dir: PathBuf,
}

/// The library's default file name on this system.
pub fn default_library() -> &'static str {
    if cfg!(windows) { "sdtapi.dll" } else { "libtermb.so" }
}

impl SdkReader {
    /// Loads the library at `path` (a bare file name is looked up the system's way).
    pub fn load(path: &Path, port: i32, work_dir: &Path) -> Result<SdkReader, ReaderError> {
        // SAFETY: loading runs the library's initialisers; it is the reader vendor's own
        // library, chosen by the site's IT person in the settings. Nothing else can be done
        // to check a DLL before loading it.
        let lib = unsafe { Library::new(path) }.map_err(|e| {
            ReaderError::NoReader(format!(
                "读卡器的驱动库 {} 加载不了（{e}）：请确认已安装读卡器厂家的驱动，并在“设置”里填写驱动库的位置",
                path.display()
            ))
        })?;
        let has = |name: &[u8]| {
            // SAFETY: only looks the symbol up; its type is not used.
            unsafe { lib.get::<unsafe extern "system" fn()>(name) }.is_ok()
        };
        let family = if has(b"SDT_ReadBaseMsg\0") {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let wlt_names: &[&str] = if cfg!(windows) {
                &["WltRS.dll"]
            } else {
                &["libwltrs.so", "libWltRS.so"]
            };
            let wlt = if has(b"GetBmp\0") {
                None
            } else {
                // SAFETY: as above, the vendor's decoder beside its reader library.
                wlt_names.iter().find_map(|n| unsafe { Library::new(dir.join(n)) }.ok())
            };
            Family::Sdt { wlt }
        } else if has(b"Read_Content\0") {
            Family::Termb
        } else {
            return Err(ReaderError::NoReader(format!(
                "{} 不是身份证读卡器的驱动库（找不到 SDT_ReadBaseMsg 或 Read_Content）：请在“设置”里选对厂家的驱动库",
                path.display()
            )));
        };
        std::fs::create_dir_all(work_dir).map_err(|e| ReaderError::Failed(format!("读卡用的临时目录建不了：{e}")))?;
        Ok(SdkReader {
            lib,
            path: path.to_path_buf(),
            family,
            wanted_port: port,
            open_port: None,
            work_dir: work_dir.to_path_buf(),
        })
    }

    fn symbol<T>(&self, name: &[u8]) -> Result<Symbol<'_, T>, ReaderError> {
        // SAFETY: every `T` used here is the documented signature of `name` in the
        // public-security SDK.
        unsafe { self.lib.get::<T>(name) }.map_err(|e| {
            ReaderError::Failed(format!(
                "驱动库缺少 {}（{e}）：请换用读卡器厂家的最新驱动",
                String::from_utf8_lossy(&name[..name.len() - 1])
            ))
        })
    }

    fn ports(&self) -> Vec<c_int> {
        if self.wanted_port > 0 {
            vec![self.wanted_port]
        } else {
            USB_PORTS.chain(SERIAL_PORTS).collect()
        }
    }

    fn open(&mut self) -> Result<c_int, ReaderError> {
        if let Some(port) = self.open_port {
            return Ok(port);
        }
        let found = match self.family {
            Family::Sdt { .. } => {
                let open: Symbol<OpenPort> = self.symbol(b"SDT_OpenPort\0")?;
                // SAFETY: SDT_OpenPort takes a port number and returns a status.
                self.ports().into_iter().find(|p| unsafe { open(*p) } == SDT_OK)
            }
            Family::Termb => {
                let init: Symbol<InitComm> = self.symbol(b"InitComm\0")?;
                // SAFETY: InitComm takes a port number and returns 1 on success.
                self.ports().into_iter().find(|p| unsafe { init(*p) } == 1)
            }
        };
        let port = found.ok_or_else(|| {
            ReaderError::NoReader("找不到身份证读卡器：请确认读卡器已插好 USB 线、指示灯亮，再点“读卡”".into())
        })?;
        self.open_port = Some(port);
        Ok(port)
    }

    fn read_sdt(&self, port: c_int) -> Result<Option<RawCard>, ReaderError> {
        let find: Symbol<FindCard> = self.symbol(b"SDT_StartFindIDCard\0")?;
        let select: Symbol<FindCard> = self.symbol(b"SDT_SelectIDCard\0")?;
        let read: Symbol<ReadBaseMsg> = self.symbol(b"SDT_ReadBaseMsg\0")?;
        let mut scratch = [0u8; 64];
        // SAFETY: the buffers are larger than the SDK writes (8 bytes of management data).
        if unsafe { find(port, scratch.as_mut_ptr(), 1) } != SDT_FOUND {
            return Ok(None);
        }
        // SAFETY: as above.
        if unsafe { select(port, scratch.as_mut_ptr(), 1) } != SDT_OK {
            return Ok(None);
        }
        let mut text = vec![0u8; 512];
        let mut photo = vec![0u8; 2048];
        let (mut text_len, mut photo_len): (c_uint, c_uint) = (0, 0);
        // SAFETY: 512 and 2048 bytes exceed the 256 + 1024 the SDK writes; the lengths are
        // written back through valid pointers.
        let status = unsafe {
            read(
                port,
                text.as_mut_ptr(),
                &mut text_len,
                photo.as_mut_ptr(),
                &mut photo_len,
                1,
            )
        };
        if status != SDT_OK {
            return Err(ReaderError::Failed(format!(
                "读卡器没读全这张卡（代码 0x{status:02x}）：请把身份证平放在读卡器上别动，再读一次"
            )));
        }
        text.truncate((text_len as usize).min(text.len()));
        photo.truncate((photo_len as usize).min(photo.len()));
        let portrait_bmp = self.decode_wlt(&photo);
        Ok(Some(RawCard { text, portrait_bmp }))
    }

    /// WLT → BMP through the vendor's decoder; `None` when it is not there or fails (the
    /// clerk can still pick the chip photo from a file).
    fn decode_wlt(&self, wlt: &[u8]) -> Option<Vec<u8>> {
        let Family::Sdt { wlt: wlt_lib } = &self.family else {
            return None;
        };
        let lib = wlt_lib.as_ref().unwrap_or(&self.lib);
        // SAFETY: GetBmp's documented signature: (path of the .wlt file, interface).
        let get_bmp: Symbol<GetBmp> = unsafe { lib.get(b"GetBmp\0") }.ok()?;
        let wlt_path = self.work_dir.join("zp.wlt");
        let bmp_path = self.work_dir.join("zp.bmp");
        let _ = std::fs::remove_file(&bmp_path);
        std::fs::write(&wlt_path, wlt).ok()?;
        let c_path = CString::new(wlt_path.to_string_lossy().as_bytes()).ok()?;
        // SAFETY: a NUL-terminated path that lives across the call; 2 = USB interface.
        let ok = unsafe { get_bmp(c_path.as_ptr(), 2) } == 1;
        let bmp = ok
            .then(|| host::input_file::read_regular_file(&bmp_path, super::folder::PORTRAIT_MAX_BYTES, "zp.bmp").ok())
            .flatten();
        let _ = std::fs::remove_file(&wlt_path);
        let _ = std::fs::remove_file(&bmp_path);
        bmp
    }

    fn read_termb(&self) -> Result<Option<RawCard>, ReaderError> {
        let auth: Symbol<NoArgs> = self.symbol(b"Authenticate\0")?;
        let read: Symbol<ReadContent> = self.symbol(b"Read_Content\0")?;
        // SAFETY: Authenticate takes nothing and returns 1 when a card is present.
        if unsafe { auth() } != 1 {
            return Ok(None);
        }
        // SAFETY: Read_Content(1) writes wz.txt and zp.bmp and returns 1 on success.
        if unsafe { read(1) } != 1 {
            return Err(ReaderError::Failed(
                "读卡器没读全这张卡：请把身份证平放在读卡器上别动，再读一次".into(),
            ));
        }
        // The files land beside the library or in the working directory, by vendor.
        let dirs = [
            self.path.parent().map(Path::to_path_buf).unwrap_or_default(),
            std::env::current_dir().unwrap_or_default(),
        ];
        for dir in dirs {
            if let Some(card) = super::folder::read_card_files(&dir, &["zp.bmp"])? {
                return Ok(Some(card));
            }
        }
        Err(ReaderError::Failed(
            "读卡器说读到了，但没找到它写出的 wz.txt：请检查驱动的安装目录".into(),
        ))
    }
}

impl CardReader for SdkReader {
    fn poll(&mut self) -> Result<Option<RawCard>, ReaderError> {
        let port = self.open()?;
        let result = match self.family {
            Family::Sdt { .. } => self.read_sdt(port),
            Family::Termb => self.read_termb(),
        };
        if matches!(result, Err(ReaderError::NoReader(_))) {
            self.open_port = None;
        }
        result
    }

    fn describe(&self) -> String {
        match self.open_port {
            Some(p) => format!("{}（端口 {p}）", self.path.display()),
            None => self.path.display().to_string(),
        }
    }
}

impl Drop for SdkReader {
    fn drop(&mut self) {
        let Some(port) = self.open_port.take() else { return };
        match self.family {
            Family::Sdt { .. } => {
                if let Ok(close) = self.symbol::<ClosePort>(b"SDT_ClosePort\0") {
                    // SAFETY: closes the port this reader opened.
                    unsafe { close(port) };
                }
            }
            Family::Termb => {
                if let Ok(close) = self.symbol::<NoArgs>(b"CloseComm\0") {
                    // SAFETY: closes the port InitComm opened.
                    unsafe { close() };
                }
            }
        }
    }
}
