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

/// `reqwest::Client::builder()` with the TLS provider installed.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_provider();
    reqwest::Client::builder()
}
