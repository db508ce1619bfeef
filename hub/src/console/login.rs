//! `/login` and `/logout`: the session of the access-control layer, as HTML forms.

use std::sync::Arc;

use axum::extract::{Extension, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::{html_response, redirect, text};
use crate::api::guard::{Caller, source};
use crate::api::session::{LoginOutcome, attempt, clear_cookie, end_session, session_cookie};
use crate::auth::Auth;

fn login_page(message: Option<&str>, notice: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Log in · Clearway" }
                link rel="stylesheet" href="/assets/console.css";
                link rel="icon" href="data:,";
            }
            body {
                header class="top" { span class="brand" { "Clearway" } }
                main id="main" {
                    h1 { "Log in" }
                    @if let Some(n) = notice { p role="status" class="notice" { (n) } }
                    @if let Some(m) = message { p role="alert" class="error" id="login-error" { (m) } }
                    form method="post" action="/login" class="field" {
                        p {
                            label for="name" { "Name" }
                            input type="text" id="name" name="name" autocomplete="username" required autofocus;
                        }
                        p {
                            label for="password" { "Password" }
                            input type="password" id="password" name="password" autocomplete="current-password" required;
                        }
                        p { button type="submit" { "Log in" } }
                    }
                }
            }
        }
    }
}

/// `GET /login`.
pub async fn form(req: Request) -> Response {
    let q = req.uri().query().unwrap_or("");
    let notice = if q.contains("ended=1") {
        Some("Your session has ended (logged out, idle too long, or too old). Log in again.")
    } else if q.contains("out=1") {
        Some("You are logged out.")
    } else {
        None
    };
    html_response(StatusCode::OK, login_page(None, notice))
}

/// `POST /login`: name and password from the form; a session cookie and the claims
/// page on success, the form again with the reason otherwise.
pub async fn submit(Extension(auth): Extension<Arc<Auth>>, req: Request) -> Response {
    let from = source(&req);
    if crate::api::guard::check_host(&auth, req.headers()).is_err() {
        return html_response(
            StatusCode::MISDIRECTED_REQUEST,
            login_page(Some("This hub does not answer to this address."), None),
        );
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 16 * 1024).await else {
        return html_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            login_page(Some("A login is at most 16 KiB."), None),
        );
    };
    let pairs = text::pairs(&body);
    let field = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let (Some(name), Some(password)) = (field("name"), field("password")) else {
        return html_response(
            StatusCode::BAD_REQUEST,
            login_page(Some("Enter your name and password."), None),
        );
    };
    match attempt(&auth, &from, name.trim(), password).await {
        Ok(LoginOutcome::LoggedIn(s)) => {
            let mut r = redirect("/claims");
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&s.id)) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(LoginOutcome::Failed) => html_response(
            StatusCode::UNAUTHORIZED,
            login_page(
                Some("Wrong name or password, or the account is disabled."),
                None,
            ),
        ),
        Ok(LoginOutcome::Throttled(wait)) => {
            let mut r = html_response(
                StatusCode::TOO_MANY_REQUESTS,
                login_page(
                    Some(&format!(
                        "Too many failed logins for this name or address: try again in {wait} seconds."
                    )),
                    None,
                ),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            r
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /logout`: end the session, back to the login page.
pub async fn logout(Extension(caller): Extension<Caller>) -> Response {
    if let Err(e) = end_session(&caller).await {
        return e.into_response();
    }
    let mut r = redirect("/login?out=1");
    if let Ok(v) = HeaderValue::from_str(&clear_cookie()) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
