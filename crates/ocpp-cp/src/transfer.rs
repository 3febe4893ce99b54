//! Firmware downloads and diagnostics uploads over HTTP(S), in background threads, with
//! bounded timeouts: an unreachable location gives the failure status, never a hang.

use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(true)
        .build()
        .into()
}

/// Downloads `url` and returns its size in bytes. http:// and https:// are supported; other
/// schemes (ftp://) are reported as failures.
pub fn download(url: &str) -> Result<u64, String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("unsupported download scheme in {url}"));
    }
    let mut response = agent().get(url).call().map_err(|e| e.to_string())?;
    let body = response
        .body_mut()
        .read_to_vec()
        .map_err(|e| e.to_string())?;
    Ok(body.len() as u64)
}

/// Uploads `content` as `file_name` to `location`: HTTP PUT to `location/file_name` (or to
/// `location` itself when it does not end with `/`), falling back to POST when the server
/// refuses PUT (405).
pub fn upload(location: &str, file_name: &str, content: &[u8]) -> Result<(), String> {
    if !(location.starts_with("http://") || location.starts_with("https://")) {
        return Err(format!("unsupported upload scheme in {location}"));
    }
    let url = if location.ends_with('/') {
        format!("{location}{file_name}")
    } else {
        location.to_owned()
    };
    let agent = agent();
    match agent.put(&url).content_type("text/plain").send(content) {
        Ok(_) => Ok(()),
        Err(ureq::Error::StatusCode(405)) => agent
            .post(&url)
            .content_type("text/plain")
            .send(content)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}
