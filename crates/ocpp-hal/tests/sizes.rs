//! RAM cost of the charge point and the station, printed with
//! `cargo test -p ocpp-hal --test sizes -- --nocapture` (the figures in docs/integration.md).
#![allow(clippy::unwrap_used)]

mod common;

use core::mem::size_of;

use common::{Rig, Sent};

use ocpp_core::charge_point::auth::{AuthCache, LocalAuthList};
use ocpp_core::charge_point::{ChargePoint, MemoryStorage, RecordKey, Storage};
use ocpp_core::limits::{AUTH_CACHE_SIZE, JOURNAL_RECORD_MAX, LOCAL_AUTH_LIST_MAX_LENGTH};
use ocpp_hal::Station;
use ocpp_hal::sim::SimCharger;

/// Storage that takes no room in the charge point (the real one lives elsewhere).
struct External;

impl Storage for External {
    type Error = ();
    fn load<'b>(&mut self, _: RecordKey, _: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
        Ok(None)
    }
    fn store(&mut self, _: RecordKey, _: &[u8]) -> Result<(), ()> {
        Ok(())
    }
}

#[test]
fn ram_cost() {
    let rows: &[(&str, usize)] = &[
        (
            "ChargePoint<S> without S",
            size_of::<ChargePoint<External>>(),
        ),
        (
            "ChargePoint<&mut S> (storage elsewhere)",
            size_of::<ChargePoint<&mut External>>(),
        ),
        (
            "ChargePoint<MemoryStorage<8192>>",
            size_of::<ChargePoint<MemoryStorage<8192>>>(),
        ),
        ("Station<H> without H", size_of::<Station<()>>()),
        ("SimCharger", size_of::<SimCharger>()),
    ];
    for (name, size) in rows {
        println!("{name:42} {size:>7} bytes");
    }
    let records: &[(RecordKey, usize)] = &[
        (
            RecordKey::Configuration,
            ocpp_core::charge_point::config::ENCODED_LEN_MAX,
        ),
        (RecordKey::Journal, JOURNAL_RECORD_MAX),
        (
            RecordKey::AuthorizationCache,
            AuthCache::<AUTH_CACHE_SIZE>::ENCODED_MAX,
        ),
        (
            RecordKey::LocalAuthList,
            LocalAuthList::<LOCAL_AUTH_LIST_MAX_LENGTH>::ENCODED_MAX,
        ),
    ];
    for (key, max) in records {
        println!("record {:35} {max:>7} bytes at most", key.name());
    }
    // Guards: noticed when they grow (the integration guide quotes them).
    assert!(size_of::<ChargePoint<External>>() <= 100 * 1024);
    assert!(size_of::<Station<()>>() <= 4 * 1024);
}

/// The longest frames with the default limits: GetConfiguration.conf of every key, and a
/// session with every measurand sampled and in StopTransaction's transactionData.
#[test]
fn longest_frames() {
    let mut rig = Rig::<SimCharger>::new(1);
    rig.boot();
    let (_, conf) = rig.cs_call("GetConfiguration", "{}");
    let Some(Sent::Result { id, payload }) = conf else {
        panic!("{conf:?}")
    };
    // The frame: [3,"<id>",<payload>]
    let get_configuration = 7 + id.len() + payload.len();
    let all = "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,\
               Current.Offered,Power.Offered,SoC";
    for key in ["MeterValuesSampledData", "StopTxnSampledData"] {
        rig.cs_call(
            "ChangeConfiguration",
            &format!(r#"{{"key":"{key}","value":"{all}"}}"#),
        );
    }
    rig.sim().set_ev_power(1, 11_000);
    rig.sim().set_ev_battery(1, 60_000, 20);
    rig.start_session(1, "CARD");
    for _ in 0..60 {
        rig.run(60_000);
        rig.answer_all();
    }
    rig.sim().present_tag(1, "CARD");
    rig.turn();
    rig.answer_all();
    let longest = |action: &str| {
        rig.log
            .iter()
            .filter_map(|s| match s {
                // The frame: [2,"<id>","<action>",<payload>]
                Sent::Call {
                    id,
                    action: a,
                    payload,
                } if a == action => Some(10 + id.len() + a.len() + payload.len()),
                _ => None,
            })
            .max()
            .unwrap()
    };
    let meter_values = longest("MeterValues");
    let stop = longest("StopTransaction");
    println!("GetConfiguration.conf (all keys)          {get_configuration:>7} bytes");
    println!("MeterValues (7 measurands, 3 phases)      {meter_values:>7} bytes");
    println!("StopTransaction (transactionData)         {stop:>7} bytes");
    assert!(get_configuration.max(meter_values).max(stop) <= 8 * 1024);
}

/// The longest StopTransaction: every measurand `MeterReadings` can carry (15 sampled values with
/// the phases), both StopTxn lists full (8 measurands each), Begin, 2 samples and End.
#[test]
fn longest_stop_transaction() {
    let mut rig = Rig::recording(1);
    rig.station.hal_mut().full_meter = true;
    rig.boot();
    let sampled = "Energy.Active.Import.Register,Energy.Active.Export.Register,\
                   Power.Active.Import,Power.Active.Export,Current.Import,Voltage,SoC,Temperature";
    let aligned = "Current.Offered,Power.Offered,Frequency,Energy.Active.Import.Register,\
                   Current.Import,Voltage,Temperature,SoC";
    for (key, value) in [
        ("MeterValuesSampledData", sampled),
        ("StopTxnSampledData", sampled),
        ("MeterValuesAlignedData", aligned),
        ("StopTxnAlignedData", aligned),
        ("ClockAlignedDataInterval", "900"),
    ] {
        rig.cs_call(
            "ChangeConfiguration",
            &format!(r#"{{"key":"{key}","value":"{value}"}}"#),
        );
    }
    rig.sim().set_ev_power(1, 11_000);
    rig.sim().set_ev_battery(1, 60_000, 20);
    rig.start_session(1, "CARD");
    for _ in 0..120 {
        rig.run(60_000);
        rig.answer_all();
    }
    rig.sim().present_tag(1, "CARD");
    rig.turn();
    let (id, payload) = rig.expect_call("StopTransaction");
    let frame = 10 + id.len() + "StopTransaction".len() + payload.len();
    println!("StopTransaction, both StopTxn lists full  {frame:>7} bytes");
    assert!(payload.contains("Transaction.Begin") && payload.contains("Frequency"));
    assert!(frame <= 8 * 1024);
}
