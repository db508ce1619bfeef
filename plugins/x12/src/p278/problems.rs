//! What a 278 (005010X217) requires or cannot express, checked before writing: each problem
//! names the JSON pointer (`/0/parties/subscriber/member_id`), never a value.

use clearway_plugin_sdk::Problem;
use clearway_plugin_sdk::schemas::body::UnitType;
use clearway_plugin_sdk::schemas::body::prior_auth::{
    PriorAuthRequest, PriorAuthResponse, RequestedService,
};
use clearway_plugin_sdk::schemas::{Code, Message, Party, Quantity};
use serde_json::Value;

use super::codes;
use super::event::{sv_for, sv_units};
use super::response::{ABSENT, EVENT};

/// `NM108` qualifiers X217 allows for the parties Clearway writes with an id.
const NM108: &[&str] = &["24", "34", "46", "FI", "NI", "PI", "XV", "XX", "MI", "ZZ"];

/// Problems of message `index`.
struct Problems {
    index: usize,
    out: Vec<Problem>,
}

impl Problems {
    /// A required piece: a problem when `present` is false.
    fn require(&mut self, present: bool, path: &str, what: &str) {
        if !present {
            self.out.push(
                Problem::error(
                    "x12.encode.required",
                    format!("a 278 requires {what}, which the message does not carry"),
                )
                .at_path(format!("/{}{path}", self.index)),
            );
        }
    }

    /// A value X217 has no code for: a problem when `ok` is false.
    fn code(&mut self, ok: bool, path: &str, what: &str) {
        if !ok {
            self.out.push(
                Problem::error(
                    "x12.encode.code",
                    format!("{what} has no code in the 278 (005010X217)"),
                )
                .at_path(format!("/{}{path}", self.index)),
            );
        }
    }

    /// A named party with an `NM109` id (when `id`), at `path`.
    fn party(&mut self, party: Option<&Party>, path: &str, what: &str, id: bool) {
        let Some(party) = party else {
            self.require(false, path, what);
            return;
        };
        let named = party.name.is_some() || party.last_name.is_some();
        self.require(
            named,
            &format!("{path}/name"),
            &format!("the {what}'s name (NM103)"),
        );
        if id {
            let has_id = party.npi.is_some()
                || party.member_id.is_some()
                || party.payer_id.is_some()
                || party
                    .identifiers
                    .iter()
                    .any(|i| i.qualifier.as_deref().is_some_and(|q| NM108.contains(&q)));
            self.require(
                has_id,
                path,
                &format!("the {what}'s identifier (NM108/NM109)"),
            );
        }
    }

    /// Roles of party loops: each in `roles`.
    fn roles(&mut self, parties: &[Party], path: &str, known: fn(&str) -> bool) {
        for (k, party) in parties.iter().enumerate() {
            let role = party.role.as_ref().map(|r| r.code.as_str());
            self.code(
                role.is_some_and(known),
                &format!("{path}/{k}/role"),
                "the party's role (NM101)",
            );
        }
    }

    /// A place of service or facility code (`UM04`).
    fn place(&mut self, place: Option<&Code>, path: &str) {
        let ok = place.is_none_or(|p| codes::location_qualifier(&p.system).is_some());
        self.code(ok, path, "the place of service's code system (UM04-2)");
    }

    /// An `HSD` quantity and unit: the unit is one `HSD01` names, and a quantity has one.
    fn hsd(&mut self, quantity: Option<Quantity>, unit: Option<UnitType>, path: &str) {
        self.require(
            quantity.is_none() || unit.is_some(),
            &format!("{path}/unit_type"),
            "the unit of a quantity (HSD01)",
        );
        let ok = unit.is_none_or(|u| codes::hsd_code(u).is_some());
        self.code(ok, &format!("{path}/unit_type"), "the unit (HSD01)");
    }

    /// The `SVn`, `HSD` and providers of requested service `k`.
    fn service(&mut self, k: usize, service: &RequestedService, diagnoses: usize) {
        let path = format!("/body/services/{k}");
        self.place(
            service.place_of_service.as_ref(),
            &format!("{path}/place_of_service"),
        );
        self.roles(&service.providers, &format!("{path}/providers"), |r| {
            codes::PROVIDER_ROLES.contains(&r)
        });
        if service.procedure.is_some() || service.revenue_code.is_some() {
            let id = sv_for(service.revenue_code.is_some(), service.procedure.as_ref());
            let ok = service.unit_type.is_none_or(|u| sv_units(id).contains(&u));
            self.code(
                ok,
                &format!("{path}/unit_type"),
                "the unit of the service line",
            );
        } else {
            self.hsd(service.quantity, service.unit_type, &path);
        }
        self.code(
            service.modifiers.len() <= 4,
            &format!("{path}/modifiers"),
            "a fifth modifier",
        );
        let pointers = &service.diagnosis_pointers;
        let ok = pointers.len() <= 4
            && pointers
                .iter()
                .all(|p| (1..=diagnoses).contains(&(*p as usize)));
        self.code(
            ok,
            &format!("{path}/diagnosis_pointers"),
            "a diagnosis pointer (SV107)",
        );
    }
}

/// Whether `role` names a 2010E loop.
fn event_role(role: &str) -> bool {
    codes::event_party_loop(role).is_some()
}

/// What a 278 request needs, for message `index` of an encode.
pub fn request(index: usize, message: &Message, body: &PriorAuthRequest) -> Vec<Problem> {
    let mut p = Problems {
        index,
        out: Vec::new(),
    };
    let parties = &message.parties;
    p.party(
        parties.payer.as_ref(),
        "/parties/payer",
        "UMO (payer)",
        true,
    );
    p.party(
        parties.provider.as_ref(),
        "/parties/provider",
        "requester (provider)",
        true,
    );
    p.require(
        parties
            .subscriber
            .as_ref()
            .is_some_and(|s| s.member_id.is_some()),
        "/parties/subscriber/member_id",
        "the subscriber's member id (NM109)",
    );
    p.roles(&parties.other, "/parties/other", event_role);
    let category = codes::request_category_code(body.request_category).is_some();
    p.code(
        category,
        "/body/request_category",
        "the request category (UM01)",
    );
    let kind = codes::certification_type_code(body.certification_type).is_some();
    p.code(
        kind,
        "/body/certification_type",
        "the certification type (UM02)",
    );
    p.place(body.place_of_service.as_ref(), "/body/place_of_service");
    let level = body.level_of_service.as_deref();
    let ok = level.is_none_or(|l| codes::LEVELS_OF_SERVICE.contains(&l));
    p.code(ok, "/body/level_of_service", "the level of service (UM06)");
    p.hsd(body.quantity, body.unit_type, "/body");
    p.code(
        body.diagnoses.len() <= 12,
        "/body/diagnoses",
        "a thirteenth diagnosis (HI)",
    );
    for (k, diagnosis) in body.diagnoses.iter().enumerate() {
        let ok = codes::diagnosis_qualifier(diagnosis.role, &diagnosis.code.system).is_some();
        p.code(
            ok,
            &format!("/body/diagnoses/{k}/code"),
            "the diagnosis's type (HI01-1)",
        );
    }
    for (k, service) in body.services.iter().enumerate() {
        p.service(k, service, body.diagnoses.len());
    }
    p.out
}

/// What a 278 response needs, for message `index` of an encode.
pub fn response(index: usize, message: &Message, body: &PriorAuthResponse) -> Vec<Problem> {
    let mut p = Problems {
        index,
        out: Vec::new(),
    };
    let parties = &message.parties;
    p.party(
        parties.payer.as_ref(),
        "/parties/payer",
        "UMO (payer)",
        true,
    );
    p.roles(&parties.other, "/parties/other", event_role);
    p.code(
        codes::action_code(body.action).is_some(),
        "/body/action",
        "the action (HCR01)",
    );
    p.code(
        body.reasons.len() <= 1,
        "/body/reasons/1",
        "a second decision reason (HCR03)",
    );
    let absent = message.extensions.get(EVENT).and_then(Value::as_str) == Some(ABSENT);
    if absent {
        p.require(
            body.services.is_empty(),
            "/body/services",
            "a patient event level for services",
        );
    } else {
        p.party(
            parties.provider.as_ref(),
            "/parties/provider",
            "requester (provider)",
            true,
        );
        p.require(
            parties.subscriber.is_some(),
            "/parties/subscriber",
            "the subscriber (2010C)",
        );
        let category = body.request_category.and_then(codes::request_category_code);
        p.require(
            category.is_some(),
            "/body/request_category",
            "the request category (UM01) as an X217 code",
        );
        let kind = body
            .certification_type
            .and_then(codes::certification_type_code);
        p.require(
            kind.is_some(),
            "/body/certification_type",
            "the certification type (UM02) as an X217 code",
        );
        p.place(body.place_of_service.as_ref(), "/body/place_of_service");
        p.hsd(body.quantity, body.unit_type, "/body");
    }
    for (k, decision) in body.services.iter().enumerate() {
        let path = format!("/body/services/{k}");
        p.code(
            codes::action_code(decision.action).is_some(),
            &format!("{path}/action"),
            "the action (HCR01)",
        );
        p.code(
            decision.reasons.len() <= 1,
            &format!("{path}/reasons/1"),
            "a second decision reason (HCR03)",
        );
        p.hsd(decision.quantity, decision.unit_type, &path);
        p.roles(&decision.providers, &format!("{path}/providers"), |r| {
            codes::PROVIDER_ROLES.contains(&r)
        });
    }
    for (k, rejection) in body.rejections.iter().enumerate() {
        p.require(
            rejection.follow_up_action.is_some(),
            &format!("/body/rejections/{k}/follow_up_action"),
            "the follow-up action of a rejection (AAA04)",
        );
    }
    p.out
}
