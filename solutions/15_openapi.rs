//! Step 15: the OpenAPI document and an offline Swagger UI. (Reference solution.)
//!
//! See `exercises/15_openapi.rs` for the task.

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

/// The caller's items. Needs `items:read`.
#[utoipa::path(get, path = "/users/me/items", tag = "items",
    responses(
        (status = 200, description = "The items", body = Vec<ItemBody>),
        (status = 400, description = "`invalid_request`: a malformed `Authorization` header", body = ErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`", body = ErrorBody),
    ),
    security(("oauth2" = ["items:read"]), ("session_cookie" = [])))]
fn list_items() {}

/// Adds an item. Needs `items:write`.
#[utoipa::path(post, path = "/users/me/items", tag = "items",
    request_body(content = NewItemBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The new item", body = ItemBody),
        (status = 400, description = "`invalid_request`: a bad body or header", body = ErrorBody),
        (status = 401, description = "No token, or `invalid_token`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`, or `csrf_token_invalid` for a cookie request", body = ErrorBody),
        (status = 413, description = "A body over 16 KiB", body = ErrorBody),
    ),
    security(("oauth2" = ["items:write"]), ("session_cookie" = [])))]
fn add_item() {}

/// The document: every route, its statuses and bodies, and how to log in.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "axum OAuth2 course",
        description = "The OAuth2 password flow with JWT, built step by step in axum. Log in with Authorize: alice / secret123.",
        version = "1.0.0"
    ),
    paths(token, login, logout, revoke, users_me, list_items, add_item),
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
        let scopes = ScopeList::from_iter(Scope::ALL.map(|scope| {
            let what = match scope {
                Scope::Profile => "read your profile",
                Scope::ItemsRead => "list your items",
                Scope::ItemsWrite => "add items",
            };
            (scope.as_str(), what)
        }));
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                "/token", scopes,
            ))])),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("__Host-access_token"))),
        );
    }
}

/// The document as JSON, made once.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the document serialises")
    })
}

/// `GET /openapi.json`.
async fn document() -> Response {
    ([(CONTENT_TYPE, "application/json")], openapi_json()).into_response()
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
    let digest = Sha256::digest(inline_script(page).as_bytes());
    format!(
        "default-src 'self'; script-src 'self' 'sha256-{}'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        STANDARD.encode(digest)
    )
}

/// Adds the headers every answer under `/docs` carries: the policy, no
/// guessing a type other than the one we send (`nosniff`), and no
/// `Referer` with the docs' URL to any other site.
fn docs_headers(response: &mut Response, policy: &HeaderValue) {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, policy.clone());
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

/// Swagger UI at `/docs`, its assets compiled into the binary.
pub fn docs() -> Router {
    let mut ui = SwaggerUi::new();
    ui.title("axum OAuth2 course");
    // No validator badge: by default the page would send the document's
    // address to validator.swagger.io (the policy blocks it; this asks for
    // nothing to block).
    ui.config().urls(["/openapi.json"]).validator_url("none");
    let mut router = Router::new();
    for &(file, bytes) in SwaggerUi::static_files() {
        let path = format!("/docs/{}", file.file_name());
        let headers = [(CONTENT_TYPE, content_type(file))];
        router = router.route(&path, get(move || async move { (headers, bytes) }));
        // The page links each asset where this router serves it.
        ui.override_file_path(file, path);
    }
    let page = ui.serve().expect("the Swagger UI config serialises");
    let policy = HeaderValue::from_str(&content_security_policy(&page)).expect("a policy is ASCII");
    router
        .route("/docs", get(move || async move { Html(page) }))
        .layer(axum::middleware::map_response(
            move |mut response: Response| {
                docs_headers(&mut response, &policy);
                async move { response }
            },
        ))
}

/// Each asset's Content-Type: the bytes alone do not tell a browser that a
/// file is a script or a style sheet.
fn content_type(file: SwaggerUiStaticFile) -> &'static str {
    match file {
        SwaggerUiStaticFile::Css | SwaggerUiStaticFile::IndexCss => "text/css",
        SwaggerUiStaticFile::Js | SwaggerUiStaticFile::StandalonePresetJs => "text/javascript",
        SwaggerUiStaticFile::Favicon16 | SwaggerUiStaticFile::Favicon32 => "image/png",
        _ => "application/octet-stream",
    }
}

/// Step 14's app with `GET /openapi.json` and `/docs`.
pub fn app(state: ThrottleState) -> Router {
    let router = login_throttle::router(state)
        .route("/openapi.json", get(document))
        .merge(docs());
    with_json_fallbacks(router)
}
