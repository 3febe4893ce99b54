//! The persistence image of a [`ProfileStore`] (errata v4.0 3.37: charging profiles "SHALL be
//! persistent across reboots/power cycles").
//!
//! Like the authorization stores' images: compact, checked as a whole (magic, format version,
//! lengths, CRC-32, and every profile must be one [`ProfileStore::set`] could have installed),
//! and refused as a whole when damaged; the caller then starts with no profiles, and the
//! central system, which cannot tell, re-sends them when it next sets them.
//!
//! # Format, version 1
//!
//! All integers are little-endian; dates are milliseconds since the Unix epoch (`i64`, years
//! 0000-9999); decimals are tenths (`i32`).
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `OCSC` |
//! | 1 | format version: `1` |
//! | 4 | profile count (`u32`, at most the capacity `N` of the decoding store) |
//! | ... | the profiles, in installation order, see below |
//! | 4 | CRC-32 (IEEE 802.3, as zlib's `crc32`) of every preceding byte |
//!
//! One profile:
//!
//! | bytes | field |
//! |---|---|
//! | 4 | connector (`u32`) |
//! | 4 | chargingProfileId (`i32`) |
//! | 4 | stackLevel (`i32`) |
//! | 1 | purpose: 0 ChargePointMaxProfile, 1 TxDefaultProfile, 2 TxProfile |
//! | 1 | kind: 0 Absolute, 1 Recurring, 2 Relative |
//! | 1 | recurrencyKind: 0 absent, 1 Daily, 2 Weekly |
//! | 1 | chargingRateUnit: 0 A, 1 W |
//! | 1 | flags, the optional fields present: bit 0 transactionId, 1 validFrom, 2 validTo, 3 duration, 4 startSchedule, 5 minChargingRate; other bits zero |
//! | 4 | if bit 0: transactionId (`i32`) |
//! | 8 | if bit 1: validFrom |
//! | 8 | if bit 2: validTo |
//! | 4 | if bit 3: duration (`i32`) |
//! | 8 | if bit 4: startSchedule |
//! | 4 | if bit 5: minChargingRate |
//! | 1 | period count `P`, 1..=`CHARGING_SCHEDULE_MAX_PERIODS` |
//! | 9 x P | per period: startPeriod (`i32`), limit (`i32` tenths), numberPhases (`u8`, 0 = absent) |
//!
//! A later format gets a new version number; a decoder refuses versions it does not know.

use super::store::{Period, ProfileHead, Stored, check_structure};
use super::{InstalledProfile, ProfileStore, Settings, StoreError};
use crate::limits::CHARGING_SCHEDULE_MAX_PERIODS;
use crate::types::{DateTime, Decimal, List, ListOf, Slots};
use crate::v16::{
    ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingRateUnit,
    ChargingSchedule, ChargingSchedulePeriod, RecurrencyKind,
};

const MAGIC: [u8; 4] = *b"OCSC";
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 4;
const PERIOD_LEN: usize = 4 + 4 + 1;
/// Everything of a profile but its periods and optional fields.
const PROFILE_FIXED: usize = 4 + 4 + 4 + 1 + 1 + 1 + 1 + 1 + 1;
/// The largest profile.
const PROFILE_MAX: usize =
    PROFILE_FIXED + 4 + 8 + 8 + 4 + 8 + 4 + CHARGING_SCHEDULE_MAX_PERIODS * PERIOD_LEN;

const F_TRANSACTION: u8 = 1;
const F_VALID_FROM: u8 = 1 << 1;
const F_VALID_TO: u8 = 1 << 2;
const F_DURATION: u8 = 1 << 3;
const F_START: u8 = 1 << 4;
const F_MIN_RATE: u8 = 1 << 5;
const F_ALL: u8 = (1 << 6) - 1;

use crate::charge_point::image::{self, CRC_LEN, crc32};

/// The bytes [`Writer::profile`] writes for `p` with `periods` periods.
fn profile_len(p: &ProfileHead, periods: usize) -> usize {
    let s = &p.charging_schedule;
    PROFILE_FIXED
        + p.transaction_id.map_or(0, |_| 4)
        + p.valid_from.map_or(0, |_| 8)
        + p.valid_to.map_or(0, |_| 8)
        + s.duration.map_or(0, |_| 4)
        + s.start_schedule.map_or(0, |_| 8)
        + s.min_charging_rate.map_or(0, |_| 4)
        + periods * PERIOD_LEN
}

fn purpose_code(p: ChargingProfilePurpose) -> u8 {
    match p {
        ChargingProfilePurpose::ChargePointMaxProfile => 0,
        ChargingProfilePurpose::TxDefaultProfile => 1,
        ChargingProfilePurpose::TxProfile => 2,
    }
}

fn kind_code(k: ChargingProfileKind) -> u8 {
    match k {
        ChargingProfileKind::Absolute => 0,
        ChargingProfileKind::Recurring => 1,
        ChargingProfileKind::Relative => 2,
    }
}

fn recurrency_code(r: Option<RecurrencyKind>) -> u8 {
    match r {
        None => 0,
        Some(RecurrencyKind::Daily) => 1,
        Some(RecurrencyKind::Weekly) => 2,
    }
}

fn unit_code(u: ChargingRateUnit) -> u8 {
    match u {
        ChargingRateUnit::A => 0,
        ChargingRateUnit::W => 1,
    }
}

/// Writes into a buffer whose size was checked beforehand; still never panics.
struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let end = self.pos.checked_add(bytes.len());
        let dst = end.and_then(|end| self.buf.get_mut(self.pos..end)).ok_or(
            StoreError::BufferTooSmall {
                needed: self.pos.saturating_add(bytes.len()),
            },
        )?;
        dst.copy_from_slice(bytes);
        self.pos += bytes.len();
        Ok(())
    }

    fn date(&mut self, d: DateTime) -> Result<(), StoreError> {
        self.put(&d.unix_millis().to_le_bytes())
    }

    /// One profile, written from the store's compact form (its head and its periods in the
    /// pool): no `ChargingProfile` (about 900 bytes) is rebuilt on the stack.
    fn profile(&mut self, p: &Stored, periods: &[Period]) -> Result<(), StoreError> {
        let h = &p.profile;
        let s = &h.charging_schedule;
        self.put(&p.connector.to_le_bytes())?;
        self.put(&h.charging_profile_id.to_le_bytes())?;
        self.put(&h.stack_level.to_le_bytes())?;
        let mut flags = 0;
        for (present, bit) in [
            (h.transaction_id.is_some(), F_TRANSACTION),
            (h.valid_from.is_some(), F_VALID_FROM),
            (h.valid_to.is_some(), F_VALID_TO),
            (s.duration.is_some(), F_DURATION),
            (s.start_schedule.is_some(), F_START),
            (s.min_charging_rate.is_some(), F_MIN_RATE),
        ] {
            if present {
                flags |= bit;
            }
        }
        self.put(&[
            purpose_code(h.charging_profile_purpose),
            kind_code(h.charging_profile_kind),
            recurrency_code(h.recurrency_kind),
            unit_code(s.charging_rate_unit),
            flags,
        ])?;
        if let Some(id) = h.transaction_id {
            self.put(&id.to_le_bytes())?;
        }
        if let Some(d) = h.valid_from {
            self.date(d)?;
        }
        if let Some(d) = h.valid_to {
            self.date(d)?;
        }
        if let Some(d) = s.duration {
            self.put(&d.to_le_bytes())?;
        }
        if let Some(d) = s.start_schedule {
            self.date(d)?;
        }
        if let Some(m) = s.min_charging_rate {
            self.put(&m.tenths().to_le_bytes())?;
        }
        let count = u8::try_from(periods.len()).map_err(|_| StoreError::Malformed)?;
        self.put(&[count])?;
        for q in periods {
            self.put(&q.start_period.to_le_bytes())?;
            self.put(&q.limit.tenths().to_le_bytes())?;
            self.put(&[q.phases])?;
        }
        Ok(())
    }
}

/// Reads the body of an image whose CRC was checked; anything short or out of range is
/// `Malformed`.
struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let (head, rest) = self.data.split_at_checked(n).ok_or(StoreError::Malformed)?;
        self.data = rest;
        Ok(head)
    }

    fn array<const K: usize>(&mut self) -> Result<[u8; K], StoreError> {
        self.take(K)?.try_into().map_err(|_| StoreError::Malformed)
    }

    fn byte(&mut self) -> Result<u8, StoreError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    fn i32(&mut self) -> Result<i32, StoreError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, StoreError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn date(&mut self) -> Result<DateTime, StoreError> {
        DateTime::from_unix_millis(i64::from_le_bytes(self.array()?)).ok_or(StoreError::Malformed)
    }

    fn optional<T>(
        &mut self,
        present: bool,
        read: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        if present {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn profile(&mut self) -> Result<InstalledProfile, StoreError> {
        let connector = self.u32()?;
        let charging_profile_id = self.i32()?;
        let stack_level = self.i32()?;
        let [purpose, kind, recurrency, unit, flags] = self.array()?;
        let charging_profile_purpose = match purpose {
            0 => ChargingProfilePurpose::ChargePointMaxProfile,
            1 => ChargingProfilePurpose::TxDefaultProfile,
            2 => ChargingProfilePurpose::TxProfile,
            _ => return Err(StoreError::Malformed),
        };
        let charging_profile_kind = match kind {
            0 => ChargingProfileKind::Absolute,
            1 => ChargingProfileKind::Recurring,
            2 => ChargingProfileKind::Relative,
            _ => return Err(StoreError::Malformed),
        };
        let recurrency_kind = match recurrency {
            0 => None,
            1 => Some(RecurrencyKind::Daily),
            2 => Some(RecurrencyKind::Weekly),
            _ => return Err(StoreError::Malformed),
        };
        let charging_rate_unit = match unit {
            0 => ChargingRateUnit::A,
            1 => ChargingRateUnit::W,
            _ => return Err(StoreError::Malformed),
        };
        if flags & !F_ALL != 0 {
            return Err(StoreError::Malformed);
        }
        let transaction_id = self.optional(flags & F_TRANSACTION != 0, Self::i32)?;
        let valid_from = self.optional(flags & F_VALID_FROM != 0, Self::date)?;
        let valid_to = self.optional(flags & F_VALID_TO != 0, Self::date)?;
        let duration = self.optional(flags & F_DURATION != 0, Self::i32)?;
        let start_schedule = self.optional(flags & F_START != 0, Self::date)?;
        let min_charging_rate = self
            .optional(flags & F_MIN_RATE != 0, Self::i32)?
            .map(Decimal::from_tenths);
        let count = usize::from(self.byte()?);
        let mut periods = List::new();
        for _ in 0..count {
            let start_period = self.i32()?;
            let limit = Decimal::from_tenths(self.i32()?);
            let number_phases = match self.byte()? {
                0 => None,
                n => Some(i16::from(n)),
            };
            periods
                .push(ChargingSchedulePeriod {
                    start_period,
                    limit,
                    number_phases,
                })
                .map_err(|_| StoreError::Malformed)?;
        }
        let profile = ChargingProfile {
            charging_profile_id,
            transaction_id,
            stack_level,
            charging_profile_purpose,
            charging_profile_kind,
            recurrency_kind,
            valid_from,
            valid_to,
            charging_schedule: ChargingSchedule {
                duration,
                start_schedule,
                charging_rate_unit,
                charging_schedule_period: periods,
                min_charging_rate,
            },
        };
        if !check_structure(connector, &profile) {
            return Err(StoreError::Malformed);
        }
        Ok(InstalledProfile { connector, profile })
    }
}

impl<Ps: ListOf<Stored>, Pp: Slots<Period>> ProfileStore<Ps, Pp> {
    /// The largest image of a store of capacity `N` profiles and `P` periods: a buffer this long
    /// always suffices.
    pub const ENCODED_MAX: usize = {
        let periods = if Ps::CAPACITY * CHARGING_SCHEDULE_MAX_PERIODS < Pp::LEN {
            Ps::CAPACITY * CHARGING_SCHEDULE_MAX_PERIODS
        } else {
            Pp::LEN
        };
        HEADER_LEN
            + Ps::CAPACITY * (PROFILE_MAX - CHARGING_SCHEDULE_MAX_PERIODS * PERIOD_LEN)
            + periods * PERIOD_LEN
            + CRC_LEN
    };

    /// The size of the image [`ProfileStore::encode`] writes now.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + self
                .profiles
                .iter()
                .map(|p| profile_len(&p.profile, self.periods_of(&p.profile).len()))
                .sum::<usize>()
            + CRC_LEN
    }

    /// Writes the persistence image (magic `OCSC`, version 1; format in the `codec` module
    /// source) into `out` and returns its length. Fails with `BufferTooSmall` when `out` is
    /// shorter than [`ProfileStore::encoded_len`]; [`ProfileStore::ENCODED_MAX`] always suffices.
    /// The settings are not part of the image.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, StoreError> {
        let needed = self.encoded_len();
        if out.len() < needed {
            return Err(StoreError::BufferTooSmall { needed });
        }
        let mut w = Writer { buf: out, pos: 0 };
        w.put(&MAGIC)?;
        w.put(&[FORMAT_VERSION])?;
        let count = u32::try_from(self.profiles.len()).map_err(|_| StoreError::Malformed)?;
        w.put(&count.to_le_bytes())?;
        for p in self.profiles.iter() {
            w.profile(p, self.periods_of(&p.profile))?;
        }
        let crc = crc32(w.buf.get(..w.pos).unwrap_or_default());
        w.put(&crc.to_le_bytes())?;
        Ok(w.pos)
    }

    /// Reads an image written by [`ProfileStore::encode`] (of this or a smaller capacity) into a
    /// store with `settings`. Refuses, without panicking, anything damaged: a wrong magic, an
    /// unknown format version, a CRC mismatch, more than `N` profiles, a profile that
    /// [`ProfileStore::set`] would never have installed, two profiles with the same id or the
    /// same connector, purpose and stackLevel, or trailing bytes.
    ///
    /// TxProfiles are restored as they were: call [`ProfileStore::transaction_ended`] for every
    /// connector whose transaction did not survive the restart.
    pub fn decode(data: &[u8], settings: Settings) -> Result<Self, StoreError> {
        let mut store = ProfileStore::new(settings);
        store.decode_into(data)?;
        Ok(store)
    }

    /// [`ProfileStore::decode`] in place, keeping the settings, without a store-sized
    /// temporary: on success the store holds the image's profiles, on error none.
    pub fn decode_into(&mut self, data: &[u8]) -> Result<(), StoreError> {
        self.profiles.clear();
        let result = self.decode_profiles(data);
        if result.is_err() {
            self.profiles.clear();
        }
        result
    }

    fn decode_profiles(&mut self, data: &[u8]) -> Result<(), StoreError> {
        let (version, body) = image::open(data, MAGIC).map_err(|e| match e {
            image::ImageError::Malformed => StoreError::Malformed,
            image::ImageError::BadMagic => StoreError::BadMagic,
            image::ImageError::ChecksumMismatch => StoreError::ChecksumMismatch,
        })?;
        if version != FORMAT_VERSION {
            return Err(StoreError::UnsupportedFormat(version));
        }
        let mut r = Reader { data: body };
        let count = usize::try_from(r.u32()?).map_err(|_| StoreError::TooManyEntries)?;
        if count > Ps::CAPACITY {
            return Err(StoreError::TooManyEntries);
        }
        for _ in 0..count {
            let installed = r.profile()?;
            let p = &installed.profile;
            let clash = self.profiles.iter().any(|other| {
                other.profile.charging_profile_id == p.charging_profile_id
                    || (other.connector == installed.connector
                        && other.profile.charging_profile_purpose == p.charging_profile_purpose
                        && other.profile.stack_level == p.stack_level)
            });
            if clash {
                return Err(StoreError::Malformed);
            }
            self.push(installed.connector, &installed.profile)
                .map_err(|()| StoreError::TooManyEntries)?;
        }
        if r.data.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Malformed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_round_trip() {
        for &p in ChargingProfilePurpose::ALL {
            assert_eq!(
                ChargingProfilePurpose::ALL
                    .iter()
                    .filter(|&&q| purpose_code(q) == purpose_code(p))
                    .count(),
                1
            );
        }
        for &k in ChargingProfileKind::ALL {
            assert!(kind_code(k) <= 2);
        }
        assert_ne!(
            unit_code(ChargingRateUnit::A),
            unit_code(ChargingRateUnit::W)
        );
        assert_eq!(recurrency_code(None), 0);
    }
}
