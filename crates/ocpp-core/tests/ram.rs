//! RAM of the charge point state, per capacity profile: `cargo test -p ocpp-core --test ram --
//! --nocapture` prints it field by field (the figures in docs/integration.md and
//! docs/performance.md; the Cortex-M firmware's size report measures the same on 32 bits, where
//! pointer-sized fields are smaller).

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

fn print(name: &str, total: usize, fields: &[(&str, usize)]) {
    println!("{name}: {total} bytes");
    let mut rows = fields.to_vec();
    rows.sort_by_key(|r| core::cmp::Reverse(r.1));
    for (field, size) in &rows {
        println!("  {field:24} {size:>7}");
    }
    let sum: usize = fields.iter().map(|f| f.1).sum();
    println!("  {:24} {:>7}", "(padding)", total - sum);
}

#[test]
fn charge_point_ram() {
    let default = size_of::<ChargePoint<External>>();
    let small = size_of::<SmallChargePoint<External>>();
    print(
        "ChargePoint (default profile)",
        default,
        ChargePoint::<External>::RAM_FIELDS,
    );
    print(
        "SmallChargePoint (small profile)",
        small,
        SmallChargePoint::<External>::RAM_FIELDS,
    );
    assert!(small < default);
    let sum: usize = ChargePoint::<External>::RAM_FIELDS
        .iter()
        .map(|f| f.1)
        .sum();
    assert!(sum <= default);
}
