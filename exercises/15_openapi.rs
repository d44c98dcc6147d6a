//! # Step 15: the OpenAPI document and an offline Swagger UI
//!
//! ## What you build
//!
//! FastAPI gives every app interactive docs for free; here you build them:
//! an OpenAPI 3.1 document of every route at `GET /openapi.json`, and
//! Swagger UI at `/docs`, whose Authorize button logs in with the password
//! flow and whose "Try it out" calls the API with the token.
//!
//! The document is written with utoipa: `#[utoipa::path(...)]` on a function
//! describes one operation (here, functions that exist only to carry the
//! description: the handlers live in earlier steps), `#[derive(ToSchema)]`
//! describes a body, and `#[derive(OpenApi)]` gathers them. A `Modify`
//! adds what the macros cannot: the security schemes.
//!
//! Two lessons beyond the syntax:
//!
//! - **A document must tell the truth.** The tests call the real app and
//!   check each answer against the document: its status must be listed for
//!   that operation, and its body must have the documented shape. A status
//!   the document forgets (a 429, a 503, a 403 `mfa_required`) is one no
//!   client will handle.
//! - **Docs must work offline, and load nothing from elsewhere.** Most
//!   tutorials point Swagger UI at a CDN: a page that runs whatever that CDN
//!   serves today, on your origin, next to your tokens. Here the assets come
//!   from the `swagger-ui-redist` crate, compiled into the binary, and a
//!   `Content-Security-Policy` makes the browser refuse anything else.
//! - **The docs live on the origin that holds the session cookies.** A
//!   script injected into them could act as whoever is logged in, so the
//!   policy allows no inline script but the page's own, by its hash (never
//!   `'unsafe-inline'`), no other site may frame the page
//!   (`frame-ancestors 'none'`: clickjacking), the browser may not sniff a
//!   type (`X-Content-Type-Options: nosniff`), and no `Referer` leaves it.
//!
//! ## The contract
//!
//! - `GET /openapi.json`: the document, `"openapi": "3.1.0"`, describing
//!   exactly the app's routes (`POST /token`, `/login`, `/logout`,
//!   `/revoke`; `GET /users/me`; `GET` and `POST /users/me/items`), every
//!   status each can answer, and every body.
//! - `components.securitySchemes.oauth2`: an OAuth2 password flow,
//!   `tokenUrl: /token`, with the three scopes. Each protected operation
//!   requires it with its scope; `/token`, `/login` and `/revoke` require
//!   nothing. A second scheme, `session_cookie`, documents the cookie.
//! - `GET /docs`: Swagger UI's page, its script and style from `/docs/...`;
//!   every answer under `/docs` with `Content-Security-Policy: default-src
//!   'self'; script-src 'self' 'sha256-...'; style-src 'self'
//!   'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri
//!   'none'; form-action 'self'; frame-ancestors 'none'`,
//!   `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`.
//! - Everything else is step 14's app.
//!
//! ## Hints
//!
//! - `utoipa::openapi::security::{OAuth2, Flow, Password, Scopes}`:
//!   `OAuth2::new([Flow::Password(Password::new("/token", scopes))])`.
//! - `swagger_ui_redist::SwaggerUi`: `config().urls(["/openapi.json"])`
//!   points the page at the document; `SwaggerUi::static_files()` lists each
//!   asset with its bytes, to serve at `/docs/{file_name()}`; the page links
//!   each as `./{file_name()}`, which from `/docs` is `/{file_name()}`, until
//!   `override_file_path` tells it where; `serve()` writes the page.
//! - `axum::middleware::map_response` adds headers to every answer of a
//!   router; a closure that owns the policy's `HeaderValue` works.
//! - A CSP hash source is `'sha256-'` + the standard (padded) base64 of the
//!   SHA-256 of the script's text, exactly as sent, between `<script>` and
//!   `</script>`: `STANDARD.encode(Sha256::digest(text.as_bytes()))`.
//!
//! ## What must hold
//!
//! - The document lists exactly the app's routes, every status each can
//!   answer and the shape of every body; protected operations require the
//!   oauth2 scheme with their scope.
//! - The docs load nothing from another site and work offline.
//! - No script runs on the docs' page but the assets and the page's own
//!   start-up script; the page cannot be framed; no answer is sniffed.
//! - Run the server and open http://127.0.0.1:8000/docs: Authorize as
//!   alice / secret123 with the scopes, then Try it out on `GET /users/me`.
//!
//! Run the tests: `cargo course test 15` (underneath: `cargo test --test step15_openapi`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]
// The documented types and operations are read by the OpenAPI macros, not
// called: their fields and bodies are the document.
#![allow(dead_code)]

use std::sync::OnceLock;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use swagger_ui_redist::{SwaggerUi, SwaggerUiStaticFile};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Flow, OAuth2, Password, Scopes as ScopeList, SecurityScheme,
};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::login_throttle::{self, ThrottleState};
use crate::scopes::Scope;
use crate::users_me::with_json_fallbacks;

/// The form of `POST /token` (RFC 6749 §4.3.2, §6, and the MFA grant).
#[derive(ToSchema)]
struct TokenForm {
    /// `password`, `refresh_token` or `urn:course:params:oauth:grant-type:mfa-otp`.
    grant_type: String,
    /// Password grant.
    username: Option<String>,
    /// Password grant.
    password: Option<String>,
    /// Space-separated scopes: `profile` (the default), `items:read`, `items:write`.
    scope: Option<String>,
    /// Refresh grant.
    refresh_token: Option<String>,
    /// MFA grant: the token of the 403 `mfa_required` answer.
    mfa_token: Option<String>,
    /// MFA grant: the current code of the authenticator app.
    otp: Option<String>,
}

/// A token response (RFC 6749 §5.1).
#[derive(ToSchema)]
struct TokenBody {
    /// An HS256 JWT with `sub`, `exp`, `iat`, `jti` and `scope`.
    access_token: String,
    /// Always `bearer`.
    token_type: String,
    /// The access token's lifetime in seconds.
    expires_in: u64,
    /// The scopes granted, space-separated.
    scope: String,
    /// Opaque; trade it at `/token` with `grant_type=refresh_token`.
    refresh_token: String,
}

/// Every error. `error` is a registered OAuth code (RFC 6749 §5.2, RFC
/// 6750 §3.1), absent from answers that are not OAuth errors (a request
/// without credentials, 404, 405, 429).
#[derive(ToSchema)]
struct ErrorBody {
    error: Option<String>,
    error_description: String,
}

/// The password was right; the second factor is next.
#[derive(ToSchema)]
struct MfaRequiredBody {
    /// `mfa_required`.
    error: String,
    error_description: String,
    /// Send it with the code to `/token` (the MFA grant) or `/login`.
    mfa_token: String,
}

/// What a client may see of a user: never a password or a hash.
#[derive(ToSchema)]
struct ProfileBody {
    username: String,
    email: String,
    full_name: String,
    disabled: bool,
}

#[derive(ToSchema)]
struct ItemBody {
    id: u64,
    name: String,
}

#[derive(ToSchema)]
struct NewItemBody {
    /// 1 to 100 characters.
    name: String,
}

/// The form of `POST /login`: the password, or the MFA token and code.
#[derive(ToSchema)]
struct LoginForm {
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
    mfa_token: Option<String>,
    otp: Option<String>,
}

#[derive(ToSchema)]
struct LogoutForm {
    /// Revokes this refresh token's family too, if it is the caller's.
    refresh_token: Option<String>,
}

/// RFC 7009 §2.1.
#[derive(ToSchema)]
struct RevokeForm {
    token: String,
    /// `access_token` or `refresh_token`: where to look first.
    token_type_hint: Option<String>,
}

/// The password, refresh-token and MFA grants.
#[utoipa::path(post, path = "/token", tag = "tokens",
    request_body(content = TokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens; `Cache-Control: no-store`", body = TokenBody),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `invalid_scope` or `unsupported_grant_type`", body = ErrorBody),
        (status = 403, description = "`mfa_required`: the password was right, a code is needed", body = MfaRequiredBody),
        (status = 413, description = "A body over 16 KiB", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`: every password check is busy; see `Retry-After`", body = ErrorBody),
    ))]
fn token() {}

/// A cookie session: `__Host-access_token` (HttpOnly) and `__Host-csrf`.
#[utoipa::path(post, path = "/login", tag = "session",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 204, description = "Logged in: two `Set-Cookie` headers"),
        (status = 400, description = "As `/token`", body = ErrorBody),
        (status = 403, description = "`mfa_required`", body = MfaRequiredBody),
        (status = 413, description = "A body over 16 KiB", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`; see `Retry-After`", body = ErrorBody),
    ))]
fn login() {}

/// Revokes the caller's access token (and refresh token); clears a
/// session's cookies.
#[utoipa::path(post, path = "/logout", tag = "session",
    request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 204, description = "Logged out"),
        (status = 400, description = "`invalid_request`: a malformed header or form", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "`csrf_token_invalid`: a cookie request without its CSRF header", body = ErrorBody),
    ),
    security(("oauth2" = []), ("session_cookie" = [])))]
fn logout() {}

/// RFC 7009 token revocation.
#[utoipa::path(post, path = "/revoke", tag = "tokens",
    request_body(content = RevokeForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke: the same answer either way (RFC 7009 §2.2)"),
        (status = 400, description = "`invalid_request`: no `token`", body = ErrorBody),
    ))]
fn revoke() {}

/// The caller's profile. Needs `profile`.
#[utoipa::path(get, path = "/users/me", tag = "users",
    responses(
        (status = 200, description = "The profile", body = ProfileBody),
        (status = 400, description = "`invalid_request`: a malformed `Authorization` header", body = ErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
    ),
    security(("oauth2" = ["profile"]), ("session_cookie" = [])))]
fn users_me() {}

// TODO(step 15): describe these two as the ones above: their statuses
// (GET: 200 with a list of ItemBody, 400, 401, 403; POST: 201 with an
// ItemBody, 400, 401, 403, 413), the POST's JSON body, and their scopes.
// Then add them to ApiDoc's paths.
/// The caller's items. Needs `items:read`.
fn list_items() {}

// TODO(step 15): as `list_items`.
/// Adds an item. Needs `items:write`.
fn add_item() {}

/// The document: every route, its statuses and bodies, and how to log in.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "axum OAuth2 course",
        description = "The OAuth2 password flow with JWT, built step by step in axum. Log in with Authorize: alice / secret123.",
        version = "1.0.0"
    ),
    // TODO(step 15): and `list_items`, `add_item`, once described.
    paths(token, login, logout, revoke, users_me),
    modifiers(&SecuritySchemes),
    tags(
        (name = "tokens", description = "RFC 6749 and RFC 7009"),
        (name = "session", description = "Cookie sessions for browsers"),
        (name = "users", description = "The caller"),
        (name = "items", description = "The caller's items"),
    )
)]
pub struct ApiDoc;

/// The two ways to authenticate: OAuth2's password flow (Swagger UI's
/// Authorize dialog drives it) and the session cookie.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        todo!(
            "step 15: add the oauth2 password flow (tokenUrl /token, the three scopes) and the session_cookie scheme to the components"
        )
    }
}

/// The document as JSON, made once.
pub fn openapi_json() -> &'static str {
    todo!("step 15: ApiDoc::openapi() as pretty JSON, made once (a OnceLock)")
}

/// `GET /openapi.json`.
async fn document() -> Response {
    todo!("step 15: the document with Content-Type: application/json")
}

/// The Swagger UI page's one inline script, the one that starts it: the
/// text between the last `<script>` and its `</script>`.
fn inline_script(page: &str) -> &str {
    let Some(start) = page.rfind("<script>") else {
        return "";
    };
    let script = &page[start + "<script>".len()..];
    script.split("</script>").next().unwrap_or("")
}

/// The policy of every answer under `/docs`. The page may load nothing
/// from another origin (its script and style come from this server), run
/// no script but ours (the one inline script is allowed by its hash, never
/// by `'unsafe-inline'`, which would let any injected script run too), and
/// be framed by no one (a framed page can be clicked through: clickjacking).
pub fn content_security_policy(page: &str) -> String {
    todo!(
        "step 15: default-src 'self'; script-src 'self' 'sha256-<base64 of the inline script's SHA-256>'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Adds the headers every answer under `/docs` carries: the policy, no
/// guessing a type other than the one we send (`nosniff`), and no
/// `Referer` with the docs' URL to any other site.
fn docs_headers(response: &mut Response, policy: &HeaderValue) {
    todo!(
        "step 15: Content-Security-Policy, X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer"
    )
}

/// Swagger UI at `/docs`, its assets compiled into the binary.
pub fn docs() -> Router {
    todo!(
        "step 15: Swagger UI's page at /docs for /openapi.json (no validator badge: validator_url(\"none\")) and each of its assets at /docs/<file name>, with docs_headers (the page's policy) on every answer"
    )
}

/// Each asset's Content-Type: the bytes alone do not tell a browser that a
/// file is a script or a style sheet.
fn content_type(file: SwaggerUiStaticFile) -> &'static str {
    todo!("step 15: text/css, text/javascript or image/png")
}

/// Step 14's app with `GET /openapi.json` and `/docs`.
pub fn app(state: ThrottleState) -> Router {
    todo!("step 15: step 14's router with GET /openapi.json and the docs, then with_json_fallbacks")
}
