//! Secrets out of the logs: the `AuthorizationKey` a central system sets with
//! ChangeConfiguration.req travels in the clear inside the frame (security whitepaper A01.FR.12:
//! it must not be disclosed in logs).

use std::borrow::Cow;

use serde_json::Value;

/// What replaces a secret.
pub const REDACTED: &str = "***";

/// `frame` as it may be logged: the `value` of every object whose `key` is `AuthorizationKey`
/// (case-insensitively, after JSON unescaping: a ChangeConfiguration.req, or a GetConfiguration
/// answer of a charge point that would show it) replaced with `"***"`. Frames that cannot carry
/// it are returned as they are; one that names it and is not JSON is replaced by its size.
pub fn redact_frame(frame: &str) -> Cow<'_, str> {
    // A JSON escape could spell the key name without the plain text matching.
    if !frame.to_ascii_lowercase().contains("authorizationkey") && !frame.contains("\\u") {
        return Cow::Borrowed(frame);
    }
    let Ok(mut value) = serde_json::from_str::<Value>(frame) else {
        // Not JSON, so its escapes cannot be read either: when in doubt, out.
        return Cow::Owned(hidden(frame));
    };
    if redact_value(&mut value) {
        Cow::Owned(value.to_string())
    } else {
        Cow::Borrowed(frame)
    }
}

fn hidden(frame: &str) -> String {
    format!(
        "<{} bytes, not shown: not JSON, and it may name the AuthorizationKey>",
        frame.len()
    )
}

/// Redacts in place; true when something was.
fn redact_value(value: &mut Value) -> bool {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| redact_value(v) | changed),
        Value::Object(map) => {
            let mut changed = false;
            let names_the_key = map
                .get("key")
                .and_then(Value::as_str)
                .is_some_and(|k| k.eq_ignore_ascii_case("AuthorizationKey"));
            if names_the_key {
                if let Some(v) = map.get_mut("value") {
                    if v.as_str() != Some(REDACTED) {
                        *v = Value::String(REDACTED.into());
                        changed = true;
                    }
                }
            }
            map.values_mut()
                .fold(changed, |changed, v| redact_value(v) | changed)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_key_is_redacted() {
        let key = "00112233445566778899aabbccddeeff";
        let frame = format!(
            r#"[2,"7","ChangeConfiguration",{{"key":"AuthorizationKey","value":"{key}"}}]"#
        );
        assert_eq!(
            redact_frame(&frame),
            r#"[2,"7","ChangeConfiguration",{"key":"AuthorizationKey","value":"***"}]"#
        );
        // Any case, spaces, and the key spelled with JSON escapes.
        for frame in [
            format!(
                r#"[2, "7", "ChangeConfiguration", {{"value": "{key}", "key": "authorizationKEY"}}]"#
            ),
            format!(
                r#"[2,"7","ChangeConfiguration",{{"key":"Authorization\u004bey","value":"{key}"}}]"#
            ),
        ] {
            let out = redact_frame(&frame);
            assert!(!out.contains(key), "{out}");
            assert!(out.contains(r#""value":"***""#), "{out}");
        }
        // A GetConfiguration.conf that would list it: only its value goes.
        let conf = format!(
            r#"[3,"8",{{"configurationKey":[{{"key":"HeartbeatInterval","readonly":false,"value":"300"}},{{"key":"AuthorizationKey","readonly":false,"value":"{key}"}}]}}]"#
        );
        let out = redact_frame(&conf);
        assert!(!out.contains(key), "{out}");
        assert!(out.contains(r#""value":"300""#), "{out}");
        // Not JSON but naming the key: its size only.
        let broken = format!(
            "[2,\"7\",\"ChangeConfiguration\",{{\"key\":\"AuthorizationKey\",\"value\":\"{key}\""
        );
        let out = redact_frame(&broken);
        assert!(!out.contains(key), "{out}");
        assert!(out.contains("bytes, not shown"), "{out}");
    }

    #[test]
    fn other_frames_are_untouched() {
        for frame in [
            r#"[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"#,
            r#"[2,"2","ChangeConfiguration",{"key":"HeartbeatInterval","value":"60"}]"#,
            r#"[3,"2",{"status":"Accepted"}]"#,
            "not json at all",
        ] {
            assert!(matches!(redact_frame(frame), Cow::Borrowed(f) if f == frame));
        }
        // An escape in an innocent frame: parsed, nothing to hide, given back as it was.
        let frame = r#"[2,"3","DataTransfer",{"vendorId":"V","data":"caf\u00e9"}]"#;
        assert!(matches!(redact_frame(frame), Cow::Borrowed(f) if f == frame));
    }
}
