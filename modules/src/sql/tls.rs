//! TLS for SQL connections: community.mysql's option names (`ca_cert`,
//! `client_cert`, `client_key`, `check_hostname`) plus a `tls` switch with
//! the mysql client's `--ssl-mode` meanings, mapped onto mysql_async's
//! rustls support.
//!
//! - `disabled`: plain TCP (the default when no certificate is given).
//! - `required`: TLS or no connection (the default once `ca_cert`,
//!   `client_cert` or `client_key` is given). The server's certificate is
//!   verified: against `ca_cert` alone when given (the built-in public
//!   roots are then not trusted), else against the public web roots; its
//!   name is checked against `login_host` unless `check_hostname: false`.
//! - `preferred`: TLS when the server offers it, plain TCP when it does
//!   not. Without `ca_cert` the certificate is not verified (encryption
//!   against passive eavesdropping only, as `--ssl-mode=PREFERRED`).

use mysql_async::{ClientIdentity, SslOpts};
use std::path::PathBuf;

pub const MODES: &[&str] = &["disabled", "preferred", "required"];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TlsMode {
    #[default]
    Disabled,
    Preferred,
    Required,
}

/// How to secure a connection. Part of the pool key: a connection opened
/// with other TLS settings is never handed out. The default is what no TLS
/// option gives: plain TCP.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tls {
    pub mode: TlsMode,
    pub ca_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Verify that the certificate names `login_host` (default true).
    pub check_hostname: bool,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            mode: TlsMode::Disabled,
            ca_cert: None,
            client_cert: None,
            client_key: None,
            check_hostname: true,
        }
    }
}

/// The module options that make up [`Tls`], as given.
#[derive(Default)]
pub struct TlsOptions {
    pub tls: Option<String>,
    pub ca_cert: Option<String>,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
    pub check_hostname: Option<bool>,
}

impl Tls {
    /// Check the options against each other and the files they name.
    pub fn from_options(o: TlsOptions) -> Result<Tls, String> {
        let path = |p: Option<String>| p.filter(|s| !s.is_empty()).map(PathBuf::from);
        let (ca_cert, client_cert, client_key) =
            (path(o.ca_cert), path(o.client_cert), path(o.client_key));
        let given: Vec<&str> = [
            ("ca_cert", ca_cert.is_some()),
            ("client_cert", client_cert.is_some()),
            ("client_key", client_key.is_some()),
        ]
        .into_iter()
        .filter_map(|(n, set)| set.then_some(n))
        .collect();
        let mode = match o.tls.as_deref() {
            None if given.is_empty() => TlsMode::Disabled,
            None | Some("required") => TlsMode::Required,
            Some("preferred") => TlsMode::Preferred,
            Some("disabled") if given.is_empty() => TlsMode::Disabled,
            Some("disabled") => {
                return Err(format!(
                    "tls=disabled contradicts {}; drop them or set tls to required",
                    given.join(", ")
                ))
            }
            Some(other) => {
                return Err(format!(
                    "tls must be one of {}, got {other:?}",
                    MODES.join(", ")
                ))
            }
        };
        if client_cert.is_some() != client_key.is_some() {
            return Err(
                "client_cert and client_key go together: give both (PEM files) or neither".into(),
            );
        }
        for (name, p) in [
            ("ca_cert", &ca_cert),
            ("client_cert", &client_cert),
            ("client_key", &client_key),
        ] {
            if let Some(p) = p {
                std::fs::metadata(p)
                    .map_err(|e| format!("{name} {}: {e}", p.display()))
                    .and_then(|m| {
                        m.is_file()
                            .then_some(())
                            .ok_or_else(|| format!("{name} {} is not a file", p.display()))
                    })?;
            }
        }
        Ok(Tls {
            mode,
            ca_cert,
            client_cert,
            client_key,
            check_hostname: o.check_hostname.unwrap_or(true),
        })
    }

    /// The driver's TLS settings; `None` for a plain connection.
    pub fn ssl_opts(&self) -> Option<SslOpts> {
        if self.mode == TlsMode::Disabled {
            return None;
        }
        let mut opts = SslOpts::default();
        if let Some(ca) = &self.ca_cert {
            opts = opts
                .with_root_certs(vec![ca.clone().into()])
                .with_disable_built_in_roots(true);
        } else if self.mode == TlsMode::Preferred {
            opts = opts.with_danger_accept_invalid_certs(true);
        }
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            opts = opts.with_client_identity(Some(ClientIdentity::new(
                cert.clone().into(),
                key.clone().into(),
            )));
        }
        Some(opts.with_danger_skip_domain_validation(!self.check_hostname))
    }
}

/// How to retry a connect that failed, if at all: `Some(None)` without
/// TLS (`preferred` and the server does not offer it), `Some(Some(opts))`
/// with other TLS settings.
pub fn retry(tls: &Tls, e: &mysql_async::Error) -> Option<Option<SslOpts>> {
    use mysql_async::{DriverError, Error};
    if tls.mode == TlsMode::Preferred
        && matches!(e, Error::Driver(DriverError::NoClientSslFlagFromServer))
    {
        return Some(None);
    }
    if tls.check_hostname {
        return None;
    }
    // mysql_async's own "skip domain validation" looks for a message text
    // rustls no longer produces, so a certificate valid for another name
    // is accepted by verifying it (CA chain, dates) for one of its names.
    let name = certificate_names(e)?.into_iter().next()?;
    Some(Some(tls.ssl_opts()?.with_danger_tls_hostname_override(
        Some(name.replacen("*.", "any.", 1)),
    )))
}

/// A TLS failure as a user can act on it; `None` for other errors.
pub fn explain(e: &mysql_async::Error) -> Option<String> {
    use mysql_async::{DriverError, Error, IoError};
    let hint = "check ca_cert (the CA that signed the server's certificate), check_hostname, client_cert/client_key and the server's TLS setup";
    match e {
        Error::Driver(DriverError::NoClientSslFlagFromServer) => Some(
            "the server does not offer TLS (tls=required); enable TLS on the server (ssl_cert, ssl_key) or set tls: preferred".into(),
        ),
        Error::Io(IoError::Tls(t)) => Some(format!("TLS setup failed: {t}; {hint}")),
        Error::Io(IoError::Io(io))
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            Some(format!("TLS handshake failed: {io}; {hint}"))
        }
        _ => None,
    }
}

/// The names a server's certificate holds, when the TLS handshake failed
/// because none of them is `login_host`.
fn certificate_names(e: &mysql_async::Error) -> Option<Vec<String>> {
    use rustls::{CertificateError, Error as TlsErr};
    let mysql_async::Error::Io(mysql_async::IoError::Io(io)) = e else {
        return None;
    };
    let TlsErr::InvalidCertificate(CertificateError::NotValidForNameContext { presented, .. }) =
        io.get_ref()?.downcast_ref::<TlsErr>()?
    else {
        return None;
    };
    // rustls-webpki renders them as `DnsName("db.example")`, `IpAddress(10.0.0.1)`.
    let names = presented
        .iter()
        .filter_map(|n| {
            n.strip_prefix("DnsName(\"")
                .and_then(|r| r.strip_suffix("\")"))
                .or_else(|| {
                    n.strip_prefix("IpAddress(")
                        .and_then(|r| r.strip_suffix(')'))
                })
                .map(str::to_string)
        })
        .collect();
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(tls: Option<&str>, ca: Option<&str>) -> TlsOptions {
        TlsOptions {
            tls: tls.map(str::to_string),
            ca_cert: ca.map(str::to_string),
            ..TlsOptions::default()
        }
    }

    #[test]
    fn modes_follow_the_options() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let ca = file.path().to_str().unwrap();
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Result<TlsMode, &'a str>);
        let cases: &[Case] = &[
            (None, None, Ok(TlsMode::Disabled)),
            (None, Some(ca), Ok(TlsMode::Required)),
            (Some("preferred"), None, Ok(TlsMode::Preferred)),
            (Some("preferred"), Some(ca), Ok(TlsMode::Preferred)),
            (Some("required"), None, Ok(TlsMode::Required)),
            (Some("disabled"), None, Ok(TlsMode::Disabled)),
            (
                Some("disabled"),
                Some(ca),
                Err("tls=disabled contradicts ca_cert"),
            ),
            (Some("on"), None, Err("tls must be one of")),
            (
                None,
                Some("/nonexistent/ca.pem"),
                Err("ca_cert /nonexistent/ca.pem"),
            ),
        ];
        for (tls, ca, want) in cases {
            let got = Tls::from_options(opts(*tls, *ca)).map(|t| t.mode);
            match (want, &got) {
                (Ok(m), Ok(g)) => assert_eq!(m, g, "{tls:?} {ca:?}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{g}"),
                _ => panic!("{tls:?} {ca:?}: want {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn client_cert_needs_its_key() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let err = Tls::from_options(TlsOptions {
            client_cert: Some(file.path().to_str().unwrap().into()),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert!(
            err.contains("client_cert and client_key go together"),
            "{err}"
        );
    }

    #[test]
    fn only_tls_modes_build_driver_options() {
        assert!(Tls::default().ssl_opts().is_none());
        let preferred = Tls {
            mode: TlsMode::Preferred,
            ..Tls::default()
        };
        let o = preferred.ssl_opts().unwrap();
        assert!(
            o.accept_invalid_certs(),
            "preferred without a CA only encrypts"
        );
        let required = Tls {
            mode: TlsMode::Required,
            check_hostname: false,
            ..Tls::default()
        };
        let o = required.ssl_opts().unwrap();
        assert!(!o.accept_invalid_certs());
        assert!(o.skip_domain_validation());
    }
}
