//! RAM of the charge point state, per capacity profile: `cargo test -p ocpp-core --test ram --
//! --nocapture` prints it (the figures in docs/integration.md and docs/performance.md; the
//! Cortex-M firmware's size report measures the same on 32 bits).

use core::mem::size_of;

use ocpp_core::charge_point::{ChargePoint, RecordKey, SmallChargePoint, Storage};

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
fn charge_point_ram() {
    let default = size_of::<ChargePoint<External>>();
    let small = size_of::<SmallChargePoint<External>>();
    println!("ChargePoint (default profile)     {default:>7} bytes");
    println!("SmallChargePoint (small profile)  {small:>7} bytes");
    assert!(small < default);
}
