use super::*;
use crate::{DemoCards, read_card};
use host::testing::{FOUR_GB, make_sparse};

/// A valid card as a reader's tool writes it: the text block and the portrait BMP.
fn demo_card() -> RawCard {
    let cards = DemoCards::default();
    cards.place_next();
    cards.reader().poll().expect("demo").expect("a card")
}

/// A folder watched from while it was still empty, and the reader watching it.
fn watched() -> (tempfile::TempDir, FolderReader) {
    let dir = tempfile::tempdir().expect("tmp");
    let reader = FolderReader::new(dir.path()).expect("folder");
    (dir, reader)
}

fn failed(result: Result<Option<RawCard>, ReaderError>) -> String {
    match result {
        Err(ReaderError::Failed(message)) => message,
        other => panic!("not refused as a failed read: {other:?}"),
    }
}

#[test]
fn a_card_written_after_the_start_is_read_once_with_its_portrait() {
    let (dir, mut reader) = watched();
    assert_eq!(reader.poll(), Ok(None));
    let card = demo_card();
    std::fs::write(dir.path().join("wz.txt"), &card.text).expect("wz");
    std::fs::write(dir.path().join("photo.bmp"), card.portrait_bmp.as_deref().expect("bmp")).expect("bmp");
    let raw = reader.poll().expect("reads").expect("a card");
    assert_eq!(raw, card);
    assert_eq!(reader.poll(), Ok(None), "once");
}

#[cfg(unix)]
#[test]
fn a_fifo_as_wz_txt_is_refused_instead_of_hanging() {
    let dir = tempfile::tempdir().expect("tmp");
    host::testing::make_fifo(&dir.path().join("wz.txt"));
    let path = dir.path().to_path_buf();
    let (started, polled, direct) = host::testing::returns(move || {
        let started = FolderReader::new(&path).map(|_| ());
        let polled = FolderReader::new(&path).and_then(|mut r| r.poll());
        (started, polled, read_folder(&path))
    });
    assert_eq!(started, Ok(()), "watching starts; the FIFO is said at the first look");
    let message = failed(polled);
    assert!(
        message.contains("wz.txt") && message.contains("不是普通文件（是管道）") && message.contains("：请检查"),
        "{message}"
    );
    assert_eq!(failed(direct), message);
}

#[cfg(unix)]
#[test]
fn a_fifo_as_zp_bmp_is_refused_instead_of_hanging() {
    let (dir, reader) = watched();
    std::fs::write(dir.path().join("wz.txt"), demo_card().text).expect("wz");
    host::testing::make_fifo(&dir.path().join("zp.bmp"));
    let path = dir.path().to_path_buf();
    let (polled, direct) = host::testing::returns(move || {
        let mut reader = reader;
        (reader.poll(), read_folder(&path))
    });
    let message = failed(polled);
    assert!(message.contains("zp.bmp") && message.contains("管道"), "{message}");
    assert_eq!(failed(direct), message);
}

#[test]
fn a_4_gb_wz_txt_is_refused_by_its_size_and_not_taken_for_no_card() {
    let (dir, mut reader) = watched();
    make_sparse(&dir.path().join("wz.txt"), FOUR_GB);
    let message = failed(reader.poll());
    assert!(
        message.contains("wz.txt") && message.contains("4.0 GB") && message.contains("最多 1280 字节"),
        "{message}"
    );
    assert!(!message.contains("没有身份证"), "{message}");
    assert_eq!(failed(read_folder(dir.path())), message);
}

#[test]
fn a_4_gb_zp_bmp_is_refused_by_its_size() {
    let (dir, mut reader) = watched();
    std::fs::write(dir.path().join("wz.txt"), demo_card().text).expect("wz");
    make_sparse(&dir.path().join("zp.bmp"), FOUR_GB);
    let message = failed(reader.poll());
    assert!(
        message.contains("zp.bmp") && message.contains("4.0 GB") && message.contains("芯片照片"),
        "{message}"
    );
    assert_eq!(failed(read_folder(dir.path())), message);
}

#[test]
fn a_wz_txt_longer_than_the_text_and_a_fingerprint_block_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut text = demo_card().text;
    text.resize(MAX_TEXT_BYTES, 0);
    std::fs::write(dir.path().join("wz.txt"), &text).expect("wz");
    let raw = read_folder(dir.path()).expect("reads").expect("a card");
    assert!(
        read_card(raw, 50 * 1024).is_ok(),
        "the text and a fingerprint block is a card"
    );
    text.push(0);
    std::fs::write(dir.path().join("wz.txt"), &text).expect("wz");
    let message = failed(read_folder(dir.path()));
    assert!(
        message.contains("1281 字节") && message.contains("最多 1280 字节"),
        "{message}"
    );
}
