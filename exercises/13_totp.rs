//! # Step 13: two-factor login with TOTP
//!
//! ## What you build
//!
//! A password can be phished, reused or guessed. A second factor asks for
//! something the user *has*: the six-digit code their authenticator app
//! computes from a shared secret and the time (TOTP, RFC 6238: an HMAC of
//! the 30-second step number, SHA-1, truncated to 6 digits).
//!
//! The login becomes two requests. The password grant, for a user with a
//! TOTP secret (carol), no longer answers tokens: it answers 403
//! `mfa_required` with an `mfa_token`, a short-lived JWT that proves the
//! password was right and nothing more. The client then sends the code with
//! that token in an *extension grant* (RFC 6749 §4.5: a grant type named by
//! an absolute URI), and only then gets its tokens.
//!
//! The traps, each a test:
//!
//! - **The MFA token is not an access token.** It has its own key, derived
//!   from the server's secret for this purpose only (RFC 8725 §3.12: one key
//!   per kind of JWT), and its own `typ` header, `mfa+jwt` (RFC 8725 §3.11).
//!   Sent to `/users/me` it fails the signature check.
//! - **Skew.** Clocks drift: accept the current step and one either side
//!   (RFC 6238 §5.2), no more.
//! - **Replay.** A code is good for one login (RFC 6238 §5.2): remember the
//!   last step each user logged in with and refuse it and older ones.
//! - **Guessing.** A million codes is not many: five wrong codes kill the
//!   MFA token, and the attacker must get through the password again. That
//!   alone stops nobody who has the password (a new MFA token costs one
//!   request): step 14 counts every wrong code as a failed login.
//! - **Spent.** A code that logs in spends its MFA token too: the same MFA
//!   token never logs in twice, whatever code comes with it.
//! - **Scopes.** The MFA grant grants what the password step granted, which
//!   the MFA token carries; a `scope` sent with the code is ignored.
//! - **Every door.** Step 12's `/login` must ask for the second factor too,
//!   or it is a way around it.
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | password grant, carol's right password | 403 `{"error": "mfa_required", "mfa_token": "<JWT>", "error_description": ...}`, `Cache-Control: no-store` |
//! | password grant, a user without TOTP | the normal token response (step 10) |
//! | `grant_type=urn:course:params:oauth:grant-type:mfa-otp`, `mfa_token`, `otp` (the current code) | 200, the normal token response, with the scopes granted at the password step |
//! | ... a wrong code, a code two steps away | 400 `invalid_grant`: "the code is wrong" |
//! | ... a code already used (by this user) | 400 `invalid_grant`: "already used" |
//! | ... the sixth try with one MFA token after five wrong codes, or an MFA token that already logged in | 400 `invalid_grant`: "spent", even with the right code |
//! | ... an MFA token expired (5 minutes), forged, or not ours | 400 `invalid_grant`: "expired or not one this server issued" |
//! | ... no `mfa_token` or no `otp` | 400 `invalid_request` |
//! | the `mfa_token` as a bearer token | 401 `invalid_token` |
//! | `POST /login`, carol's password | the same 403 `mfa_required`, no cookie |
//! | `POST /login` with `mfa_token` and `otp` | 204 with step 12's cookies |
//! | `POST /login` from another site (either request) | step 12's 403 `cross_site_request` |
//!
//! Each `invalid_grant` says what was wrong (`OtpRefusal::description`,
//! `MFA_TOKEN_INVALID`), so carol's app can tell her to wait for the next
//! code or to start over; none of them is the password's sentence.
//!
//! **Two clocks.** The MFA token's `exp` is checked by `jsonwebtoken`
//! against the system clock, with no leeway (the clock that checks it is
//! the one that set it). The code's time step comes from the injected
//! clock, `state.clock` (the tests fix it), and so does everything
//! `OtpGuard` decides: it forgets an MFA token once the token has expired,
//! and refuses one past its `exp` itself, so that a token it has forgotten
//! (its wrong codes, that it is spent) can never come back for five more
//! tries.
//!
//! carol's secret is `JBSWY3DPEHPK3PXP` (base32). Add it to an
//! authenticator app, or compute the code: `oathtool --totp -b JBSWY3DPEHPK3PXP`.
//!
//! ## Hints
//!
//! - `totp_rs::Builder::new().with_secret(secret).build_noncompliant()`
//!   gives SHA-1, 6 digits, 30 s, skew 1; `check(code, time)` returns the
//!   step that matched. (carol's 80-bit secret is under the RFC's 128 bits,
//!   which `build()` refuses: a new user gets 160 random bits.)
//! - The time comes from `state.clock`, never the system: the tests fix it.
//! - `jsonwebtoken::Header { typ: Some("mfa+jwt".into()), .. }` sets the
//!   header; `decode_header` reads it back before `decode`.
//! - `second_factor` is two halves, so step 14 can count a guess between
//!   them: `second_factor_fields` (the fields and the MFA token) and
//!   `check_code` (the code, the user, the scopes).
//!
//! ## What must hold
//!
//! - A two-factor user's password alone never gets tokens or a cookie, at
//!   any door.
//! - An MFA token is never an access token, nor an access token an MFA
//!   token: its own key and `typ`.
//! - A code is accepted once per user, within one step of skew and no more.
//! - An MFA token survives five wrong codes, and logs in at most once.
//! - The MFA grant's scopes are the password step's.
//!
//! Run the tests: `cargo course test 13` (underneath: `cargo test --test step13_totp`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use totp_rs::{Builder, Secret};

use crate::active_user::ensure_active;
use crate::cookies::{
    self, CookieState, SessionRejection, from_another_site, principal_from_request,
    refuse_cross_site, session_response,
};
use crate::current_user::load_user;
use crate::fake_db::User;
use crate::jwt::{Claims, MIN_SECRET_BYTES, SecretTooShort};
use crate::refresh::{GrantError, RefreshTokenRequest, issue_tokens, now, refresh_grant};
use crate::revocation::{self, RevocationState};
use crate::scopes::{Principal, Scopes, ScopesState, password_login, protected_routes};
use crate::token_route::{TokenError, TokenRequest, body_limited, no_store, read_form, required};
use crate::users_me::with_json_fallbacks;

/// The extension grant that finishes a two-factor login (RFC 6749 §4.5:
/// an absolute URI names a grant type the RFC does not define).
pub const MFA_GRANT_TYPE: &str = "urn:course:params:oauth:grant-type:mfa-otp";

/// The `typ` header of an MFA token (RFC 8725 §3.11: explicit typing, so one
/// kind of JWT is never mistaken for another).
pub const MFA_TYP: &str = "mfa+jwt";

/// How long a user has to type their code after the password was right.
pub const MFA_TOKEN_TTL: Duration = Duration::from_secs(5 * 60);

/// Wrong codes an MFA token survives: then the user starts over, with
/// their password, so nobody can walk through the million codes.
pub const MAX_OTP_FAILURES: u32 = 5;

/// The claims of an MFA token: who passed the password check, for which
/// scopes, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaClaims {
    #[serde(flatten)]
    pub claims: Claims,
    pub scope: String,
}

/// The keys of MFA tokens: derived from the server's secret for this one
/// purpose (RFC 8725 §3.12: one key per kind of token), so an MFA token
/// fails every access-token check by its signature alone.
#[derive(Clone)]
pub struct MfaKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for MfaKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaKeys { .. }")
    }
}

impl MfaKeys {
    /// The MFA keys belonging to the server's signing secret.
    pub fn derive(secret: &[u8]) -> Result<Self, SecretTooShort> {
        todo!(
            "step 13: refuse a short secret; HMAC-SHA256 the secret with a label of this purpose, and make HS256 keys and a Validation (exp and sub required, no leeway) from it"
        )
    }

    /// An MFA token for `user` and the scopes they will be granted.
    pub fn issue(&self, user: &User, scopes: &Scopes) -> Result<String, TokenError> {
        todo!(
            "step 13: an HS256 JWT with typ mfa+jwt holding MfaClaims for the user (MFA_TOKEN_TTL) and the scopes"
        )
    }

    /// The claims of one of our MFA tokens, still valid; `None` for anything else.
    pub fn check(&self, token: &str) -> Option<MfaClaims> {
        todo!(
            "step 13: None unless the header's typ is mfa+jwt and the token decodes with these keys"
        )
    }
}

/// Each two-factor user's TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s).
#[derive(Debug, Clone, Default)]
pub struct TotpSecrets {
    by_user: HashMap<String, Secret>,
}

impl TotpSecrets {
    /// carol's secret, `JBSWY3DPEHPK3PXP` in base32: the one an
    /// authenticator app scans from her QR code.
    pub fn demo() -> Self {
        let mut secrets = Self::default();
        secrets
            .set("carol", "JBSWY3DPEHPK3PXP")
            .expect("valid base32");
        secrets
    }

    /// Gives `username` the base32 secret `secret`.
    pub fn set(&mut self, username: &str, secret: &str) -> Result<(), String> {
        let secret = Secret::try_from_base32(secret).map_err(|e| e.to_string())?;
        self.by_user.insert(username.to_owned(), secret);
        Ok(())
    }

    pub fn has(&self, username: &str) -> bool {
        self.by_user.contains_key(username)
    }

    /// The time step `code` is valid for, for `username` at `time`: the
    /// current step or one either side (RFC 6238 §5.2), `None` if none.
    pub fn matching_step(&self, username: &str, code: &str, time: u64) -> Option<u64> {
        todo!(
            "step 13: the user's TOTP (SHA-1, 6 digits, 30 s, skew 1) checked at `time`: the matching step"
        )
    }
}

/// What the second factor must remember: wrong codes per MFA token, and
/// the last time step each user logged in with (a code is single-use).
#[derive(Debug, Default)]
pub struct OtpGuard {
    inner: Mutex<Guarded>,
}

impl OtpGuard {
    /// How many MFA tokens the guard remembers: the tests check that it
    /// forgets the expired ones.
    pub fn tracked(&self) -> usize {
        self.inner
            .lock()
            .expect("no panic while holding the lock")
            .failures
            .len()
    }
}

#[derive(Debug, Default)]
struct Guarded {
    /// MFA token jti to (wrong codes so far, its exp).
    failures: HashMap<String, (u32, u64)>,
    last_step: HashMap<String, u64>,
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpRefusal {
    /// Not a code of this step or the next or previous one.
    Wrong,
    /// A code (or an older one) already used to log in.
    Replayed,
    /// This MFA token is spent: it logged in once, or saw too many wrong
    /// codes.
    Exhausted,
    /// This MFA token's time is over.
    Expired,
}

impl OtpRefusal {
    /// What `invalid_grant`'s `error_description` says.
    pub fn description(self) -> &'static str {
        match self {
            Self::Wrong => "the code is wrong: not the authenticator's code for now",
            Self::Replayed => {
                "the code was already used to log in: wait for the next one (a code is accepted once)"
            }
            Self::Exhausted => {
                "the mfa_token is spent: it already logged in, or saw too many wrong codes; log in again with the password"
            }
            Self::Expired => "the mfa_token has expired; log in again with the password",
        }
    }
}

/// What `invalid_grant` says of an `mfa_token` that is not a live one of ours.
pub const MFA_TOKEN_INVALID: &str =
    "the mfa_token is expired or not one this server issued; log in again with the password";

impl OtpGuard {
    /// Checks `code` for the user of `mfa` at `time`, and remembers the
    /// outcome.
    pub fn verify(
        &self,
        secrets: &TotpSecrets,
        mfa: &MfaClaims,
        code: &str,
        time: u64,
    ) -> Result<(), OtpRefusal> {
        todo!(
            "step 13: forget MFA tokens expired at `time`, and refuse one (Expired); Exhausted after MAX_OTP_FAILURES; Wrong or Replayed (step <= the user's last) count a failure; success records the step and spends the MFA token"
        )
    }
}

/// Where the second factor reads the time: the system clock on the
/// server, a fixed time in the tests.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(now)
}

/// What this step's routes share: step 12's state, and the second factor's
/// stores beside it.
#[derive(Clone)]
pub struct TotpState {
    pub previous: CookieState,
    pub secrets: Arc<TotpSecrets>,
    pub mfa_keys: Arc<MfaKeys>,
    pub otp: Arc<OtpGuard>,
    pub clock: Clock,
}

impl TotpState {
    pub fn new(
        previous: CookieState,
        secrets: TotpSecrets,
        mfa_keys: MfaKeys,
        clock: Clock,
    ) -> Self {
        Self {
            previous,
            secrets: Arc::new(secrets),
            mfa_keys: Arc::new(mfa_keys),
            otp: Arc::new(OtpGuard::default()),
            clock,
        }
    }
}

impl Deref for TotpState {
    type Target = CookieState;

    fn deref(&self) -> &CookieState {
        &self.previous
    }
}

// Steps 09, 11 and 12's handlers, in this step's app.
crate::earlier_states!(TotpState => CookieState, RevocationState, ScopesState);

impl FromRequestParts<TotpState> for Principal {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &TotpState,
    ) -> Result<Self, Self::Rejection> {
        principal_from_request(
            parts,
            &state.auth,
            &state.refresh,
            &state.denied,
            &state.csrf,
        )
        .await
    }
}

/// Why a login fails from this step on.
#[derive(Debug)]
pub enum MfaError {
    Grant(GrantError),
    /// The password was right; now the code. 403, with the MFA token.
    MfaRequired(String),
}

impl<E: Into<GrantError>> From<E> for MfaError {
    fn from(error: E) -> Self {
        Self::Grant(error.into())
    }
}

#[derive(Serialize)]
struct MfaRequiredBody {
    error: &'static str,
    error_description: &'static str,
    mfa_token: String,
}

impl IntoResponse for MfaError {
    fn into_response(self) -> Response {
        match self {
            Self::Grant(error) => error.into_response(),
            Self::MfaRequired(mfa_token) => {
                let body = MfaRequiredBody {
                    error: "mfa_required",
                    error_description: "the password is right; send a code from the authenticator app with this mfa_token",
                    mfa_token,
                };
                (StatusCode::FORBIDDEN, Json(body)).into_response()
            }
        }
    }
}

/// A user and scopes that passed the password check, if no second factor
/// is needed; else the 403 that asks for it.
pub fn after_password(
    state: &TotpState,
    user: User,
    scopes: Scopes,
) -> Result<(User, Scopes), MfaError> {
    todo!("step 13: a user with a TOTP secret gets MfaRequired with a new MFA token; others pass")
}

/// The second factor: an MFA token and a code, to the user and the scopes
/// granted at the password step. Every failure is `invalid_grant`.
pub fn second_factor(
    state: &TotpState,
    mfa_token: Option<String>,
    otp: Option<String>,
) -> Result<(User, Scopes), MfaError> {
    let (mfa, otp) = second_factor_fields(state, mfa_token, otp)?;
    check_code(state, &mfa, &otp)
}

/// The second factor's two fields, both required: the MFA token's claims
/// (one of ours, still valid) and the code.
pub fn second_factor_fields(
    state: &TotpState,
    mfa_token: Option<String>,
    otp: Option<String>,
) -> Result<(MfaClaims, String), MfaError> {
    todo!(
        "step 13: mfa_token and otp required (invalid_request); the MFA token checked, else Refused(MFA_TOKEN_INVALID)"
    )
}

/// `code` for the user of `mfa`, by the injected clock: the user, and the
/// scopes granted at the password step (never any the request names).
pub fn check_code(
    state: &TotpState,
    mfa: &MfaClaims,
    code: &str,
) -> Result<(User, Scopes), MfaError> {
    todo!(
        "step 13: verify the code at (state.clock)() (a refusal says why: OtpRefusal::description), load the active user; the scopes from the MFA token, never the request"
    )
}

/// The token endpoint's form from this step on.
#[derive(Debug, Default, Deserialize)]
pub struct MfaTokenRequest {
    pub grant_type: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub scope: Option<String>,
    pub refresh_token: Option<String>,
    pub mfa_token: Option<String>,
    pub otp: Option<String>,
}

impl MfaTokenRequest {
    fn login(&mut self) -> TokenRequest {
        TokenRequest {
            grant_type: self.grant_type.take(),
            username: self.username.take(),
            password: self.password.take(),
            scope: self.scope.take(),
        }
    }
}

/// `POST /token`: the password grant with a second factor, the MFA grant,
/// and step 10's refresh grant.
pub async fn token(
    State(state): State<TotpState>,
    form: Result<Form<MfaTokenRequest>, FormRejection>,
) -> Response {
    no_store(grant(&state, form).await.map(Json))
}

async fn grant(
    state: &TotpState,
    form: Result<Form<MfaTokenRequest>, FormRejection>,
) -> Result<crate::refresh::RefreshTokenResponse, MfaError> {
    let mut request = read_form(form)?;
    let (user, scopes) = match required(request.grant_type.clone(), "grant_type")?.as_str() {
        "password" => {
            let (user, scopes) =
                password_login(&state.auth, &state.grants, request.login()).await?;
            after_password(state, user, scopes)?
        }
        MFA_GRANT_TYPE => second_factor(state, request.mfa_token, request.otp)?,
        "refresh_token" => {
            let refresh_request = RefreshTokenRequest {
                grant_type: request.grant_type,
                scope: request.scope,
                refresh_token: request.refresh_token,
                ..RefreshTokenRequest::default()
            };
            return Ok(refresh_grant(state, refresh_request)?);
        }
        _ => return Err(TokenError::UnsupportedGrantType.into()),
    };
    Ok(issue_tokens(state, &user, &scopes)?)
}

/// The form of `POST /login` from this step on: the password, or the MFA
/// token and code of the second request.
#[derive(Debug, Default, Deserialize)]
pub struct MfaLoginForm {
    pub username: Option<String>,
    pub password: Option<String>,
    pub scope: Option<String>,
    pub mfa_token: Option<String>,
    pub otp: Option<String>,
}

/// `POST /login` with a second factor: the same two requests as `/token`,
/// ending in step 12's cookies.
pub async fn login(
    State(state): State<TotpState>,
    headers: HeaderMap,
    form: Result<Form<MfaLoginForm>, FormRejection>,
) -> Response {
    if from_another_site(&headers) {
        return refuse_cross_site();
    }
    no_store(start_session(&state, form).await)
}

async fn start_session(
    state: &TotpState,
    form: Result<Form<MfaLoginForm>, FormRejection>,
) -> Result<Response, MfaError> {
    todo!(
        "step 13: with an mfa_token, the second factor; else password_login and after_password; then step 12's session_response"
    )
}

/// Every route so far, with the two-factor `/token` and `/login`.
pub fn router(state: TotpState) -> Router {
    Router::new()
        .route("/token", body_limited(post(token)))
        .route("/login", body_limited(post(login)))
        .route("/logout", body_limited(post(cookies::logout)))
        .route("/revoke", body_limited(post(revocation::revoke)))
        .merge(protected_routes())
        .with_state(state)
}

/// This step's whole app.
pub fn app(state: TotpState) -> Router {
    with_json_fallbacks(router(state))
}
