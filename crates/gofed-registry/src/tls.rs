//! TLS for every HTTP client gofed builds (its own and gix's): rustls with the `ring` provider.
//!
//! The workspace builds reqwest with `rustls-no-provider`, so that aws-lc-rs (a large C build) stays out, and
//! reqwest then panics when it builds a client before a provider is installed as the process default. Every
//! client is therefore built through [`client_builder`], or after [`install_provider`].

/// Installs rustls' `ring` provider as the process default, once; a provider some other part of the program
/// installed first is kept.
pub fn install_provider() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // `Err` only says that a default is installed already, which is all that is needed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// `reqwest::Client::builder()` with the TLS provider installed, trusting the roots of [`trust_ca_file`] too.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_provider();
    with_extra_roots(reqwest::Client::builder())
}

// ---- trusted roots for clients

static EXTRA_ROOTS: std::sync::OnceLock<Vec<reqwest::Certificate>> = std::sync::OnceLock::new();
static IDENTITY: std::sync::OnceLock<reqwest::Identity> = std::sync::OnceLock::new();

/// Presents the certificate `cert` with key `key` (PEM) to servers that ask for one (mutual TLS), in every client
/// built after this, for the whole process (`[client] cert_file`/`key_file`). Only the first call counts.
pub fn use_client_certificate(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<(), TlsError> {
    let _ = IDENTITY.set(client_identity(cert, key)?);
    Ok(())
}

/// The certificate `cert` with key `key` (PEM), as a client presents it.
pub fn client_identity(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<reqwest::Identity, TlsError> {
    // Checked as a server would load it: a chain, a key, and the key the certificate's.
    load_certified_key(cert, key)?;
    let mut pem = std::fs::read(cert).map_err(|source| TlsError::Read {
        path: cert.to_owned(),
        source,
    })?;
    pem.push(b'\n');
    pem.extend(std::fs::read(key).map_err(|source| TlsError::Read {
        path: key.to_owned(),
        source,
    })?);
    reqwest::Identity::from_pem(&pem).map_err(|err| TlsError::Invalid {
        path: cert.to_owned(),
        reason: err.to_string(),
    })
}

/// Trusts the certificates of the PEM bundle `path` (besides the system's roots) in every client built after
/// this, for the whole process (`[client] ca_file`, `GOFED_CA_FILE`): a fleet's own certificate authority. Only
/// the first call counts.
pub fn trust_ca_file(path: &std::path::Path) -> Result<(), TlsError> {
    let _ = EXTRA_ROOTS.set(read_ca_file(path)?);
    Ok(())
}

/// The certificates of the PEM bundle `path`: at least one.
pub fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, TlsError> {
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| TlsError::Invalid {
        path: path.to_owned(),
        reason: err.to_string(),
    })?;
    if certs.is_empty() {
        return Err(TlsError::Invalid {
            path: path.to_owned(),
            reason: "no certificate in it".to_owned(),
        });
    }
    Ok(certs)
}

fn with_extra_roots(mut builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    for cert in EXTRA_ROOTS.get().into_iter().flatten() {
        builder = builder.add_root_certificate(cert.clone());
    }
    if let Some(identity) = IDENTITY.get() {
        builder = builder.identity(identity.clone());
    }
    builder
}

// ---- servers

/// A certificate or key that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no usable certificate or key.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// A server's certificate chain and key, read from PEM files and read again on [`ServerTls::reload`] (SIGHUP):
/// connections made before a reload keep the key they were made with.
#[derive(Clone)]
pub struct ServerTls {
    resolver: Arc<ReloadingResolver>,
    config: Arc<rustls::ServerConfig>,
}

struct ReloadingResolver {
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    current: std::sync::RwLock<Arc<rustls::sign::CertifiedKey>>,
}

impl std::fmt::Debug for ReloadingResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadingResolver")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl rustls::server::ResolvesServerCert for ReloadingResolver {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        // A poisoned lock still holds the last key that loaded.
        let current = match self.current.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        Some(Arc::clone(&current))
    }
}

use std::sync::Arc;

fn load_certified_key(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<rustls::sign::CertifiedKey, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let invalid = |path: &std::path::Path, reason: String| TlsError::Invalid {
        path: path.to_owned(),
        reason,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<_, _>>()
        .map_err(|err| invalid(cert, format!("not a PEM certificate chain: {err}")))?;
    if chain.is_empty() {
        return Err(invalid(cert, "no certificate in it".to_owned()));
    }
    let key_der = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|err| invalid(key, format!("not a PEM private key: {err}")))?;
    install_provider();
    let provider = rustls::crypto::ring::default_provider();
    let signing_key = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|err| invalid(key, format!("unusable private key: {err}")))?;
    let certified = rustls::sign::CertifiedKey::new(chain, signing_key);
    certified
        .keys_match()
        .map_err(|err| invalid(key, format!("the key is not the certificate's: {err}")))?;
    Ok(certified)
}

/// A verifier of client certificates signed by the authorities of the PEM bundle `path`.
fn client_verifier(
    path: &std::path::Path,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let invalid = |reason: String| TlsError::Invalid {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|err| invalid(format!("not a PEM certificate bundle: {err}")))?;
        roots
            .add(cert)
            .map_err(|err| invalid(format!("not a usable authority: {err}")))?;
    }
    if roots.is_empty() {
        return Err(invalid("no certificate in it".to_owned()));
    }
    install_provider();
    rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .map_err(|err| invalid(format!("cannot verify clients with it: {err}")))
}

impl ServerTls {
    /// Reads the certificate chain and the private key (PEM; PKCS#8, PKCS#1 or SEC1).
    pub fn load(cert: &std::path::Path, key: &std::path::Path) -> Result<ServerTls, TlsError> {
        ServerTls::load_with_client_ca(cert, key, None)
    }

    /// [`ServerTls::load`], and with `client_ca` (a PEM bundle) mutual TLS: a client must present a certificate
    /// that authority signed, or the handshake fails.
    pub fn load_with_client_ca(
        cert: &std::path::Path,
        key: &std::path::Path,
        client_ca: Option<&std::path::Path>,
    ) -> Result<ServerTls, TlsError> {
        let certified = load_certified_key(cert, key)?;
        let resolver = Arc::new(ReloadingResolver {
            cert: cert.to_owned(),
            key: key.to_owned(),
            current: std::sync::RwLock::new(Arc::new(certified)),
        });
        let builder = rustls::ServerConfig::builder();
        let builder = match client_ca {
            None => builder.with_no_client_auth(),
            Some(path) => builder.with_client_cert_verifier(client_verifier(path)?),
        };
        let mut config = builder.with_cert_resolver(resolver.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls {
            resolver,
            config: Arc::new(config),
        })
    }

    /// Reads the files again; new connections get the new key. On an error the key in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let certified = load_certified_key(&self.resolver.cert, &self.resolver.key)?;
        let mut current = match self.resolver.current.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *current = Arc::new(certified);
        Ok(())
    }

    /// Reloads on every SIGHUP, for as long as the process runs (Unix; elsewhere nothing).
    pub fn reload_on_sighup(&self) {
        #[cfg(unix)]
        {
            let tls = self.clone();
            tokio::spawn(async move {
                let Ok(mut hangups) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                else {
                    tracing::error!("cannot listen for SIGHUP: certificates will not be reloaded");
                    return;
                };
                while hangups.recv().await.is_some() {
                    match tls.reload() {
                        Ok(()) => {
                            tracing::info!(cert = %tls.resolver.cert.display(), "certificate reloaded")
                        }
                        Err(err) => tracing::error!(
                            "certificate not reloaded, the previous one stays: {err}"
                        ),
                    }
                }
            });
        }
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(Arc::clone(&self.config))
    }
}

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A server's incoming connections: plain TCP, or TLS (handshakes run on tasks of their own, so that a slow or
/// broken client holds up no other).
pub struct Incoming {
    local_addr: std::net::SocketAddr,
    kind: IncomingKind,
}

enum IncomingKind {
    Plain(tokio::net::TcpListener),
    Tls {
        ready: tokio::sync::mpsc::Receiver<(Conn, std::net::SocketAddr)>,
        _acceptor: tokio::task::JoinHandle<()>,
    },
}

impl Incoming {
    /// Plain TCP connections.
    pub fn plain(listener: tokio::net::TcpListener) -> std::io::Result<Incoming> {
        Ok(Incoming {
            local_addr: listener.local_addr()?,
            kind: IncomingKind::Plain(listener),
        })
    }

    /// TLS connections; a failed handshake is logged and dropped.
    pub fn tls(listener: tokio::net::TcpListener, tls: &ServerTls) -> std::io::Result<Incoming> {
        let local_addr = listener.local_addr()?;
        let (send, ready) = tokio::sync::mpsc::channel(64);
        let acceptor = tls.acceptor();
        let task = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Typically EMFILE: back off instead of spinning.
                        tracing::warn!("accept failed: {err}");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if send.is_closed() {
                    return;
                }
                let (acceptor, send) = (acceptor.clone(), send.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = send.send((Conn::Tls(Box::new(tls)), peer)).await;
                        }
                        Ok(Err(err)) => tracing::info!(%peer, "TLS handshake failed: {err}"),
                        Err(_) => tracing::info!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Incoming {
            local_addr,
            kind: IncomingKind::Tls {
                ready,
                _acceptor: task,
            },
        })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.local_addr
    }

    /// The next connection.
    pub async fn accept(&mut self) -> std::io::Result<(Conn, std::net::SocketAddr)> {
        match &mut self.kind {
            IncomingKind::Plain(listener) => {
                let (stream, peer) = listener.accept().await?;
                Ok((Conn::Plain(stream), peer))
            }
            IncomingKind::Tls { ready, .. } => ready
                .recv()
                .await
                .ok_or_else(|| std::io::Error::other("the TLS acceptor stopped")),
        }
    }
}

impl Drop for IncomingKind {
    fn drop(&mut self) {
        if let IncomingKind::Tls { _acceptor, .. } = self {
            _acceptor.abort();
        }
    }
}

impl axum::serve::Listener for Incoming {
    type Io = Conn;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match Incoming::accept(self).await {
                Ok(accepted) => return accepted,
                Err(err) => {
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

/// One accepted connection.
pub enum Conn {
    /// Plain TCP.
    Plain(tokio::net::TcpStream),
    /// TLS over TCP.
    Tls(Box<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>),
}

impl tokio::io::AsyncRead for Conn {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Conn {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => std::pin::Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Whether binding `addr` keeps the server on this machine (a loopback address).
pub fn is_loopback(addr: &std::net::SocketAddr) -> bool {
    addr.ip().is_loopback()
}
