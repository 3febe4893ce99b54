//! Certificates (security whitepaper edition 2, cargo feature `profile-security`): the
//! central system's root certificates (M03 GetInstalledCertificateIds, M04 DeleteCertificate,
//! M05 InstallCertificate, §7.1 AdditionalRootCertificateCheck, §7.4 CertificateStoreMaxLength)
//! and the charge point's own certificate (A02 on ExtendedTriggerMessage, A03 renewal before
//! expiry, SignCertificate and CertificateSigned, §7.3 CertificateSignedMaxChainSize, §7.5
//! CpoName).
//!
//! The certificates, keys and crypto are the security module's, lent by the storage with a
//! working buffer ([`Storage::security`], `SecurityParts`): the charge point keeps none of it
//! in its own RAM. A received certificate or chain is unescaped from the frame into the
//! buffer (`ScratchText`); the certificate signing request is made at `poll_transmit` time in
//! the buffer and encoded from there into the transmit buffer (deterministic ECDSA makes a
//! resend identical); GetInstalledCertificateIds.conf is computed as it is written. What the
//! charge point keeps is four bytes (when to check the charge point certificate's expiry
//! next) and a flag (see [`ChargePoint::fallback_root_used`]).
//!
//! See docs/security.md, "Certificates" and "The charge point certificate".

#[allow(clippy::wildcard_imports)]
use super::*;

use core::fmt;

use ocpp_crypto::{
    CertificateHashData, CertificateKind, CsrSubject, Error as CryptoError, HashAlgorithm,
    KeyAlgorithm, PublicKeyKind, SecurityModule, UnixTime,
};
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

use crate::limits::{CERTIFICATE_CHAIN_MAX_LEN, CERTIFICATE_MAX_LEN, MAX_INSTALLED_CERTIFICATES};
use crate::types::{ScratchText, StrInto};
use crate::v16::in_place::{FieldIndex, Seen};
use crate::v16::{
    CertificateSignedStatus, CertificateUse, DeleteCertificateStatus, GenericStatus,
    InstallCertificateStatus,
};

/// A03.FR.02: the charge point asks for a new certificate when its certificate "will expire in
/// one month": 30 days before the notAfter of the newest installed charge point certificate.
pub const CERTIFICATE_RENEWAL_BEFORE_S: i64 = 30 * 86_400;

/// How often the charge point looks at its certificate's expiry: at most once a day, at the
/// first timeout (a heartbeat, a meter sample, ...) after the day has passed.
pub const CERTIFICATE_CHECK_INTERVAL_S: u32 = 86_400;

/// Store slots kept out of `CertificateStoreMaxLength` (§7.4, root certificates): one for the
/// fallback root of an `AdditionalRootCertificateCheck` replacement (M05.FR.11) and two for
/// charge point certificates (the current one and its successor, A02.FR.10).
pub const RESERVED_CERTIFICATE_SLOTS: usize = 3;

/// The most installed roots a certificate chain is verified against.
const MAX_TRUSTED_ROOTS: usize = 12;

/// Charge point certificates kept: the newest and the one before it (A02.FR.10: "MAY discard
/// the old certificate"; it stays as a fallback until the next renewal).
const KEPT_CHARGE_POINT_CERTIFICATES: usize = 2;

/// Why a certificate signing request (A02, A03) was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRequestError {
    /// The storage lends no security module ([`Storage::security`] is `None`).
    NoSecurityModule,
    /// `CpoName` is not set: the CSR's organizationName must be it (A02.FR.13, A03's
    /// prerequisite "The configuration variable CpoName MUST be set").
    NoCpoName,
    /// Neither `chargePointSerialNumber` nor `chargeBoxSerialNumber` is in the
    /// [`Setup::boot`]: the CSR's commonName must be the serial number (A00.FR.511).
    NoSerialNumber,
    /// The queue of requests is full.
    QueueFull,
    /// The module could not make or keep the key pair.
    Crypto(CryptoError),
}

impl fmt::Display for CertificateRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSecurityModule => f.write_str("no security module"),
            Self::NoCpoName => f.write_str("CpoName is not set"),
            Self::NoSerialNumber => f.write_str("no charge point serial number for the CN"),
            Self::QueueFull => f.write_str("the request queue is full"),
            Self::Crypto(e) => write!(f, "key pair: {e}"),
        }
    }
}

impl core::error::Error for CertificateRequestError {}

/// The outcome of a CertificateSigned.req: Rejected with the `techInfo` of an
/// `InvalidChargePointCertificate` event (A02.FR.07), or without one when the certificate was
/// not the problem (the store failed).
enum Signed {
    Accepted,
    Rejected(Option<&'static str>),
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    // -----------------------------------------------------------------------------------------
    // Setup

    /// At start: AdditionalRootCertificateCheck from [`Setup`], CertificateStoreMaxLength from
    /// the store's capacity (less [`RESERVED_CERTIFICATE_SLOTS`]) and
    /// CertificateSignedMaxChainSize from the working buffer's length, each at most what the
    /// configuration declared; both 0 without a security module (nothing can be installed).
    pub(super) fn configure_certificates(&mut self) {
        self.config.additional_root_certificate_check =
            self.setup.additional_root_certificate_check;
        let (store, chain) = match self.storage.security() {
            Some(parts) => (
                parts
                    .module
                    .certificate_capacity()
                    .saturating_sub(RESERVED_CERTIFICATE_SLOTS),
                parts.scratch.len(),
            ),
            None => (0, 0),
        };
        let store = u32::try_from(store.min(MAX_INSTALLED_CERTIFICATES)).unwrap_or(0);
        let chain = u32::try_from(chain.min(CERTIFICATE_CHAIN_MAX_LEN)).unwrap_or(0);
        self.config.certificate_store_max_length =
            self.config.certificate_store_max_length.min(store);
        self.config.certificate_signed_max_chain_size =
            self.config.certificate_signed_max_chain_size.min(chain);
    }

    /// The charge point's clock for certificate validity, `None` until it is set: a period
    /// cannot be judged against the 1970 of an unset clock.
    fn certificate_time(&self, now: Instant) -> Option<UnixTime> {
        self.clock.is_synced().then(|| {
            let millis = self.clock.at(now).unix_millis();
            UnixTime(millis.div_euclid(1000))
        })
    }

    /// The SecurityProfile prerequisites (A05.FR.03, A05.FR.04) for a ChangeConfiguration of
    /// SecurityProfile: each met by a certificate of its kind in the module's store, valid now
    /// (any, while the clock is not set), or by what [`Setup::security`] declares (the
    /// adapter's own files).
    pub(super) fn certificate_prerequisites(
        &mut self,
        now: Instant,
    ) -> super::super::config::SecurityPrerequisites {
        let declared = self.setup.security;
        let at = self.certificate_time(now);
        let Some(parts) = self.storage.security() else {
            return declared;
        };
        let m: &dyn SecurityModule = parts.module;
        let valid = |kind: CertificateKind| {
            installed(m).any(|(_, c)| {
                c.kind == kind
                    && m.certificate_info(c.certificate)
                        .is_ok_and(|info| at.is_none_or(|at| info.is_valid_at(at)))
            })
        };
        super::super::config::SecurityPrerequisites {
            central_system_root_certificate: declared.central_system_root_certificate
                || valid(CertificateKind::CentralSystemRoot),
            charge_point_certificate: declared.charge_point_certificate
                || valid(CertificateKind::ChargePoint),
        }
    }

    // -----------------------------------------------------------------------------------------
    // M05 InstallCertificate

    /// InstallCertificate (M05, §5.11): the certificate is unescaped into the working buffer.
    #[inline(never)]
    pub(super) fn call_install_certificate(&mut self, id: &str, payload: &str, now: Instant) {
        let opts = self.setup.decode;
        let rules = InstallRules {
            at: self.certificate_time(now),
            replace: self.config.additional_root_certificate_check,
            max_roots: self.config.certificate_store_max_length as usize,
        };
        let mut kind = None;
        let mut none: [u8; 0] = [];
        let outcome = if let Some(SecurityParts { scratch, module }) = self.storage.security() {
            let mut text = ScratchText::new(scratch, CERTIFICATE_MAX_LEN);
            json::from_str_seed(payload, &opts, InstallSeed(&mut kind, &mut text)).map(|()| {
                match kind {
                    Some(kind) => install(module, kind, &text, rules),
                    None => InstallCertificateStatus::Rejected,
                }
            })
        } else {
            // Validated all the same; nowhere to install it.
            let mut text = ScratchText::new(&mut none, CERTIFICATE_MAX_LEN);
            json::from_str_seed(payload, &opts, InstallSeed(&mut kind, &mut text))
                .map(|()| InstallCertificateStatus::Rejected)
        };
        match outcome {
            Ok(status) => self.finish_call(id, Reply::Status(status.as_str()), now),
            Err(e) => self.answer_decode_error(id, &e),
        }
    }

    // -----------------------------------------------------------------------------------------
    // M04 DeleteCertificate, M03 GetInstalledCertificateIds

    /// DeleteCertificate (M04, §5.3).
    #[inline(never)]
    pub(super) fn call_delete_certificate(&mut self, id: &str, payload: &str, now: Instant) {
        let Some(req) = self.decode::<v16::DeleteCertificateRequest>(id, payload) else {
            return;
        };
        let in_use = self.config.security_profile >= 2;
        let status = match self.storage.security() {
            Some(parts) => delete(parts.module, &req.certificate_hash_data, in_use),
            None => DeleteCertificateStatus::NotFound,
        };
        self.finish_call(id, Reply::Status(status.as_str()), now);
    }

    /// GetInstalledCertificateIds (M03, §5.7): the answer is computed when it is written
    /// ([`ChargePoint::write_installed_certificates`]), not kept.
    #[inline(never)]
    pub(super) fn call_get_installed_certificate_ids(
        &mut self,
        id: &str,
        payload: &str,
        now: Instant,
    ) {
        let Some(req) = self.decode::<v16::GetInstalledCertificateIdsRequest>(id, payload) else {
            return;
        };
        let reply = if self.storage.security().is_some() {
            Reply::InstalledCertificates(req.certificate_type)
        } else {
            Reply::Status(v16::GetInstalledCertificateStatus::NotFound.as_str())
        };
        self.finish_call(id, reply, now);
    }

    /// Writes the first queued answer when it is a GetInstalledCertificateIds.conf (M03.FR.02-04):
    /// the hash data (SHA-256, A00.FR.506) of each installed root of the kind asked, at most
    /// [`MAX_INSTALLED_CERTIFICATES`], computed now; NotFound when there is none. `None` when
    /// the first answer is something else.
    pub(super) fn write_installed_certificates(
        &mut self,
        buf: &mut [u8],
    ) -> Option<Result<usize, ()>> {
        let answer = self.answers.first()?;
        let Reply::InstalledCertificates(use_) = answer.reply else {
            return None;
        };
        let kind = root_kind(use_);
        let written = match self.storage.security() {
            Some(parts) => {
                let module: &dyn SecurityModule = parts.module;
                let view = InstalledView {
                    module,
                    kind,
                    count: installed_hash_data(module, kind, |_| Ok::<(), ()>(())).unwrap_or(0),
                };
                rpc::encode_call_result(buf, &answer.id, &view)
            }
            None => rpc::encode_call_result(
                buf,
                &answer.id,
                &StatusOnly(v16::GetInstalledCertificateStatus::NotFound.as_str()),
            ),
        };
        Some(written.map(str::len).map_err(|_| ()))
    }

    // -----------------------------------------------------------------------------------------
    // M05.FR.12: the fallback root

    /// The connection about to be reported ([`Input::Connected`]) verified the central
    /// system's certificate only with the fallback root (M05.FR.13: the old
    /// CentralSystemRootCertificate kept after an `AdditionalRootCertificateCheck`
    /// replacement): the fallback is kept at this connection. Without this call a connection
    /// removes the fallback (M05.FR.12: the charge point "successfully connected ... using the
    /// new Central System Root certificate"). Adapters that never verify with the fallback do
    /// not call it.
    pub fn fallback_root_used(&mut self) {
        self.keep_fallback_root = true;
    }

    /// At [`Input::Connected`]: removes the fallback root (M05.FR.12), unless
    /// [`ChargePoint::fallback_root_used`] said the connection needed it.
    pub(super) fn certificates_on_connected(&mut self) {
        if core::mem::take(&mut self.keep_fallback_root) {
            return;
        }
        let Some(parts) = self.storage.security() else {
            return;
        };
        let _ = remove_all(parts.module, |c| {
            c.kind == CertificateKind::CentralSystemRootFallback
        });
    }

    // -----------------------------------------------------------------------------------------
    // A02, A03: the charge point certificate

    /// Asks the central system to have a new charge point certificate signed (A03, the
    /// integrator's call; also what ExtendedTriggerMessage SignChargePointCertificate does,
    /// A02): a new P-256 key pair is generated in the security module and kept as the pending
    /// key (a previous pending key is deleted), and a SignCertificate.req is queued; its CSR
    /// (subject O = `CpoName`, A02.FR.13; CN = the charge point serial number, A00.FR.511) is
    /// made when the request is sent, from the pending key.
    ///
    /// The central system answers with a CertificateSigned.req, accepted when its chain leads
    /// to an installed CentralSystemRootCertificate and its certificate is for the pending key.
    /// Drain [`ChargePoint::poll_output`] after the call, as after an input.
    pub fn renew_charge_point_certificate(&mut self) -> Result<(), CertificateRequestError> {
        if self.config.cpo_name.as_ref().is_none_or(|n| n.is_empty()) {
            return Err(CertificateRequestError::NoCpoName);
        }
        if csr_common_name(&self.setup).is_none() {
            return Err(CertificateRequestError::NoSerialNumber);
        }
        if self.storage.security().is_none() {
            return Err(CertificateRequestError::NoSecurityModule);
        }
        // One request at a time: the queued one will carry the new key.
        self.requests
            .retain(|r| !matches!(r, Request::SignCertificate));
        if self.requests.push(Request::SignCertificate).is_err() {
            return Err(CertificateRequestError::QueueFull);
        }
        let made = match self.storage.security() {
            Some(parts) => new_pending_key(parts.module),
            None => Err(CertificateRequestError::NoSecurityModule),
        };
        if made.is_err() {
            self.requests
                .retain(|r| !matches!(r, Request::SignCertificate));
        }
        made
    }

    /// Writes SignCertificate.req: the CSR of the pending key is made in the working buffer,
    /// then encoded into `buf`. `None` (the request is dropped) without a pending key; a key
    /// the module cannot make a CSR with is given up.
    pub(super) fn write_sign_certificate(&mut self, id: &str, buf: &mut [u8]) -> Option<usize> {
        let organization = self.config.cpo_name.as_deref()?;
        let common_name = csr_common_name(&self.setup)?;
        let SecurityParts { scratch, module } = self.storage.security()?;
        let key = module.pending_key()?;
        let subject = CsrSubject {
            common_name,
            organization,
        };
        let Ok(n) = module.create_csr_pem(key, &subject, scratch) else {
            give_up_pending_key(module);
            return None;
        };
        let csr = core::str::from_utf8(scratch.get(..n)?).ok()?;
        rpc::encode_call(buf, id, "SignCertificate", &CsrView(csr))
            .ok()
            .map(str::len)
    }

    /// SignCertificate.conf (§5.18): Rejected (A02.FR.12), or an answer that does not decode,
    /// gives the request up and deletes its key; Accepted waits for CertificateSigned.req.
    #[inline(never)]
    pub(super) fn result_sign_certificate(&mut self, payload: &str) {
        let opts = self.setup.decode;
        let accepted = json::from_str::<v16::SignCertificateResponse>(payload, &opts)
            .is_ok_and(|conf| conf.status == GenericStatus::Accepted);
        if !accepted {
            self.abandon_certificate_request();
        }
    }

    /// A refused SignCertificate.req (Rejected, a CALLERROR): the pending key is deleted. The
    /// white paper advises against retrying by itself (A02 "Error handling"); the next
    /// ExtendedTriggerMessage, integrator call or daily renewal check starts again.
    pub(super) fn abandon_certificate_request(&mut self) {
        if let Some(parts) = self.storage.security() {
            give_up_pending_key(parts.module);
        }
    }

    /// CertificateSigned.req (A02.FR.06-10, §5.1): the chain is unescaped into the working
    /// buffer and verified; Rejected with an `InvalidChargePointCertificate` event when it is
    /// longer than `CertificateSignedMaxChainSize`, not for the pending key, or does not lead
    /// to an installed CentralSystemRootCertificate at the charge point's time (A02.FR.07).
    #[inline(never)]
    pub(super) fn call_certificate_signed(&mut self, id: &str, payload: &str, now: Instant) {
        let opts = self.setup.decode;
        let at = self.certificate_time(now);
        let max_chars = self.config.certificate_signed_max_chain_size as usize;
        let mut none: [u8; 0] = [];
        let outcome = if let Some(SecurityParts { scratch, module }) = self.storage.security() {
            let mut text = ScratchText::new(scratch, CERTIFICATE_CHAIN_MAX_LEN);
            json::from_str_seed(payload, &opts, ChainSeed(&mut text))
                .map(|()| accept_signed(module, &text, max_chars, at))
        } else {
            let mut text = ScratchText::new(&mut none, CERTIFICATE_CHAIN_MAX_LEN);
            json::from_str_seed(payload, &opts, ChainSeed(&mut text))
                .map(|()| Signed::Rejected(None))
        };
        let status = match outcome {
            Err(e) => {
                self.answer_decode_error(id, &e);
                return;
            }
            Ok(Signed::Accepted) => CertificateSignedStatus::Accepted,
            Ok(Signed::Rejected(event)) => {
                if let Some(tech_info) = event {
                    self.security_event(
                        SecurityEvent::InvalidChargePointCertificate,
                        Some(tech_info),
                        now,
                    );
                }
                CertificateSignedStatus::Rejected
            }
        };
        self.finish_call(id, Reply::Status(status.as_str()), now);
    }

    /// A03.FR.02: at most once a day ([`CERTIFICATE_CHECK_INTERVAL_S`]), while registered and
    /// with the clock set, a charge point whose newest certificate expires within
    /// [`CERTIFICATE_RENEWAL_BEFORE_S`] asks for a new one, unless a request is pending (a key
    /// waits for its CertificateSigned.req) or `CpoName` is not set.
    pub(super) fn check_certificate_renewal(&mut self, now: Instant) {
        if self.registration != Registration::Accepted {
            return;
        }
        let secs = u32::try_from(now.millis() / 1000).unwrap_or(u32::MAX);
        if secs < self.certificate_check_at {
            return;
        }
        self.certificate_check_at = secs.saturating_add(CERTIFICATE_CHECK_INTERVAL_S);
        let Some(at) = self.certificate_time(now) else {
            return;
        };
        if self.config.cpo_name.is_none() {
            return;
        }
        let due = match self.storage.security() {
            Some(parts) => {
                let m: &dyn SecurityModule = parts.module;
                m.pending_key().is_none()
                    && newest_expiry(m).is_some_and(|end| {
                        end.0.saturating_sub(at.0) <= CERTIFICATE_RENEWAL_BEFORE_S
                    })
            }
            None => false,
        };
        if due {
            let _ = self.renew_charge_point_certificate();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The store

/// The installed certificates with their indexes.
fn installed(
    m: &dyn SecurityModule,
) -> impl Iterator<Item = (usize, ocpp_crypto::StoredCertificate<'_>)> + '_ {
    (0..).map_while(move |i| m.certificate(i).map(|c| (i, c)))
}

fn root_kind(use_: CertificateUse) -> CertificateKind {
    match use_ {
        CertificateUse::CentralSystemRootCertificate => CertificateKind::CentralSystemRoot,
        CertificateUse::ManufacturerRootCertificate => CertificateKind::ManufacturerRoot,
    }
}

fn is_root(kind: CertificateKind) -> bool {
    matches!(
        kind,
        CertificateKind::CentralSystemRoot | CertificateKind::ManufacturerRoot
    )
}

/// The certificate hash data (§6.1) of the installed root `certificate`: of a self-issued root
/// over its own key; of a root issued by another (the new root signed by the old one of
/// `AdditionalRootCertificateCheck`, M05.FR.09) over its issuer's key, when the issuer is
/// installed. `None` when it cannot be computed.
fn root_hash_data(
    m: &dyn SecurityModule,
    certificate: &[u8],
    algorithm: HashAlgorithm,
) -> Option<CertificateHashData> {
    match m.certificate_hash_data(certificate, None, algorithm) {
        Ok(data) => Some(data),
        Err(CryptoError::IssuerRequired) => installed(m)
            .filter(|(_, c)| c.kind != CertificateKind::ChargePoint)
            .find_map(|(_, c)| {
                m.certificate_hash_data(certificate, Some(c.certificate), algorithm)
                    .ok()
            }),
        Err(_) => None,
    }
}

/// Calls `each` with the SHA-256 hash data of every installed certificate of `kind` (at most
/// [`MAX_INSTALLED_CERTIFICATES`]); returns how many.
fn installed_hash_data<E>(
    m: &dyn SecurityModule,
    kind: CertificateKind,
    mut each: impl FnMut(&CertificateHashData) -> Result<(), E>,
) -> Result<usize, E> {
    let mut count = 0;
    for (_, c) in installed(m).filter(|(_, c)| c.kind == kind) {
        if count >= MAX_INSTALLED_CERTIFICATES {
            break;
        }
        if let Some(data) = root_hash_data(m, c.certificate, HashAlgorithm::Sha256) {
            each(&data)?;
            count += 1;
        }
    }
    Ok(count)
}

// ---------------------------------------------------------------------------------------------
// M05

#[derive(Clone, Copy)]
struct InstallRules {
    /// The charge point's time (validity is not judged while the clock is unset).
    at: Option<UnixTime>,
    /// AdditionalRootCertificateCheck.
    replace: bool,
    /// CertificateStoreMaxLength.
    max_roots: usize,
}

/// M05: installs `text` (the certificate, unescaped) as a root of `use_`.
fn install(
    m: &mut dyn SecurityModule,
    use_: CertificateUse,
    text: &ScratchText<'_>,
    rules: InstallRules,
) -> InstallCertificateStatus {
    use InstallCertificateStatus::{Accepted, Failed, Rejected};
    let kind = root_kind(use_);
    // Longer than the working buffer: it cannot be checked, so it is not installed.
    let certificate = text.as_bytes();
    if certificate.is_empty() || !one_pem_certificate(certificate) {
        return Rejected;
    }
    // M05.FR.06: "invalid and/or incorrect".
    let Ok(info) = m.certificate_info(certificate) else {
        return Rejected;
    };
    let strong = match info.public_key {
        PublicKeyKind::EcP256 | PublicKeyKind::EcP384 => true,
        // A00.FR.502.
        PublicKeyKind::Rsa { bits } => bits >= 2048,
        _ => false,
    };
    if !info.is_ca || !strong || rules.at.is_some_and(|at| !info.is_valid_at(at)) {
        return Rejected;
    }
    if info.self_issued && m.verify_issued_by(certificate, certificate).is_err() {
        return Rejected;
    }
    // The same certificate again: nothing to do.
    let same = installed(m)
        .any(|(_, c)| c.kind == kind && m.certificate_info(c.certificate).is_ok_and(|i| i == info));
    if same {
        return Accepted;
    }
    let current = installed(m).filter(|(_, c)| c.kind == kind).count();
    if rules.replace && kind == CertificateKind::CentralSystemRoot && current > 0 {
        return replace_root(m, certificate);
    }
    // M05.FR.03: "Current amount of installed certificates >= CertificateStoreMaxLength".
    let roots = installed(m).filter(|(_, c)| is_root(c.kind)).count();
    if roots >= rules.max_roots {
        return Rejected;
    }
    match m.insert_certificate(kind, certificate, None) {
        Ok(()) => Accepted,
        Err(CryptoError::StoreFull) => Rejected,
        // M05.FR.04.
        Err(_) => Failed,
    }
}

/// Whether `text` is exactly one PEM `CERTIFICATE` block (A00.FR.507; §5.11 "An PEM encoded
/// X.509 certificate"): the provider reads the first block only, so a second one would be
/// stored unchecked and could be taken for a trust anchor by the TLS stack.
fn one_pem_certificate(text: &[u8]) -> bool {
    let mut blocks = ocpp_crypto::encoding::pem_blocks(text);
    matches!(blocks.next(), Some(Ok(b)) if b.label == "CERTIFICATE") && blocks.next().is_none()
}

/// `AdditionalRootCertificateCheck` (M05.FR.08-11): the new CentralSystemRootCertificate must
/// be signed by the installed one (if several are installed, by one of them) (M05.FR.10: else
/// Rejected); then it replaces it, the old one kept as the fallback (M05.FR.11), the fallback
/// of an earlier replacement and any other CentralSystemRootCertificate removed (M05.FR.08:
/// one at a time, plus the fallback).
fn replace_root(m: &mut dyn SecurityModule, certificate: &[u8]) -> InstallCertificateStatus {
    use InstallCertificateStatus::{Accepted, Failed, Rejected};
    let signed_by_old = |m: &dyn SecurityModule, c: &ocpp_crypto::StoredCertificate<'_>| {
        c.kind == CertificateKind::CentralSystemRoot
            && c.certificate != certificate
            && m.verify_issued_by(certificate, c.certificate).is_ok()
    };
    if !installed(m).any(|(_, c)| signed_by_old(m, &c)) {
        return Rejected;
    }
    // The fallback of an earlier replacement makes room.
    if remove_all(m, |c| c.kind == CertificateKind::CentralSystemRootFallback).is_err() {
        return Failed;
    }
    match m.insert_certificate(CertificateKind::CentralSystemRoot, certificate, None) {
        Ok(()) => {}
        Err(CryptoError::StoreFull) => return Rejected,
        Err(_) => return Failed,
    }
    let old = installed(m)
        .find(|(_, c)| signed_by_old(m, c))
        .map(|(i, _)| i);
    if let Some(old) = old {
        if m.set_certificate_kind(old, CertificateKind::CentralSystemRootFallback)
            .is_err()
        {
            return Failed;
        }
    }
    match remove_all(m, |c| {
        c.kind == CertificateKind::CentralSystemRoot && c.certificate != certificate
    }) {
        Ok(()) => Accepted,
        Err(_) => Failed,
    }
}

/// Removes every installed certificate `which` selects.
fn remove_all(
    m: &mut dyn SecurityModule,
    which: impl Fn(&ocpp_crypto::StoredCertificate<'_>) -> bool,
) -> Result<(), CryptoError> {
    while let Some(index) = find(m, &which) {
        m.remove_certificate(index)?;
    }
    Ok(())
}

/// The index of the first installed certificate `which` selects.
fn find(
    m: &dyn SecurityModule,
    which: impl Fn(&ocpp_crypto::StoredCertificate<'_>) -> bool,
) -> Option<usize> {
    installed(m).find(|(_, c)| which(c)).map(|(i, _)| i)
}

// ---------------------------------------------------------------------------------------------
// M04

fn hash_algorithm(a: v16::HashAlgorithm) -> HashAlgorithm {
    match a {
        v16::HashAlgorithm::Sha256 => HashAlgorithm::Sha256,
        v16::HashAlgorithm::Sha384 => HashAlgorithm::Sha384,
        v16::HashAlgorithm::Sha512 => HashAlgorithm::Sha512,
    }
}

/// M04: deletes the installed root named by `data` (computed with its hash algorithm,
/// M04.FR.07; hex compared ignoring case). The charge point certificate and the fallback root
/// are never matched (M04.FR.05). The last CentralSystemRootCertificate is not deleted while
/// the security profile (2 or 3) verifies the central system with it (M04.FR.06: Failed).
fn delete(
    m: &mut dyn SecurityModule,
    data: &v16::CertificateHashData,
    in_use: bool,
) -> DeleteCertificateStatus {
    let algorithm = hash_algorithm(data.hash_algorithm);
    let found = installed(m).find(|(_, c)| {
        is_root(c.kind)
            && root_hash_data(m, c.certificate, algorithm).is_some_and(|h| {
                h.matches_fields(
                    algorithm,
                    &data.issuer_name_hash,
                    &data.issuer_key_hash,
                    &data.serial_number,
                )
            })
    });
    let Some((index, kind)) = found.map(|(i, c)| (i, c.kind)) else {
        return DeleteCertificateStatus::NotFound;
    };
    let central_roots = installed(m)
        .filter(|(_, c)| c.kind == CertificateKind::CentralSystemRoot)
        .count();
    if in_use && kind == CertificateKind::CentralSystemRoot && central_roots <= 1 {
        return DeleteCertificateStatus::Failed;
    }
    match m.remove_certificate(index) {
        Ok(()) => DeleteCertificateStatus::Accepted,
        // M04.FR.03.
        Err(_) => DeleteCertificateStatus::Failed,
    }
}

// ---------------------------------------------------------------------------------------------
// A02, A03

/// The CSR's commonName: the charge point serial number (A00.FR.511), from BootNotification's
/// `chargePointSerialNumber`, else `chargeBoxSerialNumber`.
fn csr_common_name(setup: &Setup) -> Option<&str> {
    setup
        .boot
        .charge_point_serial_number
        .as_deref()
        .or(setup.boot.charge_box_serial_number.as_deref())
        .filter(|s| !s.is_empty())
}

/// A new P-256 key pair as the pending key; the previous pending key (a request never
/// answered) is deleted.
fn new_pending_key(m: &mut dyn SecurityModule) -> Result<(), CertificateRequestError> {
    let key = m
        .generate_key_pair(KeyAlgorithm::EcdsaP256)
        .map_err(CertificateRequestError::Crypto)?;
    let old = m.pending_key();
    if let Err(e) = m.set_pending_key(Some(key)) {
        let _ = m.delete_key_pair(key);
        return Err(CertificateRequestError::Crypto(e));
    }
    if let Some(old) = old {
        let _ = m.delete_key_pair(old);
    }
    Ok(())
}

fn give_up_pending_key(m: &mut dyn SecurityModule) {
    if let Some(key) = m.pending_key() {
        if m.set_pending_key(None).is_ok() {
            let _ = m.delete_key_pair(key);
        }
    }
}

/// The notAfter of the newest installed charge point certificate.
fn newest_expiry(m: &dyn SecurityModule) -> Option<UnixTime> {
    installed(m)
        .filter(|(_, c)| c.kind == CertificateKind::ChargePoint)
        .filter_map(|(_, c)| m.certificate_info(c.certificate).ok())
        .map(|info| info.not_after)
        .max()
}

/// The `techInfo` of an `InvalidChargePointCertificate` event for a chain that did not verify.
fn crypto_error_name(e: CryptoError) -> &'static str {
    match e {
        CryptoError::Malformed => "Malformed",
        CryptoError::Unsupported => "Unsupported",
        CryptoError::Expired => "Expired",
        CryptoError::NotYetValid => "NotYetValid",
        CryptoError::UnknownIssuer => "UnknownIssuer",
        CryptoError::NotCa => "NotCa",
        CryptoError::PathLenExceeded => "PathLenExceeded",
        CryptoError::ChainTooLong => "ChainTooLong",
        CryptoError::BadSignature => "BadSignature",
        CryptoError::WeakKey => "WeakKey",
        _ => "Invalid",
    }
}

/// A02.FR.06-10: verifies the received chain and installs it.
fn accept_signed(
    m: &mut dyn SecurityModule,
    text: &ScratchText<'_>,
    max_chars: usize,
    at: Option<UnixTime>,
) -> Signed {
    // §7.3 CertificateSignedMaxChainSize (the working buffer's length at most).
    if text.overflowed() || text.chars() > max_chars {
        return Signed::Rejected(Some("certificateChain too long"));
    }
    let chain = text.as_bytes();
    let Some(key) = m.pending_key() else {
        return Signed::Rejected(Some("no certificate signing request pending"));
    };
    let Some(at) = at else {
        return Signed::Rejected(Some("clock not set"));
    };
    if let Err(e) = verify_signed_chain(m, chain, at) {
        return Signed::Rejected(Some(crypto_error_name(e)));
    }
    // The certificate must be for the key of our CSR.
    if !m.certificate_matches_key(chain, key).unwrap_or(false) {
        return Signed::Rejected(Some("not for the key of the CSR"));
    }
    if m.insert_certificate(CertificateKind::ChargePoint, chain, Some(key))
        .is_err()
    {
        return Signed::Rejected(None);
    }
    let _ = m.set_pending_key(None);
    prune_charge_point_certificates(m, key);
    Signed::Accepted
}

/// The chain against the installed CentralSystemRootCertificates (and the fallback) at `at`
/// (A02.FR.06: validity, properties, the CPO hierarchy). A leaf whose period starts later is
/// accepted when the chain verifies at its notBefore (A02.FR.08: the charge point switches to
/// it "as soon as the current date and time is after the 'Not valid before'").
fn verify_signed_chain(
    m: &dyn SecurityModule,
    chain: &[u8],
    at: UnixTime,
) -> Result<(), CryptoError> {
    let mut roots: [&[u8]; MAX_TRUSTED_ROOTS] = [&[]; MAX_TRUSTED_ROOTS];
    let mut n = 0;
    for (_, c) in installed(m).filter(|(_, c)| {
        matches!(
            c.kind,
            CertificateKind::CentralSystemRoot | CertificateKind::CentralSystemRootFallback
        )
    }) {
        if let Some(slot) = roots.get_mut(n) {
            *slot = c.certificate;
            n += 1;
        }
    }
    let roots = roots.get(..n).unwrap_or(&[]);
    match m.verify_chain(chain, roots, at) {
        Ok(_) => Ok(()),
        Err(CryptoError::NotYetValid) => {
            let leaf = m.certificate_info(chain)?;
            if leaf.not_before > at {
                m.verify_chain(chain, roots, leaf.not_before).map(|_| ())
            } else {
                Err(CryptoError::NotYetValid)
            }
        }
        Err(e) => Err(e),
    }
}

/// Keeps the newest [`KEPT_CHARGE_POINT_CERTIFICATES`] charge point certificates (by the start
/// of their validity, A02.FR.09); older ones are removed with their keys.
fn prune_charge_point_certificates(m: &mut dyn SecurityModule, new_key: ocpp_crypto::KeyId) {
    loop {
        let count = installed(m)
            .filter(|(_, c)| c.kind == CertificateKind::ChargePoint)
            .count();
        if count <= KEPT_CHARGE_POINT_CERTIFICATES {
            return;
        }
        let oldest = installed(m)
            .filter(|(_, c)| c.kind == CertificateKind::ChargePoint && c.key != Some(new_key))
            .map(|(i, c)| {
                let start = m
                    .certificate_info(c.certificate)
                    .map_or(i64::MIN, |info| info.not_before.0);
                (start, i, c.key)
            })
            .min();
        let Some((_, index, key)) = oldest else {
            return;
        };
        if m.remove_certificate(index).is_err() {
            return;
        }
        let still_used = installed(m).any(|(_, c)| c.key.is_some() && c.key == key);
        if let (Some(key), false) = (key, still_used) {
            let _ = m.delete_key_pair(key);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding into the working buffer, encoding from it

/// A string member unescaped into a [`ScratchText`].
struct TextSeed<'s, 'b>(&'s mut ScratchText<'b>);

impl<'de> DeserializeSeed<'de> for TextSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(StrInto(self.0))
    }
}

const INSTALL_FIELDS: &[&str] = &["certificateType", "certificate"];

/// InstallCertificate.req: `certificateType` into the option, `certificate` into the working
/// buffer. The errors of the derived decoder (duplicate and missing members, in declaration
/// order; unknown members skipped or refused as the options say).
struct InstallSeed<'s, 'b>(&'s mut Option<CertificateUse>, &'s mut ScratchText<'b>);

impl<'de> DeserializeSeed<'de> for InstallSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("InstallCertificateRequest", INSTALL_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for InstallSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InstallCertificateRequest")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::new(INSTALL_FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(INSTALL_FIELDS))? {
            seen.first(i)?;
            match i {
                0 => *self.0 = Some(map.next_value()?),
                1 => map.next_value_seed(TextSeed(&mut *self.1))?,
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        seen.require(&[0, 1])
    }
}

const CHAIN_FIELDS: &[&str] = &["certificateChain"];

/// CertificateSigned.req: `certificateChain` into the working buffer.
struct ChainSeed<'s, 'b>(&'s mut ScratchText<'b>);

impl<'de> DeserializeSeed<'de> for ChainSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("CertificateSignedRequest", CHAIN_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for ChainSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CertificateSignedRequest")
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::new(CHAIN_FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(CHAIN_FIELDS))? {
            seen.first(i)?;
            if i == 0 {
                map.next_value_seed(TextSeed(&mut *self.0))?;
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        seen.require(&[0])
    }
}

/// SignCertificate.req `{"csr": ...}` from the CSR in the working buffer.
struct CsrView<'a>(&'a str);

impl Serialize for CsrView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("SignCertificateRequest", 1)?;
        st.serialize_field("csr", self.0)?;
        st.end()
    }
}

/// GetInstalledCertificateIds.conf computed while it is written: `count` certificates were
/// found by a first pass (the schema wants no empty `certificateHashData`).
struct InstalledView<'m> {
    module: &'m dyn SecurityModule,
    kind: CertificateKind,
    count: usize,
}

impl Serialize for InstalledView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("GetInstalledCertificateIdsResponse", 2)?;
        let status = if self.count > 0 {
            st.serialize_field("certificateHashData", &HashDataList(self))?;
            v16::GetInstalledCertificateStatus::Accepted
        } else {
            v16::GetInstalledCertificateStatus::NotFound
        };
        st.serialize_field("status", status.as_str())?;
        st.end()
    }
}

struct HashDataList<'v, 'm>(&'v InstalledView<'m>);

impl Serialize for HashDataList<'_, '_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        installed_hash_data(self.0.module, self.0.kind, |data| {
            seq.serialize_element(&HashDataView(data))
        })?;
        seq.end()
    }
}

/// `CertificateHashDataType` (§6.1).
struct HashDataView<'a>(&'a CertificateHashData);

impl Serialize for HashDataView<'_> {
    fn serialize<Ser: serde::Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeStruct;
        let d = self.0;
        let mut st = s.serialize_struct("CertificateHashData", 4)?;
        st.serialize_field("hashAlgorithm", d.hash_algorithm.as_str())?;
        st.serialize_field("issuerNameHash", d.issuer_name_hash.as_str())?;
        st.serialize_field("issuerKeyHash", d.issuer_key_hash.as_str())?;
        st.serialize_field("serialNumber", d.serial_number.as_str())?;
        st.end()
    }
}
