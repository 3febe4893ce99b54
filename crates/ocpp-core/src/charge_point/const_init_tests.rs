//! Every component of the charge point's state can be built in const context (so that a firmware
//! can keep the whole state in a `static`, built at compile time and configured in place), and
//! the const constructors give what the runtime ones give.
//!
//! The `const` items and the `static` below do not compile if a constructor is not `const`.

use core::hint::black_box;

use super::auth::AuthError;
use super::auth::{AuthCache, LocalAuthList};
#[cfg(feature = "all-profiles")]
use super::config::MeasurandList;
use super::config::{Configuration, FileTransferProtocols, Key, MeasurandSet};
use super::connector::Connector;
use super::journal::Journal;
use super::metering::{MeterReadings, MeterScheduler};
use super::smart_charging::SetContext;
use super::smart_charging::{Limit, ProfileStore, ProfileStoreOf, Settings};
use super::time::{Instant, WallClock};
use super::{Action, Registration};
use crate::limits::{AUTH_CACHE_SIZE, LOCAL_AUTH_LIST_MAX_LENGTH, MAX_CONNECTORS};
use crate::types::{BoundedString, CiString20, DateTime, Decimal, List};
#[cfg(feature = "all-profiles")]
use crate::v16::Profile;
use crate::v16::{
    AuthorizationStatus, ChargingProfile, ChargingProfileStatus, ChargingRateUnit, IdTagInfo,
    Measurand, SendLocalListRequest, UpdateStatus,
};

const SLOTS: usize = MAX_CONNECTORS + 1;

const CONFIG: Configuration = Configuration::new_const();
const CLOCK: WallClock = WallClock::EMPTY;
const JOURNAL: Journal = Journal::new();
const CONNECTOR: Connector = Connector::new();
const READINGS: MeterReadings = MeterReadings::EMPTY;
const CACHE: AuthCache<AUTH_CACHE_SIZE> = AuthCache::new();
const LOCAL_LIST: LocalAuthList<LOCAL_AUTH_LIST_MAX_LENGTH> = LocalAuthList::new();
const METER: MeterScheduler<SLOTS> = MeterScheduler::new(0, 0);
const SETTINGS: Settings = Settings::DEFAULT;
const PROFILES: ProfileStore = ProfileStore::new(Settings::DEFAULT);
const STRING: CiString20 = BoundedString::new();
const UNITS: List<ChargingRateUnit, 2> =
    List::from_array([ChargingRateUnit::A, ChargingRateUnit::W]);

/// The charge point's state, as far as it is made of the components tested here.
struct State {
    config: Configuration,
    clock: WallClock,
    registration: Registration,
    journal: Journal,
    connectors: [Connector; SLOTS],
    readings: [MeterReadings; SLOTS],
    cache: AuthCache<AUTH_CACHE_SIZE>,
    local_list: LocalAuthList<LOCAL_AUTH_LIST_MAX_LENGTH>,
    meter: MeterScheduler<SLOTS>,
    actions: List<Action, 24>,
    profiles: ProfileStore,
    data_transfer: Option<crate::v16::DataTransferRequest>,
    boot_at: Option<Instant>,
}

/// The whole state in a `static`: built by the compiler, no stack.
static STATE: State = State {
    config: Configuration::new_const(),
    clock: WallClock::EMPTY,
    registration: Registration::Unknown,
    journal: Journal::new(),
    connectors: [const { Connector::new() }; SLOTS],
    readings: [MeterReadings::EMPTY; SLOTS],
    cache: AuthCache::new(),
    local_list: LocalAuthList::new(),
    meter: MeterScheduler::new(0, 0),
    actions: List::new(),
    profiles: ProfileStore::new(Settings::DEFAULT),
    data_transfer: None,
    boot_at: None,
};

#[test]
fn configuration_new_is_new_const_then_reset() {
    for n in [0, 1, 2, 4, 16, 17, 1000, u32::MAX] {
        let mut config = CONFIG;
        config.reset(n);
        assert_eq!(config, Configuration::new(n), "{n} connectors");
        let mut config = CONFIG;
        config.set_runtime_defaults(n);
        assert_eq!(config, Configuration::new(n), "{n} connectors");
    }
}

#[test]
fn configuration_reset_forgets_everything() {
    let mut config = Configuration::new(2);
    assert!(config.change("HeartbeatInterval", "17").changed.is_some());
    assert!(
        config
            .change("ConnectorPhaseRotation", "1.RST")
            .changed
            .is_some()
    );
    config.make_read_only(Key::AuthorizeRemoteTxRequests);
    let _ = config.omit(Key::LightIntensity);
    config.set_supported_measurands(MeasurandSet::of(&[Measurand::Voltage]));
    config.supported_file_transfer_protocols = FileTransferProtocols::truncated("FTP");
    let _ = config.add_vendor_key("VendorThing", "1", super::config::Access::ReadWrite, false);
    assert_ne!(config, Configuration::new(4));
    config.reset(4);
    assert_eq!(config, Configuration::new(4));
}

#[test]
// With a profile left out, set_runtime_defaults also drops it from SupportedFeatureProfiles.
#[cfg(feature = "all-profiles")]
fn configuration_new_const_differs_only_in_the_runtime_fields() {
    let mut config = Configuration::new(3);
    assert_eq!(config.number_of_connectors, 3);
    assert_eq!(
        config.connector_phase_rotation,
        "1.Unknown,2.Unknown,3.Unknown"
    );
    assert_eq!(config.supported_file_transfer_protocols, "HTTP,HTTPS");
    config.number_of_connectors = 0;
    config.connector_phase_rotation = BoundedString::new();
    config.supported_file_transfer_protocols = BoundedString::new();
    assert_eq!(config, CONFIG);
    // The lists built in const context.
    assert_eq!(
        CONFIG.meter_values_sampled_data,
        MeasurandList::try_from_slice(&[Measurand::EnergyActiveImportRegister.into()]).unwrap()
    );
    assert_eq!(
        CONFIG.meter_values_aligned_data,
        CONFIG.meter_values_sampled_data
    );
    assert_eq!(
        CONFIG.supported_feature_profiles,
        List::<Profile, 6>::try_from_slice(&[
            Profile::Core,
            Profile::FirmwareManagement,
            Profile::LocalAuthListManagement,
            Profile::Reservation,
            Profile::SmartCharging,
            Profile::RemoteTrigger,
        ])
        .unwrap()
    );
    assert_eq!(
        &*CONFIG.charging_schedule_allowed_charging_rate_unit,
        &[ChargingRateUnit::A, ChargingRateUnit::W]
    );
}

#[test]
fn clock_and_scalars() {
    assert_eq!(
        CLOCK,
        WallClock::unsynced(Instant::default(), DateTime::default())
    );
    assert!(!CLOCK.is_synced());
    assert_eq!(Instant::ZERO, Instant::default());
    assert_eq!(DateTime::EPOCH, DateTime::default());
    assert_eq!(Decimal::ZERO, Decimal::default());
    let now = Instant(black_box(1234));
    let mut clock = WallClock::unsynced(Instant(7), DateTime::EPOCH.add_millis(99));
    clock.set(Instant(8), DateTime::EPOCH.add_millis(5));
    clock.reset(now, DateTime::EPOCH);
    assert_eq!(clock, WallClock::unsynced(now, DateTime::default()));
}

#[test]
fn journal_connector_readings_auth() {
    assert_eq!(JOURNAL, Journal::default());
    assert_eq!(CONNECTOR, Connector::default());
    assert_eq!(READINGS, MeterReadings::default());
    assert_eq!(CACHE, AuthCache::default());
    assert_eq!(LOCAL_LIST, LocalAuthList::default());
    assert_eq!(LOCAL_LIST.version(), 0);
}

#[test]
fn meter_scheduler() {
    let runtime = MeterScheduler::<SLOTS>::new(black_box(0), black_box(0));
    assert_eq!(METER, runtime);
}

#[test]
fn smart_charging_settings_and_store() {
    // What `Settings::default()` was built from at run time.
    let mut allowed_units = List::new();
    let _ = allowed_units.push(ChargingRateUnit::A);
    let _ = allowed_units.push(ChargingRateUnit::W);
    let runtime = Settings {
        line_voltage: 230,
        connectors: MAX_CONNECTORS as u32,
        allowed_units,
        unconstrained: Limit {
            value: Decimal::from_int(32),
            unit: ChargingRateUnit::A,
            number_phases: None,
        },
    };
    assert_eq!(SETTINGS, runtime);
    assert_eq!(Settings::default(), runtime);
    assert_eq!(PROFILES, ProfileStore::new(runtime));
    assert!(PROFILES.is_empty());
    assert_eq!(
        UNITS,
        List::try_from_slice(&[ChargingRateUnit::A, ChargingRateUnit::W]).unwrap()
    );
    assert_eq!(STRING, BoundedString::default());
}

#[test]
fn the_static_holds_the_defaults() {
    let s = &STATE;
    assert_eq!(s.config, CONFIG);
    assert_eq!(s.clock, CLOCK);
    assert_eq!(s.registration, Registration::Unknown);
    assert_eq!(s.journal, Journal::default());
    assert!(s.connectors.iter().all(|c| *c == Connector::default()));
    assert!(s.readings.iter().all(|r| *r == MeterReadings::default()));
    assert!(s.cache.is_empty() && s.local_list.is_empty());
    assert_eq!(s.meter, METER);
    assert!(s.actions.is_empty());
    assert_eq!(s.profiles, PROFILES);
    assert!(s.data_transfer.is_none() && s.boot_at.is_none());
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> T {
    crate::json::from_str(json, &crate::json::DecodeOptions::DEFAULT).unwrap()
}

#[test]
fn cache_decode_into_is_decode() {
    let now = DateTime::EPOCH.add_millis(1_700_000_000_000);
    let mut c = AuthCache::<4>::new();
    c.update(
        "A",
        &IdTagInfo::with_status(AuthorizationStatus::Accepted),
        now,
    )
    .unwrap();
    c.update(
        "B",
        &IdTagInfo::with_status(AuthorizationStatus::Blocked),
        now,
    )
    .unwrap();
    let mut buf = [0u8; AuthCache::<4>::ENCODED_MAX];
    let n = c.encode(&mut buf).unwrap();
    let mut other = AuthCache::<4>::new();
    other
        .update(
            "C",
            &IdTagInfo::with_status(AuthorizationStatus::Invalid),
            now,
        )
        .unwrap();
    assert_eq!(other.decode_into(&buf[..n]), Ok(()));
    assert_eq!(other, c);
    assert_eq!(AuthCache::<4>::decode(&buf[..n]), Ok(c.clone()));
    // A damaged image leaves it empty (what `decode` failing left the charge point with).
    buf[n - 1] ^= 1;
    assert!(other.decode_into(&buf[..n]).is_err());
    assert_eq!(other, AuthCache::new());
    // Too many entries for the capacity: empty too.
    buf[n - 1] ^= 1;
    let mut small = AuthCache::<1>::new();
    assert_eq!(small.decode_into(&buf[..n]), Err(AuthError::TooManyEntries));
    assert!(small.is_empty());
}

#[test]
fn local_list_decode_into_is_decode() {
    let req: SendLocalListRequest = decode(
        r#"{"listVersion":3,"updateType":"Full","localAuthorizationList":[{"idTag":"A","idTagInfo":{"status":"Accepted"}},{"idTag":"B","idTagInfo":{"status":"Blocked"}}]}"#,
    );
    let mut l = LocalAuthList::<4>::new();
    assert_eq!(l.apply(&req, 64), UpdateStatus::Accepted);
    let mut buf = [0u8; LocalAuthList::<4>::ENCODED_MAX];
    let n = l.encode(&mut buf).unwrap();
    let mut other = LocalAuthList::<4>::new();
    let req: SendLocalListRequest = decode(
        r#"{"listVersion":9,"updateType":"Full","localAuthorizationList":[{"idTag":"C","idTagInfo":{"status":"Accepted"}}]}"#,
    );
    assert_eq!(other.apply(&req, 64), UpdateStatus::Accepted);
    assert_eq!(other.decode_into(&buf[..n]), Ok(()));
    assert_eq!(other, l);
    assert_eq!(other.version(), 3);
    assert_eq!(LocalAuthList::<4>::decode(&buf[..n]), Ok(l.clone()));
    buf[n - 1] ^= 1;
    assert!(other.decode_into(&buf[..n]).is_err());
    assert_eq!(other, LocalAuthList::new());
}

#[test]
fn profile_store_decode_into_is_decode() {
    let profile: ChargingProfile = decode(
        r#"{"chargingProfileId":7,"stackLevel":1,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Absolute","chargingSchedule":{"startSchedule":"2024-01-01T00:00:00Z","chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16.0}]}}"#,
    );
    let ctx = SetContext {
        now: DateTime::EPOCH.add_millis(1_704_067_200_000),
        transaction: None,
    };
    let mut s = ProfileStoreOf::<4>::new(Settings::DEFAULT);
    assert_eq!(
        s.set(0, profile.clone(), &ctx),
        ChargingProfileStatus::Accepted
    );
    let mut buf = [0u8; ProfileStoreOf::<4>::ENCODED_MAX];
    let n = s.encode(&mut buf).unwrap();
    let mut settings = Settings::DEFAULT;
    settings.connectors = 2;
    let mut other = ProfileStoreOf::<4>::new(settings.clone());
    let mut p2 = profile;
    p2.charging_profile_id = 8;
    assert_eq!(other.set(1, p2, &ctx), ChargingProfileStatus::Accepted);
    assert_eq!(other.decode_into(&buf[..n]), Ok(()));
    assert_eq!(
        Ok(&other),
        ProfileStoreOf::<4>::decode(&buf[..n], settings.clone()).as_ref()
    );
    assert_eq!(other.settings(), &settings);
    assert_eq!(other.len(), 1);
    buf[n - 1] ^= 1;
    assert!(other.decode_into(&buf[..n]).is_err());
    assert_eq!(other, ProfileStore::new(settings.clone()));
    buf[n - 1] ^= 1;
    assert_eq!(other.decode_into(&buf[..n]), Ok(()));
    other.reset(Settings::DEFAULT);
    assert_eq!(other, ProfileStore::new(Settings::DEFAULT));
}

#[test]
fn journal_clear_is_new() {
    let mut j = Journal::new();
    j.next_local_id = 5;
    j.inoperative = 6;
    j.firmware_status_after_boot = Some(crate::v16::FirmwareStatus::Installed);
    assert_ne!(j, JOURNAL);
    j.clear();
    assert_eq!(j, JOURNAL);
}

#[test]
fn zeroed_configuration_with_defaults_applied_is_new() {
    const ZEROED: Configuration = Configuration::zeroed();
    for n in [0, 1, 2, 4, 16, 17, 1000, u32::MAX] {
        let mut c = ZEROED;
        c.apply_defaults(n);
        assert_eq!(c, Configuration::new(n), "n = {n}");
        // From any state, too (a restart).
        c.heartbeat_interval = 7;
        c.apply_defaults(n);
        assert_eq!(c, Configuration::new(n), "n = {n}");
    }
}

/// An unstarted charge point is a constant (it can be a `static`), refuses inputs, and once
/// started equals one built by `new`; starting again (a restart) gives the same state back.
#[test]
fn unstarted_then_start_is_new() {
    use super::{ChargePoint, Input, MemoryStorage, Output, Refused, Setup};
    struct NoStore;
    impl super::Storage for NoStore {
        type Error = ();
        fn load<'b>(
            &mut self,
            _: super::RecordKey,
            _: &'b mut [u8],
        ) -> Result<Option<&'b [u8]>, ()> {
            Ok(None)
        }
        fn store(&mut self, _: super::RecordKey, _: &[u8]) -> Result<(), ()> {
            Ok(())
        }
    }
    static BLANK: ChargePoint<NoStore> = ChargePoint::unstarted(NoStore);
    assert!(!BLANK.is_started());
    let mut buf = [0u8; 8192];
    let mut cp = ChargePoint::<MemoryStorage<4096>>::unstarted(MemoryStorage::new());
    assert_eq!(
        cp.handle_input(Input::Connected, Instant(0)),
        Err(Refused::NotStarted)
    );
    assert_eq!(cp.poll_output(Instant(0), &mut buf), Output::Timeout(None));
    cp.start(Setup::new("V", "M", 2), Instant(5), &mut buf);
    assert!(cp.is_started());
    let mut by_new = ChargePoint::<MemoryStorage<4096>>::new(
        Setup::new("V", "M", 2),
        MemoryStorage::<4096>::new(),
        Instant(5),
        &mut buf,
    );
    assert_eq!(cp.configuration(), by_new.configuration());
    assert_eq!(cp.handle_input(Input::Connected, Instant(6)), Ok(()));
    let Output::Transmit(frame) = cp.poll_output(Instant(6), &mut buf) else {
        panic!("BootNotification expected");
    };
    assert!(frame.contains("BootNotification"));
    cp.start(Setup::new("V", "M", 2), Instant(5), &mut buf);
    assert_eq!(cp.configuration(), by_new.configuration());
    let mut other = [0u8; 8192];
    let expected = by_new.poll_output(Instant(6), &mut other);
    assert!(matches!(expected, Output::Timeout(_)));
    assert_eq!(cp.poll_output(Instant(6), &mut buf), expected);
}
