//! Differential test: rolechain's signer against the `aws-sigv4` crate (the
//! AWS SDK for Rust's signer) on random requests and options.
//!
//! The generated requests stay inside the domain where both signers define
//! the same result:
//!
//! - The query contains no raw `+`: aws-sigv4 parses the query as a form and
//!   signs `+` as a space (`%20`), while rolechain signs a literal plus.
//!   Its `%XX` escapes decode to valid UTF-8, because aws-sigv4 decodes
//!   them lossily.
//! - Header values are printable ASCII and spaces, without tabs or other
//!   whitespace: aws-sigv4 collapses only spaces.
//! - The host is lowercase and has no user information, because aws-sigv4
//!   signs the URL's authority as written when the port is not the
//!   default.
//! - The path and query use characters that `http::Uri`, which aws-sigv4
//!   parses the URL with, accepts: unreserved, sub-delimiters, `:`, `@`,
//!   `/` and `%XX` escapes (in either case).
//! - Header names avoid both signers' default unsigned lists, the headers
//!   the signer sets itself (`authorization`, `x-amz-date`,
//!   `x-amz-security-token`, `x-amz-content-sha256`, which aws-sigv4
//!   expects a request not to carry), and `x-amz-user-agent` and
//!   `x-amz-checksum-mode`, which aws-sigv4 leaves unsigned in presigned
//!   URLs.
//! - A presigned S3 URL with [`Payload::Hash`] is given to aws-sigv4 as
//!   `UNSIGNED-PAYLOAD`, which is what rolechain signs for it.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{
    self as aws, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest,
    SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use proptest::prelude::*;
use rolechain::sigv4::{
    self, PathEncoding, Payload, SessionTokenMode, SigningOptions, DEFAULT_UNSIGNED_HEADERS,
};
use rolechain::{Credentials, HttpRequest};

/// Header names that the signers add or treat specially, besides
/// rolechain's default unsigned list; generated requests avoid them all.
const SPECIAL_HEADERS: &[&str] = &[
    "host",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "x-amz-user-agent",
    "x-amz-checksum-mode",
];

/// Characters allowed raw in a generated path segment.
const PATH_CHARS: &str = "abcXYZ019-._~!$&'()*,;=:@";
/// Characters allowed raw in a generated query key or value (no `&`, `=`
/// or `+`).
const QUERY_CHARS: &str = "abcXYZ019-._~!$'()*,;:@/?";

#[derive(Clone, Debug)]
struct Case {
    method: String,
    host: String,
    port: Option<u16>,
    http: bool,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    explicit_host_header: bool,
    body: Vec<u8>,
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    token_after_signing: bool,
    region: String,
    service: String,
    time_ms: i64,
    presign_expires: Option<u32>,
    double_encoding: bool,
    normalize_path: bool,
    payload: Payload,
    content_sha256_header: bool,
    unsigned: Vec<String>,
}

impl Case {
    fn url(&self) -> String {
        let scheme = if self.http { "http" } else { "https" };
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let query = self
            .query
            .as_ref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        format!("{scheme}://{}{port}{}{query}", self.host, self.path)
    }

    fn request_headers(&self) -> Vec<(String, String)> {
        let mut headers = self.headers.clone();
        if self.explicit_host_header {
            headers.insert(0, ("Host".into(), self.host.clone()));
        }
        headers
    }
}

/// Generates one raw character from `chars`, or a `%XX` escape (upper or lower case)
/// of the UTF-8 of a random character.
fn atom(chars: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(chars.chars().collect::<Vec<_>>()).prop_map(String::from),
        1 => (any::<char>(), any::<bool>()).prop_map(|(c, lower)| {
            let mut buffer = [0u8; 4];
            c.encode_utf8(&mut buffer)
                .bytes()
                .map(|b| if lower { format!("%{b:02x}") } else { format!("%{b:02X}") })
                .collect()
        }),
    ]
}

fn text(chars: &'static str, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(atom(chars), 0..max).prop_map(|atoms| atoms.concat())
}

fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        4 => text(PATH_CHARS, 6),
        1 => Just(String::from(".")),
        1 => Just(String::from("..")),
        1 => Just(String::new()),
    ];
    prop_oneof![
        1 => Just(String::new()),
        8 => proptest::collection::vec(segment, 1..6)
            .prop_map(|segments| format!("/{}", segments.join("/"))),
    ]
}

fn query() -> impl Strategy<Value = Option<String>> {
    let key = prop_oneof![
        Just(String::from("a")),
        Just(String::from("A")),
        Just(String::from("Param-1")),
        text(QUERY_CHARS, 5),
    ];
    let piece = prop_oneof![
        4 => (key.clone(), text(QUERY_CHARS, 6)).prop_map(|(k, v)| format!("{k}={v}")),
        1 => key.prop_map(|k| k),
        1 => Just(String::new()),
    ];
    proptest::option::of(proptest::collection::vec(piece, 0..6).prop_map(|pieces| pieces.join("&")))
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::from("X-Dup")),
        Just(String::from("x-dup")),
        Just(String::from("Content-Type")),
        Just(String::from("X-Amz-Meta-Key")),
        Just(String::from("Date")),
        "[A-Za-z][A-Za-z0-9_-]{0,12}",
    ]
    .prop_filter("reserved header name", |name| {
        !DEFAULT_UNSIGNED_HEADERS
            .iter()
            .chain(SPECIAL_HEADERS)
            .any(|reserved| name.eq_ignore_ascii_case(reserved))
    })
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((header_name(), "[ -~]{0,16}"), 0..6)
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        3 => Just(Payload::Hash),
        1 => Just(Payload::Unsigned),
        1 => "[0-9a-f]{64}".prop_map(Payload::Precomputed),
    ]
}

prop_compose! {
    fn case()(
        method in proptest::sample::select(vec!["GET", "POST", "PUT", "DELETE", "HEAD"]),
        host in "[a-z][a-z0-9-]{0,8}(\\.[a-z0-9]{1,8}){0,3}",
        port in proptest::option::of(prop_oneof![Just(443u16), Just(80u16), 1u16..=65535]),
        http in any::<bool>(),
        path in path(),
        query in query(),
        headers in headers(),
        explicit_host_header in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..64),
        access_key_id in "[A-Z0-9]{16,20}",
        secret_access_key in "[A-Za-z0-9/+]{40}",
        session_token in proptest::option::of("[A-Za-z0-9/+=]{1,80}"),
        token_after_signing in any::<bool>(),
        region in proptest::sample::select(
            vec!["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"],
        ),
        service in proptest::sample::select(vec!["sts", "service", "execute-api", "s3", "lambda"]),
        // 2001-09-09 to 2096-10-02, with milliseconds.
        time_ms in 1_000_000_000_000i64..4_000_000_000_000,
        presign_expires in proptest::option::of(1u32..=604_800),
        double_encoding in any::<bool>(),
        normalize_path in any::<bool>(),
        payload in payload(),
        content_sha256_header in any::<bool>(),
        unsigned_picks in proptest::collection::vec(any::<proptest::sample::Index>(), 0..2),
    ) -> Case {
        let unsigned = unsigned_picks
            .iter()
            .filter(|_| !headers.is_empty())
            .map(|pick| headers[pick.index(headers.len())].0.to_ascii_lowercase())
            .collect();
        Case {
            method: method.into(),
            host,
            port,
            http,
            path,
            query,
            headers,
            explicit_host_header,
            body,
            access_key_id,
            secret_access_key,
            session_token,
            token_after_signing,
            region: region.into(),
            service: service.into(),
            time_ms,
            presign_expires,
            double_encoding,
            normalize_path,
            payload,
            content_sha256_header,
            unsigned,
        }
    }
}

fn sign_with_rolechain(case: &Case) -> Result<sigv4::SignedRequest, rolechain::Error> {
    let request = HttpRequest {
        method: case.method.clone(),
        url: case.url(),
        headers: case.request_headers(),
        body: case.body.clone(),
    };
    let mut credentials = Credentials::new(&case.access_key_id, &case.secret_access_key);
    if let Some(token) = &case.session_token {
        credentials = credentials.with_session_token(token);
    }
    let options = SigningOptions {
        presign_expires: case.presign_expires,
        path_encoding: if case.double_encoding {
            PathEncoding::Double
        } else {
            PathEncoding::Single
        },
        normalize_path: case.normalize_path,
        payload: case.payload.clone(),
        content_sha256_header: case.content_sha256_header,
        session_token_mode: if case.token_after_signing {
            SessionTokenMode::AfterSigning
        } else {
            SessionTokenMode::Signed
        },
        unsigned_headers: case.unsigned.clone(),
        ..SigningOptions::new(&case.region, &case.service, case.time_ms)
    };
    sigv4::sign(&request, &credentials, &options)
}

/// Signs with aws-sigv4 and returns its signature and the headers or query
/// parameters it adds.
fn sign_with_aws_sigv4(case: &Case) -> (String, Vec<(String, String)>) {
    let identity: Identity = AwsCredentials::new(
        &case.access_key_id,
        &case.secret_access_key,
        case.session_token.clone(),
        None,
        "oracle",
    )
    .into();

    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = if case.double_encoding {
        PercentEncodingMode::Double
    } else {
        PercentEncodingMode::Single
    };
    settings.uri_path_normalization_mode = if case.normalize_path {
        UriPathNormalizationMode::Enabled
    } else {
        UriPathNormalizationMode::Disabled
    };
    settings.payload_checksum_kind = if case.content_sha256_header {
        PayloadChecksumKind::XAmzSha256
    } else {
        PayloadChecksumKind::NoHeader
    };
    settings.session_token_mode = if case.token_after_signing {
        aws::SessionTokenMode::Exclude
    } else {
        aws::SessionTokenMode::Include
    };
    if let Some(expires) = case.presign_expires {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires.into()));
    }
    if let Some(excluded) = settings.excluded_headers.as_mut() {
        excluded.extend(case.unsigned.iter().cloned().map(Cow::Owned));
    }

    let time = SystemTime::UNIX_EPOCH + Duration::from_millis(case.time_ms as u64);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&case.region)
        .name(&case.service)
        .time(time)
        .settings(settings)
        .build()
        .expect("complete signing params")
        .into();

    let body = match &case.payload {
        Payload::Hash if case.presign_expires.is_some() && case.service == "s3" => {
            SignableBody::UnsignedPayload
        }
        Payload::Hash => SignableBody::Bytes(&case.body),
        Payload::Unsigned => SignableBody::UnsignedPayload,
        Payload::Precomputed(hash) => SignableBody::Precomputed(hash.clone()),
    };
    let headers = case.request_headers();
    let request = SignableRequest::new(
        &case.method,
        case.url(),
        headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
        body,
    )
    .expect("aws-sigv4 accepts the URL");
    let (instructions, signature) = aws::sign(request, &params)
        .expect("aws-sigv4 signs")
        .into_parts();
    let (added_headers, added_params) = instructions.into_parts();
    let added = if case.presign_expires.is_some() {
        added_params
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.into_owned()))
            .collect()
    } else {
        added_headers
            .into_iter()
            .map(|header| (header.name().to_string(), header.value().to_string()))
            .collect()
    };
    (signature, added)
}

/// Decodes `%XX` escapes into a string, lossily.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escape) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_params(query: &str) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode(key), decode(value))
        })
        .collect();
    params.sort();
    params
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn matches_aws_sigv4(case in case()) {
        let ours = sign_with_rolechain(&case).expect("rolechain signs every generated case");
        let (signature, added) = sign_with_aws_sigv4(&case);
        prop_assert_eq!(
            &ours.signature,
            &signature,
            "canonical request:\n{}",
            ours.canonical_request
        );

        match case.presign_expires {
            None => {
                // Every header aws-sigv4 adds, rolechain adds with the same
                // value, and no other.
                let ours_added = &ours.headers[case.request_headers().len()..];
                let mut ours_added: Vec<(String, String)> = ours_added.to_vec();
                let mut added = added;
                ours_added.sort();
                added.sort();
                prop_assert_eq!(ours_added, added);
            }
            Some(_) => {
                // The presigned URL contains the request's own parameters plus
                // exactly those aws-sigv4 adds.
                prop_assert!(ours.headers == case.request_headers());
                let ours_query = ours.url.split_once('?').map_or("", |(_, q)| q);
                let mut expected = query_params(case.query.as_deref().unwrap_or(""));
                expected.extend(added);
                expected.sort();
                prop_assert_eq!(query_params(ours_query), expected);
            }
        }
    }
}
