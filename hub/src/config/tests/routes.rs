//! Problems in `[[routes]]`: references to endpoints, directions, kinds,
//! repeats, and match paths.

use super::{BASE, ok, only, problems, triples};

/// BASE plus a `dir` endpoint `drop` (lines 12 to 16), then `routes` from
/// line 17 on.
fn with_routes(routes: &str) -> String {
    format!(
        "{BASE}[endpoints.drop]\ntransport = \"dir\"\nconnector = \"json\"\npath = \"in\"\n\n{routes}"
    )
}

#[test]
fn a_route_to_a_missing_endpoint_is_reported_at_that_element() {
    let text = with_routes("[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\", \"archive\"]\n");
    assert_eq!(
        only(&text),
        (19, 17, "`to` in [[routes]] #1 names endpoint `archive`, which is not defined (no [endpoints.archive] table)".into())
    );
}

#[test]
fn a_route_from_a_missing_endpoint_is_reported_at_the_value() {
    let text = with_routes("[[routes]]\nfrom = \"inbx\"\nto = [\"outbox\"]\n");
    assert_eq!(
        only(&text),
        (18, 8, "`from` in [[routes]] #1 names endpoint `inbx`, which is not defined (no [endpoints.inbx] table)".into())
    );
}

#[test]
fn routes_go_from_inbound_to_outbound_endpoints() {
    let text = with_routes("[[routes]]\nfrom = \"outbox\"\nto = [\"drop\"]\n");
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (
                18,
                8,
                "`from` in [[routes]] #1 names endpoint `outbox`, which is outbound (transport `dir-out`); `from` must be an inbound endpoint (http, dir)"
                    .into()
            ),
            (
                19,
                7,
                "`to` in [[routes]] #1 names endpoint `drop`, which is inbound (transport `dir`); `to` must name outbound endpoints (dir-out, http-out, fhir-out, test-clearinghouse)"
                    .into()
            ),
        ]
    );
}

#[test]
fn a_route_naming_an_endpoint_with_problems_gets_no_second_problem() {
    let text = format!(
        "{BASE}[endpoints.ehr]\ntransport = \"mllp\"\nconnector = \"json\"\n[[routes]]\nfrom = \"ehr\"\nto = [\"outbox\"]\n"
    );
    assert_eq!(
        only(&text),
        (13, 13, "transport `mllp` is not available yet".into())
    );
}

#[test]
fn repeats_in_to_are_reported_at_the_repeat() {
    let text = with_routes("[[routes]]\nfrom = \"drop\"\nto = [\"outbox\", \"outbox\"]\n");
    assert_eq!(
        only(&text),
        (
            19,
            17,
            "`to` in [[routes]] #1 names endpoint `outbox` more than once".into()
        )
    );
}

#[test]
fn from_and_to_are_required_and_to_is_not_empty() {
    let text =
        with_routes("[[routes]]\nkinds = [\"claim\"]\n\n[[routes]]\nfrom = \"inbox\"\nto = []\n");
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (17, 1, "missing required key `from` in [[routes]] #1".into()),
            (17, 1, "missing required key `to` in [[routes]] #1".into()),
            (
                22,
                6,
                "`to` in [[routes]] #2 must name at least one endpoint".into()
            ),
        ]
    );
}

#[test]
fn kinds_must_be_known_distinct_and_not_empty() {
    let text = with_routes(
        "[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nkinds = [\"claim\", \"claims\", \"claim\", 837]\n\n\
         [[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nkinds = []\n",
    );
    let known = "coverage, eligibility.request, eligibility.response, claim, claim.ack, claim.status.request, \
                 claim.status.response, prior_auth.request, prior_auth.response, remittance";
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (20, 19, format!("unknown message kind `claims` in [[routes]] #1 (expected one of: {known})")),
            (20, 29, "`kinds` in [[routes]] #1 names kind `claim` more than once".into()),
            (20, 38, "elements of `kinds` in [[routes]] #1 must be strings, not an integer".into()),
            (25, 9, "`kinds` in [[routes]] #2 must name at least one kind (leave `kinds` out to take every kind)".into()),
        ]
    );
}

#[test]
fn every_kind_name_is_accepted() {
    let text = with_routes(
        "[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nkinds = [\"coverage\", \"eligibility.request\", \
         \"eligibility.response\", \"claim\", \"claim.ack\", \"claim.status.request\", \"claim.status.response\", \
         \"prior_auth.request\", \"prior_auth.response\", \"remittance\"]\n",
    );
    let kinds = ok(&text).routes[0].kinds.clone().expect("kinds given");
    assert_eq!(kinds.len(), 10);
    let names: Vec<String> = kinds.iter().map(ToString::to_string).collect();
    assert_eq!(names[0], "coverage");
    assert_eq!(names[9], "remittance");
}

#[test]
fn route_names_are_unique_and_not_empty() {
    let route = |name: &str| {
        format!("[[routes]]\nname = \"{name}\"\nfrom = \"inbox\"\nto = [\"outbox\"]\n")
    };
    let text = with_routes(&[route("a"), route("a"), route("")].concat());
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (
                22,
                8,
                "`name` in [[routes]] #2 repeats the name of an earlier route".into()
            ),
            (26, 8, "`name` in [[routes]] #3 must not be empty".into()),
        ]
    );
}

#[test]
fn match_values_are_strings_and_paths_have_no_empty_segments() {
    let text = with_routes(
        "[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nmatch = { \"payer..id\" = \"1\", parties.payer.id = 12345 }\n",
    );
    assert_eq!(
        triples(&problems(&text)),
        vec![
            (
                20,
                11,
                "`payer..id` in [[routes]] #1.match is not a dotted path: segments separated by single dots, none empty"
                    .into()
            ),
            (
                20,
                49,
                "`parties.payer.id` in [[routes]] #1.match must be matched against a string, not an integer (quote numbers: \"12345\")"
                    .into()
            ),
        ]
    );
}

#[test]
fn a_route_entry_that_is_not_a_table_is_reported() {
    let text = format!("{BASE}routes = [\"inbox\"]\n");
    // BASE ends inside [endpoints.outbox], so `routes` there is a key of it.
    assert!(
        only(&text)
            .2
            .starts_with("unknown key `routes` in [endpoints.outbox]")
    );
    let text = format!("routes = [\"inbox\"]\n{BASE}");
    assert_eq!(
        only(&text),
        (1, 11, "[[routes]] #1 must be a table, not a string".into())
    );
}

#[test]
fn request_reply_routes_wait_20_seconds_by_default() {
    let text =
        format!("{BASE}[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nrequest_reply = true\n");
    let cfg = ok(&text);
    assert!(cfg.routes[0].request_reply);
    assert_eq!(cfg.routes[0].reply_timeout_ms, 20_000);
    let text = format!(
        "{BASE}[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nrequest_reply = true\nreply_timeout_ms = 1500\n"
    );
    assert_eq!(ok(&text).routes[0].reply_timeout_ms, 1500);
}

#[test]
fn a_reply_timeout_without_request_reply_is_a_problem() {
    let text =
        format!("{BASE}[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nreply_timeout_ms = 1500\n");
    let (_, _, message) = only(&text);
    assert!(
        message.contains("applies only with `request_reply = true`"),
        "{message}"
    );
    let text =
        format!("{BASE}[[routes]]\nfrom = \"inbox\"\nto = [\"outbox\"]\nrequest_reply = \"yes\"\n");
    assert!(only(&text).2.contains("must be a boolean"));
}
