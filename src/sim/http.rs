//! Just enough HTTP/1.1 for the clients the station uses (reqwest, curl, browsers):
//! keep-alive, `Content-Length` and chunked bodies, `Expect: 100-continue`.

use std::io::{self, BufRead, Read, Write};

use chrono::{DateTime, Utc};

use crate::api::sign::percent_decode;

/// Larger bodies are refused with 413 before being read: the biggest real request is a
/// RegisterEmployee with four photos, a few MB at most.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
const MAX_LINE: u64 = 64 * 1024;
const MAX_HEADERS: usize = 100;

#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Decoded query parameters in order of appearance.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// First occurrence wins, as with a servlet's `getParameter`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Why a request could not be read; each maps to one answer (or none).
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed (or the socket failed) between requests: nothing to answer.
    Closed,
    BadRequest(&'static str),
    TooLarge,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Closed
    }
}

/// Reads one request; `writer` is needed only to send `100 Continue`.
pub fn read_request(reader: &mut impl BufRead, writer: &mut impl Write) -> Result<Request, ReadError> {
    let mut line = read_line(reader)?;
    // RFC 7230 §3.5: ignore empty lines before a request line (left over by some clients).
    while line.is_empty() {
        line = read_line(reader)?;
    }
    let parts: Vec<&str> = line.split(' ').collect();
    // A raw space in the URL (an unencoded timestamp) splits the line in more than three:
    // Tomcat answers 400 to that, so do we.
    let [method, target, version] = parts[..] else {
        return Err(ReadError::BadRequest("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::BadRequest("unsupported HTTP version"));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::BadRequest("too many headers"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::BadRequest("malformed header"));
        };
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let connection = get("connection").unwrap_or_default().to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let chunked = get("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = match get("content-length") {
        Some(v) if !chunked => {
            let n: u64 = v.parse().map_err(|_| ReadError::BadRequest("bad Content-Length"))?;
            if n > MAX_BODY as u64 {
                return Err(ReadError::TooLarge);
            }
            n as usize
        }
        _ => 0,
    };
    if get("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    let (path, query) = split_target(target);
    Ok(Request {
        method: method.to_string(),
        path,
        query,
        headers,
        body,
        keep_alive,
    })
}

/// One CRLF- (or LF-) terminated line without its terminator; ISO-8859-1 like a servlet.
fn read_line(reader: &mut impl BufRead) -> Result<String, ReadError> {
    let mut buf = Vec::new();
    let n = reader.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Err(ReadError::Closed);
    }
    if buf.last() != Some(&b'\n') {
        return Err(if n as u64 >= MAX_LINE {
            ReadError::BadRequest("line too long")
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

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::BadRequest("bad chunk size"))?;
        if size == 0 {
            // Trailers, if any, end with an empty line.
            while !read_line(reader)?.is_empty() {}
            return Ok(body);
        }
        if body.len().checked_add(size).is_none_or(|total| total > MAX_BODY) {
            return Err(ReadError::TooLarge);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        if !read_line(reader)?.is_empty() {
            return Err(ReadError::BadRequest("chunk not followed by CRLF"));
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
pub fn write_streamed(w: &mut impl Write, bytes: u64, date: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nDate: {date}\r\nServer: cwr-sim\r\nContent-Type: {HTML}\r\nConnection: close\r\n\r\n"
    );
    w.write_all(head.as_bytes())?;
    let piece = vec![b'x'; 64 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(piece.len() as u64) as usize;
        w.write_all(&piece[..n])?;
        left -= n as u64;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse(raw: &[u8]) -> Result<Request, ReadError> {
        read_request(&mut Cursor::new(raw.to_vec()), &mut Vec::new())
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
}
