//! STS response parsing: success documents, error documents, entities,
//! hints and malformed input.

use rolechain::sts::response::{
    assume_role_result, assume_role_with_web_identity_result, get_caller_identity_result,
    get_session_token_result, hint, is_retryable, parse_xml, service_error,
};
use rolechain::{Error, HttpResponse};

fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    }
}

// The example response of the STS API reference for AssumeRole, with the
// documentation's placeholder values.
const ASSUME_ROLE: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
  <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>
       AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW
      </SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"#;

#[test]
fn assume_role_success() {
    let result = assume_role_result(&response(200, ASSUME_ROLE)).unwrap();
    let credentials = &result.credentials;
    assert_eq!(credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    assert_eq!(
        credentials.secret_access_key.expose(),
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
    );
    assert_eq!(
        credentials.session_token.as_ref().unwrap().expose(),
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW"
    );
    assert_eq!(credentials.expiration, Some(1_573_306_481_000));
    assert_eq!(credentials.account_id.as_deref(), Some("123456789012"));
    assert_eq!(
        result.assumed_role_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/demo/TestAR")
    );
}

#[test]
fn web_identity_success() {
    let body = ASSUME_ROLE
        .replace("AssumeRoleResponse", "AssumeRoleWithWebIdentityResponse")
        .replace("AssumeRoleResult", "AssumeRoleWithWebIdentityResult");
    let result = assume_role_with_web_identity_result(&response(200, &body)).unwrap();
    assert_eq!(result.credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    // An AssumeRole document is not a web identity one.
    let wrong = assume_role_with_web_identity_result(&response(200, ASSUME_ROLE));
    assert!(matches!(wrong, Err(Error::MalformedResponse(_))));
}

#[test]
fn session_token_success() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <GetSessionTokenResult><Credentials>\
        <SessionToken>tok</SessionToken><SecretAccessKey>sec</SecretAccessKey>\
        <Expiration>2011-07-11T19:55:29.611Z</Expiration><AccessKeyId>ASIAGST</AccessKeyId>\
        </Credentials></GetSessionTokenResult>\
        <ResponseMetadata><RequestId>58c5dbae</RequestId></ResponseMetadata>\
        </GetSessionTokenResponse>";
    let credentials = get_session_token_result(&response(200, body)).unwrap();
    assert_eq!(credentials.access_key_id, "ASIAGST");
    assert_eq!(credentials.expiration, Some(1_310_414_129_611));
    assert_eq!(credentials.account_id, None);
}

#[test]
fn caller_identity_success() {
    let body = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <GetCallerIdentityResult>\
        <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\
        <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\
        <Account>123456789012</Account>\
        </GetCallerIdentityResult>\
        <ResponseMetadata><RequestId>01234567-89ab</RequestId></ResponseMetadata>\
        </GetCallerIdentityResponse>";
    let identity = get_caller_identity_result(&response(200, body)).unwrap();
    assert_eq!(identity.arn, "arn:aws:iam::123456789012:user/Alice");
    assert_eq!(identity.account.as_deref(), Some("123456789012"));
    assert_eq!(identity.user_id.as_deref(), Some("AIDACKCEVSQ6C2EXAMPLE"));
}

#[test]
fn error_response_fields() {
    let body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <Error><Type>Sender</Type><Code>AccessDenied</Code>\
        <Message>User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole \
        on resource: arn:aws:iam::2:role/&quot;r&quot; &amp; more</Message></Error>\
        <RequestId>8ff7e4c6-1b2a</RequestId></ErrorResponse>";
    let result = assume_role_result(&response(403, body));
    let Err(Error::Service(error)) = result else {
        panic!("expected a service error, got {result:?}");
    };
    assert_eq!(error.status, 403);
    assert_eq!(error.code, "AccessDenied");
    assert!(
        error.message.ends_with("arn:aws:iam::2:role/\"r\" & more"),
        "{}",
        error.message
    );
    assert_eq!(error.request_id.as_deref(), Some("8ff7e4c6-1b2a"));
    let hint = error.hint.unwrap();
    assert!(hint.contains("trust policy"));
    assert!(hint.contains("external ID"));
    assert!(hint.contains("MFA"));
}

#[test]
fn error_document_with_200_is_error() {
    let body = "<ErrorResponse><Error><Code>ExpiredToken</Code><Message>expired</Message>\
        </Error></ErrorResponse>";
    let result = get_caller_identity_result(&response(200, body));
    let Err(Error::Service(error)) = result else {
        panic!("expected a service error, got {result:?}");
    };
    assert_eq!(error.code, "ExpiredToken");
    assert_eq!(error.request_id, None);
}

#[test]
fn non_xml_error_keeps_status() {
    let mut response = response(503, "<html>Service Unavailable</html");
    response
        .headers
        .push(("x-amzn-RequestId".into(), "hdr-id".into()));
    let error = service_error(&response);
    assert_eq!(error.status, 503);
    assert_eq!(error.code, "Unknown");
    assert_eq!(error.request_id.as_deref(), Some("hdr-id"));
    assert!(is_retryable(&error));
}

#[test]
fn html_error_page_hints_at_endpoint() {
    let error = service_error(&response(404, "<html><body>Not Found</body></html>"));
    assert_eq!(error.code, "Unknown");
    assert!(
        error.message.contains("HTTP status 404"),
        "{}",
        error.message
    );
    let hint = error.hint.expect("a hint for a non-STS answer");
    assert!(hint.contains("`--endpoint-url`"), "{hint}");
    assert!(hint.contains("`AWS_ENDPOINT_URL_STS`"), "{hint}");
}

#[test]
fn entities_decode() {
    let root = parse_xml(
        "<a><b>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#x1F600;</b><c><![CDATA[<raw&>]]></c></a>",
    )
    .unwrap();
    assert_eq!(root.text_at(&["b"]), Some("&<>\"'AB\u{1F600}"));
    assert_eq!(root.text_at(&["c"]), Some("<raw&>"));
}

#[test]
fn comments_and_attributes_ignored() {
    let root =
        parse_xml("<!-- x --><a k=\"v>w\" j='1'><!-- <b>no</b> --><b/></a><!-- y -->").unwrap();
    assert_eq!(root.children.len(), 1);
    assert_eq!(root.children[0].name, "b");
}

#[test]
fn malformed_documents_fail() {
    let cases = [
        "",
        "   ",
        "<a>",
        "<a><b></a></b>",
        "<a>&bogus;</a>",
        "<a>&#xFFFFFFFFF;</a>",
        "<a>&#0;</a>",
        "<a>&#55296;</a>",
        "<a>&amp</a>",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<a/><b/>",
        "text",
        "<a><![CDATA[never closed</a>",
        "<a><!-- never closed</a>",
        "<a b=\"unterminated></a>",
        "<>x</>",
    ];
    for case in cases {
        let result = parse_xml(case);
        assert!(
            matches!(result, Err(Error::MalformedResponse(_))),
            "{case:?}: {result:?}"
        );
    }
}

#[test]
fn malformed_success_is_malformed_response() {
    let cases = [
        "not xml",
        "<AssumeRoleResponse/>",
        "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
        "<Other><AssumeRoleResult/></Other>",
    ];
    for case in cases {
        let result = assume_role_result(&response(200, case));
        assert!(
            matches!(result, Err(Error::MalformedResponse(_))),
            "{case:?}: {result:?}"
        );
    }
    let bad_time = ASSUME_ROLE.replace("2019-11-09T13:34:41Z", "tomorrow");
    let result = assume_role_result(&response(200, &bad_time));
    let Err(Error::MalformedResponse(message)) = result else {
        panic!("expected a malformed response, got {result:?}");
    };
    assert!(message.contains("Expiration"), "{message}");
    assert!(!message.contains("wJalrXUtnFEMI"), "{message}");
}

#[test]
fn invalid_utf8_is_malformed() {
    let response = HttpResponse {
        status: 200,
        headers: Vec::new(),
        body: vec![b'<', b'a', b'>', 0xff, b'<', b'/', b'a', b'>'],
    };
    assert!(matches!(
        assume_role_result(&response),
        Err(Error::MalformedResponse(_))
    ));
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap deterministic fuzz: every prefix and a few mutations of a
    // real document must parse or fail, never panic.
    let doc = ASSUME_ROLE.as_bytes();
    for end in 0..doc.len() {
        let _ = assume_role_result(&response(200, &String::from_utf8_lossy(&doc[..end])));
    }
    let mut state = 0x1234_5678_u64;
    for _ in 0..2_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut bytes = doc.to_vec();
        let at = (state as usize) % bytes.len();
        bytes[at] = b"<>&;/!?[]#x\"' "[(state >> 32) as usize % 14];
        let _ = assume_role_result(&HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: bytes,
        });
    }
}

#[test]
fn hints_for_common_errors() {
    let cases = [
        ("AccessDenied", "", "trust policy"),
        ("ExpiredToken", "", "refresh"),
        ("InvalidClientTokenId", "", "access key ID"),
        ("SignatureDoesNotMatch", "", "secret access key"),
        ("SignatureDoesNotMatch", "", "clock"),
        ("RegionDisabledException", "", "region"),
        (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            "maximum session duration",
        ),
        (
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            "1 hour",
        ),
    ];
    for (code, message, expected) in cases {
        let hint = hint(code, message).unwrap_or_else(|| panic!("no hint for {code}"));
        assert!(hint.contains(expected), "{code}: {hint}");
        assert!(!hint.ends_with('.'), "{hint}");
        assert!(hint.starts_with(|c: char| c.is_lowercase()), "{hint}");
    }
    assert_eq!(
        hint("ValidationError", "1 validation error detected: roleArn"),
        None
    );
    assert_eq!(hint("MalformedPolicyDocument", ""), None);
}

#[test]
fn retryable_classification() {
    let retryable = |status: u16, code: &str| {
        let body = format!("<ErrorResponse><Error><Code>{code}</Code></Error></ErrorResponse>");
        is_retryable(&service_error(&response(status, &body)))
    };
    assert!(retryable(400, "Throttling"));
    assert!(retryable(400, "ThrottlingException"));
    assert!(retryable(400, "RequestLimitExceeded"));
    assert!(retryable(400, "TooManyRequestsException"));
    assert!(retryable(429, "Whatever"));
    assert!(retryable(500, "InternalFailure"));
    assert!(retryable(503, "ServiceUnavailable"));
    assert!(!retryable(403, "AccessDenied"));
    assert!(!retryable(400, "ValidationError"));
}
