//! A real MariaDB server for the SQL tests, started once per test binary
//! on a free 127.0.0.1 port in a temporary data directory, with a root
//! password (so a wrong password is testable). It is stopped and its
//! directory removed when the test process exits: the server runs under a
//! small shell that waits on a pipe from this process.
//!
//! The server speaks TLS with a certificate (IP SAN 127.0.0.1) from a CA
//! made at start with the `openssl` CLI ([`Certs`]); plain connections
//! still work, except for the users that `REQUIRE SSL` / `REQUIRE X509`.
//!
//! Needs the Debian packages `mariadb-server`, `mariadb-client` and
//! `openssl`; the tests fail (not skip) without them.
#![allow(dead_code)]

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Sr-t3st/pw'\"x";
pub const DB: &str = "srtest";

/// A user that must connect over TLS, and one that must also present a
/// client certificate signed by the CA.
pub const TLS_USER: &str = "tls_only";
pub const X509_USER: &str = "x509_only";
pub const TLS_USER_PASSWORD: &str = "tls-pw";

/// The PEM files of the test PKI.
pub struct Certs {
    /// The CA that signed the server's and the client's certificates.
    pub ca: PathBuf,
    /// A CA unrelated to the server.
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl: install the Debian package openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA (`name`.pem/.key) in `dir`.
fn make_ca(dir: &Path, name: &str) {
    let (key, pem) = (format!("{name}.key"), format!("{name}.pem"));
    openssl(
        dir,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            &key,
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-out",
            &pem,
            "-days",
            "3",
            "-subj",
            &format!("/CN=srplay test {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A leaf certificate (`name`.pem/.key) signed by `ca` with extensions `ext`.
fn make_leaf(dir: &Path, ca: &str, name: &str, cn: &str, ext: &str) {
    let (key, pem, csr, extfile) = (
        format!("{name}.key"),
        format!("{name}.pem"),
        format!("{name}.csr"),
        format!("{name}.ext"),
    );
    std::fs::write(dir.join(&extfile), ext).expect("write extensions");
    // PKCS#8 key: what rustls and MariaDB both read.
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-out",
            &key,
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            &key,
            "-out",
            &csr,
            "-subj",
            &format!("/CN={cn}"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "2",
            "-extfile",
            &extfile,
        ],
    );
}

fn make_certs(dir: &Path) -> Certs {
    std::fs::create_dir_all(dir).expect("certs dir");
    make_ca(dir, "ca");
    make_ca(dir, "other_ca");
    make_leaf(
        dir,
        "ca",
        "server",
        "srplay test server",
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    );
    make_leaf(
        dir,
        "ca",
        "client",
        "srplay test client",
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    );
    Certs {
        ca: dir.join("ca.pem"),
        other_ca: dir.join("other_ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    }
}

pub struct MariaDb {
    pub port: u16,
    pub dir: PathBuf,
    pub certs: Certs,
    /// Holds the pipe whose closing (process exit) stops the server.
    _guard: Mutex<Child>,
}

fn find(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("`{name}` not found: install the Debian packages mariadb-server and mariadb-client");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The shared server, started on first use.
pub fn server() -> &'static MariaDb {
    static SERVER: OnceLock<MariaDb> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn start() -> MariaDb {
    let dir = tempfile::Builder::new()
        .prefix("srplay-mariadb-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let data = dir.join("data");
    let certs = make_certs(&dir.join("certs"));
    let install = Command::new(find("mariadb-install-db"))
        .args([
            "--no-defaults",
            "--user=root",
            "--skip-test-db",
            "--auth-root-authentication-method=normal",
        ])
        .arg(format!("--datadir={}", data.display()))
        .output()
        .expect("run mariadb-install-db");
    assert!(
        install.status.success(),
        "mariadb-install-db failed: {}",
        String::from_utf8_lossy(&install.stderr)
    );
    let port = free_port();
    let sock = dir.join("mysqld.sock");
    let server = format!(
        "{} --no-defaults --user=root --datadir={} --port={port} --bind-address=127.0.0.1 \
         --socket={} --pid-file={} --log-error={} --skip-name-resolve \
         --innodb-buffer-pool-size=16M --skip-log-bin \
         --ssl-ca={} --ssl-cert={} --ssl-key={}",
        find("mariadbd").display(),
        sh_quote(&data.display().to_string()),
        sh_quote(&sock.display().to_string()),
        sh_quote(&dir.join("mysqld.pid").display().to_string()),
        sh_quote(&dir.join("error.log").display().to_string()),
        sh_quote(&certs.ca.display().to_string()),
        sh_quote(&certs.server_cert.display().to_string()),
        sh_quote(&certs.server_key.display().to_string()),
    );
    // The shell stops the server and removes its files once our end of
    // the pipe closes, i.e. when the test process exits, however it exits.
    let script = format!(
        "{server} & pid=$!; read _ignored; kill $pid; wait $pid; rm -rf {}",
        sh_quote(&dir.display().to_string())
    );
    let guard = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mariadbd");
    let deadline = Instant::now() + Duration::from_secs(120);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let mut log = String::new();
            let _ = std::fs::File::open(dir.join("error.log"))
                .and_then(|mut f| f.read_to_string(&mut log));
            panic!("mariadbd did not listen on 127.0.0.1:{port} within 120s; error log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let pw = PASSWORD.replace('\\', "\\\\").replace('\'', "\\'");
    let setup = format!(
        "CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '{pw}'; \
         GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; \
         CREATE OR REPLACE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'readerpw'; \
         CREATE DATABASE {DB}; GRANT SELECT ON {DB}.* TO 'reader'@'127.0.0.1'; \
         CREATE OR REPLACE USER '{TLS_USER}'@'127.0.0.1' IDENTIFIED BY '{TLS_USER_PASSWORD}' REQUIRE SSL; \
         CREATE OR REPLACE USER '{X509_USER}'@'127.0.0.1' IDENTIFIED BY '{TLS_USER_PASSWORD}' REQUIRE X509; \
         FLUSH PRIVILEGES;"
    );
    let out = Command::new(find("mariadb"))
        .args(["--no-defaults", "-uroot"])
        .arg(format!("--socket={}", sock.display()))
        .args(["-e", &setup])
        .output()
        .expect("run the mariadb client");
    assert!(
        out.status.success(),
        "setting up users failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    MariaDb {
        port,
        dir,
        certs,
        _guard: Mutex::new(guard),
    }
}
