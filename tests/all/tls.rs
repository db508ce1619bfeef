//! TLS on the listener: a certificate made in the test (rcgen), reqwest and
//! `curl --cacert` trusting its CA, plaintext to the TLS port refused, sender
//! tokens that also need a client certificate (mTLS), and `serve` refusing
//! plaintext on a non-loopback address.

use std::process::Command;
use std::time::Duration;

use clearway_tests::support::{
    Hub, claim, clearway_bin, free_port, http, json_config, shared_cache,
};

/// A CA, and a certificate it signed for `names` (PEM: ca, cert, key).
struct Pki {
    ca_pem: String,
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

impl Pki {
    fn new() -> Pki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Clearway test CA");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca = params.self_signed(&ca_key).unwrap();
        Pki {
            ca_pem: ca.pem(),
            ca,
            ca_key,
        }
    }

    /// (certificate PEM, key PEM) for `names`.
    fn issue(&self, names: &[&str], client: bool) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(
            names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        )
        .unwrap();
        params.extended_key_usages = vec![if client {
            rcgen::ExtendedKeyUsagePurpose::ClientAuth
        } else {
            rcgen::ExtendedKeyUsagePurpose::ServerAuth
        }];
        let cert = params.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn tls_hub(client_ca: bool) -> (Hub, Pki) {
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = pki.issue(&["localhost", "127.0.0.1"], false);
    std::fs::write(dir.path().join("hub.crt"), cert).unwrap();
    std::fs::write(dir.path().join("hub.key"), key).unwrap();
    std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).unwrap();
    let tls = if client_ca {
        r#"tls = { cert = "file:hub.crt", key = "file:hub.key", client_ca = "file:ca.pem" }"#
    } else {
        r#"tls = { cert = "file:hub.crt", key = "file:hub.key" }"#
    };
    let cfg = json_config("").replace(
        "durability = \"fsync\"",
        &format!("durability = \"fsync\"\n{tls}"),
    );
    let hub = Hub::start_in_with(dir, &cfg, Some(pki.ca_pem.clone().into_bytes()));
    (hub, pki)
}

#[test]
fn the_tls_listener_serves_clients_that_trust_its_ca_and_refuses_plaintext() {
    let (hub, _pki) = tls_hub(false);
    assert!(hub.url.starts_with("https://"));
    let r = hub
        .http()
        .get(format!("{}/v1/messages", hub.url))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let (status, body) = hub.post_inbound("in", &serde_json::to_vec(&claim("PCN-TLS-1")).unwrap());
    assert_eq!(status, 202, "{body}");

    // curl, trusting the CA file.
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(hub.path("ca.pem"))
        .args([
            "-H",
            &format!("Authorization: Bearer {}", hub.token),
            &format!("{}/v1/messages", hub.url),
        ])
        .output()
        .expect("run curl");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "200",
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // curl without the CA refuses the certificate.
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", &format!("{}/healthz", hub.url)])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "curl trusted a certificate it should not have"
    );

    // Plaintext HTTP to the TLS port gets no HTTP answer.
    let plain = hub.url.replacen("https://", "http://", 1);
    let r = http()
        .get(format!("{plain}/healthz"))
        .timeout(Duration::from_secs(15))
        .send();
    assert!(
        r.is_err() || !r.unwrap().status().is_success(),
        "plaintext was served on the TLS port"
    );
    // A client that does not trust the CA fails the handshake.
    assert!(http().get(format!("{}/healthz", hub.url)).send().is_err());
    // And the hub carries on.
    assert_eq!(hub.get("/v1/messages").0, 200);
}

#[test]
fn with_a_client_ca_sender_tokens_also_need_a_client_certificate() {
    let (hub, pki) = tls_hub(true);
    let token = hub.create_token("lab", "sender", &["in"]);
    let body = serde_json::to_vec(&claim("PCN-MTLS-1")).unwrap();
    let r = hub
        .client_as(&token)
        .post(format!("{}/v1/inbound/in", hub.url))
        .body(body.clone())
        .send()
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        403,
        "a sender token alone is not enough"
    );
    assert!(r.text().unwrap().contains("client certificate"));

    let (cert, key) = pki.issue(&["lab.example"], true);
    let identity = reqwest::Identity::from_pem(format!("{cert}{key}").as_bytes()).unwrap();
    let client = reqwest::blocking::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).unwrap())
        .identity(identity)
        .build()
        .unwrap();
    let r = client
        .post(format!("{}/v1/inbound/in", hub.url))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 202, "{}", r.text().unwrap_or_default());
    // People and other roles need no client certificate.
    assert_eq!(hub.get("/v1/messages").0, 200);
}

#[test]
fn serve_refuses_plaintext_on_a_non_loopback_address() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = json_config("").replace("127.0.0.1:{port}", &format!("0.0.0.0:{}", free_port()));
    let path = dir.path().join("clearway.toml");
    std::fs::write(&path, cfg).unwrap();
    let out = Command::new(clearway_bin())
        .args(["serve", "--config"])
        .arg(&path)
        .env("CLEARWAY_CACHE_DIR", shared_cache())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to serve plaintext HTTP on 0.0.0.0"),
        "{stderr}"
    );
    assert!(
        stderr.contains("allow_plaintext = true"),
        "the message says how to proceed: {stderr}"
    );
}
