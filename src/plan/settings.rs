//! Settings read from the environment and the selected profile: region,
//! STS endpoint flags and endpoint overrides, with botocore's precedence.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};

use super::model::StsEndpoint;
use crate::endpoint::{partition_by_name, resolve_sts_endpoint, StsEndpointParams};
use crate::profile::parser::sub_properties;
use crate::profile::{ProfileSet, Section};
use crate::Error;

/// Environment variables, with the last assignment of a name winning.
#[derive(Clone, Debug, Default)]
pub struct Env<'a> {
    vars: BTreeMap<&'a str, &'a str>,
}

impl<'a> Env<'a> {
    pub fn new(pairs: &'a [(String, String)]) -> Self {
        let mut vars = BTreeMap::new();
        for (k, v) in pairs {
            vars.insert(k.as_str(), v.as_str());
        }
        Env { vars }
    }

    /// Returns the value of `name`, when set and not empty.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.vars.get(name).copied().filter(|v| !v.is_empty())
    }
}

/// A value and where it came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sourced {
    pub value: String,
    pub source: String,
}

fn from_profile(section: Option<&Section>, key: &str) -> Option<Sourced> {
    let section = section?;
    let property = section.property(key)?;
    if property.value.is_empty() {
        return None;
    }
    let file = property.file.as_deref().unwrap_or("the config file");
    Some(Sourced {
        value: property.value.clone(),
        source: format!(
            "`{key}` of profile `{}` ({file}, line {})",
            section.name, property.line
        ),
    })
}

fn from_env(env: &Env<'_>, name: &str) -> Option<Sourced> {
    env.get(name).map(|v| Sourced {
        value: v.to_string(),
        source: format!("environment variable `{name}`"),
    })
}

/// Reads a boolean setting: the environment variable first, then the profile.
fn flag(env: &Env<'_>, section: Option<&Section>, env_name: &str, key: &str) -> bool {
    match env.get(env_name) {
        Some(v) => v.trim().eq_ignore_ascii_case("true"),
        None => section
            .and_then(|s| s.get(key))
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
    }
}

/// The endpoint URL for `service` from a `[services]` section named by the
/// profile's `services` key.
fn services_endpoint(
    set: &ProfileSet,
    section: Option<&Section>,
    service: &str,
) -> Option<Sourced> {
    let name = section?.get("services")?;
    let services = set.services.get(name)?;
    let property = services.property(service)?;
    let (_, url) = sub_properties(&property.value)
        .into_iter()
        .find(|(k, _)| k == "endpoint_url")?;
    let file = property.file.as_deref().unwrap_or("the config file");
    Some(Sourced {
        value: url,
        source: format!(
            "`{service}` `endpoint_url` of `[services {name}]` ({file}, line {})",
            property.line
        ),
    })
}

/// Returns the endpoint URL configured for a service, in botocore's order:
/// `AWS_ENDPOINT_URL_<SERVICE>`, the profile's `[services]` section,
/// `AWS_ENDPOINT_URL`, the profile's `endpoint_url`. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`
/// (or `ignore_configured_endpoint_urls`) switches all four off.
pub fn configured_endpoint(
    env: &Env<'_>,
    set: &ProfileSet,
    section: Option<&Section>,
    service: &str,
) -> Option<Sourced> {
    if flag(
        env,
        section,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    ) {
        return None;
    }
    let env_name = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase());
    from_env(env, &env_name)
        .or_else(|| services_endpoint(set, section, service))
        .or_else(|| from_env(env, "AWS_ENDPOINT_URL"))
        .or_else(|| from_profile(section, "endpoint_url"))
}

fn check_region(region: Sourced) -> Result<Sourced, Error> {
    let valid = region.value.len() <= 63
        && region
            .value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(region)
    } else {
        Err(Error::invalid_argument(format!(
            "invalid region `{}` from {}: a region is letters, digits and `-`, such as `us-east-1`",
            super::validate::shorten(&region.value),
            region.source
        )))
    }
}

/// Checks an endpoint URL with [`super::endpoint_url::check`].
///
/// Fails with [`Error::InvalidArgument`] naming the URL (user information
/// hidden) and where it came from.
pub fn check_url(url: &Sourced) -> Result<(), Error> {
    super::endpoint_url::check(&url.value).map_err(|problem| {
        Error::invalid_argument(format!(
            "invalid endpoint URL `{}` from {}: {problem}; expected an absolute `https://` or `http://` URL with a host, such as `https://sts.us-east-1.amazonaws.com`",
            super::endpoint_url::shown(&url.value),
            url.source
        ))
    })
}

/// The settings that choose every STS endpoint of the plan.
#[derive(Clone, Debug)]
pub struct EndpointSettings {
    /// The configured region, if any source sets one.
    pub region: Option<Sourced>,
    pub use_fips: bool,
    pub use_dual_stack: bool,
    /// `sts_regional_endpoints = legacy`.
    pub use_global_endpoint: bool,
    /// A custom STS endpoint.
    pub endpoint_url: Option<Sourced>,
}

impl EndpointSettings {
    /// Reads the settings from the options, the environment and the
    /// selected profile.
    ///
    /// Fails on an invalid region, endpoint URL or `sts_regional_endpoints`.
    pub fn new(
        region_option: Option<&str>,
        endpoint_option: Option<&str>,
        env: &Env<'_>,
        set: &ProfileSet,
        section: Option<&Section>,
    ) -> Result<Self, Error> {
        let region = region_option
            .filter(|r| !r.is_empty())
            .map(|r| Sourced {
                value: r.to_string(),
                source: "the `--region` option".to_string(),
            })
            .or_else(|| from_env(env, "AWS_REGION"))
            .or_else(|| from_env(env, "AWS_DEFAULT_REGION"))
            .or_else(|| from_profile(section, "region"))
            .map(check_region)
            .transpose()?;

        let regional = from_env(env, "AWS_STS_REGIONAL_ENDPOINTS")
            .or_else(|| from_profile(section, "sts_regional_endpoints"));
        let use_global_endpoint = match &regional {
            None => false,
            Some(s) if s.value.eq_ignore_ascii_case("regional") => false,
            Some(s) if s.value.eq_ignore_ascii_case("legacy") => true,
            Some(s) => {
                return Err(Error::invalid_argument(format!(
                    "invalid `sts_regional_endpoints` value `{}` from {}: expected `regional` or `legacy`",
                    super::validate::shorten(&s.value),
                    s.source
                )))
            }
        };

        let endpoint_url = match endpoint_option.filter(|u| !u.is_empty()) {
            Some(url) => Some(Sourced {
                value: url.to_string(),
                source: "the `--endpoint-url` option".to_string(),
            }),
            None => configured_endpoint(env, set, section, "sts"),
        };
        if let Some(url) = &endpoint_url {
            check_url(url)?;
        }

        Ok(EndpointSettings {
            region,
            use_fips: flag(env, section, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
            use_dual_stack: flag(
                env,
                section,
                "AWS_USE_DUALSTACK_ENDPOINT",
                "use_dualstack_endpoint",
            ),
            use_global_endpoint,
            endpoint_url,
        })
    }

    /// The region for a call about `role_arn`: the configured region, else
    /// the default region of the ARN's partition (`us-east-1` for `aws`).
    pub fn region_for(&self, role_arn: Option<&str>) -> String {
        if let Some(region) = &self.region {
            return region.value.clone();
        }
        role_arn
            .and_then(|arn| arn.split(':').nth(1))
            .and_then(partition_by_name)
            .map_or("us-east-1", |p| p.default_region)
            .to_string()
    }

    /// Resolves the STS endpoint for a call about `role_arn`.
    ///
    /// Fails when the flags conflict, naming where they were set.
    pub fn sts_for(&self, role_arn: Option<&str>) -> Result<StsEndpoint, Error> {
        let region = self.region_for(role_arn);
        let params = StsEndpointParams {
            region: Some(region.clone()),
            use_fips: self.use_fips,
            use_dual_stack: self.use_dual_stack,
            use_global_endpoint: self.use_global_endpoint,
            endpoint: self.endpoint_url.as_ref().map(|u| u.value.clone()),
        };
        let resolved = resolve_sts_endpoint(&params).map_err(|message| {
            let source = self
                .endpoint_url
                .as_ref()
                .map(|u| format!(" (endpoint from {})", u.source))
                .unwrap_or_default();
            Error::invalid_argument(format!(
                "{message}{source}; check `use_fips_endpoint`, `use_dualstack_endpoint` and their `AWS_USE_*` variables"
            ))
        })?;
        Ok(StsEndpoint {
            url: resolved.url,
            signing_region: resolved.signing_region.unwrap_or(region),
        })
    }
}
