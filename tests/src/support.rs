//! Running the real `clearway` binary against real plugins, for the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The `clearway` binary: `$CLEARWAY_BIN`, else the one `./test.sh` builds
/// (`cargo build -p clearway`).
pub fn clearway_bin() -> PathBuf {
    let p = std::env::var_os("CLEARWAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug").join("clearway"));
    assert!(
        p.exists(),
        "{} is missing: run ./test.sh (it builds the hub before the tests)",
        p.display()
    );
    p
}

/// A plugin component built by `scripts/build-plugins.sh --test-guests` into `dist/plugins/`.
pub fn plugin(name: &str) -> PathBuf {
    let p = root()
        .join("dist")
        .join("plugins")
        .join(format!("{name}.wasm"));
    assert!(
        p.exists(),
        "{} is missing: run ./test.sh (it builds the plugins and test guests)",
        p.display()
    );
    p
}

/// An example normalized message from `schemas/examples/`.
pub fn example(kind: &str) -> Value {
    let p = root()
        .join("schemas")
        .join("examples")
        .join(format!("{kind}.json"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("example is JSON")
}

/// The example claim with its own patient control number.
pub fn claim(pcn: &str) -> Value {
    let mut c = example("claim");
    c["correlation"]["claim_id"] = Value::String(pcn.to_owned());
    c
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A hub process with its own folder, config and port, and an admin token
/// (made with `clearway token create` on its data dir before it starts, kept in
/// `admin.token` beside the config so a restarted hub has the same one).
pub struct Hub {
    /// The folder holding config, data, inbox and outbox.
    pub dir: tempfile::TempDir,
    /// The base URL of its API.
    pub url: String,
    /// An admin token of this hub.
    pub token: String,
    /// The CA (PEM) that signed the hub's TLS certificate, for `https` hubs.
    pub ca_pem: Option<Vec<u8>>,
    child: Option<Child>,
    config: PathBuf,
}

impl Hub {
    /// Write `config` (with `{port}` replaced) into a new folder and start the hub.
    pub fn start(config: &str) -> Hub {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, config)
    }

    /// Start a hub in an existing folder (to restart one after a kill).
    pub fn start_in(dir: tempfile::TempDir, config: &str) -> Hub {
        Self::start_in_with(dir, config, None)
    }

    /// Start a hub whose `[hub] tls` certificate `ca_pem` signed (its URL is `https`).
    pub fn start_in_with(dir: tempfile::TempDir, config: &str, ca_pem: Option<Vec<u8>>) -> Hub {
        let port = free_port();
        let text = config.replace("{port}", &port.to_string());
        let config = dir.path().join("clearway.toml");
        std::fs::write(&config, text).unwrap();
        let token = admin_token(&config, &dir.path().join("admin.token"));
        let scheme = if ca_pem.is_some() { "https" } else { "http" };
        let mut hub = Hub {
            dir,
            url: format!("{scheme}://127.0.0.1:{port}"),
            token,
            ca_pem,
            child: None,
            config,
        };
        hub.spawn();
        hub
    }

    /// The config file.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// A blocking HTTP client that sends this hub's admin token.
    pub fn http(&self) -> reqwest::blocking::Client {
        self.client_as(&self.token)
    }

    /// A blocking HTTP client that sends `token` (and trusts the hub's CA).
    pub fn client_as(&self, token: &str) -> reqwest::blocking::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
        self.builder().default_headers(headers).build().unwrap()
    }

    /// A blocking HTTP client with no credential (trusting the hub's CA).
    pub fn anonymous(&self) -> reqwest::blocking::Client {
        self.builder().build().unwrap()
    }

    fn builder(&self) -> reqwest::blocking::ClientBuilder {
        let mut b = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60));
        if let Some(pem) = &self.ca_pem {
            b = b.add_root_certificate(reqwest::Certificate::from_pem(pem).unwrap());
        }
        b
    }

    /// Make a token of `role` through the running hub's API (senders bound to `endpoints`).
    pub fn create_token(&self, name: &str, role: &str, endpoints: &[&str]) -> String {
        let r = self
            .http()
            .post(format!("{}/v1/admin/tokens", self.url))
            .json(&serde_json::json!({ "name": name, "role": role, "endpoints": endpoints }))
            .send()
            .unwrap();
        let status = r.status();
        let body: Value = r.json().unwrap_or(Value::Null);
        assert_eq!(status.as_u16(), 201, "token create: {body}");
        body["token"].as_str().unwrap().to_owned()
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("hub.log"))
            .unwrap();
        let child = Command::new(clearway_bin())
            .args(["serve", "--config"])
            .arg(&self.config)
            .env("CLEARWAY_CACHE_DIR", shared_cache())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start clearway");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "the hub exited ({status}) before it was ready; log:\n{}",
                    self.log()
                );
            }
            if let Ok(r) = self.anonymous().get(format!("{}/readyz", self.url)).send()
                && r.status().is_success()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the hub was not ready in time; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The hub's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The hub's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("hub.log")).unwrap_or_default()
    }

    /// Kill with SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// Kill and hand back the folder, to restart in it.
    pub fn into_dir(mut self) -> tempfile::TempDir {
        self.kill();
        std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap())
    }

    /// A path inside the hub's folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// POST a JSON body to an inbound endpoint; (status, body).
    pub fn post_inbound(&self, endpoint: &str, body: &[u8]) -> (u16, Value) {
        let r = self
            .http()
            .post(format!("{}/v1/inbound/{endpoint}", self.url))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    /// GET an API path; (status, body).
    pub fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http()
            .get(format!("{}{path}", self.url))
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    /// GET an API path as text.
    pub fn get_text(&self, path: &str) -> String {
        self.http()
            .get(format!("{}{path}", self.url))
            .send()
            .unwrap()
            .text()
            .unwrap()
    }

    /// POST to an API path with no body.
    pub fn post(&self, path: &str) -> (u16, Value) {
        let r = self
            .http()
            .post(format!("{}{path}", self.url))
            .send()
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    /// Wait until `f` holds, polling; panic with the log after `secs`.
    pub fn wait_for(&self, what: &str, secs: u64, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !f() {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A blocking HTTP client with no credential.
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A blocking HTTP client that sends `Authorization: Bearer TOKEN`.
pub fn client_with_token(token: &str) -> reqwest::blocking::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    value.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, value);
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The admin token kept in `file`, made with `clearway token create` on the
/// config's data dir the first time (the hub must not be running then).
pub fn admin_token(config: &Path, file: &Path) -> String {
    if let Ok(t) = std::fs::read_to_string(file) {
        return t.trim().to_owned();
    }
    let cfg = config.to_str().unwrap();
    let out = clearway(
        &[
            "token",
            "create",
            "--config",
            cfg,
            "--name",
            "test-admin",
            "--role",
            "admin",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "token create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    std::fs::write(file, &token).unwrap();
    token
}

/// One compiled-plugin cache for every test, so each component compiles once per run.
pub fn shared_cache() -> PathBuf {
    target_dir().join("clearway-test-cache")
}

/// Run the `clearway` binary with `args`.
pub fn clearway(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(clearway_bin());
    cmd.args(args)
        .env("CLEARWAY_CACHE_DIR", shared_cache())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Files in a folder (names, sorted), ignoring sub-folders.
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

/// A config with the json connector, an `http` endpoint `in`, and a `dir-out` endpoint
/// `out` writing to `outbox/` (plus `extra` appended).
pub fn json_config(extra: &str) -> String {
    format!(
        r#"[hub]
data_dir = "data"
listen = "127.0.0.1:{{port}}"
durability = "fsync"

[connectors.json]
plugin = "{json}"

[endpoints.in]
transport = "http"
connector = "json"

[endpoints.out]
transport = "dir-out"
connector = "json"
path = "outbox"
retry = {{ max_attempts = 50, initial_backoff_ms = 100, max_backoff_ms = 500 }}

[[routes]]
from = "in"
kinds = ["claim", "eligibility.request"]
to = ["out"]
{extra}"#,
        json = plugin("json").display()
    )
}

/// The Python of a validator venv made by `scripts/validators.sh`.
pub fn validator_python(venv: &str) -> PathBuf {
    let p = target_dir()
        .join("validators")
        .join(venv)
        .join("bin")
        .join("python");
    assert!(
        p.exists(),
        "{} is missing: run ./test.sh (scripts/validators.sh makes the validator venvs)",
        p.display()
    );
    p
}

/// Validate FHIR R4 resources with fhir.resources 6.4.0 and fhirclient 4.4.0;
/// `Err` holds what they said.
pub fn validate_fhir_r4(resources: &[serde_json::Value]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        let f = dir.path().join(format!("{i}.json"));
        std::fs::write(&f, serde_json::to_vec(r).unwrap()).unwrap();
        files.push(f);
    }
    let out = Command::new(validator_python("fhir"))
        .arg(root().join("tests").join("validators").join("fhir_r4.py"))
        .args(&files)
        .output()
        .expect("run the FHIR validator");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A minimal HTTP/1.1 server on loopback for tests: each request's
/// `Authorization` header and body go to `handler`, whose number is the status
/// answered. Returns the port.
pub fn http_receiver(handler: impl Fn(&str, &[u8]) -> u16 + Send + 'static) -> u16 {
    http_server(move |request| {
        let auth = request
            .header("authorization")
            .unwrap_or_default()
            .to_owned();
        (handler(&auth, &request.body), Vec::new(), Vec::new())
    })
}

/// One request [`http_server`] received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `GET`, `POST`, `PUT`, ...
    pub method: String,
    /// The request target (path and query).
    pub path: String,
    /// Headers, names in lower case, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What [`http_server`]'s handler answers: status, headers, body.
pub type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// A minimal HTTP/1.1 server on loopback for tests: `handler` sees each request and
/// gives the answer. One request per connection. Returns the port.
pub fn http_server(handler: impl Fn(&Received) -> Answer + Send + 'static) -> u16 {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                continue;
            }
            let mut words = request_line.split_whitespace();
            let (method, path) = (
                words.next().unwrap_or_default().to_owned(),
                words.next().unwrap_or_default().to_owned(),
            );
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                if let Some((name, value)) = l.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let len = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0usize);
            let mut body = vec![0u8; len];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let (status, answer_headers, answer) = handler(&Received {
                method,
                path,
                headers,
                body,
            });
            let mut head = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                answer.len()
            );
            for (name, value) in answer_headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&answer);
        }
    });
    port
}

/// Validate an X12 interchange with pyx12 4.0.0 (`x12valid`, from the venv
/// `scripts/validators.sh` makes); `Err` holds what it printed.
pub fn validate_x12(interchange: &[u8]) -> Result<(), String> {
    let script = target_dir()
        .join("validators")
        .join("pyx12")
        .join("bin")
        .join("x12valid");
    assert!(
        script.exists(),
        "{} is missing: run ./test.sh (scripts/validators.sh makes the validator venvs)",
        script.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("interchange.x12");
    std::fs::write(&file, interchange).unwrap();
    let out = Command::new(&script)
        .arg(&file)
        .current_dir(dir.path())
        .output()
        .expect("run x12valid");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // x12valid exits 1 even for a valid file: its last line says OK or Failure.
    if text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| l.trim_end().ends_with(": OK"))
    {
        Ok(())
    } else {
        Err(text)
    }
}
