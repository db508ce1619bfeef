"""An EHR-side FHIR client, built on fhirclient 4.4.0, talking to Clearway's FHIR facade.

Usage: CLEARWAY_TOKEN=... fhir_ehr_client.py BASE_URL FIXTURES_DIR OUT_DIR

BASE_URL is the facade of one endpoint (http://HOST:PORT/fhir/NAME). The client
1. reads the CapabilityStatement (GET metadata) and checks that it lists Claim $submit
   and CoverageEligibilityRequest;
2. builds a Claim Bundle with fhirclient's models from FIXTURES_DIR/claim-professional-bundle.json,
   giving the billing provider (an Organization) an address, and submits it to
   Claim/$submit: it expects 202 with a Location;
3. submits FIXTURES_DIR/eligibility-request.json as a CoverageEligibilityRequest model
   and expects 200 with a CoverageEligibilityResponse, parsed strictly by fhirclient;
4. submits a Claim Bundle with a broken item and expects 422 with an OperationOutcome.
Every answer body is written to OUT_DIR (submit.json, eligibility.json, rejected.json) for
other validators; a summary goes to stdout as JSON. Exit 1 on any surprise.
"""
import json
import os
import sys

import requests
from fhirclient import server as fhirserver
from fhirclient.models import address, bundle, capabilitystatement, claim, operationoutcome
from fhirclient.models import coverageeligibilityrequest, coverageeligibilityresponse
from fhirclient.models import organization


def fail(what):
    print(f"fhir_ehr_client: {what}", file=sys.stderr)
    sys.exit(1)


def load(fixtures, name):
    with open(os.path.join(fixtures, name), encoding="utf-8") as f:
        return json.load(f)


def claim_bundle(fixtures):
    """The fixture Bundle as fhirclient models, with an address on the billing provider."""
    b = bundle.Bundle(load(fixtures, "claim-professional-bundle.json"))
    the_claim = next(e.resource for e in b.entry if isinstance(e.resource, claim.Claim))
    provider = the_claim.provider.reference
    for entry in b.entry:
        if entry.fullUrl == provider and isinstance(entry.resource, organization.Organization):
            a = address.Address()
            a.line = ["100 Example Street"]
            a.city = "Springfield"
            a.state = "OR"
            a.postalCode = "97477"
            entry.resource.address = [a]
            break
    else:
        fail("the fixture's claim has no Organization provider in the Bundle")
    return b


def post(srv, path, resource_json):
    """POST through fhirclient; its raise_for_status raises on >= 400, so keep the response."""
    try:
        return srv.post_json(path, resource_json)
    except requests.exceptions.HTTPError as e:
        return e.response
    except fhirserver.FHIRNotFoundException as e:
        return e.response


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    base, fixtures, out = sys.argv[1].rstrip("/") + "/", sys.argv[2], sys.argv[3]
    srv = fhirserver.FHIRServer(None, base_uri=base)
    # The hub's API token of this EHR (a sender bound to its FHIR endpoint).
    srv.session.headers["Authorization"] = "Bearer " + os.environ["CLEARWAY_TOKEN"]
    summary = {}

    cs = capabilitystatement.CapabilityStatement(srv.request_json("metadata"))
    resources = {r.type: r for rest in cs.rest or [] for r in rest.resource or []}
    if "Claim" not in resources or "CoverageEligibilityRequest" not in resources:
        fail(f"metadata does not list Claim and CoverageEligibilityRequest: {sorted(resources)}")
    summary["fhirVersion"] = cs.fhirVersion

    r = post(srv, "Claim/$submit", claim_bundle(fixtures).as_json())
    if r.status_code != 202 or not r.headers.get("Location"):
        fail(f"Claim/$submit answered {r.status_code}: {r.text[:500]}")
    summary["submit"] = {"status": r.status_code, "location": r.headers["Location"]}
    with open(os.path.join(out, "submit.json"), "w", encoding="utf-8") as f:
        f.write(r.text)

    request = coverageeligibilityrequest.CoverageEligibilityRequest(load(fixtures, "eligibility-request.json"))
    r = post(srv, "CoverageEligibilityRequest", request.as_json())
    if r.status_code != 200 or not r.headers.get("Content-Type", "").startswith("application/fhir+json"):
        fail(f"CoverageEligibilityRequest answered {r.status_code} {r.headers.get('Content-Type')}: {r.text[:500]}")
    answer = coverageeligibilityresponse.CoverageEligibilityResponse(r.json(), strict=True)
    summary["eligibility"] = {
        "status": r.status_code,
        "resourceType": answer.resource_type,
        "outcome": answer.outcome,
        "insurance": len(answer.insurance or []),
    }
    with open(os.path.join(out, "eligibility.json"), "w", encoding="utf-8") as f:
        f.write(r.text)

    broken = load(fixtures, "claim-professional-bundle.json")
    broken["entry"][0]["resource"]["item"][0]["productOrService"] = 7
    r = post(srv, "Claim/$submit", broken)
    if r.status_code != 422:
        fail(f"a broken Claim answered {r.status_code}, not 422")
    outcome = operationoutcome.OperationOutcome(r.json(), strict=True)
    summary["rejected"] = {
        "status": r.status_code,
        "expressions": [e for i in outcome.issue for e in (i.expression or [])],
    }
    with open(os.path.join(out, "rejected.json"), "w", encoding="utf-8") as f:
        f.write(r.text)

    print(json.dumps(summary))


if __name__ == "__main__":
    main()
