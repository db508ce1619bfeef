//! A small client of a running hub's API for the command line, with its token.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use serde_json::Value;

/// The hub's API with a bearer token.
pub struct Api {
    base: String,
    token: String,
    client: reqwest::blocking::Client,
}

/// The token from `--token`, else the first line of `--token-file`.
pub fn read_token(
    token: Option<&str>,
    token_file: Option<&Path>,
) -> anyhow::Result<Option<String>> {
    if let Some(t) = token {
        return Ok(Some(t.trim().to_owned()));
    }
    match token_file {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("reading the token file {}", f.display()))?;
            Ok(Some(text.lines().next().unwrap_or("").trim().to_owned()))
        }
        None => Ok(None),
    }
}

/// The CA certificate of `--cacert`, to trust beside the system's roots.
pub fn read_cacert(cacert: Option<&Path>) -> anyhow::Result<Option<reqwest::Certificate>> {
    cacert
        .map(|p| {
            let pem = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            reqwest::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", p.display()))
        })
        .transpose()
}

impl Api {
    /// A client of the hub at `base`.
    pub fn new(
        base: &str,
        token: Option<&str>,
        token_file: Option<&Path>,
        cacert: Option<&Path>,
    ) -> anyhow::Result<Api> {
        let token = read_token(token, token_file)?
            .context("talking to a running hub needs an admin token: --token, --token-file or $CLEARWAY_TOKEN")?;
        let mut b = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(c) = read_cacert(cacert)? {
            b = b.add_root_certificate(c);
        }
        Ok(Api {
            base: base.trim_end_matches('/').to_owned(),
            token,
            client: b.build()?,
        })
    }

    /// Call the API; the JSON answer, or the API's error as an error.
    pub fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .with_context(|| format!("cannot reach the hub at {}", self.base))?;
        let status = resp.status();
        let text = resp.text().unwrap_or_default();
        let v: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        if !status.is_success() {
            let e = &v["error"];
            anyhow::bail!(
                "the hub answered {status}: {} ({})",
                e["message"].as_str().unwrap_or("request failed"),
                e["code"].as_str().unwrap_or("")
            );
        }
        Ok(v)
    }
}
