//! Step 13: two-factor login. The clock is injected: the tests compute
//! codes from the secret for the time the server will read.

mod common;
#[path = "common/state.rs"]
mod state;

use std::sync::Arc;

use common::{Reply, TEST_SECRET, TestServer, TestUser, form, now, serve};
use course::cookies::{CookieState, CsrfKey};
use course::jwt::{JwtKeys, MIN_SECRET_BYTES};
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore};
use course::revocation::{DenyList, RevocationState};
use course::scopes::{ItemStore, Scope, ScopeGrants, ScopedClaims, Scopes, ScopesState};
use course::totp::{MFA_GRANT_TYPE, MfaKeys, TotpSecrets, TotpState, app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use state::{someone, state_with, token_for};
use totp_rs::{Builder, Secret};

const LOOK: &str = "exercises/13_totp.rs";
const CAROL_SECRET: &str = "JBSWY3DPEHPK3PXP";

/// The middle of a 30-second step, so that no boundary is near.
fn fixed_time() -> u64 {
    (now() / 30) * 30 + 15
}

/// The code an authenticator app shows for `secret` at `time`.
fn code(secret: &str, time: u64) -> String {
    let secret = Secret::try_from_base32(secret).expect("base32");
    Builder::new()
        .with_secret(secret)
        .build_noncompliant()
        .generate(time)
        .to_string()
}

/// A random base32 secret of 160 bits.
fn random_secret() -> String {
    let mut raw = [0u8; 20];
    getrandom::fill(&mut raw).expect("random");
    Secret::from(raw.to_vec()).to_base32()
}

struct Setup {
    server: TestServer,
    time: u64,
}

/// The demo users and `extra` with their TOTP secrets; the clock fixed.
async fn setup(extra: &[(&TestUser, Option<&str>)]) -> Setup {
    let users: Vec<&TestUser> = extra.iter().map(|(user, _)| *user).collect();
    let mut grants = ScopeGrants::demo();
    let mut secrets = TotpSecrets::demo();
    for (user, secret) in extra {
        grants.allow(&user.user.username, Scopes::of(&Scope::ALL));
        if let Some(secret) = secret {
            secrets.set(&user.user.username, secret).expect("base32");
        }
    }
    let scopes = ScopesState::new(state_with(&users), grants, ItemStore::demo());
    let refresh = RefreshState::new(scopes, RefreshStore::new(DEFAULT_REFRESH_TTL));
    let cookies = CookieState::new(
        RevocationState::new(refresh, DenyList::default()),
        CsrfKey::derive(TEST_SECRET).expect("a long secret"),
    );
    let time = fixed_time();
    let mfa = MfaKeys::derive(TEST_SECRET).expect("a long secret");
    let state = TotpState::new(cookies, secrets, mfa, Arc::new(move || time));
    Setup {
        server: serve(app(state)).await,
        time,
    }
}

async fn password(server: &TestServer, username: &str, password: &str) -> Reply {
    password_for(server, username, password, "profile items:read").await
}

async fn password_for(server: &TestServer, username: &str, password: &str, scope: &str) -> Reply {
    let body = form(&[
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
        ("scope", scope),
    ]);
    server.post_form("/token", &body).await
}

/// The `mfa_token` of a 403 mfa_required answer.
#[track_caller]
fn mfa_token_of(reply: &Reply) -> String {
    reply.assert_error(
        403,
        "mfa_required",
        "the password of a two-factor user is right: 403 mfa_required, and the client must send a code next",
        "after_password in exercises/13_totp.rs",
    );
    reply.assert_header(
        "cache-control",
        "no-store",
        "a response holding a token is never cached",
        LOOK,
    );
    match reply.json()["mfa_token"].as_str() {
        Some(token) => token.to_owned(),
        None => panic!(
            "{}",
            reply.explain(
                "an `mfa_token` string beside the error",
                "MfaError in exercises/13_totp.rs"
            )
        ),
    }
}

async fn second(server: &TestServer, mfa_token: &str, otp: &str) -> Reply {
    let body = form(&[
        ("grant_type", MFA_GRANT_TYPE),
        ("mfa_token", mfa_token),
        ("otp", otp),
    ]);
    server.post_form("/token", &body).await
}

#[track_caller]
fn assert_refused(reply: &Reply, why: &str) {
    reply.assert_error(
        400,
        "invalid_grant",
        why,
        "second_factor and OtpGuard::verify in exercises/13_totp.rs",
    );
}

#[tokio::test]
async fn carols_password_alone_gets_an_mfa_token_not_an_access_token() {
    let Setup { server, .. } = setup(&[]).await;
    let reply = password(&server, "carol", "otp-demo-password-1").await;
    let mfa = mfa_token_of(&reply);
    let header = jsonwebtoken::decode_header(&mfa).ok();
    assert!(
        header.as_ref().and_then(|h| h.typ.as_deref()) == Some("mfa+jwt"),
        "{}",
        reply.explain(
            &format!("an mfa_token whose JWT header has typ \"mfa+jwt\" (RFC 8725 §3.11); its header is {header:?}"),
            "MfaKeys::issue in exercises/13_totp.rs"
        )
    );
    let me = server.get_with_token("/users/me", &mfa).await;
    me.assert_error(
        401,
        "invalid_token",
        "an MFA token is never an access token: it proves the password, not the second factor (its own key, \
         RFC 8725 §3.12)",
        "MfaKeys in exercises/13_totp.rs",
    );
    let wrong = password(&server, "carol", "wrong").await;
    wrong.assert_error(
        400,
        "invalid_grant",
        "a wrong password of a two-factor user is plain invalid_grant: no MFA token before the password is right",
        LOOK,
    );
}

#[tokio::test]
async fn the_mfa_token_lives_five_minutes() {
    let Setup { server, .. } = setup(&[]).await;
    let reply = password(&server, "carol", "otp-demo-password-1").await;
    let mfa = mfa_token_of(&reply);
    let claims: Option<serde_json::Value> = mfa
        .split('.')
        .nth(1)
        .and_then(base64_decode)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let life = claims
        .as_ref()
        .and_then(|c| Some(c["exp"].as_u64()? - c["iat"].as_u64()?));
    assert!(
        life == Some(300),
        "{}",
        reply.explain(
            &format!("an mfa_token with exp - iat = 300 seconds: long enough to type a code; its claims are {claims:?}"),
            "MFA_TOKEN_TTL and MfaKeys::issue in exercises/13_totp.rs"
        )
    );
}

fn base64_decode(part: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()
}

#[tokio::test]
async fn the_right_code_finishes_the_login() {
    let Setup { server, time } = setup(&[]).await;
    let mfa = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    let reply = second(&server, &mfa, &code(CAROL_SECRET, time)).await;
    reply.assert_status(
        200,
        "the MFA token and carol's current code: the normal token response",
        LOOK,
    );
    let body = reply.json();
    assert!(
        body["scope"] == "profile" && body["refresh_token"].is_string() && body["token_type"] == "bearer",
        "{}",
        reply.explain(
            "access_token, token_type bearer, refresh_token and scope \"profile\" (carol asked for profile items:read \
             at the password step and may have only profile)",
            "second_factor in exercises/13_totp.rs"
        )
    );
    let access = body["access_token"].as_str().unwrap_or_default();
    server
        .get_with_token("/users/me", access)
        .await
        .assert_status(
            200,
            "the access token of a finished two-factor login opens GET /users/me",
            LOOK,
        );
}

#[tokio::test]
async fn a_code_works_once() {
    let Setup { server, time } = setup(&[]).await;
    let now_code = code(CAROL_SECRET, time);
    let mfa = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    second(&server, &mfa, &now_code)
        .await
        .assert_status(200, "the first use of a code", LOOK);
    let again = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    assert_refused(
        &second(&server, &again, &now_code).await,
        "the same code again, with a new MFA token: RFC 6238 §5.2 says a code is accepted once, or someone who \
         saw it over a shoulder logs in within the same 30 seconds",
    );
    assert_refused(
        &second(&server, &again, &code(CAROL_SECRET, time - 30)).await,
        "a code from before the last one used: refused too",
    );
}

#[tokio::test]
async fn one_step_of_skew_either_side_and_no_more() {
    let user = someone();
    let secret = random_secret();
    let Setup { server, time } = setup(&[(&user, Some(&secret))]).await;
    let name = user.user.username.as_str();
    for (offset, accepted) in [
        (-60i64, false),
        (-30, true),
        (0, true),
        (30, true),
        (60, false),
    ] {
        let mfa = mfa_token_of(&password(&server, name, &user.password).await);
        let at = time.saturating_add_signed(offset);
        let reply = second(&server, &mfa, &code(&secret, at)).await;
        if accepted {
            reply.assert_status(
                200,
                &format!("the code of the step {offset:+} s away: one step of skew either side is allowed (RFC 6238 §5.2)"),
                "TotpSecrets::matching_step in exercises/13_totp.rs",
            );
        } else {
            reply.assert_error(
                400,
                "invalid_grant",
                &format!(
                    "the code of the step {offset:+} s away: more than one step of skew, and every extra step \
                     accepted is more codes an attacker may guess"
                ),
                "TotpSecrets::matching_step in exercises/13_totp.rs",
            );
        }
    }
}

#[tokio::test]
async fn five_wrong_codes_kill_the_mfa_token() {
    let Setup { server, time } = setup(&[]).await;
    let mfa = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    let right = code(CAROL_SECRET, time);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for attempt in 1..=5 {
        assert_refused(
            &second(&server, &mfa, wrong).await,
            &format!("wrong code number {attempt}"),
        );
    }
    assert_refused(
        &second(&server, &mfa, &right).await,
        "the right code after five wrong ones with the same MFA token: the token is dead, or an attacker with the \
         password could try all million codes",
    );
    let fresh = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    second(&server, &fresh, &right).await.assert_status(
        200,
        "a new MFA token (the password again) may try again",
        "OtpGuard::verify in exercises/13_totp.rs",
    );
}

#[tokio::test]
async fn only_our_unexpired_mfa_tokens_count() {
    let Setup { server, time } = setup(&[]).await;
    let right = code(CAROL_SECRET, time);
    let access_keys_token = token_for("carol");
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("mfa+jwt".to_owned());
    let forged = jsonwebtoken::encode(
        &header,
        &serde_json::json!({"sub": "carol", "exp": now() + 300, "iat": now(), "jti": "x", "scope": "profile"}),
        &EncodingKey::from_secret(TEST_SECRET),
    )
    .expect("sign");
    for (token, what) in [
        (
            access_keys_token.as_str(),
            "an access token in place of the MFA token",
        ),
        (
            forged.as_str(),
            "a token typed mfa+jwt but signed with the access-token key",
        ),
        ("garbage", "garbage"),
    ] {
        assert_refused(
            &second(&server, token, &right).await,
            &format!("{what}: not one of our MFA tokens"),
        );
    }
    let missing = server
        .post_form(
            "/token",
            &form(&[("grant_type", MFA_GRANT_TYPE), ("otp", &right)]),
        )
        .await;
    missing.assert_error(
        400,
        "invalid_request",
        "the MFA grant without mfa_token",
        LOOK,
    );
}

#[tokio::test]
async fn users_without_a_second_factor_log_in_as_before() {
    let Setup { server, .. } = setup(&[]).await;
    let reply = password(&server, "alice", "secret123").await;
    reply.assert_status(
        200,
        "alice has no TOTP secret: the password grant answers tokens at once",
        LOOK,
    );
    let access = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let keys = JwtKeys::from_secret(TEST_SECRET).expect("keys");
    assert!(
        keys.decode::<ScopedClaims>(&access).is_ok(),
        "{}",
        reply.explain("a normal access token for alice", LOOK)
    );
}

#[tokio::test]
async fn the_cookie_login_asks_for_the_second_factor_too() {
    let Setup { server, time } = setup(&[]).await;
    let reply = server
        .post_form(
            "/login",
            &form(&[("username", "carol"), ("password", "otp-demo-password-1")]),
        )
        .await;
    reply.assert_error(
        403,
        "mfa_required",
        "POST /login with carol's password alone: the same 403 mfa_required as /token, or /login is a way \
         around the second factor",
        "start_session in exercises/13_totp.rs",
    );
    let mfa = mfa_token_of(&reply);
    assert!(
        reply.headers.get("set-cookie").is_none(),
        "{}",
        reply.explain(
            "no session cookie after the password alone: /login must not be a way around the second factor",
            "start_session in exercises/13_totp.rs"
        )
    );
    let reply = server
        .post_form(
            "/login",
            &form(&[("mfa_token", &mfa), ("otp", &code(CAROL_SECRET, time))]),
        )
        .await;
    reply.assert_status(
        204,
        "POST /login with the MFA token and the code: the session starts",
        LOOK,
    );
    assert!(
        reply.headers.get_all("set-cookie").iter().count() == 2,
        "{}",
        reply.explain(
            "step 12's two session cookies",
            "start_session in exercises/13_totp.rs"
        )
    );
}

#[tokio::test]
async fn the_refresh_grant_still_works_and_still_narrows() {
    let Setup { server, .. } = setup(&[]).await;
    let login = password(&server, "alice", "secret123").await;
    login.assert_status(
        200,
        "alice's password grant, scope \"profile items:read\"",
        LOOK,
    );
    let token = login.json()["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let body = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &token),
        ("scope", "profile"),
    ]);
    let reply = server.post_form("/token", &body).await;
    reply.assert_status(
        200,
        "step 10's refresh grant through step 13's /token: adding a grant type must keep the others",
        "grant in exercises/13_totp.rs",
    );
    assert!(
        reply.json()["scope"] == "profile" && reply.json()["refresh_token"].is_string(),
        "{}",
        reply.explain(
            "scope \"profile\" and a new refresh token: the refresh asked for less than the login \
             granted, and a client that asks for less must get less (RFC 6749 §6), so pass the request's \
             fields on to step 10's refresh_grant",
            "grant in exercises/13_totp.rs"
        )
    );
}

#[test]
fn the_mfa_key_needs_a_secret_as_long_as_the_access_key_does() {
    let short = [7u8; MIN_SECRET_BYTES - 1];
    let enough = [7u8; MIN_SECRET_BYTES];
    assert!(
        MfaKeys::derive(&short).is_err() && MfaKeys::derive(&enough).is_ok(),
        "MfaKeys::derive with a {}-byte secret must be refused and with a {}-byte one accepted: \
         HS256 needs a key of at least 256 bits (RFC 7518 §3.2), the same rule as step 04's JwtKeys.\n  \
         look at: MfaKeys::derive in {LOOK}",
        MIN_SECRET_BYTES - 1,
        MIN_SECRET_BYTES
    );
}

#[tokio::test]
async fn a_login_spends_its_mfa_token() {
    let Setup { server, time } = setup(&[]).await;
    let mfa = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    second(&server, &mfa, &code(CAROL_SECRET, time))
        .await
        .assert_status(200, "the MFA token and carol's current code", LOOK);
    // The next step's code is new (never used) and within the skew.
    assert_refused(
        &second(&server, &mfa, &code(CAROL_SECRET, time + 30)).await,
        "the same MFA token again, after it logged in, with the next step's code (never used, within the skew): \
         a successful code spends its MFA token, or whoever copies the token from the first request logs in \
         again with the next code, the password never asked",
    );
}

#[tokio::test]
async fn the_mfa_grant_keeps_the_password_steps_scopes() {
    let user = someone();
    let secret = random_secret();
    let Setup { server, time } = setup(&[(&user, Some(&secret))]).await;
    let name = user.user.username.as_str();
    let mfa = mfa_token_of(&password_for(&server, name, &user.password, "profile").await);
    let body = form(&[
        ("grant_type", MFA_GRANT_TYPE),
        ("mfa_token", &mfa),
        ("otp", &code(&secret, time)),
        ("scope", "profile items:read items:write"),
    ]);
    let reply = server.post_form("/token", &body).await;
    reply.assert_status(200, "the MFA grant with the right code", LOOK);
    assert!(
        reply.json()["scope"] == "profile",
        "{}",
        reply.explain(
            "scope \"profile\": the password step asked for profile, and the MFA grant, sent with scope=profile \
             items:read items:write, grants what the MFA token carries and nothing its own request names. The \
             scopes were decided when the password was checked; whoever holds the MFA token must not widen them",
            "second_factor in exercises/13_totp.rs"
        )
    );
}

#[tokio::test]
async fn each_refused_code_says_what_was_wrong() {
    let Setup { server, time } = setup(&[]).await;
    let right = code(CAROL_SECRET, time);
    let wrong_code = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let mfa = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    let wrong = second(&server, &mfa, wrong_code).await;
    second(&server, &mfa, &right)
        .await
        .assert_status(200, "carol's current code", LOOK);
    let spent = second(&server, &mfa, &code(CAROL_SECRET, time + 30)).await;
    let fresh = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    let replayed = second(&server, &fresh, &right).await;
    let foreign = second(&server, "not-an-mfa-token", &right).await;
    let wrong_password = password(&server, "carol", "not-her-password").await;
    let described = |reply: &Reply| {
        reply.json()["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let cases = [
        ("a wrong code", &wrong),
        ("an MFA token already spent", &spent),
        ("a code already used", &replayed),
        ("an MFA token that is not ours", &foreign),
    ];
    let texts: Vec<(&str, String)> = cases
        .iter()
        .map(|(what, reply)| (*what, described(reply)))
        .collect();
    let password_text = described(&wrong_password);
    for ((what, reply), (_, text)) in cases.iter().zip(&texts) {
        assert_refused(reply, what);
        let clash = texts
            .iter()
            .find(|(other, other_text)| other != what && other_text == text);
        assert!(
            *text != password_text && clash.is_none(),
            "{what} was refused with error_description {text:?}; a wrong password gets {password_text:?}, and the \
             other refusals {texts:?}. Every invalid_grant says what was wrong (OtpRefusal::description, \
             MFA_TOKEN_INVALID), so carol's app can tell her to wait for the next code or to start over; \
             never the password's sentence.\n  look at: second_factor in {LOOK}"
        );
    }
}

#[tokio::test]
async fn a_login_from_another_site_is_refused_at_both_steps() {
    let Setup { server, time } = setup(&[]).await;
    let cross_site = [
        ("content-type", common::FORM),
        ("sec-fetch-site", "cross-site"),
    ];
    let reply = server
        .request(
            reqwest::Method::POST,
            "/login",
            &cross_site,
            form(&[("username", "carol"), ("password", "otp-demo-password-1")]),
        )
        .await;
    assert!(
        reply.status == 403 && reply.json()["error"] != "mfa_required",
        "{}",
        reply.explain(
            "403 with step 12's cross-site error, not mfa_required: this step's /login keeps step 12's login CSRF \
             check, before anything else",
            "login in exercises/13_totp.rs (step 12's from_another_site)"
        )
    );
    let mfa = mfa_token_of(&password(&server, "carol", "otp-demo-password-1").await);
    let reply = server
        .request(
            reqwest::Method::POST,
            "/login",
            &cross_site,
            form(&[("mfa_token", &mfa), ("otp", &code(CAROL_SECRET, time))]),
        )
        .await;
    assert!(
        reply.status == 403 && reply.headers.get("set-cookie").is_none(),
        "{}",
        reply.explain(
            "403 and no cookie: the second request of a cookie login, sent from another site, is refused like the \
             first (login CSRF)",
            "login in exercises/13_totp.rs (step 12's from_another_site)"
        )
    );
}

/// carol's MFA claims for the guard, expiring at `exp`.
fn carols_claims(jti: &str, exp: u64) -> course::totp::MfaClaims {
    course::totp::MfaClaims {
        claims: course::jwt::Claims {
            sub: "carol".to_owned(),
            exp,
            iat: exp.saturating_sub(300),
            jti: jti.to_owned(),
            nbf: None,
        },
        scope: "profile".to_owned(),
    }
}

#[test]
fn the_guard_refuses_an_mfa_token_past_its_exp() {
    let guard = course::totp::OtpGuard::default();
    let secrets = TotpSecrets::demo();
    let time = fixed_time();
    let expired = carols_claims("expired-mfa-token", time - 20);
    let verdict = guard.verify(&secrets, &expired, &code(CAROL_SECRET, time), time);
    assert!(
        verdict.is_err(),
        "OtpGuard::verify accepted carol's right code with an MFA token whose exp was 20 seconds before the \
         clock's time: it gave {verdict:?}. The guard forgets an MFA token once it has expired (its wrong codes, \
         that it is spent), so it must refuse one past its exp itself: a token it has forgotten would get five \
         fresh tries on every call, or log in twice.\n  look at: OtpGuard::verify in {LOOK}"
    );
}

#[test]
fn the_guard_forgets_expired_mfa_tokens() {
    let guard = course::totp::OtpGuard::default();
    let secrets = TotpSecrets::demo();
    let time = fixed_time();
    let right = code(CAROL_SECRET, time);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for i in 0..100 {
        let _ = guard.verify(
            &secrets,
            &carols_claims(&format!("mfa-{i}"), time + 10),
            wrong,
            time,
        );
    }
    let later = time + 1000;
    let _ = guard.verify(
        &secrets,
        &carols_claims("a-new-one", later + 300),
        wrong,
        later,
    );
    assert!(
        guard.tracked() <= 1,
        "100 MFA tokens, each with one wrong code, all expired 990 seconds ago, and one new one: the guard still \
         remembers {} of them. An expired MFA token is refused anyway; keep it and anyone with a two-factor \
         account's password grows the server's memory with every new MFA token.\n  look at: OtpGuard::verify in \
         {LOOK}",
        guard.tracked()
    );
}
