//! A real PostgreSQL server for the tests (feature `testing`): Debian's `postgresql` package,
//! started in a temporary directory with `initdb`/`pg_ctl` on a free loopback port, and
//! stopped when the test process exits. The server refuses to run as root, so under root it
//! runs as the package's `postgres` user. One server per test process; each test takes a
//! database of its own ([`PgServer::fresh_database`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// Where Debian puts the server's programs (not on PATH), newest first; PATH is tried last.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("pg_ctl").is_file())
        .collect();
    dirs.sort();
    dirs.pop().or_else(|| {
        std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).find(|p| p.join("pg_ctl").is_file()))
    })
}

pub struct PgServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
    next_db: AtomicU32,
}

static SERVER: OnceLock<Mutex<Option<&'static PgServer>>> = OnceLock::new();

impl PgServer {
    /// The test process's server, started at the first call. Panics with what to install
    /// when the package is missing: a test that needs a server must not pass without one.
    pub fn shared() -> &'static PgServer {
        let slot = SERVER.get_or_init(|| Mutex::new(None));
        let mut slot = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = *slot {
            return s;
        }
        let server: &'static PgServer = Box::leak(Box::new(PgServer::start()));
        *slot = Some(server);
        extern "C" fn stop_at_exit() {
            if let Some(Some(s)) = SERVER.get().and_then(|m| m.lock().ok().map(|g| *g)) {
                s.stop();
                let _ = std::fs::remove_dir_all(&s.dir);
            }
        }
        // SAFETY: `atexit` only records the function; it runs once, at process exit.
        unsafe { libc::atexit(stop_at_exit) };
        server
    }

    /// A server of the test's own, for a test that stops and starts it (the shared one must
    /// keep running for the others); stopped and removed when dropped.
    pub fn own() -> PgServer {
        PgServer::start()
    }

    fn start() -> PgServer {
        let bin = bin_dir().expect(
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed: apt-get install postgresql (.ci/run does)",
        );
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let dir = std::env::temp_dir().join(format!("cwr-pg-{}-{}", std::process::id(), fastish_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir for the test server");
        let port = free_port();
        let server = PgServer {
            bin,
            dir,
            port,
            as_postgres,
            next_db: AtomicU32::new(0),
        };
        if as_postgres {
            // The server's user must own its directory.
            run(Command::new("chown").args(["postgres:postgres"]).arg(&server.dir));
        }
        let data = server.dir.join("data");
        run(server
            .pg_command("initdb")
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "-D"])
            .arg(&data));
        server.start_again();
        server
    }

    /// Starts the server (again, after [`stop`](Self::stop)) on the same port and data.
    pub fn start_again(&self) {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        run(self
            .pg_command("pg_ctl")
            .args(["-w", "-t", "60", "-l"])
            .arg(self.dir.join("server.log"))
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "start"]));
    }

    /// Stops the server at once (as a power cut would: no checkpoint, connections cut).
    pub fn stop(&self) {
        let _ = self
            .pg_command("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .output();
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new, empty database on this server for one test, as a `postgres://` address.
    pub fn fresh_database(&self, label: &str) -> String {
        let n = self.next_db.fetch_add(1, Ordering::SeqCst);
        let name: String = format!("t{n}_{label}")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        let out = self
            .pg_command("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-c", &format!("CREATE DATABASE {name}")])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "CREATE DATABASE {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}?sslmode=disable", self.port)
    }

    fn pg_command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn fastish_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or(0)
}
