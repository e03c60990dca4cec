//! Just enough XML to read an STS query-protocol response: the text of an
//! element found by its path of tag names.
//!
//! It ignores namespaces, attributes, comments and processing instructions,
//! and expects no element nested inside one of the same name, which holds
//! for STS responses. It is not a validating parser.

// TODO: share with sts::response, which parses the same responses.

use alloc::string::String;

/// Returns the text of the element at `path` (tag names from the outside in), with
/// entities decoded, or `None` when an element is missing.
pub(crate) fn text_at(xml: &str, path: &[&str]) -> Option<String> {
    let mut scope = xml;
    for name in path {
        scope = element_content(scope, name)?;
    }
    decode_entities(scope)
}

/// Returns the content between `<name ...>` and `</name>`. A self-closing
/// `<name/>` has empty content.
fn element_content<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    loop {
        let start = from + xml.get(from..)?.find('<')?;
        let after_lt = start + 1;
        let rest = xml.get(after_lt..)?;
        let matches_name = rest.starts_with(name)
            && rest[name.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == '>' || c == '/' || c.is_ascii_whitespace());
        if !matches_name {
            from = after_lt;
            continue;
        }
        let tag_end = after_lt + rest.find('>')?;
        if xml.get(..tag_end)?.ends_with('/') {
            return Some("");
        }
        let content_start = tag_end + 1;
        let closing = alloc::format!("</{name}");
        let content_len = xml.get(content_start..)?.find(&closing)?;
        return xml.get(content_start..content_start + content_len);
    }
}

/// Decodes the five predefined entities and numeric character references.
/// Returns `None` for an unknown entity or an invalid code point.
fn decode_entities(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';')?;
        let entity = &after[..semi];
        let decoded = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse::<u32>().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(decoded);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &str = r#"<?xml version="1.0"?>
<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>AKID</AccessKeyId>
      <SecretAccessKey>a&amp;b&#x3C;c&#62;</SecretAccessKey>
      <SessionToken/>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>"#;

    #[test]
    fn finds_nested_text() {
        let arn = text_at(RESPONSE, &["AssumedRoleUser", "Arn"]);
        assert_eq!(
            arn.as_deref(),
            Some("arn:aws:sts::123456789012:assumed-role/r/s")
        );
    }

    #[test]
    fn decodes_entities() {
        let secret = text_at(RESPONSE, &["Credentials", "SecretAccessKey"]);
        assert_eq!(secret.as_deref(), Some("a&b<c>"));
    }

    #[test]
    fn prefix_of_longer_name_does_not_match() {
        // `<AssumeRoleWithWebIdentityResult>` must not match `AssumeRole`.
        assert_eq!(text_at(RESPONSE, &["AssumeRole"]), None);
    }

    #[test]
    fn self_closing_is_empty() {
        let token = text_at(RESPONSE, &["Credentials", "SessionToken"]);
        assert_eq!(token.as_deref(), Some(""));
    }

    #[test]
    fn missing_and_truncated() {
        assert_eq!(text_at(RESPONSE, &["Credentials", "Expiration"]), None);
        assert_eq!(text_at("<a><b>text", &["a", "b"]), None);
        assert_eq!(text_at("<a>&bogus;</a>", &["a"]), None);
        assert_eq!(text_at("<", &["a"]), None);
        assert_eq!(text_at("<a", &["a"]), None);
    }
}
