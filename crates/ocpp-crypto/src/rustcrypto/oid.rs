//! The object identifiers this implementation reads and writes.

use der::asn1::ObjectIdentifier as Oid;

/// id-ecPublicKey (RFC 5480).
pub(crate) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 / NIST P-256.
pub(crate) const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 / NIST P-384.
pub(crate) const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
/// rsaEncryption (RFC 8017).
pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// id-mgf1.
pub(crate) const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
/// id-RSASSA-PSS.
pub(crate) const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
/// sha256WithRSAEncryption.
pub(crate) const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// sha384WithRSAEncryption.
pub(crate) const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
/// sha512WithRSAEncryption.
pub(crate) const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
/// ecdsa-with-SHA256 (RFC 5758).
pub(crate) const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub(crate) const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// ecdsa-with-SHA512.
pub(crate) const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
/// id-sha256.
pub(crate) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
pub(crate) const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
pub(crate) const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
/// commonName (X.520).
pub(crate) const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
/// organizationName (X.520).
pub(crate) const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");

/// Extensions whose criticality path validation can honour: basicConstraints and keyUsage are
/// enforced; subjectKeyIdentifier, authorityKeyIdentifier, extKeyUsage, subjectAltName and
/// certificatePolicies carry nothing the charge point must enforce on a path. Any other
/// critical extension (nameConstraints, policyConstraints, ...) makes the certificate
/// unsupported, as RFC 5280 §4.2 requires.
pub(crate) const KNOWN_EXTENSIONS: [Oid; 7] = [
    Oid::new_unwrap("2.5.29.19"), // basicConstraints
    Oid::new_unwrap("2.5.29.15"), // keyUsage
    Oid::new_unwrap("2.5.29.14"), // subjectKeyIdentifier
    Oid::new_unwrap("2.5.29.35"), // authorityKeyIdentifier
    Oid::new_unwrap("2.5.29.37"), // extKeyUsage
    Oid::new_unwrap("2.5.29.17"), // subjectAltName
    Oid::new_unwrap("2.5.29.32"), // certificatePolicies
];
