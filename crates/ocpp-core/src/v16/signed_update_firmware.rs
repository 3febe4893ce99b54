//! SignedUpdateFirmware.req (security whitepaper §5.21, FirmwareType §6.7) decoded without its
//! two long texts on the stack.
//!
//! [`SignedUpdateFirmwareRequest`](super::SignedUpdateFirmwareRequest) holds the signing
//! certificate as a `BoundedString<5500>` and the signature as a `BoundedString<800>`: 6.3 KB,
//! more than the charge point's largest stack frame may be (4 KB) and most of its stack budget
//! (8 KB). The charge point decodes the message with [`SignedUpdateFirmwareInPlace`] instead:
//! the certificate and the signature are unescaped straight into the security module's scratch
//! buffer ([`ScratchText`], see `charge_point::SecurityParts`), the other members into
//! [`SignedUpdateFirmwareFields`] (about 540 bytes).
//!
//! The behaviour is the derived decoder's, member by member (as in `v16::in_place`): a member
//! given twice is `duplicate_field`, a missing required member `missing_field` (in declaration
//! order, after the object was read), unknown members are skipped (refused with
//! `deny_unknown_fields`), the certificate and the signature are bounded by the schema's
//! maxLength (5,500 and 800 characters: one more is `InvalidValue`).

use core::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::SecurityUri;
use super::in_place::{FieldIndex, Seen, StrInPlace};
use crate::limits::{CERTIFICATE_MAX_LEN, SIGNATURE_MAX_LEN};
use crate::types::{DateTime, ScratchText, StrInto};

/// The members of SignedUpdateFirmware.req but `firmware.signingCertificate` and
/// `firmware.signature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedUpdateFirmwareFields {
    /// `retries`.
    pub retries: Option<i32>,
    /// `retryInterval`.
    pub retry_interval: Option<i32>,
    /// `requestId`.
    pub request_id: i32,
    /// `firmware.location`.
    pub location: SecurityUri,
    /// `firmware.retrieveDateTime`.
    pub retrieve_date_time: DateTime,
    /// `firmware.installDateTime`.
    pub install_date_time: Option<DateTime>,
}

impl SignedUpdateFirmwareFields {
    /// Nothing decoded yet.
    pub(crate) const EMPTY: Self = SignedUpdateFirmwareFields {
        retries: None,
        retry_interval: None,
        request_id: 0,
        location: SecurityUri::new(),
        retrieve_date_time: DateTime::EPOCH,
        install_date_time: None,
    };
}

/// The bound of `firmware.signingCertificate`, in characters (§6.7: `string[0..5500]`).
pub(crate) const SIGNING_CERTIFICATE_MAX_CHARS: usize = CERTIFICATE_MAX_LEN;
/// The bound of `firmware.signature`, in characters (§6.7: `string[0..800]`).
pub(crate) const SIGNATURE_MAX_CHARS: usize = SIGNATURE_MAX_LEN;

const FIELDS: &[&str] = &["retries", "retryInterval", "requestId", "firmware"];
const FIRMWARE_FIELDS: &[&str] = &[
    "location",
    "retrieveDateTime",
    "installDateTime",
    "signingCertificate",
    "signature",
];

/// Decodes SignedUpdateFirmware.req: the certificate into `signing_certificate`, the signature
/// into `signature` (both created with their bound, [`SIGNING_CERTIFICATE_MAX_CHARS`] and
/// [`SIGNATURE_MAX_CHARS`]), the rest into `fields` (which starts as
/// [`SignedUpdateFirmwareFields::EMPTY`]).
pub(crate) struct SignedUpdateFirmwareInPlace<'a, 'b> {
    pub fields: &'a mut SignedUpdateFirmwareFields,
    pub signing_certificate: &'a mut ScratchText<'b>,
    pub signature: &'a mut ScratchText<'b>,
}

impl<'de> DeserializeSeed<'de> for SignedUpdateFirmwareInPlace<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("SignedUpdateFirmwareRequest", FIELDS, self)
    }
}

impl<'de> Visitor<'de> for SignedUpdateFirmwareInPlace<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignedUpdateFirmwareRequest")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::new(FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(FIELDS))? {
            seen.first(i)?;
            match i {
                0 => self.fields.retries = map.next_value()?,
                1 => self.fields.retry_interval = map.next_value()?,
                2 => self.fields.request_id = map.next_value()?,
                3 => map.next_value_seed(FirmwareInPlace {
                    fields: &mut *self.fields,
                    signing_certificate: &mut *self.signing_certificate,
                    signature: &mut *self.signature,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        seen.require(&[2, 3])
    }
}

/// `FirmwareType` (§6.7), into the same places.
struct FirmwareInPlace<'a, 'b> {
    fields: &'a mut SignedUpdateFirmwareFields,
    signing_certificate: &'a mut ScratchText<'b>,
    signature: &'a mut ScratchText<'b>,
}

impl<'de> DeserializeSeed<'de> for FirmwareInPlace<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("Firmware", FIRMWARE_FIELDS, self)
    }
}

impl<'de> Visitor<'de> for FirmwareInPlace<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Firmware")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = Seen::new(FIRMWARE_FIELDS);
        while let Some(i) = map.next_key_seed(FieldIndex(FIRMWARE_FIELDS))? {
            seen.first(i)?;
            match i {
                0 => map.next_value_seed(StrInPlace(&mut self.fields.location))?,
                1 => self.fields.retrieve_date_time = map.next_value()?,
                2 => self.fields.install_date_time = map.next_value()?,
                3 => map.next_value_seed(TextInto(&mut *self.signing_certificate))?,
                4 => map.next_value_seed(TextInto(&mut *self.signature))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        seen.require(&[0, 1, 3, 4])
    }
}

/// A string decoded into a [`ScratchText`].
struct TextInto<'a, 'b>(&'a mut ScratchText<'b>);

impl<'de> DeserializeSeed<'de> for TextInto<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(StrInto(self.0))
    }
}

#[cfg(test)]
mod tests {
    //! Against the derived decoder of `SignedUpdateFirmwareRequest`: same values, same errors
    //! (kind, member, offset), for valid and malformed payloads.
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use std::format;
    use std::string::String;
    use std::vec::Vec;

    use super::*;
    use crate::json::{self, DecodeOptions};
    use crate::v16::SignedUpdateFirmwareRequest;

    /// Decodes with the in-place decoder into buffers of `cert_room` and 800 bytes.
    fn mine(
        payload: &str,
        opts: DecodeOptions,
        cert_room: usize,
    ) -> Result<(SignedUpdateFirmwareFields, Option<String>, String), json::Error> {
        let mut cert_buf = std::vec![0u8; cert_room];
        let mut sig_buf = [0u8; SIGNATURE_MAX_CHARS];
        let mut cert = ScratchText::new(&mut cert_buf, SIGNING_CERTIFICATE_MAX_CHARS);
        let mut sig = ScratchText::new(&mut sig_buf, SIGNATURE_MAX_CHARS);
        let mut fields = SignedUpdateFirmwareFields::EMPTY;
        json::from_str_seed(
            payload,
            &opts,
            SignedUpdateFirmwareInPlace {
                fields: &mut fields,
                signing_certificate: &mut cert,
                signature: &mut sig,
            },
        )?;
        let cert =
            (!cert.overflowed()).then(|| String::from_utf8(cert.as_bytes().to_vec()).unwrap());
        let sig = String::from_utf8(sig.as_bytes().to_vec()).unwrap();
        Ok((fields, cert, sig))
    }

    fn payloads() -> Vec<String> {
        let cert = "-----BEGIN CERTIFICATE-----\\nMIIB\\u0041\\n-----END CERTIFICATE-----\\n";
        let fw = |extra: &str| {
            format!(
                r#"{{"location":"https://x/fw.bin","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":"{cert}","signature":"c2ln"{extra}}}"#
            )
        };
        let long_cert = "A".repeat(5500);
        let too_long_cert = "A".repeat(5501);
        std::vec![
            format!(r#"{{"requestId":7,"firmware":{}}}"#, fw("")),
            format!(
                r#"{{"firmware":{},"retries":3,"retryInterval":30,"requestId":-1,"x":[{{}}]}}"#,
                fw(r#","installDateTime":"2024-05-02T00:00:00Z","y":null"#)
            ),
            format!(
                r#"{{"requestId":7,"firmware":{},"retries":null}}"#,
                fw(r#","installDateTime":null"#)
            ),
            format!(r#"{{"requestId":7}}"#),
            format!(r#"{{"firmware":{}}}"#, fw("")),
            format!(r#"{{"requestId":7,"requestId":8,"firmware":{}}}"#, fw("")),
            format!(
                r#"{{"requestId":7,"firmware":{}}}"#,
                fw(r#","signature":"x""#)
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"2024-05-01T12:00:00Z","signature":"s"}}}}"#
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":"c"}}}}"#
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"soon","signingCertificate":"c","signature":"s"}}}}"#
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"{}","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":"c","signature":"s"}}}}"#,
                "u".repeat(513)
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":"{long_cert}","signature":"{}"}}}}"#,
                "s".repeat(800)
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":"{too_long_cert}","signature":"s"}}}}"#
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":"c","signature":"{}"}}}}"#,
                "s".repeat(801)
            ),
            format!(
                r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":7,"signature":"s"}}}}"#
            ),
            format!(r#"{{"requestId":7,"firmware":null}}"#),
            format!(r#"{{"requestId":"7","firmware":{}}}"#, fw("")),
            format!(r#"{{"requestId":7,"firmware":{}}} ,"#, fw("")),
            String::from("[7]"),
        ]
    }

    #[test]
    fn decodes_as_derived() {
        for opts in [DecodeOptions::DEFAULT, DecodeOptions::STRICT] {
            for p in payloads() {
                let derived = json::from_str::<SignedUpdateFirmwareRequest>(&p, &opts);
                let mine = mine(&p, opts, 6000);
                match (&mine, &derived) {
                    (Ok((fields, cert, sig)), Ok(d)) => {
                        assert_eq!(fields.retries, d.retries, "{p}");
                        assert_eq!(fields.retry_interval, d.retry_interval, "{p}");
                        assert_eq!(fields.request_id, d.request_id, "{p}");
                        assert_eq!(fields.location, d.firmware.location, "{p}");
                        assert_eq!(
                            fields.retrieve_date_time, d.firmware.retrieve_date_time,
                            "{p}"
                        );
                        assert_eq!(
                            fields.install_date_time, d.firmware.install_date_time,
                            "{p}"
                        );
                        assert_eq!(
                            cert.as_deref(),
                            Some(d.firmware.signing_certificate.as_str()),
                            "{p}"
                        );
                        assert_eq!(sig.as_str(), d.firmware.signature.as_str(), "{p}");
                    }
                    (Err(a), Err(b)) => assert_eq!(a, b, "{p}"),
                    _ => panic!("{p}: {mine:?} / {derived:?}"),
                }
            }
        }
    }

    /// A certificate within its bound but longer than the buffer decodes, flagged.
    #[test]
    fn a_certificate_longer_than_the_buffer_overflows() {
        let p = format!(
            r#"{{"requestId":7,"firmware":{{"location":"l","retrieveDateTime":"2024-05-01T12:00:00Z","signingCertificate":"{}","signature":"s"}}}}"#,
            "A".repeat(2000)
        );
        let (fields, cert, sig) = mine(&p, DecodeOptions::DEFAULT, 1000).unwrap();
        assert_eq!(fields.request_id, 7);
        assert_eq!(cert, None);
        assert_eq!(sig, "s");
    }
}
