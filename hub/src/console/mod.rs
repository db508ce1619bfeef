//! The coordinator console: server-rendered pages (maud) under `/`, on the API's
//! listener and behind the same access-control layer (session login, roles,
//! masking, audit). No script, no asset from outside the binary: the stylesheet
//! is compiled in and served from `/assets/console.css`. Every filter is a GET
//! form (a deep link); searches by identifier are POST forms, so no patient
//! data reaches a URL or an access log. Lists read the same query code as
//! `/v1/claims` ([`crate::ledger::query`]).

pub mod claims;
mod csv;
mod detail;
mod kpis;
mod login;
pub(crate) mod ops;
mod revenue;
#[cfg(test)]
pub(crate) mod tests;
pub mod text;
mod worklists;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::api::{Caller, Routes};
use crate::auth::Via;
use crate::pipeline::Hub;

pub use text::Clock;

/// The console's stylesheet, compiled in.
const CSS: &str = include_str!("console.css");

/// Add the console's routes.
pub fn routes(r: Routes) -> Routes {
    let r = r
        .add(Method::GET, "/", get(home))
        .add(Method::GET, "/assets/console.css", get(css))
        .add(Method::GET, "/login", get(login::form))
        .add(Method::POST, "/login", post(login::submit))
        .add(Method::POST, "/logout", post(login::logout))
        .add(Method::GET, "/claims", get(claims::list))
        .add(Method::POST, "/claims/search", post(claims::search))
        .add(Method::POST, "/views", post(claims::save_view))
        .add(Method::POST, "/views/delete", post(claims::delete_view))
        .add(Method::GET, "/claims/{key}", get(detail::show))
        .add(Method::POST, "/claims/{key}/notes", post(detail::note))
        .add(Method::POST, "/claims/{key}/assign", post(detail::assign))
        .add(Method::POST, "/claims/{key}/resolve", post(detail::resolve))
        .add(
            Method::GET,
            "/worklists/rejections",
            get(worklists::rejections),
        )
        .add(Method::GET, "/worklists/denials", get(worklists::denials))
        .add(Method::GET, "/kpis", get(kpis::show));
    ops::routes(revenue::routes(r))
}

async fn home() -> Response {
    redirect("/claims")
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// A 303 to `to` (after a form post, or to the login page).
pub fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Browser requests for console pages that the access-control layer refuses for
/// want of a session (401) go to the login page instead of getting the API's JSON.
pub async fn login_redirect(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let is_page = req.method() == Method::GET
        && !path.starts_with("/v1/")
        && !path.starts_with("/fhir/")
        && !matches!(
            path.as_str(),
            "/metrics" | "/healthz" | "/readyz" | "/login"
        );
    let r = next.run(req).await;
    if is_page && r.status() == StatusCode::UNAUTHORIZED {
        return redirect("/login?ended=1");
    }
    r
}

/// Who is looking, and how to show them times.
pub struct Ctx {
    /// The caller.
    pub caller: Caller,
    /// The session's CSRF token, for forms (none for a bearer token: it needs none).
    pub csrf: String,
    /// The practice's clock.
    pub clock: Clock,
}

impl Ctx {
    /// The context of a request.
    pub fn new(hub: &Hub, caller: Caller) -> Ctx {
        let csrf = match &caller.principal.via {
            Via::Session { id } => caller
                .auth
                .sessions
                .touch(id, crate::store::record::now_ms())
                .map(|s| s.csrf)
                .unwrap_or_default(),
            Via::Token => String::new(),
        };
        Ctx {
            caller,
            csrf,
            clock: Clock::new(&hub.config.console.time_zone),
        }
    }

    /// Whether PHI is masked for this caller.
    pub fn masked(&self) -> bool {
        self.caller.masked()
    }

    /// `value`, or `[masked]` for a viewer.
    pub fn phi<'a>(&self, value: &'a str) -> &'a str {
        if self.masked() { "[masked]" } else { value }
    }

    /// The hidden CSRF field every POST form carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="_csrf" value=(self.csrf); }
    }
}

/// The screens in the navigation bar: (path, label).
const NAV: &[(&str, &str)] = &[
    ("/claims", "Claims"),
    ("/worklists/rejections", "Rejections"),
    ("/worklists/denials", "Denials"),
    ("/payments", "Payments"),
    ("/eligibility", "Eligibility"),
    ("/prior-auths", "Prior auths"),
    ("/kpis", "KPIs"),
    ("/messages", "Messages"),
    ("/dead-letters", "Dead letters"),
    ("/endpoints", "Endpoints"),
];

/// A whole page: header with navigation, who is logged in, the time zone, the body.
pub fn page(ctx: &Ctx, title: &str, current: &str, body: Markup) -> Response {
    let p = &ctx.caller.principal;
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Clearway" }
                link rel="stylesheet" href="/assets/console.css";
                link rel="icon" href="data:,";
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    span class="brand" { "Clearway" }
                    nav aria-label="Screens" {
                        ul {
                            @for (href, label) in NAV {
                                li {
                                    @if *href == current {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    div class="who" {
                        span { (p.name) " (" (p.role.as_str()) ")" }
                        " · "
                        span title="Times on these pages are in this zone" { "Times in " (ctx.clock.zone_name()) }
                        @if matches!(p.via, Via::Session { .. }) {
                            form method="post" action="/logout" class="inline" {
                                (ctx.csrf_field())
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    @if ctx.masked() {
                        p class="notice" { "You are signed in as a viewer: patient data is masked." }
                    }
                    (body)
                }
            }
        }
    };
    html_response(StatusCode::OK, markup)
}

/// An HTML answer.
pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// An error page (a bad filter, an unknown claim): names what is wrong, never PHI.
pub fn error_page(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    let mut r = page(
        ctx,
        status.canonical_reason().unwrap_or("Error"),
        "",
        html! { p role="alert" class="error" { (message) } p { a href="/claims" { "Back to claims" } } },
    );
    *r.status_mut() = status;
    r
}

/// A store or ledger failure: logged with its cause, shown without it.
pub fn internal(ctx: &Ctx, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "console page failed");
    error_page(
        ctx,
        StatusCode::INTERNAL_SERVER_ERROR,
        "The hub could not read its store; the error is in its log.",
    )
}

/// "1 claim matches" / "2 claims match": `one` or `many` by `n`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A status region announcing a result count (read out by screen readers).
pub fn count_status(total: usize, what: &str) -> Markup {
    html! {
        p role="status" class="count" { (total) " " (what) }
    }
}

/// Raw HTML (for inline SVG built by the KPI page).
pub fn raw(s: String) -> PreEscaped<String> {
    PreEscaped(s)
}
