//! What FE and BE processes share: binding ports, the pid file, stub
//! listeners for the ports nobody talks to, and a tiny HTTP answer.

use std::path::{Path, PathBuf};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Bind `host:port`, naming the conf key in the error.
pub async fn bind(host: &str, port: u16, key: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind((host, port)).await.map_err(|e| {
        anyhow::anyhow!("{key} {host}:{port} is already in use or cannot be bound: {e}")
    })
}

/// Write `<home>/bin/<name>.pid` (where StarRocks' scripts look for it).
pub fn write_pid_file(home: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let p = home.join("bin").join(format!("{name}.pid"));
    crate::persist::write_atomic(&p, std::process::id().to_string().as_bytes())?;
    Ok(p)
}

/// Accept and close: a port that must be open but is never spoken to.
pub fn spawn_stub(l: TcpListener) {
    tokio::spawn(async move {
        loop {
            if let Ok((s, _)) = l.accept().await {
                drop(s);
            }
        }
    });
}

/// Answer every HTTP request with 200 and `body`.
pub fn spawn_http(l: TcpListener, body: &'static str) {
    tokio::spawn(async move {
        loop {
            if let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let _ = s.read(&mut buf).await;
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = s.write_all(resp.as_bytes()).await;
                });
            }
        }
    });
}

/// Remove the pid file and exit on SIGTERM / SIGINT / SIGUSR1.
pub fn exit_on_signal(pid_file: PathBuf) {
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int), Ok(mut usr1)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::user_defined1()),
        ) else {
            return;
        };
        // SIGUSR1: stop_fe.sh --graceful
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = usr1.recv() => {}
        }
        let _ = std::fs::remove_file(&pid_file);
        std::process::exit(0);
    });
}

/// The kill fault: exit at once, like SIGKILL (the pid file stays).
pub fn die_soon() {
    tokio::spawn(async {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        std::process::exit(137);
    });
}
