//! Properties of the reference over inputs nobody writes by hand: the
//! bearer parser, the token endpoint's form handling, scope parsing and the
//! refresh-token lookup never panic and never answer 5xx, whatever they get.
//! Maintainers' tests: they run with `--features solutions` only (so
//! `cargo test` on a learner's stubs is not cluttered by them).
#![cfg(feature = "solutions")]

mod common;
#[path = "common/state.rs"]
mod state;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use common::{TEST_SECRET, now};
use course::bearer::{BearerRejection, parse_bearer};
use course::cookies::{CookieState, CsrfKey};
use course::login_throttle::{HashingPool, Limiter, LoginLimits, ThrottleState};
use course::openapi::app;
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshFailure, RefreshState, RefreshStore};
use course::revocation::{DenyList, RevocationState};
use course::scopes::{ItemStore, Scope, ScopeGrants, Scopes, ScopesState};
use course::totp::{MfaKeys, TotpSecrets, TotpState, system_clock};
use proptest::prelude::*;
use state::state_with;
use tower::ServiceExt;

/// The finished app, once for every case.
fn finished_app() -> &'static Router {
    static APP: OnceLock<Router> = OnceLock::new();
    APP.get_or_init(|| {
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
            Limiter::new(5, Duration::from_secs(60)),
            Limiter::new(20, Duration::from_secs(6)),
            Arc::new(now),
        );
        app(ThrottleState::new(totp, HashingPool::new(2, 64), limits))
    })
}

fn status_of(request: Request<Body>) -> u16 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime
        .block_on(finished_app().clone().oneshot(request))
        .map(|response| response.status().as_u16())
        .unwrap_or(0)
}

/// The status and the body of the finished app's answer.
fn answer_of(request: Request<Body>) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let Ok(response) = finished_app().clone().oneshot(request).await;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    })
}

/// Every byte of `text` percent-encoded: a form value that arrives as is.
fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

const CONTENT_TYPES: [&str; 5] = [
    "application/x-www-form-urlencoded",
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded; charset=UTF-8",
];

proptest! {
    #[test]
    fn the_bearer_parser_takes_only_one_b64token(header in "\\PC{0,80}") {
        match parse_bearer(&header) {
            Ok(token) => {
                let (scheme, rest) = header.split_once(' ').expect("a scheme and a token");
                prop_assert!(scheme.eq_ignore_ascii_case("bearer"), "{header:?}");
                prop_assert_eq!(rest.trim_start_matches(' '), token, "{:?}", header);
                let body = token.trim_end_matches('=');
                prop_assert!(
                    !body.is_empty()
                        && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)),
                    "{token:?} is not a b64token"
                );
            }
            Err(BearerRejection::Missing | BearerRejection::Malformed(_)) => {}
        }
    }

    #[test]
    fn every_b64token_after_bearer_is_accepted(
        scheme in "[bB][eE][aA][rR][eE][rR]",
        spaces in 1usize..4,
        token in "[A-Za-z0-9._~+/-]{1,64}={0,2}",
    ) {
        let header = format!("{scheme}{}{token}", " ".repeat(spaces));
        prop_assert_eq!(parse_bearer(&header).ok(), Some(token.as_str()));
    }

    #[test]
    fn scopes_parse_to_known_names_and_round_trip(text in "[a-z: ]{0,40}") {
        if let Ok(scopes) = Scopes::parse(&text) {
            let again = Scopes::parse(&scopes.to_string()).expect("a printed set parses");
            prop_assert_eq!(&again, &scopes);
            for name in text.split(' ').filter(|n| !n.is_empty()) {
                prop_assert!(Scope::from_name(name).is_some(), "{name:?} was accepted");
            }
        }
    }

    #[test]
    fn a_refresh_token_nobody_issued_is_unknown(token in "\\PC{0,64}") {
        let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
        let _ = store.issue("someone", &Scopes::of(&[Scope::Profile]), now());
        prop_assert_eq!(store.rotate(&token, now()), Err(RefreshFailure::Unknown));
        prop_assert!(store.peek(&token, now()).is_err());
        prop_assert_eq!(store.revoke(&token), None);
    }

    #[test]
    fn the_token_endpoint_never_answers_5xx(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        content_type in 0usize..6,
        path in prop::sample::select(vec!["/token", "/login", "/revoke", "/logout", "/users/me/items"]),
    ) {
        let mut request = Request::post(path);
        if let Some(content_type) = CONTENT_TYPES.get(content_type) {
            request = request.header("content-type", *content_type);
        }
        let status = status_of(request.body(Body::from(body)).expect("a request"));
        prop_assert!((200..500).contains(&status), "{path} answered {status}");
    }

    #[test]
    fn an_error_description_is_printable_whatever_it_echoes(
        scope in proptest::collection::vec(any::<char>(), 1..24).prop_map(|c| c.into_iter().collect::<String>()),
    ) {
        let body = format!(
            "grant_type=password&username=alice&password=secret123&scope={}",
            percent_encoded(&format!("admin{scope}"))
        );
        let request = Request::post("/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("a request");
        let (status, answer) = answer_of(request);
        let json: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
        let description = json["error_description"].as_str().unwrap_or_default();
        prop_assert!(
            description
                .chars()
                .all(|c| matches!(c, ' '..='~') && c != '"' && c != '\\'),
            "scope {scope:?} answered {status} with error_description {description:?}: RFC 6749 §5.2 allows only \
             printable ASCII but \" and \\ there, whatever the request sent"
        );
    }

    #[test]
    fn any_form_fields_never_give_a_5xx(
        fields in proptest::collection::vec(
            (prop::sample::select(vec!["grant_type", "username", "password", "scope", "refresh_token",
                                       "mfa_token", "otp", "token"]),
             "\\PC{0,40}"),
            0..6,
        ),
    ) {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(['&', '=', '%', '+'], "")))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post("/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.clone()))
            .expect("a request");
        let status = status_of(request);
        prop_assert!((200..500).contains(&status), "POST /token {body:?} answered {status}");
    }
}
