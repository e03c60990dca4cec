//! SigV4 edge cases: query and path encoding, headers, ports, presigning,
//! session tokens, input errors and secrets.
//!
//! Expected signatures marked "botocore" were computed with botocore
//! 1.43.11 (`SigV4Auth`, `S3SigV4Auth`, `SigV4QueryAuth`,
//! `S3SigV4QueryAuth`, time 20150830T123600Z, the test suites' example
//! credentials). The `botocore_deviation_*` tests record where botocore
//! signs differently; each concerns a request that is not in canonical wire
//! form, which botocore's own clients never send.

use rolechain::sigv4::{
    self, PathEncoding, SessionTokenMode, SignedRequest, Signer, SigningOptions,
};
use rolechain::{Credentials, Error, HttpRequest};

/// 2015-08-30T12:36:00Z, the time of AWS's signing test suites.
const TIME: i64 = 1_440_938_160_000;
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "tok+/=";

fn credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", SECRET)
}

fn request(method: &str, url: &str) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        url: url.into(),
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn options() -> SigningOptions {
    SigningOptions::new("us-east-1", "service", TIME)
}

fn sign(request: &HttpRequest, options: &SigningOptions) -> SignedRequest {
    sigv4::sign(request, &credentials(), options).expect("signing failed")
}

fn sign_url(url: &str) -> SignedRequest {
    sign(&request("GET", url), &options())
}

/// Line `index` (0-based) of the canonical request: 1 is the URI, 2 the
/// query.
fn creq_line(signed: &SignedRequest, index: usize) -> &str {
    signed
        .canonical_request
        .split('\n')
        .nth(index)
        .unwrap_or("")
}

fn header<'a>(signed: &'a SignedRequest, name: &str) -> Option<&'a str> {
    signed
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn signed_headers(signed: &SignedRequest) -> &str {
    let lines: Vec<&str> = signed.canonical_request.split('\n').collect();
    lines[lines.len() - 2]
}

fn error_message(result: Result<SignedRequest, Error>) -> String {
    match result {
        Err(Error::InvalidArgument(message)) => message,
        other => panic!("expected an invalid argument error, got {other:?}"),
    }
}

#[test]
fn literal_plus_in_query() {
    // `+` in a URL query is a literal plus, not a space: it signs as `%2B`,
    // the same canonical query (and botocore signature) as `?a=b%2Bc`.
    let signed = sign_url("https://example.amazonaws.com/?a=b+c");
    assert_eq!(creq_line(&signed, 2), "a=b%2Bc");
    assert_eq!(
        signed.signature,
        "d7eba43676d0fb2680ba89fcfc66a9c5056820bf0a5b2ead7d3db03642ab11c3"
    );
    assert_eq!(signed.url, "https://example.amazonaws.com/?a=b+c");
}

#[test]
fn botocore_deviation_plus_in_query() {
    // botocore signs the query of a URL without decoding it, so it signs
    // `a=b+c` (signature a96c8d9d...). A server that reads `+` as a plus
    // computes `a=b%2Bc`, as rolechain does.
    let signed = sign_url("https://example.amazonaws.com/?a=b+c");
    assert_ne!(creq_line(&signed, 2), "a=b+c");
    assert_ne!(
        signed.signature,
        "a96c8d9dfd8dfe317da8aa74c6b504833f1db72634ec5d670757911ed06d919e"
    );
}

#[test]
fn tilde_left_unencoded() {
    // `~` is unreserved: kept raw in the path and the query, and `%7E`
    // decodes to it in the query. The path's `%7E` is encoded again
    // (double encoding). botocore: same canonical request.
    let signed = sign_url("https://example.amazonaws.com/a~b/%7E?k=~");
    assert_eq!(creq_line(&signed, 1), "/a~b/%257E");
    assert_eq!(creq_line(&signed, 2), "k=~");
    assert_eq!(
        signed.signature,
        "4863dc8c9be7f88a8f49b646f1d8ece155685f535a973277036aca1833c6d737"
    );

    let signed = sign_url("https://example.amazonaws.com/?k=%7e&%7E=v");
    assert_eq!(creq_line(&signed, 2), "k=~&~=v");

    let s3 = sign(
        &request("GET", "https://b.s3.amazonaws.com/a~b%7E"),
        &SigningOptions::s3("us-east-1", TIME),
    );
    assert_eq!(creq_line(&s3, 1), "/a~b%7E");
}

#[test]
fn s3_key_with_braces_and_spaces() {
    // The key `a {b} c.txt`, percent-encoded in the URL as S3 clients send
    // it, signs exactly as sent (single encoding). botocore: same signature.
    let url = "https://b.s3.amazonaws.com/a%20%7Bb%7D%20c.txt";
    let signed = sign(&request("PUT", url), &SigningOptions::s3("us-east-1", TIME));
    assert_eq!(creq_line(&signed, 1), "/a%20%7Bb%7D%20c.txt");
    assert_eq!(
        signed.signature,
        "4ae9cc708ab53593b87584ff9646d953268b5ddb4ebb4182ca84baafc9aa05ae"
    );
    assert_eq!(signed.url, url);

    // The same key written raw in the URL signs as the client sends it:
    // percent-encoded once.
    let raw = sign(
        &request("PUT", "https://b.s3.amazonaws.com/a {b} c.txt"),
        &SigningOptions::s3("us-east-1", TIME),
    );
    assert_eq!(raw.signature, signed.signature);

    // Every other service encodes the path once more. botocore: same
    // signature.
    let double = sign_url("https://example.amazonaws.com/a%20%7Bb%7D");
    assert_eq!(creq_line(&double, 1), "/a%2520%257Bb%257D");
    assert_eq!(
        double.signature,
        "e5c8aa696d693737feab73e9961fc38b9862f9969c2893e87f5b9c83231829c7"
    );
}

#[test]
fn botocore_deviation_raw_bytes_in_s3_path() {
    // botocore's S3 signer puts a raw path into the canonical request as it
    // is, so `/a {b} c.txt` signs with raw spaces and braces (signature
    // a179e65e... for GET), which no HTTP client sends. rolechain encodes
    // them once, as the client will.
    let signed = sign(
        &request("GET", "https://b.s3.amazonaws.com/a {b} c.txt"),
        &SigningOptions::s3("us-east-1", TIME),
    );
    assert_eq!(creq_line(&signed, 1), "/a%20%7Bb%7D%20c.txt");
    assert_ne!(
        signed.signature,
        "a179e65e6a10b65b17c1ad0f8f19651dfcb8e9d592d372266b91adc2125ac7ca"
    );
}

#[test]
fn repeated_header_order() {
    // Values of a repeated header join with `,` in the order received, each
    // trimmed; names are lowercased and sorted. botocore: same signature.
    let mut req = request("GET", "https://example.amazonaws.com/");
    req.headers = vec![
        ("X-A".into(), "2".into()),
        ("X-A".into(), "1".into()),
        ("x-a".into(), " 3  4 ".into()),
    ];
    let signed = sign(&req, &options());
    assert!(signed.canonical_request.contains("\nx-a:2,1,3 4\n"));
    assert_eq!(signed_headers(&signed), "host;x-a;x-amz-date");
    assert_eq!(
        signed.signature,
        "f74e3ebf9b4f176a54a3e7df598b828b152e5eb1c5834b4ebb949833e3163c42"
    );
    // The request's own headers go out unchanged and in order.
    assert_eq!(&signed.headers[..3], &req.headers[..]);
}

#[test]
fn explicit_default_port() {
    // A default port in the URL is left out of the signed `host`, as HTTP
    // clients leave it out of the `Host` header. The host is lowercased.
    // botocore: same signatures.
    let signed = sign_url("https://Example.amazonaws.com:443/");
    assert!(signed
        .canonical_request
        .contains("\nhost:example.amazonaws.com\n"));
    assert_eq!(
        signed.signature,
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
    assert_eq!(signed.url, "https://Example.amazonaws.com:443/");

    let signed = sign_url("https://example.amazonaws.com:8443/");
    assert!(signed
        .canonical_request
        .contains("\nhost:example.amazonaws.com:8443\n"));
    assert_eq!(
        signed.signature,
        "6c603abd17f7fbcfc7898db27fd6c82700a814be690b4fdeb418d9bf88d6df2c"
    );

    let signed = sign_url("http://example.amazonaws.com:80/");
    assert!(signed
        .canonical_request
        .contains("\nhost:example.amazonaws.com\n"));
    let signed = sign_url("http://example.amazonaws.com:443/");
    assert!(signed
        .canonical_request
        .contains("\nhost:example.amazonaws.com:443\n"));

    // A `Host` header given by the caller is signed as given.
    let mut req = request("GET", "https://example.amazonaws.com:443/");
    req.headers = vec![("Host".into(), "example.amazonaws.com:443".into())];
    let signed = sign(&req, &options());
    assert!(signed
        .canonical_request
        .contains("\nhost:example.amazonaws.com:443\n"));
}

fn presign_options(service: &str, mode: SessionTokenMode) -> SigningOptions {
    let mut options = if service == "s3" {
        SigningOptions::s3("us-east-1", TIME)
    } else {
        SigningOptions::new("us-east-1", service, TIME)
    };
    options.presign_expires = Some(60);
    options.session_token_mode = mode;
    options
}

#[test]
fn presigned_url_with_signed_session_token() {
    // botocore: same URL and signature.
    let creds = credentials().with_session_token(TOKEN);
    let req = request("GET", "https://example.amazonaws.com/p?x=1");
    let signed = sigv4::sign(
        &req,
        &creds,
        &presign_options("service", SessionTokenMode::Signed),
    )
    .unwrap();
    let signature = "138caefa2ab66beacb4e6b45ddbffc1c051b7e56dbde0312a9e1a41c39a2753e";
    assert_eq!(signed.signature, signature);
    assert_eq!(
        signed.url,
        format!(
            "https://example.amazonaws.com/p?x=1&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\
             &X-Amz-Security-Token=tok%2B%2F%3D&X-Amz-Signature={signature}"
        )
    );
    assert!(creq_line(&signed, 2).contains("&X-Amz-Security-Token=tok%2B%2F%3D&"));
    assert!(signed.headers.is_empty());
}

#[test]
fn presigned_s3_url_with_signed_session_token() {
    // An S3 presigned URL signs `UNSIGNED-PAYLOAD`. botocore: same
    // signature.
    let creds = credentials().with_session_token(TOKEN);
    let mut req = request("GET", "https://b.s3.amazonaws.com/k%20y");
    req.body = b"not part of a presigned URL".to_vec();
    let signed = sigv4::sign(
        &req,
        &creds,
        &presign_options("s3", SessionTokenMode::Signed),
    )
    .unwrap();
    assert_eq!(
        signed.signature,
        "14108b30040d9e49419a9a3c463f6315bc82061befab2bda3459c27c99ef8364"
    );
    assert!(signed
        .canonical_request
        .ends_with("\nhost\nUNSIGNED-PAYLOAD"));
    assert!(signed
        .url
        .starts_with("https://b.s3.amazonaws.com/k%20y?X-Amz-Algorithm="));
}

#[test]
fn presigned_url_with_session_token_after_signing() {
    // The token is left out of the canonical query, so the signature is the
    // one without a token, and the URL carries it before the signature.
    let req = request("GET", "https://example.amazonaws.com/p?x=1");
    let options = presign_options("service", SessionTokenMode::AfterSigning);
    let with_token = sigv4::sign(&req, &credentials().with_session_token(TOKEN), &options).unwrap();
    let without_token = sigv4::sign(&req, &credentials(), &options).unwrap();
    assert_eq!(with_token.signature, without_token.signature);
    assert_eq!(
        with_token.canonical_request,
        without_token.canonical_request
    );
    assert!(!with_token.canonical_request.contains("Security-Token"));
    assert!(with_token.url.contains(&format!(
        "&X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok%2B%2F%3D&X-Amz-Signature={}",
        with_token.signature
    )));
}

#[test]
fn header_session_token_signed_or_after_signing() {
    let req = request("POST", "https://sts.amazonaws.com/");
    let creds = credentials().with_session_token(TOKEN);

    let signed = sigv4::sign(&req, &creds, &options()).unwrap();
    assert_eq!(
        signed_headers(&signed),
        "host;x-amz-date;x-amz-security-token"
    );
    assert_eq!(header(&signed, "x-amz-security-token"), Some(TOKEN));

    let mut after = options();
    after.session_token_mode = SessionTokenMode::AfterSigning;
    let signed = sigv4::sign(&req, &creds, &after).unwrap();
    let unsigned = sigv4::sign(&req, &credentials(), &after).unwrap();
    assert_eq!(signed_headers(&signed), "host;x-amz-date");
    assert_eq!(signed.signature, unsigned.signature);
    assert_eq!(header(&signed, "x-amz-security-token"), Some(TOKEN));
}

#[test]
fn query_keys_without_values() {
    // `?acl` signs as `acl=`; an empty value or an empty key is kept.
    // botocore: same signature for the three together.
    assert_eq!(
        creq_line(&sign_url("https://example.amazonaws.com/?acl"), 2),
        "acl="
    );
    assert_eq!(
        creq_line(&sign_url("https://example.amazonaws.com/?a="), 2),
        "a="
    );
    assert_eq!(
        creq_line(&sign_url("https://example.amazonaws.com/?=b"), 2),
        "=b"
    );
    let signed = sign_url("https://example.amazonaws.com/?acl&a=&=b");
    assert_eq!(creq_line(&signed, 2), "=b&a=&acl=");
    assert_eq!(
        signed.signature,
        "ceb45bde612fe96c67f4b65d07c6a4f9215dad02d30712fc4d1ba364802f3784"
    );
    // A query of only `?` is an empty canonical query.
    assert_eq!(
        creq_line(&sign_url("https://example.amazonaws.com/?"), 2),
        ""
    );
}

#[test]
fn repeated_query_keys_kept() {
    let signed = sign_url("https://example.amazonaws.com/?b=2&a=z&a=y&a=y");
    assert_eq!(creq_line(&signed, 2), "a=y&a=y&a=z&b=2");
}

#[test]
fn presign_expiry_bounds() {
    let req = request("GET", "https://example.amazonaws.com/");
    let mut options = options();
    for expires in [0, sigv4::MAX_PRESIGN_EXPIRES + 1, u32::MAX] {
        options.presign_expires = Some(expires);
        let message = error_message(sigv4::sign(&req, &credentials(), &options));
        assert_eq!(
            message,
            format!("invalid presign expiry `{expires}` seconds: use 1 to 604800 (7 days)")
        );
    }
    for expires in [1, 604_800] {
        options.presign_expires = Some(expires);
        let signed = sigv4::sign(&req, &credentials(), &options).unwrap();
        assert!(signed.url.contains(&format!("&X-Amz-Expires={expires}&")));
    }
}

#[test]
fn presign_rejects_existing_signature_params() {
    let mut options = options();
    options.presign_expires = Some(60);
    let req = request("GET", "https://example.amazonaws.com/?X-Amz-Signature=abc");
    let message = error_message(sigv4::sign(&req, &credentials(), &options));
    assert!(message.contains("`x-amz-signature`"), "{message}");
}

/// Checks the shape every error message follows: lowercase start, no
/// trailing period, the offending value in backticks.
fn assert_message_style(message: &str) {
    let first = message.chars().next().unwrap_or(' ');
    assert!(!first.is_uppercase(), "starts with a capital: {message}");
    assert!(!message.ends_with('.'), "ends with a period: {message}");
    assert!(message.contains('`'), "no value in backticks: {message}");
}

#[test]
fn malformed_urls_rejected() {
    let cases = [
        ("example.amazonaws.com/", "expected an absolute URL"),
        ("", "expected an absolute URL"),
        ("ftp://example.amazonaws.com/", "unsupported scheme `ftp`"),
        ("https://", "the host is missing"),
        ("https:///path", "the host is missing"),
        ("https://user@/path", "the host is missing"),
        (
            "https://example.amazonaws.com:99999/",
            "invalid port `99999`",
        ),
        ("https://example.amazonaws.com:x/", "invalid port `x`"),
        ("https://exa mple.com/", "invalid character ` ` in the host"),
        ("https://bücher.example/", "punycode"),
        ("https://[::1/", "no closing `]`"),
        (
            "https://example.amazonaws.com/a\nb",
            "control character 0x0A",
        ),
        (
            "https://example.amazonaws.com/\u{7f}",
            "control character 0x7F",
        ),
        ("https://example.amazonaws.com/a%zz", "`%zz` in the path"),
        ("https://example.amazonaws.com/a%", "`%` in the path"),
        ("https://example.amazonaws.com/?a=%g1", "`%g1` in the query"),
        (
            "https://example.amazonaws.com/?a=%\u{e9}",
            "`%\u{e9}` in the query",
        ),
    ];
    for (url, expected) in cases {
        let message = error_message(sigv4::sign(
            &request("GET", url),
            &credentials(),
            &options(),
        ));
        assert!(message.contains(expected), "URL {url:?}: {message}");
        assert_message_style(&message);
    }
}

#[test]
fn malformed_requests_rejected() {
    let mut bad_method = request("GET /", "https://example.amazonaws.com/");
    let message = error_message(sigv4::sign(&bad_method, &credentials(), &options()));
    assert!(
        message.starts_with("invalid HTTP method `GET /`"),
        "{message}"
    );
    bad_method.method = String::new();
    assert!(sigv4::sign(&bad_method, &credentials(), &options()).is_err());

    let mut req = request("GET", "https://example.amazonaws.com/");
    req.headers = vec![("Bad Name".into(), "v".into())];
    let message = error_message(sigv4::sign(&req, &credentials(), &options()));
    assert!(
        message.starts_with("invalid header name `Bad Name`"),
        "{message}"
    );
    assert_message_style(&message);

    req.headers = vec![("X-Custom".into(), "a\r\nInjected: yes".into())];
    let message = error_message(sigv4::sign(&req, &credentials(), &options()));
    assert!(
        message.contains("header `X-Custom`: control character 0x0D at byte 1"),
        "{message}"
    );
    assert_message_style(&message);

    let req = request("GET", "https://example.amazonaws.com/");
    let mut bad = options();
    bad.region = "us-east-1/x".into();
    let message = error_message(sigv4::sign(&req, &credentials(), &bad));
    assert!(message.contains("region `us-east-1/x`"), "{message}");

    let mut bad = options();
    bad.service = String::new();
    let message = error_message(sigv4::sign(&req, &credentials(), &bad));
    assert!(message.contains("service ``"), "{message}");

    let mut bad = options();
    bad.unsigned_headers = vec!["Host".into()];
    let message = error_message(sigv4::sign(&req, &credentials(), &bad));
    assert_eq!(
        message,
        "header `Host` cannot be left unsigned because SigV4 requires it: \
         remove it from `unsigned_headers`"
    );

    let message = error_message(sigv4::sign(
        &req,
        &Credentials::new("AK ID", SECRET),
        &options(),
    ));
    assert!(
        message.starts_with("invalid access key ID `AK ID`"),
        "{message}"
    );
}

#[test]
fn unsigned_headers_left_out() {
    let mut req = request("GET", "https://example.amazonaws.com/");
    req.headers = vec![
        ("User-Agent".into(), "test".into()),
        ("Expect".into(), "100-continue".into()),
        ("X-Amzn-Trace-Id".into(), "Root=1".into()),
        ("X-Skip".into(), "1".into()),
        ("X-Keep".into(), "1".into()),
    ];
    let mut options = options();
    options.unsigned_headers = vec!["x-SKIP".into()];
    let signed = sign(&req, &options);
    assert_eq!(signed_headers(&signed), "host;x-amz-date;x-keep");
    // Unsigned headers are still sent.
    assert_eq!(&signed.headers[..5], &req.headers[..]);
}

#[test]
fn secrets_never_in_errors_or_debug() {
    let secret = "SECRET-vWzY/K7MDENG+bPxRfi";
    let token = "TOKEN-AQoDYXdzEPT//////////wEXAMPLE";
    let password = "PASSWORD-hunter2";
    let creds = Credentials::new("AKIDEXAMPLE", secret).with_session_token(token);
    let mut signer = Signer::new(creds.clone());

    let mut failures: Vec<(HttpRequest, SigningOptions)> = Vec::new();
    let mut url_with_secrets = request(
        "GET",
        &format!("ftp://user:{password}@h/p?X-Amz-Security-Token={token}&k={secret}"),
    );
    failures.push((url_with_secrets.clone(), options()));
    url_with_secrets.url = format!("https://user:{password}@h:bad/p?X-Amz-Security-Token={token}");
    failures.push((url_with_secrets.clone(), options()));
    url_with_secrets.url = format!("https://user:{password}@h/%zz?t={token}");
    failures.push((url_with_secrets, options()));
    let mut bad_header = request("GET", "https://h/");
    bad_header.headers = vec![("X-Amz-Security-Token".into(), format!("{token}\r\n"))];
    failures.push((bad_header, options()));
    let mut presign_twice = options();
    presign_twice.presign_expires = Some(60);
    failures.push((
        request("GET", &format!("https://h/?X-Amz-Security-Token={token}")),
        presign_twice,
    ));
    let mut bad_expiry = options();
    bad_expiry.presign_expires = Some(0);
    failures.push((request("GET", "https://h/"), bad_expiry));

    for (req, options) in &failures {
        for error in [
            sigv4::sign(req, &creds, options).unwrap_err(),
            signer.sign(req, options).unwrap_err(),
        ] {
            for text in [error.to_string(), format!("{error:?}")] {
                for hidden in [secret, token, password] {
                    assert!(!text.contains(hidden), "{text}");
                }
            }
        }
    }

    // A session token with a control character is reported without it.
    let bad_token =
        Credentials::new("AKIDEXAMPLE", secret).with_session_token(format!("{token}\n"));
    let error = sigv4::sign(&request("GET", "https://h/"), &bad_token, &options()).unwrap_err();
    assert!(!error.to_string().contains(token), "{error}");

    // Debug of a signed request (header and presigned), of the signer
    // after it cached a key, and of the credentials.
    let signed = signer
        .sign(&request("GET", "https://h/"), &options())
        .unwrap();
    let mut presign = options();
    presign.presign_expires = Some(60);
    let presigned = signer
        .sign(&request("GET", "https://h/"), &presign)
        .unwrap();
    assert!(presigned.url.contains("X-Amz-Security-Token=TOKEN-"));
    for text in [
        format!("{signed:?}"),
        format!("{presigned:?}"),
        format!("{signer:?}"),
        format!("{creds:?}"),
    ] {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains(token), "{text}");
    }
}

#[test]
fn botocore_deviation_query_reencoded() {
    // botocore signs query keys and values as they are in the URL
    // (`a=%2f%7e!`); rolechain decodes and encodes them again, as the
    // SigV4 rules say.
    let signed = sign_url("https://example.amazonaws.com/?a=%2f%7e!");
    assert_eq!(creq_line(&signed, 2), "a=%2F~%21");
}

#[test]
fn botocore_deviation_empty_query_pieces() {
    // botocore signs each empty piece between `&`s as `=` (`=&=&a=1&b=2`);
    // rolechain skips them, as aws-sigv4 does.
    let signed = sign_url("https://example.amazonaws.com/?a=1&&b=2&");
    assert_eq!(creq_line(&signed, 2), "a=1&b=2");
}

#[test]
fn botocore_deviation_trailing_dot_segments() {
    // RFC 3986's remove_dot_segments keeps the slash before a final `.` or
    // `..`, and so do aws-sigv4 and rolechain. botocore drops it: `/a` and
    // `/a/b` for these two paths.
    assert_eq!(
        creq_line(&sign_url("https://example.amazonaws.com/a/b/.."), 1),
        "/a/"
    );
    assert_eq!(
        creq_line(&sign_url("https://example.amazonaws.com/a/b/."), 1),
        "/a/b/"
    );
}

#[test]
fn botocore_deviation_method_case() {
    // botocore uppercases the method; rolechain signs it as sent, because
    // HTTP methods are case-sensitive.
    let signed = sign(
        &request("get", "https://example.amazonaws.com/"),
        &options(),
    );
    assert_eq!(creq_line(&signed, 0), "get");
}

#[test]
fn botocore_deviation_date_header() {
    // When a request has a `Date` header, botocore replaces its value with
    // the signing time and sends no `X-Amz-Date`. rolechain signs `Date` as
    // the caller set it and adds `X-Amz-Date`, which AWS reads first.
    let mut req = request("GET", "https://example.amazonaws.com/");
    req.headers = vec![("Date".into(), "Mon, 01 Jan 2001 00:00:00 GMT".into())];
    let signed = sign(&req, &options());
    assert_eq!(signed_headers(&signed), "date;host;x-amz-date");
    assert_eq!(
        header(&signed, "Date"),
        Some("Mon, 01 Jan 2001 00:00:00 GMT")
    );
    assert_eq!(header(&signed, "x-amz-date"), Some("20150830T123600Z"));
}

#[test]
fn botocore_deviation_unicode_whitespace_in_header() {
    // botocore's `Trimall` splits on any Unicode whitespace, so it signs
    // `a\u{a0}\u{a0}b` as `a b`; rolechain collapses spaces and tabs only.
    let mut req = request("GET", "https://example.amazonaws.com/");
    req.headers = vec![("X-A".into(), "a\u{a0}\u{a0}b\t\t c".into())];
    let signed = sign(&req, &options());
    assert!(signed
        .canonical_request
        .contains("\nx-a:a\u{a0}\u{a0}b c\n"));
}

#[test]
fn botocore_deviation_malformed_percent_escapes() {
    // botocore signs `/a%zz` as `/a%25zz` and a query `b=%zz` as it is;
    // rolechain rejects a `%` that does not start an escape.
    let result = sigv4::sign(
        &request("GET", "https://example.amazonaws.com/a%zz?b=%zz"),
        &credentials(),
        &options(),
    );
    assert!(error_message(result).contains("`%zz`"));
}

#[test]
fn botocore_deviation_presigned_query_rewritten() {
    // botocore's presigner parses the query as a form and writes it again:
    // for `?a=b+c&r=1&r=2` its URL has `a=b%20c&r=1`, without `r=2`.
    // rolechain keeps the query as given and signs every parameter.
    let mut options = options();
    options.presign_expires = Some(60);
    let signed = sign(
        &request("GET", "https://example.amazonaws.com/?a=b+c&r=1&r=2"),
        &options,
    );
    assert!(signed
        .url
        .starts_with("https://example.amazonaws.com/?a=b+c&r=1&r=2&X-Amz-Algorithm="));
    assert!(creq_line(&signed, 2).ends_with("&a=b%2Bc&r=1&r=2"));
}

#[test]
fn single_encoding_keeps_wire_path() {
    let mut options = SigningOptions::s3("us-east-1", TIME);
    let url = "https://b.s3.amazonaws.com//a/./b/../%2F%2f!$&'()*+,;=:@";
    let signed = sign(&request("GET", url), &options);
    assert_eq!(creq_line(&signed, 1), "//a/./b/../%2F%2f!$&'()*+,;=:@");

    options.path_encoding = PathEncoding::Double;
    options.normalize_path = true;
    let signed = sign(&request("GET", url), &options);
    assert_eq!(
        creq_line(&signed, 1),
        "/a/%252F%252f%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40"
    );
}

#[test]
fn fragment_not_signed() {
    let with = sign_url("https://example.amazonaws.com/p?a=1#frag?b=2");
    let without = sign_url("https://example.amazonaws.com/p?a=1");
    assert_eq!(with.signature, without.signature);
}
