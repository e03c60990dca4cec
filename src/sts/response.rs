//! Parsers for STS query-protocol responses: the XML of a successful
//! AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken or
//! GetCallerIdentity call, and the `ErrorResponse` document of a failed one.
//!
//! The XML reader is deliberately small: it builds a tree of elements with
//! their text, ignores attributes, namespaces, comments and processing
//! instructions, and rejects a `DOCTYPE` (so no entity other than the five
//! predefined ones and character references can appear). It never panics
//! and never echoes the body in an error, because a successful body contains a
//! secret access key and a session token.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::time::parse_rfc3339;
use crate::{Credentials, Error, HttpResponse, ServiceError};

/// Nesting deeper than this is rejected; STS documents use 4 levels.
const MAX_DEPTH: usize = 64;

/// Credentials returned by AssumeRole or AssumeRoleWithWebIdentity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleCredentials {
    /// The temporary credentials; `account_id` is the account of the
    /// assumed-role ARN, when there is one.
    pub credentials: Credentials,
    /// `AssumedRoleUser/Arn`, such as
    /// `arn:aws:sts::123456789012:assumed-role/demo/session`.
    pub assumed_role_arn: Option<String>,
}

/// The result of GetCallerIdentity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The caller's ARN.
    pub arn: String,
    /// The caller's 12-digit account ID.
    pub account: Option<String>,
    /// The caller's unique ID.
    pub user_id: Option<String>,
}

/// An XML element: its qualified name, its text content (the
/// concatenation of its text and CDATA nodes) and its child elements.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// Returns the name without a namespace prefix.
    pub fn local_name(&self) -> &str {
        match self.name.rsplit_once(':') {
            Some((_, local)) => local,
            None => &self.name,
        }
    }

    /// Returns the first child element with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.local_name() == name)
    }

    /// Returns the descendant reached by following `path`, one local name a level.
    pub fn find(&self, path: &[&str]) -> Option<&Element> {
        let mut element = self;
        for name in path {
            element = element.child(name)?;
        }
        Some(element)
    }

    /// Returns the trimmed text of the descendant at `path`, if it exists and is
    /// not empty.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        let text = self.find(path)?.text.trim();
        (!text.is_empty()).then_some(text)
    }
}

fn malformed(what: &str) -> Error {
    Error::MalformedResponse(format!("malformed XML in the STS response: {what}"))
}

/// Parses an XML document into its root element.
///
/// Fails with [`Error::MalformedResponse`] on anything that is not a single
/// well-nested element: unclosed or mismatched tags, an unknown entity, a
/// `DOCTYPE`, text outside the root, or nesting deeper than 64 levels.
pub fn parse_xml(text: &str) -> Result<Element, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut rest = text;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            push_text(&mut stack, &root, rest)?;
            break;
        };
        push_text(&mut stack, &root, &rest[..open])?;
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<?") {
            rest = skip_past(after, "?>", "unterminated processing instruction")?;
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = skip_past(after, "-->", "unterminated comment")?;
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after
                .find("]]>")
                .ok_or_else(|| malformed("unterminated CDATA"))?;
            match stack.last_mut() {
                Some(top) => top.text.push_str(&after[..end]),
                None => return Err(malformed("CDATA outside the root element")),
            }
            rest = &after[end + 3..];
        } else if rest.starts_with("<!") {
            return Err(malformed("DOCTYPE declarations are not supported"));
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after
                .find('>')
                .ok_or_else(|| malformed("unterminated end tag"))?;
            let name = after[..end].trim();
            let element = stack
                .pop()
                .ok_or_else(|| malformed("end tag without a start tag"))?;
            if element.name != name {
                return Err(malformed("mismatched end tag"));
            }
            close(&mut stack, &mut root, element)?;
            rest = &after[end + 1..];
        } else {
            let after = &rest[1..];
            let end = tag_end(after).ok_or_else(|| malformed("unterminated start tag"))?;
            let tag = &after[..end];
            let self_closing = tag.ends_with('/');
            let tag = tag.strip_suffix('/').unwrap_or(tag);
            let name_len = tag
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(tag.len());
            let name = &tag[..name_len];
            if name.is_empty() || name.contains(['<', '&', '"', '\'', '=']) {
                return Err(malformed("invalid element name"));
            }
            if root.is_some() {
                return Err(malformed("more than one root element"));
            }
            if stack.len() >= MAX_DEPTH {
                return Err(malformed("elements nested too deeply"));
            }
            let element = Element {
                name: name.to_string(),
                ..Element::default()
            };
            if self_closing {
                close(&mut stack, &mut root, element)?;
            } else {
                stack.push(element);
            }
            rest = &after[end + 1..];
        }
    }
    if !stack.is_empty() {
        return Err(malformed("unclosed element"));
    }
    root.ok_or_else(|| malformed("no root element"))
}

/// Returns the index of the `>` that ends a start tag, skipping quoted attribute
/// values, which may contain `>`.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            (None, '<') => return None,
            (None, _) => {}
        }
    }
    None
}

fn skip_past<'a>(text: &'a str, terminator: &str, what: &str) -> Result<&'a str, Error> {
    let end = text.find(terminator).ok_or_else(|| malformed(what))?;
    Ok(&text[end + terminator.len()..])
}

fn push_text(stack: &mut [Element], root: &Option<Element>, text: &str) -> Result<(), Error> {
    match stack.last_mut() {
        Some(top) => {
            top.text.push_str(&decode_entities(text)?);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None if root.is_some() => Err(malformed("text after the root element")),
        None => Err(malformed("text before the root element")),
    }
}

fn close(stack: &mut [Element], root: &mut Option<Element>, element: Element) -> Result<(), Error> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err(malformed("more than one root element")),
    }
    Ok(())
}

/// Replaces the five predefined XML entities and decimal or hexadecimal
/// character references (`&#38;`, `&#x26;`) with the characters they name.
///
/// Fails on an unknown entity, a `&` without a `;`, or a reference to a
/// value that is not a Unicode scalar value.
pub fn decode_entities(text: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        // The longest valid reference is `#x10FFFF`; allow a little more.
        let semi = after
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i)
            .ok_or_else(|| malformed("`&` without a terminating `;`"))?;
        let entity = &after[..semi];
        let decoded = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => character_reference(entity).ok_or_else(|| malformed("unknown entity"))?,
        };
        out.push(decoded);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn character_reference(entity: &str) -> Option<char> {
    let number = entity.strip_prefix('#')?;
    let (digits, radix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16),
        None => (number, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let value = u32::from_str_radix(digits, radix).ok()?;
    // XML 1.0's `Char` production: no NUL, no other C0 control but tab, LF
    // and CR, and no U+FFFE or U+FFFF.
    let allowed = matches!(value, 0x9 | 0xA | 0xD | 0x20..=0xFFFD | 0x10000..);
    char::from_u32(value).filter(|_| allowed)
}

fn parse_body(body: &[u8]) -> Result<Element, Error> {
    let text = core::str::from_utf8(body)
        .map_err(|_| Error::MalformedResponse("the STS response is not UTF-8".into()))?;
    parse_xml(text)
}

fn missing(operation: &str, path: &str) -> Error {
    Error::MalformedResponse(format!(
        "the STS {operation} response has no `{path}` element"
    ))
}

/// Checks the status and the root element of a response, turning an error
/// response into [`Error::Service`], and returns the `<operation>Result`
/// element.
fn result_element(response: &HttpResponse, operation: &str) -> Result<Element, Error> {
    if !(200..300).contains(&response.status) {
        return Err(Error::Service(service_error(response)));
    }
    let root = parse_body(&response.body)?;
    if root.local_name() == "ErrorResponse" {
        return Err(Error::Service(service_error(response)));
    }
    let expected = format!("{operation}Response");
    if root.local_name() != expected {
        return Err(Error::MalformedResponse(format!(
            "expected an STS `{expected}` document, got `{}`",
            root.local_name()
        )));
    }
    let result = format!("{operation}Result");
    let mut root = root;
    let index = root
        .children
        .iter()
        .position(|c| c.local_name() == result)
        .ok_or_else(|| missing(operation, &result))?;
    Ok(root.children.swap_remove(index))
}

/// Reads the `Credentials` element of a result.
fn credentials(result: &Element, operation: &str) -> Result<Credentials, Error> {
    let field = |name: &str| {
        result
            .text_at(&["Credentials", name])
            .ok_or_else(|| missing(operation, &format!("Credentials/{name}")))
    };
    let access_key_id = field("AccessKeyId")?;
    let secret_access_key = field("SecretAccessKey")?;
    let session_token = field("SessionToken")?;
    let expiration = field("Expiration")?;
    let expiration = parse_rfc3339(expiration).ok_or_else(|| {
        Error::MalformedResponse(format!(
            "the STS {operation} response has an invalid `Credentials/Expiration` \
             `{expiration}`: expected an RFC 3339 timestamp"
        ))
    })?;
    let mut credentials =
        Credentials::new(access_key_id, secret_access_key).with_session_token(session_token);
    credentials.expiration = Some(expiration);
    Ok(credentials)
}

fn role_credentials(response: &HttpResponse, operation: &str) -> Result<RoleCredentials, Error> {
    let result = result_element(response, operation)?;
    let mut credentials = credentials(&result, operation)?;
    let assumed_role_arn = result
        .text_at(&["AssumedRoleUser", "Arn"])
        .map(String::from);
    credentials.account_id = assumed_role_arn
        .as_deref()
        .and_then(account_of_arn)
        .map(String::from);
    Ok(RoleCredentials {
        credentials,
        assumed_role_arn,
    })
}

/// Reads an AssumeRole response.
///
/// Fails with [`Error::Service`] for an error response (any non-2xx
/// status, or an `ErrorResponse` document) and with
/// [`Error::MalformedResponse`] when a credential field is missing or the
/// XML is invalid.
pub fn assume_role_result(response: &HttpResponse) -> Result<RoleCredentials, Error> {
    role_credentials(response, "AssumeRole")
}

/// Reads an AssumeRoleWithWebIdentity response; fails as
/// [`assume_role_result`] does.
pub fn assume_role_with_web_identity_result(
    response: &HttpResponse,
) -> Result<RoleCredentials, Error> {
    role_credentials(response, "AssumeRoleWithWebIdentity")
}

/// Reads a GetSessionToken response; fails as [`assume_role_result`] does.
pub fn get_session_token_result(response: &HttpResponse) -> Result<Credentials, Error> {
    let result = result_element(response, "GetSessionToken")?;
    credentials(&result, "GetSessionToken")
}

/// Reads a GetCallerIdentity response; fails as [`assume_role_result`]
/// does, or when `Arn` is missing.
pub fn get_caller_identity_result(response: &HttpResponse) -> Result<CallerIdentity, Error> {
    let result = result_element(response, "GetCallerIdentity")?;
    let arn = result
        .text_at(&["Arn"])
        .ok_or_else(|| missing("GetCallerIdentity", "Arn"))?;
    Ok(CallerIdentity {
        arn: arn.to_string(),
        account: result.text_at(&["Account"]).map(String::from),
        user_id: result.text_at(&["UserId"]).map(String::from),
    })
}

/// Builds the [`ServiceError`] of an error response from its
/// `<ErrorResponse><Error><Code/><Message/></Error><RequestId/>` body.
///
/// The query protocol's other error shape,
/// `<Response><Errors><Error>...</Error></Errors><RequestID/>` (which IAM
/// policy checks in front of STS-compatible servers such as moto return),
/// is read too. A body that is neither still gives an error, with the code
/// `Unknown` and a hint to check the endpoint settings, so that the HTTP
/// status reaches the caller. The request ID
/// comes from the body, or else from the `x-amzn-RequestId` header.
pub fn service_error(response: &HttpResponse) -> ServiceError {
    let status = response.status;
    let root = parse_body(&response.body).ok();
    let error = root
        .as_ref()
        .filter(|r| matches!(r.local_name(), "ErrorResponse" | "Response"))
        .and_then(|r| r.child("Error").or_else(|| r.find(&["Errors", "Error"])));
    let code = error.and_then(|e| e.text_at(&["Code"]));
    let message = error.and_then(|e| e.text_at(&["Message"])).unwrap_or("");
    let request_id = root
        .as_ref()
        .and_then(|r| {
            r.text_at(&["RequestId"])
                .or_else(|| r.text_at(&["RequestID"]))
        })
        .or_else(|| response.header("x-amzn-RequestId"))
        .map(String::from);
    let (code, message, hint) = match code {
        Some(code) => (
            code.to_string(),
            message.to_string(),
            hint(code, message).map(String::from),
        ),
        // An HTML error page or an empty body: a proxy, a wrong host or a
        // wrong path responded instead of STS.
        None => (
            "Unknown".to_string(),
            format!("HTTP status {status} without an STS error document"),
            Some(
                "the endpoint did not answer like STS; check `--endpoint-url`, `AWS_ENDPOINT_URL_STS` and `endpoint_url` settings"
                    .to_string(),
            ),
        ),
    };
    ServiceError {
        status,
        code,
        message,
        request_id,
        hint,
    }
}

/// Returns what to check for a common STS error code, as a hint for the
/// user.
pub fn hint(code: &str, message: &str) -> Option<&'static str> {
    let hint = match code {
        "AccessDenied" => {
            "check the role's trust policy, the external ID, and the MFA device and code"
        }
        "ExpiredToken" | "ExpiredTokenException" => {
            "the source credentials have expired: refresh them and retry"
        }
        "InvalidClientTokenId" => {
            "the access key ID is wrong or inactive: check the source credentials"
        }
        "SignatureDoesNotMatch" => "check the secret access key, and that the host clock is right",
        "RegionDisabledException" => {
            "enable the STS region in the account settings, or use another region or endpoint"
        }
        "ValidationError" if mentions_duration(message) => {
            "check the role's maximum session duration; a role assumed with \
             credentials from another role (role chaining) is limited to 1 hour"
        }
        _ => return None,
    };
    Some(hint)
}

fn mentions_duration(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("duration")
}

/// Returns whether a failed request may succeed when sent again: throttling,
/// HTTP 429 and 5xx.
pub fn is_retryable(error: &ServiceError) -> bool {
    let throttled = matches!(
        error.code.as_str(),
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException"
    );
    throttled || error.status == 429 || error.status >= 500
}

/// Returns the account field of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:...`),
/// if it is not empty.
pub fn account_of_arn(arn: &str) -> Option<&str> {
    let mut fields = arn.splitn(6, ':');
    if fields.next()? != "arn" {
        return None;
    }
    let account = fields.nth(3)?;
    // The resource field must exist too, or this is not an ARN.
    fields.next()?;
    (!account.is_empty()).then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_elements_and_prefixes() {
        let root =
            parse_xml("<?xml version=\"1.0\"?><a:R x='>'><B><C>v</C></B><D/></a:R>").unwrap();
        assert_eq!(root.local_name(), "R");
        assert_eq!(root.text_at(&["B", "C"]), Some("v"));
        assert!(root.child("D").is_some());
    }

    #[test]
    fn entities_decode() {
        let text = decode_entities("&amp;&lt;&gt;&quot;&apos;&#65;&#x42;").unwrap();
        assert_eq!(text, "&<>\"'AB");
    }

    #[test]
    fn bad_references_fail() {
        assert!(decode_entities("&nbsp;").is_err());
        assert!(decode_entities("&#xD800;").is_err());
        assert!(decode_entities("&#99999999999;").is_err());
        assert!(decode_entities("a & b").is_err());
        assert!(decode_entities("&#;").is_err());
    }

    #[test]
    fn malformed_documents_fail() {
        for text in [
            "",
            "<a>",
            "<a></b>",
            "</a>",
            "<a/><b/>",
            "x<a/>",
            "<a/>x",
            "<a",
            "<!DOCTYPE a><a/>",
        ] {
            assert!(parse_xml(text).is_err(), "{text}");
        }
    }

    #[test]
    fn deep_nesting_fails() {
        let text = "<a>".repeat(100_000);
        assert!(parse_xml(&text).is_err());
    }

    #[test]
    fn arn_accounts() {
        assert_eq!(
            account_of_arn("arn:aws:sts::123456789012:assumed-role/r/s"),
            Some("123456789012")
        );
        assert_eq!(
            account_of_arn("arn:aws:iam::123456789012:role/r"),
            Some("123456789012")
        );
        assert_eq!(account_of_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(account_of_arn("not-an-arn"), None);
    }
}
