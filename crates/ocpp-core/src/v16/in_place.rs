//! Decoding in place: hand-written `Deserialize` for the messages that carry a
//! [`ChargingProfile`](super::ChargingProfile) (SetChargingProfile.req, RemoteStartTransaction.req),
//! which decode each member straight into its destination.
//!
//! Why: serde's derived visitor keeps each member in an `Option` while it reads the object, then
//! builds the struct from them and returns it; nested, with the bounded list of periods, a
//! ChargingProfile (about 860 bytes on a 32-bit target) was copied about ten times in one 8.4 KB
//! stack frame on a Cortex-M4. Here a profile is written once, where it will stay.
//!
//! The behaviour is the derived one, member by member: a member given twice is
//! `duplicate_field`, a missing required member is `missing_field`, reported in declaration
//! order after the whole object was read, unknown members are skipped (the deserializer refuses
//! them with `deny_unknown_fields`), optional members accept `null`.

use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

use crate::types::{BoundedText, List, StrInto};

/// Reads a member name as its index in `fields` (`fields.len()` for an unknown member), the way
/// this crate's deserializer hands struct members over (see `json::de`).
pub(crate) struct FieldIndex(pub &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for FieldIndex {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        Ok(usize::try_from(v).unwrap_or(usize::MAX).min(self.0.len()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        Ok(self.0.iter().position(|f| *f == v).unwrap_or(self.0.len()))
    }
}

/// Which members of an object (of at most 16) were read.
pub(crate) struct Seen {
    fields: &'static [&'static str],
    bits: u16,
}

impl Seen {
    pub(crate) const fn new(fields: &'static [&'static str]) -> Self {
        Seen { fields, bits: 0 }
    }

    /// Records member `i`; `duplicate_field` when it was already read. Unknown members
    /// (`i >= fields.len()`) are not recorded.
    pub(crate) fn first<E: de::Error>(&mut self, i: usize) -> Result<(), E> {
        match self.first_name(i) {
            Some(name) => Err(E::duplicate_field(name)),
            None => Ok(()),
        }
    }

    /// The name of member `i` when it was already read; else records it. Not generic and
    /// out of line: every in-place decoder calls it.
    #[inline(never)]
    fn first_name(&mut self, i: usize) -> Option<&'static str> {
        let name = self.fields.get(i)?;
        let bit = 1u16 << i;
        if self.bits & bit != 0 {
            return Some(name);
        }
        self.bits |= bit;
        None
    }

    /// `missing_field` for the first of `required` (indexes, in declaration order) not read.
    pub(crate) fn require<E: de::Error>(&self, required: &[usize]) -> Result<(), E> {
        match self.missing(required) {
            Some(name) => Err(E::missing_field(name)),
            None => Ok(()),
        }
    }

    /// The name of the first of `required` not read. Not generic and out of line.
    #[inline(never)]
    fn missing(&self, required: &[usize]) -> Option<&'static str> {
        for &i in required {
            if self.bits & (1 << i) == 0 {
                if let Some(name) = self.fields.get(i) {
                    return Some(name);
                }
            }
        }
        None
    }
}

/// A bounded list decoded into `self.0` (cleared first), item by item, with the errors of
/// `List`'s own decoder (`TooManyItems` past `N`).
pub(crate) struct ListInPlace<'a, T, const N: usize>(pub &'a mut List<T, N>);

impl<'de, T: de::Deserialize<'de>, const N: usize> DeserializeSeed<'de> for ListInPlace<'_, T, N> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: de::Deserialize<'de>, const N: usize> Visitor<'de> for ListInPlace<'_, T, N> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of at most {N} items")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.clear();
        while let Some(item) = seq.next_element()? {
            if self.0.push(item).is_err() {
                return Err(de::Error::invalid_length(N + 1, &self));
            }
        }
        Ok(())
    }
}

/// A bounded string decoded into `self.0`, with the errors of `BoundedString`'s own decoder
/// (`InvalidValue` past its capacity).
pub(crate) struct StrInPlace<'a, T: BoundedText>(pub &'a mut T);

impl<'de, T: BoundedText> DeserializeSeed<'de> for StrInPlace<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(StrInto(self.0))
    }
}

/// An optional bounded string (absent or `null`: `None`) decoded into `self.0`.
pub(crate) struct OptStrInPlace<'a, T: BoundedText>(pub &'a mut Option<T>);

impl<'de, T: BoundedText> DeserializeSeed<'de> for OptStrInPlace<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, T: BoundedText> Visitor<'de> for OptStrInPlace<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string of at most {} bytes or null", T::CAPACITY)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        StrInPlace(self.0.get_or_insert(T::EMPTY)).deserialize(d)
    }
}

/// Declares `$seed`, which decodes a `$ty` in place, and `$ty`'s `Deserialize` through it.
/// Each member is read `value` (its own `Deserialize`), `str` ([`StrInPlace`]) or `opt_str`
/// ([`OptStrInPlace`]); `required` lists the indexes of the required members. The destination
/// must start as `$ty::EMPTY` (its optional members `None`), as `Deserialize` does.
macro_rules! in_place_struct {
    // `$seed<T: Bound>` for a type with one type parameter (its text members' capacity).
    (
        $(#[$meta:meta])*
        $seed:ident $(<$g:ident: $b:path>)? for $ty:ty, $name:literal, $fields:ident,
        required [$($req:literal),*] {
            $($idx:literal => $field:ident: $how:ident),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub(crate) struct $seed<'a $(, $g: $b)?>(pub &'a mut $ty);

        impl<'de $(, $g: $b)?> serde::de::DeserializeSeed<'de> for $seed<'_ $(, $g)?> {
            type Value = ();

            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_struct($name, $fields, self)
            }
        }

        impl<'de $(, $g: $b)?> serde::de::Visitor<'de> for $seed<'_ $(, $g)?> {
            type Value = ();

            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str($name)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                let r = self.0;
                let mut seen = $crate::v16::in_place::Seen::new($fields);
                while let Some(i) = map.next_key_seed($crate::v16::in_place::FieldIndex($fields))? {
                    seen.first(i)?;
                    match i {
                        $($idx => $crate::v16::in_place::in_place_struct!(@field $how, map, r.$field),)*
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                seen.require(&[$($req),*])
            }
        }

        impl<'de $(, $g: $b)?> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::DeserializeSeed;
                let mut out = <$ty>::EMPTY;
                $seed(&mut out).deserialize(d)?;
                Ok(out)
            }
        }
    };
    (@field value, $map:ident, $place:expr) => {{
        $place = $map.next_value()?;
    }};
    (@field str, $map:ident, $place:expr) => {{
        $map.next_value_seed($crate::v16::in_place::StrInPlace(&mut $place))?;
    }};
    (@field opt_str, $map:ident, $place:expr) => {{
        $map.next_value_seed($crate::v16::in_place::OptStrInPlace(&mut $place))?;
    }};
    // Any other name: the in-place seed of a nested object (one this macro made).
    (@field $seed:ident, $map:ident, $place:expr) => {{
        $map.next_value_seed($seed(&mut $place))?;
    }};
}
pub(crate) use in_place_struct;

#[cfg(test)]
mod tests {
    //! The in-place decoders against serde's derived ones on mirror types: same values, same
    //! errors (kind, field, offset), for valid and malformed payloads (OCPP-J §4.2.3 picks the
    //! CALLERROR from the error).
    use serde::Deserialize;
    use std::panic;

    use crate::json::{self, DecodeOptions};
    use crate::limits::CHARGING_SCHEDULE_MAX_PERIODS;
    use crate::types::{DateTime, Decimal, List};
    use crate::v16::{
        ChargingProfile, ChargingProfileKind, ChargingProfilePurpose, ChargingRateUnit,
        ChargingSchedule, ChargingSchedulePeriod, ConnectorId, IdToken, RecurrencyKind,
        RemoteStartTransactionRequest, SetChargingProfileRequest,
    };

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ScheduleMirror {
        duration: Option<i32>,
        start_schedule: Option<DateTime>,
        charging_rate_unit: ChargingRateUnit,
        charging_schedule_period: List<ChargingSchedulePeriod, CHARGING_SCHEDULE_MAX_PERIODS>,
        min_charging_rate: Option<Decimal>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Profile {
        charging_profile_id: i32,
        transaction_id: Option<i32>,
        stack_level: i32,
        charging_profile_purpose: ChargingProfilePurpose,
        charging_profile_kind: ChargingProfileKind,
        recurrency_kind: Option<RecurrencyKind>,
        valid_from: Option<DateTime>,
        valid_to: Option<DateTime>,
        charging_schedule: ScheduleMirror,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Set {
        connector_id: ConnectorId,
        cs_charging_profiles: Profile,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RemoteStart {
        connector_id: Option<ConnectorId>,
        id_tag: IdToken,
        charging_profile: Option<Profile>,
    }

    fn profile(p: Profile) -> ChargingProfile {
        let s = p.charging_schedule;
        ChargingProfile {
            charging_profile_id: p.charging_profile_id,
            transaction_id: p.transaction_id,
            stack_level: p.stack_level,
            charging_profile_purpose: p.charging_profile_purpose,
            charging_profile_kind: p.charging_profile_kind,
            recurrency_kind: p.recurrency_kind,
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            charging_schedule: ChargingSchedule {
                duration: s.duration,
                start_schedule: s.start_schedule,
                charging_rate_unit: s.charging_rate_unit,
                charging_schedule_period: s.charging_schedule_period,
                min_charging_rate: s.min_charging_rate,
            },
        }
    }

    const SCHEDULE: &str = r#"{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16.5},{"startPeriod":60,"limit":8,"numberPhases":1}],"duration":3600,"startSchedule":"2024-01-01T00:00:00Z","minChargingRate":6}"#;

    fn profiles() -> std::vec::Vec<std::string::String> {
        use std::format;
        let mut v = std::vec![
            format!(r#"{{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{SCHEDULE}}}"#),
            format!(r#"{{"chargingSchedule":{SCHEDULE},"validTo":null,"chargingProfileKind":"Recurring","recurrencyKind":"Daily","stackLevel":2,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileId":7,"transactionId":3,"validFrom":"2024-01-01T00:00:00Z","vendor":{{"x":[1]}}}}"#),
            format!(r#"{{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute"}}"#),
            format!(r#"{{"chargingProfileId":1,"chargingProfileId":2,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{SCHEDULE}}}"#),
            format!(r#"{{"chargingProfileId":"1","stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{SCHEDULE}}}"#),
            format!(r#"{{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"Tx","chargingProfileKind":"Absolute","chargingSchedule":{SCHEDULE}}}"#),
            r#"{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A"}}"#.into(),
            r#"{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingSchedulePeriod":[]}}"#.into(),
            r#"{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0}]}}"#.into(),
            r#"{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingRateUnit":"W","chargingSchedulePeriod":[]}}"#.into(),
            r#"{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":null}"#.into(),
            r"[1,0]".into(),
        ];
        let periods: std::vec::Vec<_> = (0..=CHARGING_SCHEDULE_MAX_PERIODS)
            .map(|i| format!(r#"{{"startPeriod":{i},"limit":1}}"#))
            .collect();
        for n in [
            CHARGING_SCHEDULE_MAX_PERIODS,
            CHARGING_SCHEDULE_MAX_PERIODS + 1,
        ] {
            v.push(format!(
                r#"{{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{{"chargingRateUnit":"W","chargingSchedulePeriod":[{}]}}}}"#,
                periods[..n].join(",")
            ));
        }
        v
    }

    fn same<A: PartialEq + core::fmt::Debug>(
        payload: &str,
        mine: &Result<A, json::Error>,
        derived: &Result<A, json::Error>,
    ) {
        assert_eq!(mine, derived, "{payload}");
    }

    #[test]
    fn profiles_decode_as_derived() {
        let ok = profiles();
        for p in [&ok[0], &ok[1], &ok[ok.len() - 2]] {
            let decoded = json::from_str::<ChargingProfile>(p, &DecodeOptions::DEFAULT);
            assert!(decoded.is_ok(), "{p}");
        }
        for opts in [DecodeOptions::DEFAULT, DecodeOptions::STRICT] {
            for p in profiles() {
                let mine = json::from_str::<ChargingProfile>(&p, &opts);
                let derived = json::from_str::<Profile>(&p, &opts).map(profile);
                same(&p, &mine, &derived);

                let set = std::format!(r#"{{"connectorId":1,"csChargingProfiles":{p}}}"#);
                let mine = json::from_str::<SetChargingProfileRequest>(&set, &opts);
                let derived =
                    json::from_str::<Set>(&set, &opts).map(|s| SetChargingProfileRequest {
                        connector_id: s.connector_id,
                        cs_charging_profiles: profile(s.cs_charging_profiles),
                    });
                same(&set, &mine, &derived);

                let start = std::format!(r#"{{"chargingProfile":{p},"idTag":"T1"}}"#);
                let mine = json::from_str::<RemoteStartTransactionRequest>(&start, &opts);
                let derived = json::from_str::<RemoteStart>(&start, &opts).map(|r| {
                    RemoteStartTransactionRequest {
                        connector_id: r.connector_id,
                        id_tag: r.id_tag,
                        charging_profile: r.charging_profile.map(profile),
                    }
                });
                same(&start, &mine, &derived);
            }
            for start in [
                r#"{"idTag":"T1"}"#,
                r#"{"idTag":"T1","chargingProfile":null,"connectorId":2}"#,
                r#"{"connectorId":2}"#,
                r#"{"idTag":"T1","idTag":"T2"}"#,
                r#"{"idTag":"123456789012345678901"}"#,
                r#"{"connectorId":1}"#,
                r#"{"csChargingProfiles":{}}"#,
            ] {
                let mine = json::from_str::<RemoteStartTransactionRequest>(start, &opts);
                let derived = json::from_str::<RemoteStart>(start, &opts).map(|r| {
                    RemoteStartTransactionRequest {
                        connector_id: r.connector_id,
                        id_tag: r.id_tag,
                        charging_profile: r.charging_profile.map(profile),
                    }
                });
                same(start, &mine, &derived);
                let mine = json::from_str::<SetChargingProfileRequest>(start, &opts);
                let derived =
                    json::from_str::<Set>(start, &opts).map(|s| SetChargingProfileRequest {
                        connector_id: s.connector_id,
                        cs_charging_profiles: profile(s.cs_charging_profiles),
                    });
                same(start, &mine, &derived);
            }
        }
    }

    mod mirrors {
        use serde::Deserialize;

        use crate::limits::{DATA_TRANSFER_DATA_MAX_LEN, URI_MAX_LEN};
        use crate::types::{BoundedString, CiString50, CiString255, CiString500, DateTime};
        use crate::v16::DataTransferStatus;

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct DataTransferRequest {
            pub vendor_id: CiString255,
            pub message_id: Option<CiString50>,
            pub data: Option<BoundedString<DATA_TRANSFER_DATA_MAX_LEN>>,
        }

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct DataTransferResponse {
            pub status: DataTransferStatus,
            pub data: Option<BoundedString<DATA_TRANSFER_DATA_MAX_LEN>>,
        }

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct ChangeConfigurationRequest {
            pub key: CiString50,
            pub value: CiString500,
        }

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct GetDiagnosticsRequest {
            pub location: BoundedString<URI_MAX_LEN>,
            pub retries: Option<i32>,
            pub retry_interval: Option<i32>,
            pub start_time: Option<DateTime>,
            pub stop_time: Option<DateTime>,
        }

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        pub struct UpdateFirmwareRequest {
            pub location: BoundedString<URI_MAX_LEN>,
            pub retries: Option<i32>,
            pub retrieve_date: DateTime,
            pub retry_interval: Option<i32>,
        }
    }

    /// Decodes `payload` with both and compares through `same_value`.
    fn check<'a, Mine, Derived>(payload: &'a str, same_value: impl Fn(&Mine, &Derived) -> bool)
    where
        Mine: Deserialize<'a> + core::fmt::Debug,
        Derived: Deserialize<'a> + core::fmt::Debug,
    {
        for opts in [DecodeOptions::DEFAULT, DecodeOptions::STRICT] {
            let mine = json::from_str::<Mine>(payload, &opts);
            let derived = json::from_str::<Derived>(payload, &opts);
            match (&mine, &derived) {
                (Ok(a), Ok(b)) => assert!(same_value(a, b), "{payload}: {a:?} / {b:?}"),
                (Err(a), Err(b)) => assert_eq!(a, b, "{payload}"),
                _ => panic!("{payload}: {mine:?} / {derived:?}"),
            }
        }
    }

    // One list of payloads, some with arguments, all through `format!`.
    #[allow(clippy::useless_format)]
    #[test]
    fn strings_decode_in_place_as_derived() {
        use crate::v16::{
            ChangeConfigurationRequest, DataTransferRequest, DataTransferResponse,
            GetDiagnosticsRequest, UpdateFirmwareRequest,
        };
        let long = "x".repeat(1025);
        let escaped = std::format!(r#""{}\u0041""#, "y".repeat(200));
        let dt = [
            std::format!(r#"{{"vendorId":"V","messageId":"M","data":"d"}}"#),
            std::format!(r#"{{"data":{escaped},"vendorId":"V","extra":[{{}}]}}"#),
            std::format!(r#"{{"vendorId":"V","data":"{long}"}}"#),
            std::format!(r#"{{"vendorId":"V","data":null,"messageId":null}}"#),
            std::format!(r#"{{"vendorId":"V","vendorId":"W"}}"#),
            std::format!(r#"{{"messageId":"M"}}"#),
            std::format!(r#"{{"vendorId":7}}"#),
            std::format!(r#"{{"vendorId":"V","data":"a\q"}}"#),
            std::format!(r#"{{"vendorId":"V"}} ,"#),
            std::format!(r#"{{"status":"Accepted","data":"d"}}"#),
            std::format!(r#"{{"status":"Maybe"}}"#),
            std::format!(r#"{{"key":"K","value":"{}"}}"#, "v".repeat(500)),
            std::format!(r#"{{"key":"K","value":"{}"}}"#, "v".repeat(501)),
            std::format!(r#"{{"value":"v"}}"#),
            std::format!(
                r#"{{"location":"ftp://x","retries":3,"retryInterval":5,"startTime":"2024-01-01T00:00:00Z"}}"#
            ),
            std::format!(r#"{{"location":"ftp://x","retrieveDate":"2024-01-01T00:00:00Z"}}"#),
            std::format!(r#"{{"location":"ftp://x","retrieveDate":"soon"}}"#),
            std::format!(r#"{{"location":"ftp://x"}}"#),
            std::format!(
                r#"{{"location":"{}","retrieveDate":"2024-01-01T00:00:00Z"}}"#,
                "u".repeat(600)
            ),
        ];
        for p in &dt {
            check::<DataTransferRequest, mirrors::DataTransferRequest>(p, |a, b| {
                a.vendor_id == b.vendor_id && a.message_id == b.message_id && a.data == b.data
            });
            check::<DataTransferResponse, mirrors::DataTransferResponse>(p, |a, b| {
                a.status == b.status && a.data == b.data
            });
            check::<ChangeConfigurationRequest, mirrors::ChangeConfigurationRequest>(p, |a, b| {
                a.key == b.key && a.value == b.value
            });
            check::<GetDiagnosticsRequest, mirrors::GetDiagnosticsRequest>(p, |a, b| {
                a.location == b.location
                    && a.retries == b.retries
                    && a.retry_interval == b.retry_interval
                    && a.start_time == b.start_time
                    && a.stop_time == b.stop_time
            });
            check::<UpdateFirmwareRequest, mirrors::UpdateFirmwareRequest>(p, |a, b| {
                a.location == b.location
                    && a.retries == b.retries
                    && a.retrieve_date == b.retrieve_date
                    && a.retry_interval == b.retry_interval
            });
        }
    }

    /// GetLog.req and its nested LogParameters (security §5.9, §6.12): the same values and the
    /// same errors as serde's derived decoders.
    // One list of payloads, some with arguments, all through `format!`.
    #[allow(clippy::useless_format)]
    #[test]
    fn get_log_decodes_in_place_as_derived() {
        use crate::v16::{GetLogRequest, LogType, SecurityUri};

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        struct LogParameters {
            remote_location: SecurityUri,
            oldest_timestamp: Option<DateTime>,
            latest_timestamp: Option<DateTime>,
        }

        #[derive(Deserialize, Debug, PartialEq)]
        #[serde(rename_all = "camelCase")]
        struct GetLog {
            log: LogParameters,
            log_type: LogType,
            request_id: i32,
            retries: Option<i32>,
            retry_interval: Option<i32>,
        }

        let t = "2024-01-01T00:00:00Z";
        let long = "u".repeat(513);
        let payloads = [
            std::format!(
                r#"{{"logType":"SecurityLog","requestId":7,"retries":2,"retryInterval":30,"log":{{"remoteLocation":"ftp://x/","oldestTimestamp":"{t}","latestTimestamp":"{t}"}}}}"#
            ),
            std::format!(
                r#"{{"log":{{"remoteLocation":"ftp://x/"}},"logType":"DiagnosticsLog","requestId":-1}}"#
            ),
            std::format!(
                r#"{{"log":{{"remoteLocation":"ftp://x/","extra":[1]}},"logType":"SecurityLog","requestId":1,"more":{{}}}}"#
            ),
            std::format!(
                r#"{{"log":{{"remoteLocation":"{long}"}},"logType":"SecurityLog","requestId":1}}"#
            ),
            std::format!(
                r#"{{"log":{{"oldestTimestamp":"{t}"}},"logType":"SecurityLog","requestId":1}}"#
            ),
            std::format!(
                r#"{{"log":{{"remoteLocation":"x","remoteLocation":"y"}},"logType":"SecurityLog","requestId":1}}"#
            ),
            std::format!(
                r#"{{"log":{{"remoteLocation":"x","latestTimestamp":"later"}},"logType":"SecurityLog","requestId":1}}"#
            ),
            std::format!(r#"{{"log":null,"logType":"SecurityLog","requestId":1}}"#),
            std::format!(r#"{{"log":{{"remoteLocation":"x"}},"logType":"AllLogs","requestId":1}}"#),
            std::format!(r#"{{"log":{{"remoteLocation":"x"}},"requestId":1}}"#),
            std::format!(r#"{{"logType":"SecurityLog","requestId":1}}"#),
            std::format!(r#"{{"log":{{"remoteLocation":"x"}},"logType":"SecurityLog"}}"#),
            std::format!(
                r#"{{"log":{{"remoteLocation":"x"}},"log":{{"remoteLocation":"y"}},"logType":"SecurityLog","requestId":1}}"#
            ),
            std::format!(
                r#"{{"log":{{"remoteLocation":"x"}},"logType":"SecurityLog","requestId":1.5}}"#
            ),
            std::format!("[]"),
        ];
        for p in &payloads {
            check::<GetLogRequest, GetLog>(p, |a, b| {
                a.log.remote_location == b.log.remote_location
                    && a.log.oldest_timestamp == b.log.oldest_timestamp
                    && a.log.latest_timestamp == b.log.latest_timestamp
                    && a.log_type == b.log_type
                    && a.request_id == b.request_id
                    && a.retries == b.retries
                    && a.retry_interval == b.retry_interval
            });
        }
    }
}
