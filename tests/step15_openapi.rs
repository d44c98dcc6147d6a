//! Step 15: the OpenAPI document, checked against the app's real answers,
//! and the offline Swagger UI.

mod common;
#[path = "common/state.rs"]
mod state;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use common::{Reply, TEST_SECRET, TestServer, form, serve};
use course::cookies::{CookieState, CsrfKey};
use course::login_throttle::{HashingPool, Limiter, LoginLimits, ThrottleState};
use course::openapi::app;
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore};
use course::revocation::{DenyList, RevocationState};
use course::scopes::{ItemStore, ScopeGrants, ScopesState};
use course::totp::{MfaKeys, TotpSecrets, TotpState, system_clock};
use reqwest::Method;
use serde_json::{Value, json};
use state::state_with;

const LOOK: &str = "exercises/15_openapi.rs";

async fn server() -> TestServer {
    let scopes = ScopesState::new(state_with(&[]), ScopeGrants::demo(), ItemStore::demo());
    let refresh = RefreshState::new(scopes, RefreshStore::new(DEFAULT_REFRESH_TTL));
    let cookies = CookieState::new(
        RevocationState::new(refresh, DenyList::default()),
        CsrfKey::derive(TEST_SECRET).expect("a long secret"),
    );
    let totp = TotpState::new(
        cookies,
        TotpSecrets::demo(),
        MfaKeys::derive(TEST_SECRET).expect("keys"),
        system_clock(),
    );
    let limits = LoginLimits::new(
        Limiter::new(3, Duration::from_secs(60)),
        Limiter::new(100, Duration::from_secs(1)),
        Arc::new(common::now),
    );
    serve(app(ThrottleState::new(
        totp,
        HashingPool::new(2, 4),
        limits,
    )))
    .await
}

async fn document(server: &TestServer) -> Value {
    let reply = server.get("/openapi.json", &[]).await;
    reply.assert_status(200, "GET /openapi.json serves the document", LOOK);
    reply.assert_header(
        "content-type",
        "application/json",
        "the document is JSON",
        "document in exercises/15_openapi.rs",
    );
    reply.json()
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_pinned() {
    let server = server().await;
    let doc = document(&server).await;
    assert!(
        doc["openapi"] == "3.1.0",
        "the document must say \"openapi\": \"3.1.0\"; it says {}.\n  look at: ApiDoc in {LOOK}",
        doc["openapi"]
    );
    insta::assert_json_snapshot!("openapi_document", doc);
}

#[tokio::test]
async fn every_route_is_documented() {
    let doc = document(&server().await).await;
    let mut documented = BTreeSet::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
                documented.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let routes: BTreeSet<String> = [
        "POST /token",
        "POST /login",
        "POST /logout",
        "POST /revoke",
        "GET /users/me",
        "GET /users/me/items",
        "POST /users/me/items",
    ]
    .map(str::to_owned)
    .into_iter()
    .collect();
    assert_eq!(
        documented, routes,
        "the document must describe exactly the app's routes: a route missing from it is one nobody can find, \
         and one that is not in the app is a lie.\n  look at: the paths of ApiDoc in {LOOK}"
    );
}

#[tokio::test]
async fn authorize_logs_in_with_the_password_flow_and_the_three_scopes() {
    let doc = document(&server().await).await;
    let flow = &doc["components"]["securitySchemes"]["oauth2"];
    assert!(
        flow["type"] == "oauth2"
            && flow["flows"]["password"]["tokenUrl"] == "/token"
            && flow["flows"]["password"]["scopes"]
                .as_object()
                .is_some_and(|s| {
                    let names: BTreeSet<&str> = s.keys().map(String::as_str).collect();
                    names == BTreeSet::from(["profile", "items:read", "items:write"])
                }),
        "components.securitySchemes.oauth2 must be an OAuth2 password flow with tokenUrl /token and the scopes \
         profile, items:read and items:write: Swagger UI's Authorize dialog reads exactly this; got {flow}.\n  \
         look at: SecuritySchemes in {LOOK}"
    );
}

#[tokio::test]
async fn each_operation_asks_for_its_scope() {
    let doc = document(&server().await).await;
    for (method, path, scope) in [
        ("get", "/users/me", Some("profile")),
        ("get", "/users/me/items", Some("items:read")),
        ("post", "/users/me/items", Some("items:write")),
        ("post", "/token", None),
        ("post", "/revoke", None),
        ("post", "/login", None),
    ] {
        let security = &doc["paths"][path][method]["security"];
        let oauth2: Option<Vec<String>> = security.as_array().and_then(|alternatives| {
            alternatives
                .iter()
                .find_map(|a| a.get("oauth2"))
                .and_then(|scopes| serde_json::from_value(scopes.clone()).ok())
        });
        match scope {
            Some(scope) => assert!(
                oauth2 == Some(vec![scope.to_owned()]),
                "{method} {path} must require the oauth2 scheme with the scope [{scope:?}] (the route answers 403 \
                 without it); its security is {security}.\n  look at: the security of that operation in {LOOK}"
            ),
            None => assert!(
                security.is_null() || security.as_array().is_some_and(Vec::is_empty),
                "{method} {path} needs no token, so the document must not ask for one; its security is \
                 {security}.\n  look at: that operation in {LOOK}"
            ),
        }
    }
}

/// The schema `reference` points to, in `doc`.
fn schema<'a>(doc: &'a Value, reference: &Value) -> &'a Value {
    let name = reference
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or_default();
    &doc["components"]["schemas"][name]
}

/// Checks that `reply`, an answer of `method path`, is one the document
/// promises: its status is listed, and its JSON body has the documented
/// schema's required properties and no others.
#[track_caller]
fn assert_documented(doc: &Value, method: &str, path: &str, reply: &Reply) {
    let response = &doc["paths"][path][method]["responses"][reply.status.to_string()];
    assert!(
        response.is_object(),
        "{}",
        reply.explain(
            &format!(
                "a status the document lists for {} {path}: it does not list {}",
                method.to_uppercase(),
                reply.status
            ),
            "the responses of that operation in exercises/15_openapi.rs"
        )
    );
    let Some(mut shape) = response["content"]["application/json"]["schema"].as_object() else {
        return;
    };
    let array = shape.get("type").is_some_and(|t| t == "array");
    let reference = if array {
        shape["items"]["$ref"].clone()
    } else {
        shape["$ref"].clone()
    };
    shape = match schema(doc, &reference).as_object() {
        Some(shape) => shape,
        None => panic!("the schema {reference} is not in components.schemas.\n  look at: {LOOK}"),
    };
    let body = reply.json();
    let objects: Vec<&Value> = if array {
        body.as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    } else {
        vec![&body]
    };
    let properties: BTreeSet<&str> = shape["properties"]
        .as_object()
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let required: BTreeSet<&str> = shape["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for object in objects {
        let keys: BTreeSet<&str> = object
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert!(
            keys.is_subset(&properties) && required.is_subset(&keys),
            "{}",
            reply.explain(
                &format!(
                    "a body the document describes for {} {path} {}: properties {properties:?}, required \
                     {required:?}; the body has {keys:?}",
                    method.to_uppercase(),
                    reply.status
                ),
                "the schemas in exercises/15_openapi.rs"
            )
        );
    }
}

#[tokio::test]
async fn the_document_tells_the_truth_about_the_answers() {
    let server = server().await;
    let doc = document(&server).await;
    let login = |username: &'static str, password: &'static str, scope: &'static str| {
        form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
            ("scope", scope),
        ])
    };
    let ok = server
        .post_form(
            "/token",
            &login("alice", "secret123", "profile items:read items:write"),
        )
        .await;
    assert_documented(&doc, "post", "/token", &ok);
    let token = ok.access_token();
    let refresh = ok.json()["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for body in [
        login("alice", "wrong", "profile"),
        login("carol", "otp-demo-password-1", "profile"),
        form(&[("grant_type", "password")]),
    ] {
        let reply = server.post_form("/token", &body).await;
        assert_documented(&doc, "post", "/token", &reply);
    }
    let guessed = format!("mallory-{}", common::random_hex(4));
    let mut last = None;
    for _ in 0..4 {
        let body = form(&[
            ("grant_type", "password"),
            ("username", &guessed),
            ("password", "guess"),
        ]);
        last = Some(server.post_form("/token", &body).await);
    }
    if let Some(throttled) = last {
        throttled.assert_status(
            429,
            "a fourth failed login for one username (the limit is 3 here)",
            LOOK,
        );
        assert_documented(&doc, "post", "/token", &throttled);
    }
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];
    for (method, path, headers, body) in [
        (Method::GET, "/users/me", &auth[..], String::new()),
        (Method::GET, "/users/me", &[][..], String::new()),
        (
            Method::GET,
            "/users/me",
            &[("authorization", "Bearer a b")][..],
            String::new(),
        ),
        (Method::GET, "/users/me/items", &auth[..], String::new()),
        (
            Method::POST,
            "/users/me/items",
            &auth[..],
            json!({"name": "Kettle"}).to_string(),
        ),
        (
            Method::POST,
            "/users/me/items",
            &auth[..],
            json!({"name": ""}).to_string(),
        ),
    ] {
        let mut headers = headers.to_vec();
        headers.push(("content-type", "application/json"));
        let reply = server.request(method.clone(), path, &headers, body).await;
        assert_documented(&doc, &method.as_str().to_lowercase(), path, &reply);
    }
    let narrow = server
        .post_form("/token", &login("alice", "secret123", "profile"))
        .await;
    let narrow = format!("Bearer {}", narrow.access_token());
    let reply = server
        .request(
            Method::GET,
            "/users/me/items",
            &[("authorization", &narrow)],
            String::new(),
        )
        .await;
    assert_documented(&doc, "get", "/users/me/items", &reply);
    let reply = server
        .post_form("/revoke", &form(&[("token", &refresh)]))
        .await;
    assert_documented(&doc, "post", "/revoke", &reply);
    let reply = server.post_form("/revoke", "").await;
    assert_documented(&doc, "post", "/revoke", &reply);
    let reply = server
        .request(Method::POST, "/logout", &auth, String::new())
        .await;
    assert_documented(&doc, "post", "/logout", &reply);
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let server = server().await;
    let page = server.get("/docs", &[]).await;
    page.assert_status(
        200,
        "GET /docs serves Swagger UI",
        "docs in exercises/15_openapi.rs",
    );
    assert!(
        page.header("content-type").is_some_and(|c| c.starts_with("text/html"))
            && page.body.contains("/docs/swagger-ui-bundle.js")
            && page.body.contains("/openapi.json")
            && !page.body.contains("http://")
            && !page.body.contains("https://"),
        "{}",
        page.explain(
            "an HTML page that loads Swagger UI from /docs/... and the document from /openapi.json, and nothing \
             from another site: the docs must work offline, and a page that pulls script from a CDN runs whatever \
             that CDN serves today, on your origin",
            "docs in exercises/15_openapi.rs (the page links each asset as ./<file> unless override_file_path \
             says where it is: from /docs, ./<file> is /<file>)"
        )
    );
    let csp = page
        .header("content-security-policy")
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'"),
        "{}",
        page.explain(
            "a Content-Security-Policy with default-src 'self', so the browser itself refuses anything from \
             elsewhere",
            "same_origin_only in exercises/15_openapi.rs, and the map_response layer in docs that adds it"
        )
    );
    let script_sources = directive(&csp, "script-src").unwrap_or_default();
    assert!(
        script_sources.iter().any(|s| runs_inline(s)),
        "{}",
        page.explain(
            "a Content-Security-Policy whose script-src (or default-src, where there is none) allows the \
             page's inline script, by its hash: the page starts Swagger UI from an inline script, and a policy \
             that blocks it leaves a blank page",
            "content_security_policy in exercises/15_openapi.rs"
        )
    );
    assert!(
        !script_sources.contains(&"'unsafe-inline'"),
        "{}",
        page.explain(
            "a script-src with no 'unsafe-inline': it would let any script injected into the page run, on the \
             origin that holds the session cookies. Allow the page's one inline script by its hash, \
             'sha256-<base64 of its SHA-256>', and nothing else inline",
            "content_security_policy in exercises/15_openapi.rs"
        )
    );
    let expected = format!("'sha256-{}'", inline_script_hash(&page.body));
    assert!(
        script_sources.contains(&expected.as_str()),
        "{}",
        page.explain(
            &format!(
                "a script-src with {expected}, the hash of the page's inline script (the text between its last \
                 <script> and </script>, exactly as sent): a browser runs an inline script only if its hash is \
                 listed, and a hash of anything else leaves a blank page"
            ),
            "content_security_policy in exercises/15_openapi.rs"
        )
    );
    for (directive_name, sources) in csp.split(';').filter_map(|d| {
        d.split_whitespace()
            .next()
            .map(|n| (n, d.split_whitespace().skip(1)))
    }) {
        for source in sources {
            let keyword = source.starts_with('\'');
            let data = directive_name == "img-src" && source == "data:";
            assert!(
                keyword || data,
                "{}",
                page.explain(
                    &format!(
                        "a policy that names no other place: {directive_name} allows {source}, and no source may be \
                         a host, a scheme (https:) or *: the docs load everything from this server (only \
                         'self', 'none', the script's hash, 'unsafe-inline' for styles, and data: images)"
                    ),
                    "content_security_policy in exercises/15_openapi.rs"
                )
            );
        }
    }
    assert!(
        script_sources.iter().all(|s| *s == "'self'" || *s == expected.as_str()),
        "{}",
        page.explain(
            &format!(
                "a script-src of 'self' and {expected} only: no 'unsafe-eval', no other hash or nonce. Every source \
                 more is a way for a script that is not ours to run next to the session cookies"
            ),
            "content_security_policy in exercises/15_openapi.rs"
        )
    );
    for (name, why) in [
        ("object-src", "no plugin content"),
        (
            "base-uri",
            "no <base> tag may send the page's relative links elsewhere",
        ),
    ] {
        assert!(
            directive(&csp, name).is_some_and(|sources| sources == ["'none'"]),
            "{}",
            page.explain(
                &format!("{name} 'none' in the policy: {why}"),
                "content_security_policy in exercises/15_openapi.rs"
            )
        );
    }
    assert!(
        !page
            .body
            .split_whitespace()
            .collect::<String>()
            .contains("\"persistAuthorization\":true"),
        "{}",
        page.explain(
            "a Swagger UI that does not persist its authorization: with persistAuthorization the bearer token is \
             kept in localStorage, where any script of this origin (the one that holds the cookie sessions) can \
             read it for as long as the browser lives",
            "docs in exercises/15_openapi.rs"
        )
    );
    assert!(
        directive(&csp, "frame-ancestors").is_some_and(|sources| sources == ["'none'"]),
        "{}",
        page.explain(
            "frame-ancestors 'none' in the policy: no other site may show the docs in a frame, where a visitor \
             could be tricked into clicking Authorize or Execute through a decoy (clickjacking)",
            "content_security_policy in exercises/15_openapi.rs"
        )
    );
    for (header, value, why) in [
        (
            "x-content-type-options",
            "nosniff",
            "the browser must take each answer for the type it is sent as, never sniff a script out of it",
        ),
        (
            "referrer-policy",
            "no-referrer",
            "a link followed from the docs must not tell another site where they are",
        ),
    ] {
        page.assert_header(
            header,
            value,
            why,
            "docs_headers in exercises/15_openapi.rs",
        );
    }
    for (asset, kind) in [
        ("/docs/swagger-ui-bundle.js", "javascript"),
        ("/docs/swagger-ui.css", "css"),
    ] {
        let reply = server.get(asset, &[]).await;
        for (header, expected) in [
            ("x-content-type-options", Some("nosniff")),
            ("referrer-policy", Some("no-referrer")),
            (
                "content-security-policy",
                page.header("content-security-policy"),
            ),
        ] {
            reply.assert_header(
                header,
                expected.unwrap_or("the page's policy"),
                &format!("{asset}, like every answer under /docs, carries the docs' headers"),
                "docs in exercises/15_openapi.rs (the headers go on every route of the docs' router)",
            );
        }
        assert!(
            reply.status == 200
                && reply
                    .header("content-type")
                    .is_some_and(|c| c.contains(kind))
                && reply.body.len() > 10_000,
            "{}",
            reply.explain(
                &format!("200 with the {kind} of Swagger UI, from the binary"),
                "docs in exercises/15_openapi.rs"
            )
        );
    }
    // Every script, style sheet and icon the page links must be there: one
    // missing script (the standalone preset, say) and the page stays blank.
    let links = linked_paths(&page.body);
    assert!(
        links.len() >= 3,
        "{}",
        page.explain(
            "a page that links Swagger UI's script, its style sheet and the rest of its assets",
            "docs in exercises/15_openapi.rs"
        )
    );
    for link in links {
        let reply = server.get(&link, &[]).await;
        let kind = match link.rsplit('.').next() {
            Some("js") => "javascript",
            Some("css") => "css",
            Some("png") => "image/png",
            _ => "",
        };
        assert!(
            link.starts_with("/docs/")
                && reply.status == 200
                && reply
                    .header("content-type")
                    .is_some_and(|c| c.contains(kind))
                && !reply.body.is_empty(),
            "{}",
            reply.explain(
                &format!(
                    "the page at /docs links {link}: 200 with its bytes, served under /docs/ with a \
                     Content-Type of {kind:?} (a browser does not run a script, or apply a style sheet, that \
                     it cannot find or is told is something else)"
                ),
                "docs and content_type in exercises/15_openapi.rs (override_file_path puts each asset \
                 where the page looks for it)"
            )
        );
    }
}

/// The sources a policy allows for `name`, which falls back to
/// `default-src` (as CSP Level 3's fallback list says).
fn directive<'a>(policy: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let sources = |wanted: &str| {
        policy.split(';').find_map(|directive| {
            let mut words = directive.split_whitespace();
            (words.next() == Some(wanted)).then(|| words.collect::<Vec<_>>())
        })
    };
    sources(name).or_else(|| sources("default-src"))
}

/// The base64 SHA-256 of the page's inline script: the text between its
/// last `<script>` and the `</script>` after it.
fn inline_script_hash(page: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let script = page
        .rsplit_once("<script>")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map_or("", |(script, _)| script);
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()))
}

/// A source that lets an inline script run: `'unsafe-inline'`, or the
/// stricter hash or nonce of that script.
fn runs_inline(source: &str) -> bool {
    source == "'unsafe-inline'"
        || ["'sha256-", "'sha384-", "'sha512-", "'nonce-"]
            .iter()
            .any(|prefix| source.starts_with(prefix))
}

/// The paths in the page's `src="..."` and `href="..."` attributes.
fn linked_paths(page: &str) -> Vec<String> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| page.split(attribute).skip(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_app_is_step_14s_with_the_docs_added() {
    let server = server().await;
    server.login("alice", "secret123").await.access_token();
    let reply = server.get("/nowhere", &[]).await;
    reply.assert_no_error_code(
        404,
        "unknown paths still answer JSON",
        "app in exercises/15_openapi.rs",
    );
}
