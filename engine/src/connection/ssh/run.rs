//! Run one `/bin/sh -c` command over an open master, streaming stdin.

use crate::connection::{ExecOutput, Stdin};
use openssh::{Error as SshError, Session, Stdio};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// How a command failed to produce an exit status.
#[derive(Debug)]
pub enum RunError {
    /// The session could not be opened; the command never ran, so it is
    /// safe to retry on a fresh master.
    NotStarted(SshError),
    /// The command was started and then lost (or its exit status was).
    Lost(String),
    /// A controller-side problem (the stdin file could not be read).
    Local(io::Error),
}

/// What the remote shell reports when a command was killed by a signal: the
/// mux protocol carries no signal number, and ssh itself exits 255 then.
pub const RC_KILLED: i32 = 255;

/// Run `script` under `/bin/sh -c`, writing `prefix` then `stdin` to it.
/// The flag returned with the output is true when the exit status was
/// missing: the command was killed by a signal or the connection was
/// lost, which only the master can tell (the caller asks it).
pub async fn run(
    session: &Session,
    script: &str,
    prefix: Option<&[u8]>,
    stdin: &Stdin,
) -> Result<(ExecOutput, bool), RunError> {
    // Open a local file before starting anything remote, so a missing
    // source is a clean error and not a half-run command.
    let source: Option<Box<dyn AsyncRead + Send + Unpin + '_>> = match stdin {
        Stdin::Null => None,
        Stdin::Bytes(b) => Some(Box::new(&b[..])),
        Stdin::File(p) => {
            let f = tokio::fs::File::open(p).await.map_err(|e| {
                RunError::Local(io::Error::new(e.kind(), format!("{}: {e}", p.display())))
            })?;
            Some(Box::new(f))
        }
    };
    let needs_stdin = prefix.is_some() || source.is_some();
    let mut cmd = session.raw_command(format!("/bin/sh -c {}", crate::shell::quote(script)));
    cmd.stdin(if needs_stdin {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().await.map_err(RunError::NotStarted)?;
    let child_stdin = child.stdin().take();
    let mut out_pipe = child.stdout().take().expect("stdout is piped");
    let mut err_pipe = child.stderr().take().expect("stderr is piped");

    let feed = async move {
        let Some(mut w) = child_stdin else {
            return Ok(());
        };
        if let Some(p) = prefix {
            w.write_all(p).await?;
        }
        if let Some(src) = source {
            // Large chunks: fewer wakeups per MiB; memory stays bounded.
            let mut src = tokio::io::BufReader::with_capacity(256 * 1024, src);
            tokio::io::copy_buf(&mut src, &mut w).await?;
        }
        w.shutdown().await
    };
    let collect = async {
        let read_out = async {
            let mut v = Vec::new();
            out_pipe.read_to_end(&mut v).await.map(|_| v)
        };
        let read_err = async {
            let mut v = Vec::new();
            err_pipe.read_to_end(&mut v).await.map(|_| v)
        };
        let (stdout, stderr) = tokio::join!(read_out, read_err);
        // Only once the output is drained: the exit message can overtake it.
        (stdout, stderr, child.wait().await)
    };
    // Feed stdin while the command runs, and stop feeding when it is over:
    // a command that exits (or a connection that breaks) without reading
    // everything must not leave us blocked on the source.
    tokio::pin!(feed, collect);
    let mut fed: Option<io::Result<()>> = None;
    let (stdout, stderr, status) = loop {
        tokio::select! {
            r = &mut feed, if fed.is_none() => fed = Some(r),
            done = &mut collect => break done,
        }
    };
    // Unread stdin (the pipe closed, or never finished) is the command's
    // business, not a transport error.
    let fed_ok = match &fed {
        None | Some(Ok(())) => true,
        Some(Err(e)) => e.kind() == io::ErrorKind::BrokenPipe,
    };
    let (stdout, stderr) = match (stdout, stderr) {
        (Ok(o), Ok(e)) => (o, e),
        (Err(e), _) | (_, Err(e)) => return Err(RunError::Lost(format!("reading output: {e}"))),
    };
    let output = |rc| ExecOutput {
        rc,
        stdout: stdout.clone(),
        stderr: stderr.clone(),
    };
    match status {
        Ok(st) if fed_ok => Ok((output(st.code().unwrap_or(RC_KILLED)), false)),
        Ok(_) => Err(RunError::Lost(format!(
            "sending stdin: {}",
            fed.and_then(Result::err)
                .map(|e| e.to_string())
                .unwrap_or_default()
        ))),
        // The crate turns exit status 127 into an error; it is a plain rc.
        Err(SshError::Remote(e)) if e.kind() == io::ErrorKind::NotFound => Ok((output(127), false)),
        // No exit status: killed by a signal, or the connection went away.
        // The caller tells the two apart by asking the master.
        Err(SshError::RemoteProcessTerminated) => Ok((output(RC_KILLED), true)),
        Err(e) => Err(RunError::Lost(describe(&e))),
    }
}

/// The error and its causes on one line.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
