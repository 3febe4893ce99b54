//! The certificates a connection attempt takes from the charge point's security module
//! (`Storage::security`): what the central system installed with InstallCertificate.req and
//! CertificateSigned.req, used from the next connection on (security whitepaper A02.FR.08,
//! M05).

use std::time::{SystemTime, UNIX_EPOCH};

use ocpp_core::charge_point::{ChargePoint, Storage};
use ocpp_core::crypto::{CertificateKind, KeyId, SecurityModule, UnixTime};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The TLS material the security module holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstalledCertificates {
    /// Every CentralSystemRootCertificate: the trust anchors of the TLS handshake. Empty when
    /// none is installed: the connection then trusts
    /// [`ConnectOptions::ca_bundle`](crate::ConnectOptions::ca_bundle) or the bundled roots.
    pub roots: Vec<CertificateDer<'static>>,
    /// The old CentralSystemRootCertificate kept after an `AdditionalRootCertificateCheck`
    /// replacement: tried alone when the server's certificate does not verify with
    /// [`roots`](Self::roots) (M05.FR.13), until a connection with the new root removes it
    /// (M05.FR.12).
    pub fallback_roots: Vec<CertificateDer<'static>>,
    /// The charge point certificate to authenticate with (security profile 3): the chain as
    /// CertificateSigned.req carried it, leaf first, and the key it certifies. Of several, the
    /// newest by notBefore that is valid now (A02.FR.08: "as soon as the current date and time
    /// is after the 'Not valid before'"; A02.FR.09: "the newest certificate").
    pub charge_point: Option<(Vec<CertificateDer<'static>>, KeyId)>,
}

impl InstalledCertificates {
    /// Reads them from the charge point's security module; `None` when it has none.
    pub fn read<S: Storage>(cp: &mut ChargePoint<S>) -> Option<InstalledCertificates> {
        let parts = cp.security()?;
        Some(InstalledCertificates::from_module(parts.module, now()))
    }

    /// Reads them from `module`, with `at` as the current time.
    pub fn from_module(module: &dyn SecurityModule, at: UnixTime) -> InstalledCertificates {
        let mut out = InstalledCertificates::default();
        let mut newest: Option<UnixTime> = None;
        let mut index = 0;
        while let Some(stored) = module.certificate(index) {
            index += 1;
            match stored.kind {
                CertificateKind::CentralSystemRoot => {
                    out.roots.extend(certificates(stored.certificate));
                }
                CertificateKind::CentralSystemRootFallback => {
                    out.fallback_roots.extend(certificates(stored.certificate));
                }
                CertificateKind::ChargePoint => {
                    let Some(key) = stored.key else { continue };
                    let Ok(info) = module.certificate_info(stored.certificate) else {
                        continue;
                    };
                    if !info.is_valid_at(at) || newest.is_some_and(|n| n >= info.not_before) {
                        continue;
                    }
                    let chain = certificates(stored.certificate);
                    if !chain.is_empty() {
                        newest = Some(info.not_before);
                        out.charge_point = Some((chain, key));
                    }
                }
                CertificateKind::ManufacturerRoot => {}
            }
        }
        out
    }
}

/// The certificates of a stored entry: PEM (one or more blocks) or one DER certificate.
fn certificates(bytes: &[u8]) -> Vec<CertificateDer<'static>> {
    if bytes.first() == Some(&0x30) {
        return vec![CertificateDer::from(bytes.to_vec())];
    }
    CertificateDer::pem_slice_iter(bytes)
        .filter_map(Result::ok)
        .collect()
}

fn now() -> UnixTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UnixTime(i64::try_from(secs).unwrap_or(i64::MAX))
}
