//! The partner of `./bench.sh pipeline`: a fast keep-alive HTTP receiver on loopback
//! that answers every request `200` and counts them (the tests'
//! `support::http_server` answers one request per connection on one thread, which
//! would measure itself, not the hub).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use axum::response::IntoResponse;

/// A running receiver.
#[derive(Debug, Clone)]
pub struct Receiver {
    /// Its port on 127.0.0.1.
    pub port: u16,
    requests: Arc<AtomicUsize>,
}

impl Receiver {
    /// A partner answering `200` to everything.
    pub fn plain() -> Receiver {
        Receiver::start()
    }

    /// Requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn start() -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a receiver");
        let port = listener.local_addr().expect("receiver address").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("receiver runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                // The body is read whole, so the connection stays open for the next request.
                let app = axum::Router::new().fallback(move |_body: axum::body::Bytes| {
                    let counter = counter.clone();
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        StatusCode::OK.into_response()
                    }
                });
                axum::serve(listener, app).await.expect("receiver");
            });
        });
        Receiver { port, requests }
    }
}
