//! The route x role matrix: what each role may do with each route. The same table
//! is written out in `docs/security.md`, and a test checks the two agree and that
//! every route the router has is in it.

use axum::http::Method;

use super::Role;

/// What one role may do with one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Everything the route offers.
    Allowed,
    /// The record and its normalized message, but no raw payload download.
    NoRaw,
    /// Metadata only: PHI (names, member ids, birth dates, addresses, correlation
    /// values, file names) masked, payloads withheld, no `q=` search.
    Masked,
    /// Only for the inbound endpoints the credential is bound to.
    OwnEndpoints,
    /// Refused with 403.
    Denied,
}

impl Access {
    /// The cell's text in `docs/security.md`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Allowed => "allowed",
            Access::NoRaw => "allowed, no raw payload",
            Access::Masked => "masked",
            Access::OwnEndpoints => "own endpoints",
            Access::Denied => "denied",
        }
    }

    /// Whether the request may go on at all.
    pub fn permits(self) -> bool {
        self != Access::Denied
    }
}

/// The rule of one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No credential needed (`/healthz`, `/readyz`, the login itself).
    Public,
    /// A credential is needed; then each role's access, in [`Role::ALL`] order.
    Roles([Access; 5]),
}

impl Rule {
    /// What `role` may do.
    pub fn access(self, role: Role) -> Access {
        match self {
            Rule::Public => Access::Allowed,
            Rule::Roles(cells) => cells[Role::ALL.iter().position(|r| *r == role).unwrap_or(0)],
        }
    }
}

use Access::{Allowed as A, Denied as D, Masked as M, NoRaw as N, OwnEndpoints as E};

/// Readers of the message log: admin, operator, coordinator in full, viewer masked.
const READERS: Rule = Rule::Roles([A, A, A, M, D]);
/// The console's screens: every person's role, the viewer masked.
const CONSOLE: Rule = Rule::Roles([A, A, A, M, D]);
/// Working claims (notes, assignments, resolutions): not viewers.
const WORKERS: Rule = Rule::Roles([A, A, A, D, D]);
/// Every role that has a credential.
const ANYONE: Rule = Rule::Roles([A, A, A, A, A]);
/// Admins only.
const ADMIN: Rule = Rule::Roles([A, D, D, D, D]);
/// Inbound traffic: admins, and senders to their own endpoints.
const SENDERS: Rule = Rule::Roles([A, D, D, D, E]);

/// The rule for a route (its method and its path pattern as the router has it);
/// `None` for a route that has none, which the router refuses to serve.
pub fn rule(method: &Method, path: &str) -> Option<Rule> {
    let m = method.as_str();
    Some(match (m, path) {
        ("GET", "/healthz" | "/readyz") => Rule::Public,
        ("POST", "/v1/session") => Rule::Public,
        ("GET" | "DELETE", "/v1/session") => ANYONE,
        ("POST", "/v1/inbound/{endpoint}") => SENDERS,
        ("GET", "/v1/messages") => READERS,
        ("GET", "/v1/messages/{id}") => Rule::Roles([A, A, N, M, D]),
        ("POST", "/v1/messages/{id}/replay") => Rule::Roles([A, A, D, D, D]),
        ("GET", "/v1/dead-letters") => READERS,
        // Endpoint names, queue depths and breaker states: no message content.
        ("GET", "/v1/endpoints") => Rule::Roles([A, A, A, A, D]),
        ("POST", "/v1/dead-letters/replay") => Rule::Roles([A, A, D, D, D]),
        ("GET", "/v1/claims/{key}/timeline" | "/v1/claims" | "/v1/claims/{key}") => READERS,
        ("GET", "/metrics") => Rule::Roles([A, A, A, A, D]),
        ("GET", "/v1/audit" | "/v1/audit/verify") => ADMIN,
        ("GET" | "POST", "/v1/admin/tokens") => ADMIN,
        ("DELETE", "/v1/admin/tokens/{name}") => ADMIN,
        ("GET" | "POST", "/v1/admin/users") => ADMIN,
        ("POST", "/v1/admin/users/{name}/disable" | "/v1/admin/users/{name}/password") => ADMIN,
        ("GET", "/fhir/{endpoint}/metadata") => ANYONE,
        (
            "POST",
            "/fhir/{endpoint}/Claim/$submit"
            | "/fhir/{endpoint}/CoverageEligibilityRequest"
            | "/fhir/{endpoint}",
        ) => SENDERS,
        // The coordinator console (docs/console.md).
        ("GET", "/login" | "/assets/console.css") => Rule::Public,
        ("POST", "/login") => Rule::Public,
        ("POST", "/logout") => ANYONE,
        ("GET", "/" | "/claims" | "/worklists/rejections" | "/worklists/denials" | "/kpis") => {
            CONSOLE
        }
        ("GET", "/claims/{key}") => Rule::Roles([A, A, N, M, D]),
        ("GET", "/payments" | "/eligibility" | "/prior-auths") => CONSOLE,
        ("GET", "/payments/{id}" | "/eligibility/{id}" | "/prior-auths/{id}") => {
            Rule::Roles([A, A, N, M, D])
        }
        ("GET", "/messages" | "/dead-letters" | "/endpoints") => CONSOLE,
        ("GET", "/messages/{id}") => Rule::Roles([A, A, N, M, D]),
        ("POST", "/dead-letters/replay") => Rule::Roles([A, A, D, D, D]),
        ("POST", "/messages/search") => WORKERS,
        ("POST", "/claims/search") => Rule::Roles([A, A, A, D, D]),
        ("POST", "/views" | "/views/delete") => CONSOLE,
        ("POST", "/claims/{key}/notes" | "/claims/{key}/assign" | "/claims/{key}/resolve") => {
            WORKERS
        }
        _ => return None,
    })
}
