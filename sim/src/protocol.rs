//! The FE's MySQL protocol front: opensrv-mysql plus two StarRocks
//! fidelity fixes done on the outgoing byte stream (`ErrRewriter`): errors
//! carry StarRocks' code and SQLSTATE (1064/HY000 instead of the library's
//! 42000) and a refused login is MySQL's 1045 `Access denied ...`.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_trait::async_trait;
use opensrv_mysql::{
    AsyncMysqlIntermediary, AsyncMysqlShim, Column, ColumnFlags, ColumnType, ErrorKind, InitWriter,
    IntermediaryOptions, OkResponse, ParamParser, QueryResultWriter, StatementMetaWriter,
};
use sha1::{Digest, Sha1};
use tokio::io::AsyncWrite;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::error::SqlError;
use crate::exec::{Executed, Session};
use crate::outcome::{Effect, Outcome};
use crate::version::SrVersion;

/// Where statements run: the leader's metadata, or a forward to it.
#[async_trait]
pub trait SqlService: Send + Sync + 'static {
    async fn execute(&self, session: &mut Session, sql: &str) -> Executed;
    /// root's password hash ([`crate::password::native_hash`]); `None`
    /// when it cannot be learned (leader down).
    async fn root_password_hash(&self) -> Option<String>;
    async fn version(&self) -> SrVersion;
}

static CONN_ID: AtomicU32 = AtomicU32::new(1);

/// Accept MySQL clients on `listener` until the process ends. Bumping
/// `drop_conns` closes every open client connection.
pub async fn serve(
    listener: TcpListener,
    service: Arc<dyn SqlService>,
    session_template: Session,
    drop_conns: Arc<watch::Sender<u64>>,
) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let service = service.clone();
        let mut session = session_template.clone();
        session.client_host = peer.ip().to_string();
        session.user = "root".into();
        session.connection_id = CONN_ID.fetch_add(1, Ordering::Relaxed);
        let drop_tx = drop_conns.clone();
        let mut drop_rx = drop_conns.subscribe();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let (r, w) = stream.into_split();
            let pending = Arc::new(Mutex::new(None));
            let w = ErrRewriter::new(w, pending.clone());
            let shim = Shim {
                salt: make_salt(session.connection_id),
                service,
                session,
                pending,
                prepared: HashMap::new(),
                drop_tx,
            };
            let opts = IntermediaryOptions {
                process_use_statement_on_query: true,
                ..Default::default()
            };
            tokio::select! {
                _ = AsyncMysqlIntermediary::run_with_options(shim, r, w, &opts) => {}
                _ = drop_rx.changed() => {}
            }
        });
    }
}

fn make_salt(seed: u32) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(seed.to_le_bytes());
    h.update(crate::format::now_ms().to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    let d = h.finalize();
    let mut s = [0u8; 20];
    for (i, b) in d.iter().enumerate() {
        // printable ASCII, never NUL or '$'
        let mut c = 0x21 + (b % 0x5e);
        if c == b'$' {
            c += 1;
        }
        s[i] = c;
    }
    s
}

/// mysql_native_password: SHA1(pw) XOR SHA1(salt + SHA1(SHA1(pw))).
pub fn native_password_scramble(password: &str, salt: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let s1 = Sha1::digest(password.as_bytes());
    let s2 = Sha1::digest(s1);
    let mut h = Sha1::new();
    h.update(salt);
    h.update(s2);
    let s3 = h.finalize();
    s1.iter().zip(s3.iter()).map(|(a, b)| a ^ b).collect()
}

struct Shim {
    salt: [u8; 20],
    service: Arc<dyn SqlService>,
    session: Session,
    pending: Arc<Mutex<Option<SqlError>>>,
    prepared: HashMap<u32, String>,
    drop_tx: Arc<watch::Sender<u64>>,
}

impl Shim {
    fn set_error(&self, e: SqlError) {
        *self.pending.lock().unwrap() = Some(e);
    }

    fn handle_effects(&self, ex: &Executed) {
        if ex.effects.contains(&Effect::DropConnections) {
            let tx = self.drop_tx.clone();
            tokio::spawn(async move {
                // let this statement's OK reach the client first
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                tx.send_modify(|g| *g += 1);
            });
        }
    }

    async fn write_outcome<W: AsyncWrite + Send + Unpin>(
        &self,
        outcome: &Outcome,
        w: QueryResultWriter<'_, W>,
    ) -> io::Result<()> {
        match outcome {
            Outcome::Ok { affected } => {
                w.completed(OkResponse {
                    affected_rows: *affected,
                    ..Default::default()
                })
                .await
            }
            Outcome::Err(e) => {
                self.set_error(e.clone());
                w.error(ErrorKind::ER_UNKNOWN_ERROR, e.msg.as_bytes()).await
            }
            Outcome::Rows(rs) => {
                let cols: Vec<Column> = rs
                    .columns
                    .iter()
                    .map(|c| Column {
                        table: String::new(),
                        column: c.name.clone(),
                        coltype: if c.numeric {
                            ColumnType::MYSQL_TYPE_LONGLONG
                        } else {
                            ColumnType::MYSQL_TYPE_VAR_STRING
                        },
                        colflags: ColumnFlags::empty(),
                    })
                    .collect();
                let mut rw = w.start(&cols).await?;
                for row in &rs.rows {
                    for (i, v) in row.iter().enumerate() {
                        if rs.columns.get(i).map(|c| c.numeric) == Some(true) {
                            match v.as_deref().map(str::parse::<i64>) {
                                Some(Ok(n)) => rw.write_col(n)?,
                                Some(Err(_)) => rw.write_col(v.as_deref())?,
                                None => rw.write_col(None::<i64>)?,
                            }
                        } else {
                            rw.write_col(v.as_deref())?;
                        }
                    }
                    rw.end_row().await?;
                }
                rw.finish().await
            }
        }
    }
}

#[async_trait]
impl<W: AsyncWrite + Send + Unpin> AsyncMysqlShim<W> for Shim {
    type Error = io::Error;

    fn version(&self) -> String {
        "5.1.0".into()
    }

    fn connect_id(&self) -> u32 {
        self.session.connection_id
    }

    fn salt(&self) -> [u8; 20] {
        self.salt
    }

    async fn authenticate(
        &self,
        _plugin: &str,
        username: &[u8],
        salt: &[u8],
        auth_data: &[u8],
    ) -> bool {
        let user = String::from_utf8_lossy(username).to_string();
        let hash = self.service.root_password_hash().await.unwrap_or_default();
        let ok = user == "root" && crate::password::verify(&hash, salt, auth_data);
        if !ok {
            self.set_error(SqlError::with_code(
                1045,
                "28000",
                format!(
                    "Access denied for user '{user}'@'{}' (using password: {})",
                    self.session.client_host,
                    if auth_data.is_empty() { "NO" } else { "YES" }
                ),
            ));
        }
        ok
    }

    async fn on_prepare<'a>(
        &'a mut self,
        query: &'a str,
        info: StatementMetaWriter<'a, W>,
    ) -> io::Result<()> {
        if !self.service.version().await.supports_prepare() {
            self.set_error(SqlError::with_code(
                1047,
                "08S01",
                "Unknown command(COM_STMT_PREPARE)",
            ));
            return info
                .error(ErrorKind::ER_UNKNOWN_COM_ERROR, b"Unknown command")
                .await;
        }
        let is_select = query
            .trim_start()
            .get(..6)
            .map(|s| s.eq_ignore_ascii_case("select"))
            == Some(true);
        if !is_select || query.contains('?') {
            let e = SqlError::new(format!(
                "Getting syntax error. Detail message: only SELECT without parameters can be prepared: {}",
                query.trim()
            ));
            self.set_error(e.clone());
            return info
                .error(ErrorKind::ER_UNKNOWN_ERROR, e.msg.as_bytes())
                .await;
        }
        let ex = self.service.execute(&mut self.session, query).await;
        match ex.outcome {
            Outcome::Rows(rs) => {
                let id = self.prepared.len() as u32 + 1;
                self.prepared.insert(id, query.to_string());
                let cols: Vec<Column> = rs
                    .columns
                    .iter()
                    .map(|c| Column {
                        table: String::new(),
                        column: c.name.clone(),
                        coltype: if c.numeric {
                            ColumnType::MYSQL_TYPE_LONGLONG
                        } else {
                            ColumnType::MYSQL_TYPE_VAR_STRING
                        },
                        colflags: ColumnFlags::empty(),
                    })
                    .collect();
                info.reply(id, &[], &cols).await
            }
            Outcome::Err(e) => {
                self.set_error(e.clone());
                info.error(ErrorKind::ER_UNKNOWN_ERROR, e.msg.as_bytes())
                    .await
            }
            Outcome::Ok { .. } => info.reply(self.prepared.len() as u32 + 1, &[], &[]).await,
        }
    }

    async fn on_execute<'a>(
        &'a mut self,
        id: u32,
        _p: ParamParser<'a>,
        w: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        let Some(q) = self.prepared.get(&id).cloned() else {
            let e = SqlError::with_code(
                1243,
                "HY000",
                format!("Unknown prepared statement handler ({id}) given to EXECUTE"),
            );
            self.set_error(e.clone());
            return w
                .error(ErrorKind::ER_UNKNOWN_STMT_HANDLER, e.msg.as_bytes())
                .await;
        };
        let ex = self.service.execute(&mut self.session, &q).await;
        self.write_outcome(&ex.outcome, w).await
    }

    async fn on_close<'a>(&'a mut self, id: u32)
    where
        W: 'async_trait,
    {
        self.prepared.remove(&id);
    }

    async fn on_query<'a>(
        &'a mut self,
        query: &'a str,
        w: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        let ex = self.service.execute(&mut self.session, query).await;
        self.handle_effects(&ex);
        self.write_outcome(&ex.outcome, w).await
    }

    async fn on_init<'a>(&'a mut self, db: &'a str, w: InitWriter<'a, W>) -> io::Result<()> {
        let ex = self
            .service
            .execute(
                &mut self.session,
                &format!("USE `{}`", db.replace('`', "``")),
            )
            .await;
        match ex.outcome {
            Outcome::Err(e) => {
                self.set_error(e.clone());
                w.error(ErrorKind::ER_BAD_DB_ERROR, e.msg.as_bytes()).await
            }
            _ => w.ok().await,
        }
    }
}

/// Passes bytes through, rewriting each ERR packet with the error the shim
/// stored in `pending` (code, SQLSTATE, message).
struct ErrRewriter<W> {
    inner: W,
    pending: Arc<Mutex<Option<SqlError>>>,
    out: Vec<u8>,
    header: Vec<u8>,
    remaining: usize,
    at_payload_start: bool,
    err_packet: Option<Vec<u8>>,
}

impl<W> ErrRewriter<W> {
    fn new(inner: W, pending: Arc<Mutex<Option<SqlError>>>) -> Self {
        ErrRewriter {
            inner,
            pending,
            out: Vec::new(),
            header: Vec::new(),
            remaining: 0,
            at_payload_start: false,
            err_packet: None,
        }
    }

    fn feed(&mut self, buf: &[u8]) {
        for &b in buf {
            if self.remaining == 0 && !self.at_payload_start {
                self.header.push(b);
                if self.header.len() == 4 {
                    let h = &self.header;
                    self.remaining = h[0] as usize | (h[1] as usize) << 8 | (h[2] as usize) << 16;
                    if self.remaining == 0 {
                        self.out.append(&mut self.header);
                    } else {
                        self.at_payload_start = true;
                    }
                }
                continue;
            }
            if self.at_payload_start {
                self.at_payload_start = false;
                if b == 0xff {
                    let mut p = std::mem::take(&mut self.header);
                    p.push(b);
                    self.err_packet = Some(p);
                } else {
                    self.out.append(&mut self.header);
                    self.out.push(b);
                }
            } else if let Some(p) = self.err_packet.as_mut() {
                p.push(b);
            } else {
                self.out.push(b);
            }
            self.remaining -= 1;
            if self.remaining == 0 {
                if let Some(p) = self.err_packet.take() {
                    self.emit_err(p);
                }
            }
        }
    }

    fn emit_err(&mut self, original: Vec<u8>) {
        let Some(e) = self.pending.lock().unwrap().take() else {
            self.out.extend(original);
            return;
        };
        let mut payload = vec![0xff];
        payload.extend(e.code.to_le_bytes());
        payload.push(b'#');
        let mut state = e.state.into_bytes();
        state.resize(5, b'0');
        payload.extend(state);
        payload.extend(e.msg.as_bytes());
        let len = payload.len();
        self.out
            .extend([len as u8, (len >> 8) as u8, (len >> 16) as u8, original[3]]);
        self.out.extend(payload);
    }
}

impl<W: AsyncWrite + Unpin> ErrRewriter<W> {
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.out.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.out) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.out.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for ErrRewriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Poll::Ready(Err(e)) = self.drain(cx) {
            return Poll::Ready(Err(e));
        }
        self.feed(buf);
        if let Poll::Ready(Err(e)) = self.drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}
