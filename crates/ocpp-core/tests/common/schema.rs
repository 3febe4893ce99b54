//! The official OCPP 1.6 JSON schemas (from the PyPI `ocpp` package, folder in OCPP_SCHEMA_DIR).
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The folder of the official schemas: `OCPP_SCHEMA_DIR`, set by scripts/test.
pub fn schema_dir() -> PathBuf {
    let dir = std::env::var_os("OCPP_SCHEMA_DIR")
        .map(PathBuf::from)
        .expect(
            "OCPP_SCHEMA_DIR is not set: run scripts/test, which installs the PyPI `ocpp` package \
         into .venv and points OCPP_SCHEMA_DIR at its v16 schemas",
        );
    assert!(
        dir.join("BootNotification.json").is_file(),
        "no OCPP 1.6 schemas in {}",
        dir.display()
    );
    dir
}

fn load(name: &str) -> jsonschema::Validator {
    let path = schema_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    to_official(&mut schema);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Undoes the PyPI package's one widening of the official schemas: it added `Hertz` to the
/// `unit` enumeration of MeterValues.req and StopTransaction.req (mobilityhouse/ocpp #70), which
/// the OCA's schemas do not have, so a central system that validates against those (ocpp-rpc in
/// strict mode) refuses a message with it. The tests check against the official enumeration.
pub fn to_official(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Array(values)) =
                map.get_mut("unit").and_then(|u| u.get_mut("enum"))
            {
                values.retain(|v| v != "Hertz");
            }
            map.values_mut().for_each(to_official);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(to_official),
        _ => {}
    }
}

/// Checks `payload` against schema `name` (`Authorize`, `AuthorizeResponse`, ...); panics with
/// every violation.
pub fn check(name: &str, payload: &serde_json::Value) {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static jsonschema::Validator>>> =
        OnceLock::new();
    let validator = {
        let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
        *cache
            .entry(name.to_owned())
            .or_insert_with(|| Box::leak(Box::new(load(name))))
    };
    let errors: Vec<String> = validator
        .iter_errors(payload)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} violates the official schema: {payload}\n{}",
        errors.join("\n")
    );
}
