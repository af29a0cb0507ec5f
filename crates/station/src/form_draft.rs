//! The enrollment form as the clerk left it (fields and photos, JSON), kept in files of this
//! station's data dir, never in the store: on a site database the store is shared, and two
//! clerks' half-typed forms must not overwrite each other; and when the site database cannot
//! be reached, what was typed must still be kept (issue 23). A data dir from before kept the
//! draft in the store's settings: it is read from there once, and moved.

use std::path::{Path, PathBuf};

use store::StoreError;

use crate::Station;

const FIELDS_FILE: &str = "enroll_draft.json";
const PHOTOS_FILE: &str = "enroll_draft_photos.json";
const FIELDS_KEY: &str = "enroll_draft";
const PHOTOS_KEY: &str = "enroll_draft_photos";

fn io_error(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Dir {
        path: path.to_owned(),
        detail: format!("没能保存未提交的登记表单（{e}）"),
    }
}

/// Writes through a temp file and a rename, private to this user (the draft holds an ID
/// number and photos); `None` removes it.
fn keep(path: &Path, text: Option<&str>) -> Result<(), StoreError> {
    match text {
        Some(text) => {
            let tmp = path.with_extension("json.tmp");
            let write = || -> std::io::Result<()> {
                use std::io::Write;
                let mut f = host::output_file::create_private(&tmp)?;
                f.write_all(text.as_bytes())?;
                f.sync_all()?;
                std::fs::rename(&tmp, path)
            };
            write().map_err(|e| io_error(path, e))
        }
        None => match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(path, e)),
        },
    }
}

fn read(path: &Path) -> Result<Option<String>, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::Dir {
            path: path.to_owned(),
            detail: format!("读不出上次没提交的登记表单（{e}）"),
        }),
    }
}

impl Station {
    fn draft_path(&self, file: &str) -> PathBuf {
        self.data_dir().join(file)
    }

    /// The enrollment form's fields as typed (JSON), kept across restarts.
    pub fn save_draft(&self, fields: Option<&str>) -> Result<(), StoreError> {
        keep(&self.draft_path(FIELDS_FILE), fields)
    }

    /// The enrollment form's photos (JSON of Base64), kept across restarts.
    pub fn save_draft_photos(&self, photos: Option<&str>) -> Result<(), StoreError> {
        keep(&self.draft_path(PHOTOS_FILE), photos)
    }

    /// After a submit was stored: the draft has done its work.
    pub fn clear_draft(&self) -> Result<(), StoreError> {
        self.save_draft(None)?;
        self.save_draft_photos(None)
    }

    /// The form as the clerk left it: (fields, photos). A draft an older version kept in this
    /// PC's store is moved to the files on the way (never from a site database: there it would
    /// be another station's).
    pub fn load_draft(&self) -> Result<(Option<String>, Option<String>), StoreError> {
        let mut out = Vec::new();
        for (file, key) in [(FIELDS_FILE, FIELDS_KEY), (PHOTOS_FILE, PHOTOS_KEY)] {
            let path = self.draft_path(file);
            let mut text = read(&path)?;
            if text.is_none() && !self.location().is_site() && !self.store.is_read_only() {
                text = self.store.setting(key)?;
                if let Some(t) = &text {
                    keep(&path, Some(t))?;
                    self.store.set_setting(key, None)?;
                }
            }
            out.push(text);
        }
        let photos = out.pop().flatten();
        let fields = out.pop().flatten();
        Ok((fields, photos))
    }
}
