//! The OpenAPI 3.1 document of the JSON API, generated from the handlers' `#[utoipa::path]`
//! attributes and the typed request and response structs ([`super::views`]), served at
//! `GET /api/v1/openapi.json` and checked against the running server by schemathesis in CI.

use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HttpMethod, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use super::{api, claims, clarify, feeds, review, users};

/// The document: every `/api/v1` route plus the health probes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tanggap API",
        description = "Hoax and crisis rapid response: send mentions, search them, work incidents, \
                       draft and approve clarifications. Every error answers `{\"error\": {\"code\", \
                       \"message\", \"details\"}}`; `details` names each bad field (with its index in a batch).",
        license(name = "Apache-2.0")
    ),
    paths(
        api::healthz,
        api::readyz,
        openapi_json,
        api::post_mentions,
        api::get_mention,
        api::search,
        api::feeds,
        feeds::add,
        feeds::disable,
        feeds::enable,
        review::list,
        review::decide,
        api::list_incidents,
        api::get_incident,
        api::triage,
        api::transition,
        api::merge,
        api::split,
        clarify::create_draft,
        clarify::switch_playbook,
        clarify::mark_step,
        clarify::list_clarifications,
        clarify::get_clarification,
        clarify::edit_clarification,
        clarify::submit,
        clarify::approve,
        clarify::send_back,
        clarify::copy,
        clarify::claim_review,
        claims::list,
        claims::create,
        claims::get,
        claims::disable,
        claims::enable,
        clarify::list_playbooks,
        clarify::get_playbook,
        users::list,
        users::create,
        users::disable,
    ),
    components(schemas(crate::error::ErrorBody, super::views::MentionInput)),
    modifiers(&Conventions),
    tags(
        (name = "intake", description = "Sending mentions"),
        (name = "search", description = "Full-text search over mentions"),
        (name = "incidents", description = "Incidents, their lifecycle, playbook and checklist"),
        (name = "review", description = "The review tray of uncertain alarms"),
        (name = "clarifications", description = "Draft, submit, approve, return and copy replies"),
        (name = "claims", description = "The registry of known (debunked) claims"),
        (name = "playbooks", description = "SOP playbooks with templates"),
        (name = "feeds", description = "RSS/Atom feeds polled for mentions and debunks"),
        (name = "users", description = "People who sign in (admin)"),
        (name = "health", description = "Probes"),
    )
)]
pub(super) struct ApiDoc;

/// What every operation shares, added once here instead of on each handler: the bearer token,
/// and the error answers each kind of operation can give (all in the error format).
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `tanggap token create`"))
                    .build(),
            ),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let guarded = path.starts_with("/api/v1/") && path != "/api/v1/openapi.json";
            let has_id = path.contains('{');
            for (method, op) in [
                (HttpMethod::Get, item.get.as_mut()),
                (HttpMethod::Post, item.post.as_mut()),
                (HttpMethod::Put, item.put.as_mut()),
                (HttpMethod::Patch, item.patch.as_mut()),
            ] {
                let Some(op) = op else { continue };
                let writes = method != HttpMethod::Get;
                let has_query = op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
                });
                let mut errors: Vec<(&str, &str)> = Vec::new();
                if guarded {
                    op.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
                    errors.extend([
                        ("400", "Malformed request (bad JSON, bad path or query)"),
                        ("401", "No valid token"),
                        ("403", "The token's role may not do this, or a rule forbids it"),
                    ]);
                }
                if guarded && has_id {
                    errors.push(("404", "No such thing"));
                }
                if guarded && writes {
                    errors.extend([
                        ("409", "Conflicts with the current state"),
                        ("413", "Body larger than the server's limit"),
                        ("422", "Fields failed validation; `details` names each"),
                    ]);
                } else if guarded && has_query {
                    errors.push(("422", "Query parameters failed validation; `details` names each"));
                }
                for (status, description) in errors {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

/// An error answer in the error format.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// The document as JSON.
pub(super) fn document() -> Document {
    ApiDoc::openapi()
}

/// `GET /api/v1/openapi.json`: this API's OpenAPI 3.1 document (public, like the API's own
/// error format; it names routes, never data).
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
pub(super) async fn openapi_json() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    // The document depends only on the code: built once, on first request.
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let json = JSON.get_or_init(|| serde_json::to_string(&document()).expect("the document serialises"));
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every API route of the router is in the document with its method, and the document
    /// names no route the router lacks.
    #[test]
    fn the_document_covers_the_route_table() {
        let doc = serde_json::to_value(document()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut documented = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    documented.push(format!("{} {path}", method.to_uppercase()));
                }
            }
        }
        let mut routed: Vec<String> = super::super::routes()
            .into_iter()
            .filter(|(_, p)| p.starts_with("/api/") || *p == "/healthz" || *p == "/readyz")
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        documented.sort();
        routed.sort();
        assert_eq!(documented, routed);
    }

    /// Guarded operations need the bearer token and document the error format.
    #[test]
    fn guarded_operations_state_their_security_and_errors() {
        let doc = serde_json::to_value(document()).unwrap();
        let approve = &doc["paths"]["/api/v1/clarifications/{id}/approve"]["post"];
        assert_eq!(approve["security"][0]["bearer"], serde_json::json!([]));
        for status in ["401", "403", "404", "409", "422"] {
            assert_eq!(
                approve["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{status}"
            );
        }
        assert!(doc["paths"]["/healthz"]["get"].get("security").is_none());
        assert!(doc["components"]["schemas"]["IncidentDetail"].is_object());
    }
}
