//! The storage of the charge point fuzz targets: records in a map, appends supported (so the
//! journal is written as the log a real storage keeps, not rewritten whole).

use std::collections::HashMap;

use ocpp_core::charge_point::{RecordKey, Storage};

#[derive(Default)]
pub struct Store(pub HashMap<&'static str, Vec<u8>>);

impl Storage for Store {
    type Error = ();
    fn load<'b>(&mut self, key: RecordKey, buf: &'b mut [u8]) -> Result<Option<&'b [u8]>, ()> {
        let Some(data) = self.0.get(key.name()) else { return Ok(None) };
        let dst = buf.get_mut(..data.len()).ok_or(())?;
        dst.copy_from_slice(data);
        Ok(Some(dst))
    }
    fn store(&mut self, key: RecordKey, data: &[u8]) -> Result<(), ()> {
        self.0.insert(key.name(), data.to_vec());
        Ok(())
    }
    fn append(&mut self, key: RecordKey, data: &[u8]) -> Result<bool, ()> {
        self.0.get_mut(key.name()).ok_or(())?.extend_from_slice(data);
        Ok(true)
    }
}
