//! The keys of a GetConfiguration.req (§5.8, §6.23), kept compact in the answer slot until the
//! answer is written.
//!
//! A GetConfiguration.req may name up to `GetConfigurationMaxKeys` keys (§9.1.9; this charge point
//! declares [`MAX_CONFIGURATION_KEYS`], 64). Kept as names (`CiString50`), they took 3.3 KB in
//! each answer slot, and decoding them into a `GetConfigurationRequest` took a 32 KB stack frame
//! on a Cortex-M4. Here the request is decoded name by name, straight into this form:
//!
//! - a key the charge point knows becomes its [`KeyId`] (one byte, see below), in request
//!   order: the answer renders its current value when it is written, as before;
//! - an unknown key keeps its name, since GetConfiguration.conf must echo it in `unknownKey`
//!   (§5.8: "If the list of keys in the request PDU contains key(s) that are unknown to the
//!   Charge Point, these SHALL be listed in the unknownKey field"). The names share a pool of
//!   [`UNKNOWN_KEY_BYTES`] bytes (a length byte and the name each): room for 16 names of the
//!   maximal 50 characters, or 64 of up to 11.
//!
//! Both share one byte pool, in request order: a known key is one byte `0x80 | n` (`n` its
//! position among the standard keys, then the vendor keys: fewer than
//! [`MAX_CONFIGURATION_KEYS`] in all), an unknown name its length byte (at most 50) and its
//! bytes. The pool holds [`UNKNOWN_KEY_BYTES`] of names and a byte for each other key, so the
//! rules above are unchanged; the answer slot is 90 bytes smaller than with a list of
//! `KeyId`s beside the names.
//!
//! **Past the pool** (more than 816 bytes of unknown names, e.g. 17 unknown names of 50
//! characters in one request) the CALL is answered with the CALLERROR a request of more than
//! `GetConfigurationMaxKeys` keys gets: `OccurenceConstraintViolation` ("too many items in field
//! 'key'"). Echoing only some of the names would tell the central system that the others are
//! known; the error tells it to ask in smaller requests. Every request naming at most 16 unknown
//! keys, whatever their length, is answered in full. The pool is sized so that this answer is
//! no larger than the DataTransfer.conf answer (1 KB of `data`), which sizes the answer slot
//! anyway.

use core::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::charge_point::config::{Configuration, Key, KeyId, STANDARD_KEY_COUNT, VendorId};
use crate::json::{self, DecodeOptions};
use crate::limits::MAX_CONFIGURATION_KEYS;
use crate::types::{CiString50, Slots};

/// Bytes for the names of the unknown keys of one GetConfiguration.req: 16 names of 50
/// characters with their length bytes.
pub const UNKNOWN_KEY_BYTES: usize = 16 * 51;

/// The pool: the unknown names' bytes and one byte for each other key (16 names leave 48).
const POOL_BYTES: usize = UNKNOWN_KEY_BYTES + MAX_CONFIGURATION_KEYS - 16;

/// A pool byte with this bit set is a known key; without, the length of an unknown name.
const KNOWN: u8 = 0x80;

/// A known key as a byte below `0x80` (its position among all keys).
fn key_byte(id: KeyId) -> Option<u8> {
    let n = match id {
        KeyId::Standard(key) => Key::ALL.iter().position(|k| *k == key)?,
        KeyId::Vendor(v) => STANDARD_KEY_COUNT + v.index(),
    };
    u8::try_from(n).ok().filter(|n| *n < KNOWN)
}

/// The key of [`key_byte`]'s byte.
fn key_of(byte: u8) -> KeyId {
    let n = usize::from(byte);
    match Key::ALL.get(n) {
        Some(key) => KeyId::Standard(*key),
        None => KeyId::Vendor(VendorId::new(n - STANDARD_KEY_COUNT)),
    }
}

// Every key id fits below `KNOWN`.
const _: () = assert!(MAX_CONFIGURATION_KEYS <= KNOWN as usize);

/// The keys a GetConfiguration.req names: the known ones by id, the unknown ones by name, each in
/// request order (duplicates kept, as they were sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedKeys {
    /// Each known key as a byte (`KNOWN | n`), each unknown name as a length byte and its UTF-8
    /// bytes, in request order.
    pool: heapless::Vec<u8, POOL_BYTES>,
    /// Bytes of the pool taken by unknown names (at most [`UNKNOWN_KEY_BYTES`]).
    unknown_bytes: u16,
    /// Keys in the pool.
    count: u8,
}

impl RequestedKeys {
    /// No keys.
    pub const fn new() -> Self {
        RequestedKeys {
            pool: heapless::Vec::new(),
            unknown_bytes: 0,
            count: 0,
        }
    }

    /// Whether the request named no key at all (then every key is reported, §6.23).
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }

    /// The known keys, in request order.
    pub fn known(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.entries().filter_map(Result::ok)
    }

    /// The pool's entries in order: `Ok` a known key, `Err` an unknown name.
    fn entries(&self) -> impl Iterator<Item = Result<KeyId, &str>> + '_ {
        let mut rest: &[u8] = &self.pool;
        core::iter::from_fn(move || {
            let (&first, tail) = rest.split_first()?;
            if first & KNOWN != 0 {
                rest = tail;
                return Some(Ok(key_of(first & !KNOWN)));
            }
            let (name, tail) = tail.split_at_checked(usize::from(first))?;
            rest = tail;
            // Stored from a `&str`: always UTF-8.
            Some(Err(core::str::from_utf8(name).unwrap_or_default()))
        })
    }

    /// The unknown key names, as the request spelled them, in request order.
    pub fn unknown(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries().filter_map(Result::err)
    }

    /// Adds the key named `name`: by id when `config` knows it, by name otherwise. `Err` when
    /// the request names more than [`MAX_CONFIGURATION_KEYS`] keys, or its unknown names do not
    /// fit [`UNKNOWN_KEY_BYTES`] (see the module documentation).
    pub fn push<V: Slots<u8>>(&mut self, config: &Configuration<V>, name: &str) -> Result<(), ()> {
        if usize::from(self.count) >= MAX_CONFIGURATION_KEYS {
            return Err(());
        }
        if let Some(id) = config.lookup(name) {
            // Room: at most 16 names of 51 bytes and a byte for each other key.
            self.pool
                .push(KNOWN | key_byte(id).ok_or(())?)
                .map_err(|_| ())?;
            self.count += 1;
            return Ok(());
        }
        // Names are at most 50 characters (`CiString50`); a longer one cannot be stored.
        let len = u8::try_from(name.len())
            .ok()
            .filter(|l| *l < KNOWN)
            .ok_or(())?;
        let unknown_bytes = usize::from(self.unknown_bytes) + 1 + name.len();
        // (The pool always has the room then; checked anyway, so that a failure leaves no
        // partial entry.)
        if unknown_bytes > UNKNOWN_KEY_BYTES || self.pool.len() + 1 + name.len() > POOL_BYTES {
            return Err(());
        }
        self.pool.push(len).map_err(|_| ())?;
        self.pool
            .extend_from_slice(name.as_bytes())
            .map_err(|_| ())?;
        self.unknown_bytes = u16::try_from(unknown_bytes).map_err(|_| ())?;
        self.count += 1;
        Ok(())
    }

    /// Decodes the GetConfiguration.req `payload` into `self` (which should be empty), key by
    /// key: the same errors as the derived decoder of `GetConfigurationRequest`, `TooManyItems`
    /// (OccurenceConstraintViolation) also for unknown names past the pool.
    pub fn decode_into<V: Slots<u8>>(
        &mut self,
        payload: &str,
        opts: DecodeOptions,
        config: &Configuration<V>,
    ) -> Result<(), json::Error> {
        json::from_str_seed(payload, &opts, RequestSeed { keys: self, config })
    }
}

impl Default for RequestedKeys {
    fn default() -> Self {
        Self::new()
    }
}

/// The request object: `{"key": [...]}`, `key` optional.
struct RequestSeed<'a, V: Slots<u8>> {
    keys: &'a mut RequestedKeys,
    config: &'a Configuration<V>,
}

const FIELDS: &[&str] = &["key"];

impl<'de, V: Slots<u8>> DeserializeSeed<'de> for RequestSeed<'_, V> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_struct("GetConfigurationRequest", FIELDS, self)
    }
}

impl<'de, V: Slots<u8>> Visitor<'de> for RequestSeed<'_, V> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GetConfiguration.req")
    }

    /// As the derived decoder: `key` twice is refused, unknown members are skipped (the
    /// deserializer refuses them itself with `deny_unknown_fields`).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(is_key) = map.next_key::<IsKey>()? {
            if !is_key.0 {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if seen {
                return Err(de::Error::duplicate_field("key"));
            }
            seen = true;
            map.next_value_seed(OptionalKeys {
                keys: &mut *self.keys,
                config: self.config,
            })?;
        }
        Ok(())
    }
}

/// Whether a member is `key`.
struct IsKey(bool);

impl<'de> Deserialize<'de> for IsKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<IsKey, D::Error> {
        d.deserialize_identifier(IsKeyVisitor)
    }
}

struct IsKeyVisitor;

impl Visitor<'_> for IsKeyVisitor {
    type Value = IsKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member of GetConfiguration.req")
    }

    /// This crate's deserializer names a struct's member by its index in `FIELDS`.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IsKey, E> {
        Ok(IsKey(v == 0))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<IsKey, E> {
        Ok(IsKey(v == "key"))
    }
}

/// `key`: `null` or a list of names.
struct OptionalKeys<'a, V: Slots<u8>> {
    keys: &'a mut RequestedKeys,
    config: &'a Configuration<V>,
}

impl<'de, V: Slots<u8>> DeserializeSeed<'de> for OptionalKeys<'_, V> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, V: Slots<u8>> Visitor<'de> for OptionalKeys<'_, V> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {MAX_CONFIGURATION_KEYS} key names")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }

    /// Each name as `CiString50` decodes it (PropertyConstraintViolation past 50 characters);
    /// `TooManyItems` past 64 names, as `List<CiString50, 64>` fails, or past the pool.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut count = 0usize;
        while let Some(name) = seq.next_element::<CiString50>()? {
            count += 1;
            if self.keys.push(self.config, &name).is_err() {
                return Err(de::Error::invalid_length(count, &self));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::ErrorKind;
    use std::string::String;
    use std::vec::Vec;
    use std::{format, vec};

    fn config() -> Configuration {
        Configuration::new(2)
    }

    fn decode(payload: &str) -> Result<RequestedKeys, json::Error> {
        let mut keys = RequestedKeys::new();
        keys.decode_into(payload, DecodeOptions::DEFAULT, &config())?;
        Ok(keys)
    }

    fn names(n: usize, len: usize) -> String {
        let v: Vec<String> = (0..n).map(|i| format!("\"{i:X<len$}\"")).collect();
        format!("{{\"key\":[{}]}}", v.join(","))
    }

    // §6.23: known keys by id (case-insensitively), unknown ones echoed as sent, in order.
    #[test]
    fn known_by_id_unknown_by_name() {
        let k = decode(r#"{"key":["heartbeatinterval","Foo","HeartbeatInterval","bar"]}"#).unwrap();
        let c = config();
        let id = c.lookup("HeartbeatInterval").unwrap();
        assert_eq!(k.known().collect::<Vec<_>>(), vec![id, id]);
        assert_eq!(k.unknown().collect::<Vec<_>>(), vec!["Foo", "bar"]);
        assert!(decode(r#"{"key":[]}"#).unwrap().is_empty());
        assert!(decode(r#"{"key":null}"#).unwrap().is_empty());
        assert!(decode(r"{}").unwrap().is_empty());
    }

    // §9.1.9 GetConfigurationMaxKeys (64): 64 keys are answered, 65 are a CALLERROR
    // OccurenceConstraintViolation, as the list type gave before; 16 unknown names of 50
    // characters fit the pool, 17 get the same error.
    #[test]
    fn bounds() {
        let k = decode(&names(64, 4)).unwrap();
        assert_eq!(k.unknown().count(), 64);
        assert_eq!(
            decode(&names(65, 4)).unwrap_err().kind(),
            ErrorKind::TooManyItems
        );
        let k = decode(&names(16, 50)).unwrap();
        assert_eq!(k.unknown().count(), 16);
        assert!(k.unknown().all(|n| n.len() == 50));
        let e = decode(&names(17, 50)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooManyItems);
        assert_eq!(
            e.kind().error_code(),
            crate::rpc::ErrorCode::OccurenceConstraintViolation
        );
        assert_eq!(
            decode(&names(1, 51)).unwrap_err().kind(),
            ErrorKind::InvalidValue
        );
    }

    // The shared pool: the worst case of the rules (16 unknown names of 50 characters and 48
    // known keys, standard and vendor, interleaved) fits; each kind keeps its request order.
    #[test]
    fn known_and_unknown_share_the_pool_in_order() {
        let mut c = config();
        c.add_vendor_key(
            "VendorA",
            "1",
            crate::charge_point::config::Access::ReadWrite,
            false,
        )
        .unwrap();
        // The standard keys this build declares (a profile left out takes its keys along).
        let standard: Vec<&str> = Key::ALL
            .iter()
            .map(|k| k.name())
            .filter(|n| c.lookup(n).is_some())
            .collect();
        let mut request = Vec::new();
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for i in 0..64 {
            if i % 4 == 0 {
                let name = format!("{i:X<50}");
                request.push(name.clone());
                unknown.push(name);
            } else {
                let name = if i % 7 == 0 {
                    "VendorA"
                } else {
                    standard[i % standard.len()]
                };
                request.push(String::from(name));
                known.push(c.lookup(name).unwrap());
            }
        }
        let mut k = RequestedKeys::new();
        for name in &request {
            k.push(&c, name).unwrap();
        }
        assert_eq!(k.known().collect::<Vec<_>>(), known);
        assert_eq!(k.unknown().collect::<Vec<_>>(), unknown);
        assert!(k.push(&c, "HeartbeatInterval").is_err(), "65 keys");
        assert!(core::mem::size_of::<RequestedKeys>() < 900);
    }

    // OCPP-J §4.2.3: the same errors as the derived decoder of GetConfigurationRequest.
    #[test]
    fn errors_match_the_derived_decoder() {
        let cases = [
            r#"{"key":"HeartbeatInterval"}"#,
            r#"{"key":[1]}"#,
            r#"{"key":[],"key":[]}"#,
            r#"{"key":["a",]}"#,
            r#"{"other":1,"key":["a"]}"#,
            r"[]",
            r#"{"key":["a"]} 1"#,
        ];
        for opts in [DecodeOptions::DEFAULT, DecodeOptions::STRICT] {
            for payload in cases {
                let derived = json::from_str::<crate::v16::GetConfigurationRequest>(payload, &opts);
                let mut keys = RequestedKeys::new();
                let streamed = keys.decode_into(payload, opts, &config());
                match (derived, streamed) {
                    (Ok(_), Ok(())) => {}
                    (Err(a), Err(b)) => assert_eq!(a, b, "{payload}"),
                    (a, b) => std::panic!("{payload}: {a:?} / {b:?}"),
                }
            }
        }
    }
}
