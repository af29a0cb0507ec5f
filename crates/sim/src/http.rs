//! Just enough HTTP/1.1 for the clients the station uses (reqwest, curl, browsers):
//! keep-alive, `Content-Length` and chunked bodies, `Expect: 100-continue`.

use std::io::{self, BufRead, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use super::limits::{BufferAccount, Charge};
use protocol::sign::percent_decode;

/// Larger bodies are refused with 413 before being read: the biggest real request is a
/// RegisterEmployee with four photos, a few MB at most.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
const MAX_LINE: usize = 64 * 1024;
/// The request line and all headers together (Tomcat's own limit is 8 KB): a client cannot
/// make a connection hold more than this before its body is counted.
const MAX_HEAD: usize = 64 * 1024;
const MAX_HEADERS: usize = 100;
/// The smallest step a body's buffer grows by; it otherwise doubles as bytes arrive.
const MIN_GROWTH: usize = 8 * 1024;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Decoded query parameters in order of appearance.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
    /// The body's share of the simulator's memory bound, held until the request is dropped.
    _charge: Charge,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// First occurrence wins, as with a servlet's `getParameter`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why a request could not be read; each maps to one answer (or none).
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed (or the socket failed) between requests: nothing to answer.
    Closed,
    /// The client sent too slowly: its deadline passed.
    TimedOut,
    BadRequest(&'static str),
    TooLarge,
    /// The bytes the client really sent would take the simulator over its memory bound.
    Busy,
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            // A socket read timeout is WouldBlock on Unix and TimedOut on Windows.
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ReadError::TimedOut,
            _ => ReadError::Closed,
        }
    }
}

/// How the body that follows a head is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Length(usize),
    Chunked,
}

/// A request line and its headers, the body not yet read.
#[derive(Debug)]
pub struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    keep_alive: bool,
    pub body: BodyKind,
}

/// Reads one request; `writer` is needed only to send `100 Continue`. Tests and tools only:
/// the server reads head and body separately, each against its own deadline.
#[cfg(test)]
pub fn read_request(
    reader: &mut impl BufRead,
    writer: &mut impl Write,
    account: &std::sync::Arc<BufferAccount>,
) -> Result<Request, ReadError> {
    let head = read_head(reader, writer)?;
    read_body(reader, head, account)
}

/// Reads the request line and headers, and answers `Expect: 100-continue`.
pub fn read_head(reader: &mut impl BufRead, writer: &mut impl Write) -> Result<Head, ReadError> {
    let mut head_left = MAX_HEAD;
    let mut line = read_line(reader, &mut head_left)?;
    // RFC 7230 §3.5: ignore empty lines before a request line (left over by some clients).
    while line.is_empty() {
        line = read_line(reader, &mut head_left)?;
    }
    let parts: Vec<&str> = line.split(' ').collect();
    // A raw space in the URL (an unencoded timestamp) splits the line in more than three:
    // Tomcat answers 400 to that, so do we.
    let [method, target, version] = parts[..] else {
        return Err(ReadError::BadRequest("请求行格式不对（网址里的空格要写成 %20）"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::BadRequest("只支持 HTTP/1.0 和 HTTP/1.1"));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader, &mut head_left)?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::BadRequest("请求头超过 100 个"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::BadRequest("请求头格式不对（应为 名称: 值）"));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let connection = find_header(&headers, "connection")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let chunked =
        find_header(&headers, "transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let body = match find_header(&headers, "content-length") {
        _ if chunked => BodyKind::Chunked,
        Some(v) => {
            let n: u64 = v
                .parse()
                .map_err(|_| ReadError::BadRequest("Content-Length 不是数字"))?;
            if n > MAX_BODY as u64 {
                return Err(ReadError::TooLarge);
            }
            BodyKind::Length(n as usize)
        }
        None => BodyKind::Length(0),
    };
    if find_header(&headers, "expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    Ok(Head {
        method: method.to_string(),
        target: target.to_string(),
        headers,
        keep_alive,
        body,
    })
}

/// Reads the body `head` announces. The buffer grows with the bytes that arrive, never by
/// the size announced, and every growth is charged to `account` first.
pub fn read_body(
    reader: &mut impl BufRead,
    head: Head,
    account: &std::sync::Arc<BufferAccount>,
) -> Result<Request, ReadError> {
    let mut charge = Charge::new(account);
    let mut body = Vec::new();
    match head.body {
        BodyKind::Length(length) => read_counted(reader, &mut body, &mut charge, length)?,
        BodyKind::Chunked => read_chunked(reader, &mut body, &mut charge)?,
    }
    let (path, query) = split_target(&head.target);
    Ok(Request {
        method: head.method,
        path,
        query,
        headers: head.headers,
        body,
        keep_alive: head.keep_alive,
        _charge: charge,
    })
}

/// Appends exactly `want` bytes to `body`, taking them as they are received.
fn read_counted(
    reader: &mut impl BufRead,
    body: &mut Vec<u8>,
    charge: &mut Charge,
    mut want: usize,
) -> Result<(), ReadError> {
    while want > 0 {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Err(ReadError::Closed);
        }
        let n = available.len().min(want);
        let needed = body.len() + n;
        if needed > body.capacity() {
            let capacity = (body.capacity() * 2).clamp(MIN_GROWTH, MAX_BODY).max(needed);
            if !charge.grow_to(capacity) {
                return Err(ReadError::Busy);
            }
            body.reserve_exact(capacity - body.len());
            // The allocator may hand out more than asked: what is held is what is counted.
            if !charge.grow_to(body.capacity()) {
                return Err(ReadError::Busy);
            }
        }
        body.extend_from_slice(&available[..n]);
        reader.consume(n);
        want -= n;
    }
    Ok(())
}

/// One CRLF- (or LF-) terminated line without its terminator; ISO-8859-1 like a servlet.
/// `left` is what remains of the bytes allowed for the lines it belongs to.
fn read_line(reader: &mut impl BufRead, left: &mut usize) -> Result<String, ReadError> {
    let limit = MAX_LINE.min(*left);
    let mut buf = Vec::new();
    let n = reader.by_ref().take(limit as u64).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Err(ReadError::Closed);
    }
    *left -= n;
    if buf.last() != Some(&b'\n') {
        return Err(if n >= limit {
            ReadError::BadRequest("一行太长，或请求行和请求头合计超过 64 KB")
        } else {
            ReadError::Closed
        });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(buf.iter().map(|&b| char::from(b)).collect())
}

fn read_chunked(reader: &mut impl BufRead, body: &mut Vec<u8>, charge: &mut Charge) -> Result<(), ReadError> {
    let mut trailers_left = MAX_HEAD;
    loop {
        // Chunk-size lines are not kept: each may be as long as any line, however many.
        let mut line_left = MAX_LINE;
        let line = read_line(reader, &mut line_left)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::BadRequest("分块长度不是十六进制数"))?;
        if size == 0 {
            // Trailers, if any, end with an empty line.
            while !read_line(reader, &mut trailers_left)?.is_empty() {}
            return Ok(());
        }
        if body.len().checked_add(size).is_none_or(|total| total > MAX_BODY) {
            return Err(ReadError::TooLarge);
        }
        read_counted(reader, body, charge, size)?;
        match read_line(reader, &mut 2) {
            Ok(line) if line.is_empty() => {}
            Ok(_) | Err(ReadError::BadRequest(_)) => {
                return Err(ReadError::BadRequest("分块数据后面没有紧跟换行"));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Splits `path?query`, accepting the absolute form a proxy-configured client sends.
fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    let target = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    (percent_decode(path), query)
}

/// RFC 7231 IMF-fixdate of the platform's clock: the client learns its offset from it.
pub fn http_date(now: DateTime<Utc>) -> String {
    now.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub const JSON: &str = "application/json;charset=UTF-8";
pub const HTML: &str = "text/html;charset=UTF-8";

pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// `Location` of a redirect.
    pub location: Option<String>,
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response {
            status,
            content_type: JSON,
            body: value.to_string().into_bytes(),
            location: None,
        }
    }

    pub fn html(status: u16, body: &str) -> Response {
        Response {
            status,
            content_type: HTML,
            body: body.as_bytes().to_vec(),
            location: None,
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Writes status line, headers and body in one buffer so a client never sees half a head.
/// `date` is the platform's clock as an HTTP date.
pub fn write_response(w: &mut impl Write, response: &Response, keep_alive: bool, date: &str) -> io::Result<()> {
    let location = response
        .location
        .as_deref()
        .map(|l| format!("Location: {l}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "HTTP/1.1 {} {}\r\nDate: {date}\r\nServer: cwr-sim\r\nContent-Type: {}\r\nContent-Length: {}\r\n{location}Connection: {}\r\n\r\n",
        response.status,
        reason(response.status),
        response.content_type,
        response.body.len(),
        if keep_alive { "keep-alive" } else { "close" },
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(&response.body);
    w.write_all(&out)?;
    w.flush()
}

/// A `200` of `bytes` bytes with no length, ended by closing: what a gateway streaming a file
/// sends. Written piece by piece; stops when the client stops reading.
/// `sent` counts the body's bytes as each piece is taken by the socket, so a test can see where
/// the client stopped reading.
pub fn write_streamed(w: &mut impl Write, bytes: u64, date: &str, sent: &AtomicU64) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nDate: {date}\r\nServer: cwr-sim\r\nContent-Type: {HTML}\r\nConnection: close\r\n\r\n"
    );
    w.write_all(head.as_bytes())?;
    let piece = vec![b'x'; 64 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(piece.len() as u64) as usize;
        w.write_all(&piece[..n])?;
        sent.fetch_add(n as u64, Ordering::Relaxed);
        left -= n as u64;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse(raw: &[u8]) -> Result<Request, ReadError> {
        read_request(
            &mut Cursor::new(raw.to_vec()),
            &mut Vec::new(),
            &BufferAccount::new(MAX_BODY),
        )
    }

    #[test]
    fn content_length_query_and_keep_alive() {
        let r = parse(
            b"POST /CWRService/X?timestamp=2026-01-02%2003%3A04%3A05&a=1&a=2 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        )
        .expect("parses");
        assert_eq!(r.path, "/CWRService/X");
        assert_eq!(r.param("timestamp"), Some("2026-01-02 03:04:05"));
        assert_eq!(r.param("a"), Some("1"));
        assert_eq!(r.body, b"{}");
        assert!(r.keep_alive);
    }

    #[test]
    fn chunked_body_and_close() {
        let r = parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n")
            .expect("parses");
        assert_eq!(r.body, b"abcde");
        assert!(!r.keep_alive);
    }

    #[test]
    fn refusals() {
        assert!(matches!(
            parse(b"POST /a?t=1 2 HTTP/1.1\r\n\r\n"),
            Err(ReadError::BadRequest(_))
        ));
        assert!(matches!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"),
            Err(ReadError::TooLarge)
        ));
        assert!(matches!(parse(b""), Err(ReadError::Closed)));
        // A chunk size that would overflow the running total is refused, not a panic.
        assert!(matches!(
            parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\nffffffffffffffff\r\n"),
            Err(ReadError::TooLarge)
        ));
        assert!(matches!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n{}"),
            Err(ReadError::Closed)
        ));
    }

    #[test]
    fn date_is_imf_fixdate() {
        let d = http_date(Utc::now());
        assert!(d.ends_with(" GMT") && d.len() == 29, "{d}");
        assert!(
            chrono::DateTime::parse_from_rfc2822(&d.replace("GMT", "+0000")).is_ok(),
            "{d}"
        );
    }

    #[test]
    fn a_body_is_held_as_it_arrives_not_as_announced() {
        for head in [
            "POST / HTTP/1.1\r\nContent-Length: 32505856\r\n\r\n".to_string(),
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1F00000\r\n".to_string(),
        ] {
            let account = BufferAccount::new(MAX_BODY);
            let mut raw = head.clone().into_bytes();
            raw.extend_from_slice(&[b'x'; 1000]);
            let read = read_request(&mut Cursor::new(raw), &mut Vec::new(), &account);
            assert!(matches!(read, Err(ReadError::Closed)), "{head}: {read:?}");
            assert!(
                (1000..=MIN_GROWTH).contains(&account.peak_bytes()),
                "{head}: {} bytes held for 1000 received",
                account.peak_bytes()
            );
            assert_eq!(account.used_bytes(), 0, "given back when the request is dropped");
        }
    }

    #[test]
    fn a_request_held_is_counted_until_dropped_and_the_bound_refuses_more() {
        let account = BufferAccount::new(64 * 1024);
        let mut raw = b"POST / HTTP/1.1\r\nContent-Length: 20000\r\n\r\n".to_vec();
        raw.extend_from_slice(&[b'x'; 20000]);
        let held = read_request(&mut Cursor::new(raw), &mut Vec::new(), &account).expect("fits");
        assert_eq!(held.body.len(), 20000);
        assert!(account.used_bytes() >= 20000);
        let mut raw = b"POST / HTTP/1.1\r\nContent-Length: 60000\r\n\r\n".to_vec();
        raw.extend_from_slice(&[b'x'; 60000]);
        let refused = read_request(&mut Cursor::new(raw), &mut Vec::new(), &account);
        assert!(matches!(refused, Err(ReadError::Busy)), "{refused:?}");
        assert!(account.peak_bytes() <= 64 * 1024);
        drop(held);
        assert_eq!(account.used_bytes(), 0);
    }

    #[test]
    fn the_head_as_a_whole_is_bounded() {
        let mut raw = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..90 {
            raw.extend_from_slice(format!("X-{i}: {}\r\n", "a".repeat(1000)).as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        assert!(matches!(parse(&raw), Err(ReadError::BadRequest(_))));
    }
}
