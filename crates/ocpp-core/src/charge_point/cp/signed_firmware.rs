//! Signed firmware update: the OCPP 1.6 security whitepaper (edition 2), use case L01 "Secure
//! Firmware Update": SignedUpdateFirmware (§5.21, §5.22, FirmwareType §6.7),
//! SignedFirmwareStatusNotification (§5.19, FirmwareStatusEnumType §6.6), ExtendedTriggerMessage
//! FirmwareStatusNotification (L01.FR.28/29), the security events
//! InvalidFirmwareSigningCertificate, InvalidFirmwareSignature and FirmwareUpdated.
//!
//! The transfers are Firmware Management's (`firmware`: the same [`FirmwareJob`], actions and
//! events, retries, waiting for transactions): this file adds what is signed about them.
//!
//! - **Accepting** (L01.FR.23/24, L01.FR.12): the signing certificate must lead to an installed
//!   ManufacturerRootCertificate at the charge point's time; otherwise `InvalidCertificate` and
//!   an `InvalidFirmwareSigningCertificate` event (L01.FR.02). Without a security module
//!   (`Storage::security`) nothing can be verified: `InvalidCertificate` too.
//! - **Keeping** the certificate and the signature until the file is downloaded: in the
//!   security module (`SecurityModule::set_firmware_signature`), not in the charge point's RAM.
//! - **Verifying** (L01.FR.04, L01.FR.12): the integrator reports the SHA-256 digest of the
//!   downloaded file ([`FirmwareReport::Downloaded`]); the charge point verifies the signature
//!   over it with the certificate's key: `SignatureVerified`, or `InvalidSignature` and an
//!   `InvalidFirmwareSignature` event (L01.FR.03).
//! - **Installing** at installDateTime (`InstallScheduled`, L01.FR.16/17), once the
//!   transactions ended (L01.FR.06/18); a restart after the installation is announced with
//!   `InstallRebooting` (L01.FR.15), and `Installed` follows it with the FirmwareUpdated event.
//! - Every SignedFirmwareStatusNotification carries the request's requestId (L01.FR.10/21).
//!
//! [`FirmwareJob`]: super::firmware::FirmwareJob

#[allow(clippy::wildcard_imports)]
use super::*;

use super::firmware::{FirmwareJob, FirmwareState, Progress};
#[allow(unused_imports)] // Named by the documentation.
use crate::charge_point::io::FirmwareReport;
use crate::charge_point::storage::SecurityParts;
use crate::types::ScratchText;
use crate::v16::signed_update_firmware::{
    SIGNATURE_MAX_CHARS, SIGNING_CERTIFICATE_MAX_CHARS, SignedUpdateFirmwareFields,
    SignedUpdateFirmwareInPlace,
};
use crate::v16::{SignedFirmwareStatus, UpdateFirmwareStatus};
use ocpp_crypto::{
    CertificateKind, Digest, FirmwareSignature, HashAlgorithm, SecurityModule, UnixTime,
};

/// The installed certificates looked at for ManufacturerRootCertificates, at most (a store that
/// never ends its list cannot hold the charge point up).
const MAX_SCANNED_CERTIFICATES: usize = 64;

/// techInfo of the security events when there is nothing to verify with.
const NO_MODULE: &str = "no security module";

/// The last SignedFirmwareStatusNotification queued, which ExtendedTriggerMessage
/// FirmwareStatusNotification repeats (L01.FR.29). Zero bytes: none yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LastSignedStatus {
    request_id: i32,
    /// The status' index in [`SignedFirmwareStatus::ALL`] plus one; 0: none.
    status: u8,
}

impl LastSignedStatus {
    pub(super) const NONE: Self = LastSignedStatus {
        request_id: 0,
        status: 0,
    };

    #[cfg(feature = "profile-trigger")]
    fn get(self) -> Option<(SignedFirmwareStatus, i32)> {
        let index = usize::from(self.status).checked_sub(1)?;
        let status = *SignedFirmwareStatus::ALL.get(index)?;
        Some((status, self.request_id))
    }

    fn of(status: SignedFirmwareStatus, request_id: i32) -> Self {
        let index = SignedFirmwareStatus::ALL
            .iter()
            .position(|s| *s == status)
            .unwrap_or(0);
        LastSignedStatus {
            request_id,
            status: u8::try_from(index + 1).unwrap_or(0),
        }
    }
}

/// What SignedUpdateFirmware.req comes to, decided while the security module is borrowed.
enum Outcome {
    /// The payload does not decode: a CALLERROR.
    Malformed(json::Error),
    /// The signing certificate does not verify (techInfo).
    InvalidCertificate(&'static str),
    /// The charge point cannot take it (L01.FR.27, no room).
    Rejected,
    /// The certificate and signature are kept in the security module.
    Accepted,
}

/// A short name of a crypto failure, for techInfo (no `core::fmt`).
fn failure(e: ocpp_crypto::Error) -> &'static str {
    use ocpp_crypto::Error as E;
    match e {
        E::Malformed => "Malformed",
        E::Unsupported => "Unsupported",
        E::Expired => "Expired",
        E::NotYetValid => "NotYetValid",
        E::UnknownIssuer => "UnknownIssuer",
        E::NotCa => "NotCa",
        E::PathLenExceeded => "PathLenExceeded",
        E::ChainTooLong => "ChainTooLong",
        E::BadSignature => "BadSignature",
        E::WeakKey => "WeakKey",
        E::BufferTooSmall => "BufferTooSmall",
        _ => "VerificationFailed",
    }
}

/// Verifies `certificate` against each installed ManufacturerRootCertificate at `at`
/// (L01.FR.12: RFC 5280 path validation, one root at a time). The failure reported is the most
/// telling: no root at all, else the reason of a root that issued it (expired, bad signature),
/// else `UnknownIssuer`.
fn verify_signing_certificate(
    module: &dyn SecurityModule,
    certificate: &[u8],
    at: UnixTime,
) -> Result<(), &'static str> {
    let mut outcome = Err("no ManufacturerRootCertificate");
    let mut any_root = false;
    for index in 0..MAX_SCANNED_CERTIFICATES {
        let Some(stored) = module.certificate(index) else {
            break;
        };
        if stored.kind != CertificateKind::ManufacturerRoot {
            continue;
        }
        match module.verify_firmware_certificate(certificate, &[stored.certificate], at) {
            Ok(_) => return Ok(()),
            Err(e) => {
                if !any_root || e != ocpp_crypto::Error::UnknownIssuer {
                    outcome = Err(failure(e));
                }
                any_root = true;
            }
        }
    }
    outcome
}

/// Verifies the downloaded file's signature (L01.FR.04, L01.FR.12): the base64 signature kept in
/// the security module, decoded into its scratch, over `sha256` with the signing certificate's
/// key.
fn verify_firmware_file(
    parts: SecurityParts<'_>,
    sha256: Option<&Digest>,
) -> Result<(), &'static str> {
    let Some(digest) = sha256 else {
        return Err("no SHA-256 digest of the file");
    };
    if digest.algorithm() != HashAlgorithm::Sha256 {
        return Err("the digest is not SHA-256");
    }
    let SecurityParts { scratch, module } = parts;
    let Some(kept) = module.firmware_signature() else {
        return Err("no signature kept");
    };
    let n = ocpp_crypto::encoding::base64_decode(kept.signature, scratch)
        .map_err(|_| "signature not base64")?;
    let signature = scratch.get(..n).ok_or("signature too long")?;
    module
        .verify_firmware_signature(kept.signing_certificate, digest, signature)
        .map_err(failure)
}

impl<S: Storage, const NC: usize, const NL: usize, const NA: usize, L: Limits>
    ChargePoint<S, NC, NL, NA, L>
{
    /// SignedUpdateFirmware.req (§5.21): decoded with its certificate and signature in the
    /// security module's scratch (`v16::signed_update_firmware`), answered (§5.22):
    ///
    /// - `InvalidCertificate` (and the InvalidFirmwareSigningCertificate event) when the
    ///   signing certificate does not lead to an installed ManufacturerRootCertificate at the
    ///   charge point's time, or when there is no security module (L01.FR.02, L01.FR.23/24);
    ///   `RevokedCertificate` is never answered (the white paper gives the charge point no
    ///   revocation information);
    /// - `Rejected` when an installation is under way (L01.FR.27: it cannot be cancelled),
    ///   when the certificate does not fit the scratch buffer, the location does not fit beside
    ///   the diagnostics upload's, or the security module cannot keep the signature;
    /// - `AcceptedCanceled` when it cancels the update in progress (L01.FR.26: one waiting to
    ///   download, downloading, or waiting to install), `Accepted` otherwise. It then reports
    ///   `DownloadScheduled` when retrieveDateTime is ahead (L01.FR.13), `Downloading` when the
    ///   download starts.
    #[inline(never)]
    pub(super) fn call_signed_update_firmware(&mut self, id: &str, payload: &str, now: Instant) {
        let opts = self.setup.decode;
        let at = UnixTime(self.clock.at(now).unix_seconds());
        let state = self.firmware.as_ref().map(|f| f.state);
        let mut fields = SignedUpdateFirmwareFields::EMPTY;
        let outcome = match self.storage.security() {
            Some(parts) => Self::signed_update_outcome(
                parts,
                payload,
                opts,
                &mut fields,
                at,
                state,
                &self.transfer_locations,
            ),
            None => Self::decode_without_module(payload, opts, &mut fields),
        };
        let status = match outcome {
            Outcome::Malformed(e) => {
                self.answer_decode_error(id, &e);
                return;
            }
            Outcome::InvalidCertificate(info) => {
                self.security_event(
                    SecurityEvent::InvalidFirmwareSigningCertificate,
                    Some(info),
                    now,
                );
                UpdateFirmwareStatus::InvalidCertificate
            }
            Outcome::Rejected => UpdateFirmwareStatus::Rejected,
            Outcome::Accepted => {
                let canceled = self.firmware.is_some();
                // Checked to fit before the signature was kept.
                let _ = self
                    .transfer_locations
                    .set_firmware(fields.location.as_str());
                let start = self.clock.instant_of(fields.retrieve_date_time).max(now);
                self.firmware = Some(
                    FirmwareJob::new(
                        fields.retrieve_date_time,
                        fields.retries,
                        fields.retry_interval,
                        start,
                    )
                    .signed(fields.request_id, fields.install_date_time),
                );
                if start > now {
                    self.report_firmware(Some(fields.request_id), Progress::DownloadScheduled);
                }
                if canceled {
                    UpdateFirmwareStatus::AcceptedCanceled
                } else {
                    UpdateFirmwareStatus::Accepted
                }
            }
        };
        self.answer(id, Reply::Status(status.as_str()));
        self.update_statuses(now);
    }

    /// Decodes and checks SignedUpdateFirmware.req with the security module (see
    /// [`ChargePoint::call_signed_update_firmware`]); the certificate and the signature are
    /// decoded into the scratch buffer: the signature into its last 800 bytes, the certificate
    /// into the rest.
    fn signed_update_outcome(
        parts: SecurityParts<'_>,
        payload: &str,
        opts: DecodeOptions,
        fields: &mut SignedUpdateFirmwareFields,
        at: UnixTime,
        state: Option<FirmwareState>,
        locations: &firmware::TransferLocations<L::TransferLocations>,
    ) -> Outcome {
        let SecurityParts { scratch, module } = parts;
        let split = scratch.len().saturating_sub(SIGNATURE_MAX_CHARS);
        let Some((cert_buf, sig_buf)) = scratch.split_at_mut_checked(split) else {
            return Outcome::Rejected;
        };
        let mut certificate = ScratchText::new(cert_buf, SIGNING_CERTIFICATE_MAX_CHARS);
        let mut signature = ScratchText::new(sig_buf, SIGNATURE_MAX_CHARS);
        let seed = SignedUpdateFirmwareInPlace {
            fields,
            signing_certificate: &mut certificate,
            signature: &mut signature,
        };
        if let Err(e) = json::from_str_seed(payload, &opts, seed) {
            return Outcome::Malformed(e);
        }
        if certificate.overflowed() || signature.overflowed() {
            return Outcome::Rejected;
        }
        if let Err(info) = verify_signing_certificate(&*module, certificate.as_bytes(), at) {
            return Outcome::InvalidCertificate(info);
        }
        if matches!(
            state,
            Some(FirmwareState::Installing | FirmwareState::Rebooting)
        ) {
            return Outcome::Rejected;
        }
        if !locations.firmware_fits(fields.location.len()) {
            return Outcome::Rejected;
        }
        let kept = FirmwareSignature {
            signing_certificate: certificate.as_bytes(),
            signature: signature.as_bytes(),
        };
        if module.set_firmware_signature(Some(kept)).is_err() {
            return Outcome::Rejected;
        }
        Outcome::Accepted
    }

    /// Without a security module the request is only decoded (a malformed one is still a
    /// CALLERROR), the texts into no buffer at all.
    fn decode_without_module(
        payload: &str,
        opts: DecodeOptions,
        fields: &mut SignedUpdateFirmwareFields,
    ) -> Outcome {
        let (mut none_a, mut none_b) = ([0u8; 0], [0u8; 0]);
        let mut certificate = ScratchText::new(&mut none_a, SIGNING_CERTIFICATE_MAX_CHARS);
        let mut signature = ScratchText::new(&mut none_b, SIGNATURE_MAX_CHARS);
        let seed = SignedUpdateFirmwareInPlace {
            fields,
            signing_certificate: &mut certificate,
            signature: &mut signature,
        };
        match json::from_str_seed(payload, &opts, seed) {
            Err(e) => Outcome::Malformed(e),
            Ok(()) => Outcome::InvalidCertificate(NO_MODULE),
        }
    }

    /// L01.FR.20: UpdateFirmware.req is refused (CALLERROR NotSupported) by a charge point that
    /// does secure firmware updates, which this one does once a ManufacturerRootCertificate is
    /// installed; without one, signed updates cannot be verified and UpdateFirmware stays.
    pub(super) fn signed_firmware_required(&mut self) -> bool {
        let Some(parts) = self.storage.security() else {
            return false;
        };
        (0..MAX_SCANNED_CERTIFICATES)
            .map_while(|i| parts.module.certificate(i))
            .any(|c| c.kind == CertificateKind::ManufacturerRoot)
    }

    /// Queues SignedFirmwareStatusNotification `status` of update `request_id` (L01.FR.01,
    /// L01.FR.10), and remembers it for ExtendedTriggerMessage.
    pub(super) fn notify_signed_firmware(&mut self, status: SignedFirmwareStatus, request_id: i32) {
        self.signed_firmware_last = LastSignedStatus::of(status, request_id);
        let _ = self.requests.push(Request::SignedFirmwareStatus {
            status,
            request_id: Some(request_id),
        });
    }

    /// The signed file is downloaded (`Downloaded` reported): its signature is verified over
    /// `sha256`, the file's digest the integrator reported. Then `SignatureVerified`, and
    /// `InstallScheduled` when installDateTime is ahead; or `InvalidSignature`, the
    /// InvalidFirmwareSignature event, and the update ends. A download reported without a digest
    /// ([`Event::FirmwareDownloaded`]) cannot be verified: InvalidSignature.
    pub(super) fn check_firmware_signature(
        &mut self,
        request_id: i32,
        sha256: Option<&Digest>,
        now: Instant,
    ) {
        let verified = match self.storage.security() {
            Some(parts) => verify_firmware_file(parts, sha256),
            None => Err(NO_MODULE),
        };
        self.forget_firmware_signature();
        if let Err(info) = verified {
            self.end_firmware();
            self.notify_signed_firmware(SignedFirmwareStatus::InvalidSignature, request_id);
            self.security_event(SecurityEvent::InvalidFirmwareSignature, Some(info), now);
            return;
        }
        self.notify_signed_firmware(SignedFirmwareStatus::SignatureVerified, request_id);
        let install_at = self
            .firmware
            .as_ref()
            .and_then(FirmwareJob::install_date)
            .map(|at| self.clock.instant_of(at))
            .filter(|at| *at > now);
        if let (Some(at), Some(job)) = (install_at, self.firmware.as_mut()) {
            job.state = FirmwareState::InstallScheduled;
            job.next_at = at;
            self.notify_signed_firmware(SignedFirmwareStatus::InstallScheduled, request_id);
        }
    }

    /// Clears the signature kept in the security module (done with, or the update ended).
    pub(super) fn forget_firmware_signature(&mut self) {
        if let Some(parts) = self.storage.security() {
            let _ = parts.module.set_firmware_signature(None);
        }
    }

    /// The signed image is installed and needs a restart (L01.FR.15): `InstallRebooting`, the
    /// requestId stored for the `Installed` after the restart, and the restart asked for once
    /// `InstallRebooting` is answered (or the connection is down, or after
    /// [`RESET_GRACE_MS`]), like a Reset.req's.
    pub(super) fn reboot_for_signed_firmware(&mut self, request_id: i32, now: Instant) {
        if let Some(job) = self.firmware.as_mut() {
            job.state = FirmwareState::Rebooting;
        }
        self.notify_signed_firmware(SignedFirmwareStatus::InstallRebooting, request_id);
        self.journal.signed_firmware_after_boot = Some(request_id);
        self.persist_journal();
        self.reset = Some((ResetType::Hard, now));
    }

    /// L01.FR.07, L01.FR.19: from the moment a verified signed firmware is due for installation
    /// (installDateTime reached, or none) and waits for the transactions to end, until it is
    /// installed, the connectors that are not in use are Unavailable and start nothing (a
    /// connector whose transaction ends becomes Unavailable too). The charge point always waits
    /// for the transactions (L01.FR.06/18: it takes installation as not possible while
    /// charging), so it always holds them; an installation that fails releases them.
    pub(super) fn firmware_hold(&self) -> bool {
        self.firmware.as_ref().is_some_and(|f| {
            f.request_id().is_some()
                && matches!(
                    f.state,
                    FirmwareState::Downloaded
                        | FirmwareState::Installing
                        | FirmwareState::Rebooting
                )
        })
    }

    /// Whether a restart waits for the answer to `InstallRebooting`.
    pub(super) fn reboot_notice_pending(&self) -> bool {
        self.firmware
            .as_ref()
            .is_some_and(|f| f.state == FirmwareState::Rebooting)
    }

    /// The central system answered a SignedFirmwareStatusNotification: after
    /// `InstallRebooting`, the update is done with and the restart may go.
    pub(super) fn signed_firmware_status_answered(&mut self, status: SignedFirmwareStatus) {
        if status == SignedFirmwareStatus::InstallRebooting && self.reboot_notice_pending() {
            self.end_firmware();
        }
    }

    /// After the restart that activated a signed firmware: `Installed` with its requestId, and
    /// the FirmwareUpdated security event (once: the stored requestId is taken).
    pub(super) fn report_signed_firmware_after_boot(&mut self, now: Instant) {
        if let Some(request_id) = self.journal.signed_firmware_after_boot.take() {
            self.notify_signed_firmware(SignedFirmwareStatus::Installed, request_id);
            self.security_event(SecurityEvent::FirmwareUpdated, None, now);
            self.persist_journal();
        }
    }

    /// ExtendedTriggerMessage FirmwareStatusNotification: the last status sent with its
    /// requestId (L01.FR.29), or `Idle` without one when nothing was sent since the start or the
    /// last was `Installed` (L01.FR.28, §6.6, L01.FR.21). False when the triggered queue is
    /// full.
    #[cfg(feature = "profile-trigger")]
    pub(super) fn trigger_signed_firmware_status(&mut self) -> bool {
        let request = match self.signed_firmware_last.get() {
            Some((status, request_id)) if status != SignedFirmwareStatus::Installed => {
                Request::SignedFirmwareStatus {
                    status,
                    request_id: Some(request_id),
                }
            }
            _ => Request::SignedFirmwareStatus {
                status: SignedFirmwareStatus::Idle,
                request_id: None,
            },
        };
        self.triggered.push(request).is_ok()
    }
}
