use super::*;
use crate::testing::{FOUR_GB, make_fifo, make_sparse, returns};

#[test]
fn a_regular_file_within_the_limit_is_read_whole() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("照片.jpg");
    std::fs::write(&path, b"12345").expect("write");
    assert_eq!(read_regular_file(&path, 5, "照片"), Ok(b"12345".to_vec()));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_at_once_instead_of_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("face.jpg");
    make_fifo(&path);
    let asked = path.clone();
    let result = returns(move || read_regular_file(&asked, 1024, "照片"));
    assert_eq!(
        result,
        Err(InputFileError::NotRegular {
            what: "照片",
            path: path.clone(),
            kind: "管道"
        })
    );
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains(&path.display().to_string())
            && message.contains("不是普通文件（是管道）")
            && message.contains("：请选择照片文件本身"),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn a_device_is_refused_without_being_read() {
    // /dev/zero would give zeros for ever; /dev/null is there on every unix.
    for device in ["/dev/zero", "/dev/null"] {
        let path = Path::new(device);
        if !path.exists() {
            continue;
        }
        let result = returns(move || read_regular_file(path, 1024, "照片"));
        assert!(
            matches!(result, Err(InputFileError::NotRegular { kind: "设备", .. })),
            "{device}: {result:?}"
        );
    }
}

#[test]
fn a_folder_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tmp");
    let result = read_regular_file(dir.path(), 1024, "照片");
    assert!(
        matches!(result, Err(InputFileError::NotRegular { kind: "文件夹", .. })),
        "{result:?}"
    );
}

#[test]
fn a_4_gb_sparse_file_is_refused_by_its_size_before_reading() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("zp.bmp");
    make_sparse(&path, FOUR_GB);
    let result = read_regular_file(&path, 1024, "zp.bmp");
    assert_eq!(
        result,
        Err(InputFileError::TooLarge {
            what: "zp.bmp",
            path: path.clone(),
            bytes: FOUR_GB,
            max_bytes: 1024
        })
    );
    let message = result.unwrap_err().to_string();
    assert!(message.contains("4.0 GB") && message.contains("1024 字节"), "{message}");
}

#[test]
fn the_limit_itself_is_allowed_one_byte_more_is_not() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("wz.txt");
    std::fs::write(&path, [7u8; 1281]).expect("write");
    assert_eq!(read_regular_file(&path, 1281, "wz.txt").map(|b| b.len()), Ok(1281));
    assert!(matches!(
        read_regular_file(&path, 1280, "wz.txt"),
        Err(InputFileError::TooLarge { bytes: 1281, .. })
    ));
}

#[test]
fn a_missing_file_is_not_found_and_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("不存在.jpg");
    let result = read_regular_file(&path, 1024, "照片");
    assert!(matches!(result, Err(InputFileError::NotFound { .. })), "{result:?}");
    let message = result.unwrap_err().to_string();
    assert!(message.contains("不存在.jpg") && message.contains("：请"), "{message}");
}

#[test]
fn sizes_read_as_bytes_mb_or_gb() {
    assert_eq!(size_text(256), "256 字节");
    assert_eq!(size_text(40 * 1024 * 1024), "40.0 MB");
    assert_eq!(size_text(FOUR_GB), "4.0 GB");
}
