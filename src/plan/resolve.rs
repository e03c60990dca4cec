//! Profile resolution: from the selected profile to a root and the
//! AssumeRole hops above it, with botocore's rules.
//!
//! botocore tries, for a profile: AssumeRole (`role_arn` without
//! `web_identity_token_file`), web identity, SSO, static keys of the
//! credentials file, `credential_process`, then static keys of the config
//! file. A `source_profile` is resolved the same way without the
//! environment, except that its static keys win over its own `role_arn`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::model::{
    AssumeRoleHop, AssumeRoleOptions, ContainerConfig, HopOrigin, ImdsConfig, MfaSerial, Root,
    SsoConfig, WebIdentityConfig,
};
use super::settings::{configured_endpoint, EndpointSettings, Env};
use super::sha1::sha1_hex;
use super::validate;
use crate::endpoint::partition_of_region;
use crate::profile::location::aws_dir_file;
use crate::profile::{FileKind, Platform, ProfileSet, Section};
use crate::roots;
use crate::{Credentials, Error};

/// The maximum number of `source_profile` references one chain may follow.
///
/// Each reference is one AssumeRole call, made in order, and every call
/// after the first is role chaining, which STS limits to one-hour sessions.
/// STS documents no maximum number of hops: 32 is far above real chains,
/// which have a few, and keeps the resolver's recursion (two stack frames
/// per hop) shallow, even on the small stack of the WebAssembly component.
pub const MAX_SOURCE_PROFILE_HOPS: usize = 32;

/// Everything the resolver reads.
pub struct Context<'a> {
    pub set: &'a ProfileSet,
    pub env: &'a Env<'a>,
    pub environment: &'a [(String, String)],
    pub platform: Platform,
    pub endpoints: &'a EndpointSettings,
    /// The selected profile, whose settings apply to IMDS and SSO.
    pub selected: Option<&'a Section>,
    /// `RoleSessionName` when a profile sets none.
    pub default_session_name: &'a str,
    pub warnings: &'a mut Vec<String>,
}

/// A resolved chain: the root and the profile hops above it, root first.
pub struct Chain {
    pub root: Root,
    pub hops: Vec<AssumeRoleHop>,
    /// The profile whose settings produced the root, if any.
    pub root_profile: Option<String>,
}

fn config_error(section: &Section, key: &str, message: String) -> Error {
    match section.property(key) {
        Some(p) => Error::config(p.file.as_deref(), Some(p.line), message),
        None => Error::config(None, None, message),
    }
}

/// Whether botocore's AssumeRole provider handles the profile.
fn has_assume_role_config(section: &Section) -> bool {
    section.has("role_arn") && !section.has("web_identity_token_file")
}

fn has_static_keys(section: &Section) -> bool {
    section.has("aws_access_key_id") || section.has("aws_secret_access_key")
}

const SSO_KEYS: [&str; 4] = [
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
];

fn has_sso_config(section: &Section) -> bool {
    section.has("sso_session") || SSO_KEYS.iter().any(|k| section.has(k))
}

/// Reads the profile's static keys, failing when only one of the two is set.
fn static_keys(section: &Section) -> Result<Root, Error> {
    let id = section.get("aws_access_key_id").filter(|v| !v.is_empty());
    let secret = section
        .get("aws_secret_access_key")
        .filter(|v| !v.is_empty());
    let (id, secret) = match (id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (Some(_), None) => {
            return Err(config_error(
                section,
                "aws_access_key_id",
                format!(
                    "profile `{}` sets `aws_access_key_id` but is missing `aws_secret_access_key`; add it or remove the key ID",
                    section.name
                ),
            ))
        }
        _ => {
            return Err(config_error(
                section,
                "aws_secret_access_key",
                format!(
                    "profile `{}` sets `aws_secret_access_key` but is missing `aws_access_key_id`; add it or remove the secret",
                    section.name
                ),
            ))
        }
    };
    let token = section.get("aws_session_token").filter(|v| !v.is_empty());
    let checks = [
        ("aws_access_key_id", validate::access_key_id(id)),
        (
            "aws_secret_access_key",
            validate::secret_text(secret, "secret access key"),
        ),
        (
            "aws_session_token",
            token.map_or(Ok(()), |t| validate::secret_text(t, "session token")),
        ),
    ];
    for (key, check) in checks {
        check.map_err(|m| {
            config_error(
                section,
                key,
                format!("profile `{}`, `{key}`: {m}", section.name),
            )
        })?;
    }
    let mut credentials = Credentials::new(id, secret);
    if let Some(token) = token {
        credentials = credentials.with_session_token(token);
    }
    credentials.account_id = section
        .get("aws_account_id")
        .filter(|v| !v.is_empty())
        .map(String::from);
    Ok(Root::StaticKeys {
        profile: section.name.clone(),
        credentials,
    })
}

/// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`. Returns `None` when the key ID is not set.
///
/// Fails when the secret key is missing, the key ID has a character outside
/// `[A-Za-z0-9_]`, or the secret or the token has a control character. A
/// key ID of only whitespace is invalid too: the Rust SDK skips it, but
/// botocore uses it, so that STS rejects the request later.
pub fn environment_keys(env: &Env<'_>) -> Result<Option<Root>, Error> {
    let Some(id) = env.get("AWS_ACCESS_KEY_ID") else {
        return Ok(None);
    };
    let Some(secret) = env.get("AWS_SECRET_ACCESS_KEY") else {
        return Err(Error::invalid_argument(
            "environment variable `AWS_ACCESS_KEY_ID` is set but `AWS_SECRET_ACCESS_KEY` is not; set both or unset the key ID",
        ));
    };
    let token = ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"]
        .into_iter()
        .find_map(|name| env.get(name).map(|value| (name, value)));
    let checks = [
        ("AWS_ACCESS_KEY_ID", validate::access_key_id(id)),
        (
            "AWS_SECRET_ACCESS_KEY",
            validate::secret_text(secret, "secret access key"),
        ),
        (
            token.map_or("AWS_SESSION_TOKEN", |(name, _)| name),
            token.map_or(Ok(()), |(_, t)| validate::secret_text(t, "session token")),
        ),
    ];
    for (name, check) in checks {
        check
            .map_err(|m| Error::invalid_argument(format!("environment variable `{name}`: {m}")))?;
    }
    let mut credentials = Credentials::new(id, secret);
    if let Some((_, token)) = token {
        credentials = credentials.with_session_token(token);
    }
    // botocore's environment provider reads the account too.
    credentials.account_id = env.get("AWS_ACCOUNT_ID").map(String::from);
    Ok(Some(Root::Environment { credentials }))
}

/// Returns the SSO portal endpoint of `region`, following the endpoint rules of
/// the `sso` service: `portal.sso-fips` with FIPS, and the partition's
/// dual-stack DNS suffix (`api.aws` in `aws`) with dual-stack.
fn sso_portal_endpoint(region: &str, use_fips: bool, use_dual_stack: bool) -> String {
    let partition = partition_of_region(region);
    let name = if use_fips { "sso-fips" } else { "sso" };
    let suffix = if use_dual_stack {
        partition.dual_stack_dns_suffix
    } else {
        partition.dns_suffix
    };
    format!("https://portal.{name}.{region}.{suffix}")
}

/// Reads the IMDS settings from the environment and the selected profile's
/// `ec2_metadata_service_endpoint` and `ec2_metadata_service_endpoint_mode`.
///
/// Fails when the endpoint mode is neither `IPv4` nor `IPv6`, or the
/// endpoint is not an http or https URL.
pub fn imds_config(
    environment: &[(String, String)],
    selected: Option<&Section>,
) -> Result<ImdsConfig, Error> {
    let from_profile = |key: &str| selected.and_then(|s| s.get(key)).filter(|v| !v.is_empty());
    let endpoint = roots::imds::endpoint(
        environment,
        from_profile("ec2_metadata_service_endpoint"),
        from_profile("ec2_metadata_service_endpoint_mode"),
    )?;
    Ok(ImdsConfig {
        endpoint,
        disabled: roots::imds::disabled(environment),
    })
}

/// Reads the container credentials endpoint from the environment, `None` when
/// neither URI variable is set.
///
/// Fails when `AWS_CONTAINER_CREDENTIALS_FULL_URI` is not an allowed URL,
/// so that the error comes before anything is sent.
pub fn container_config(
    environment: &[(String, String)],
) -> Result<Option<ContainerConfig>, Error> {
    let env = Env::new(environment);
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_none()
        && env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_none()
    {
        return Ok(None);
    }
    let config = roots::container::config(environment);
    match &config.error {
        Some(message) => Err(Error::invalid_argument(message.clone())),
        None => Ok(Some(config)),
    }
}

impl Context<'_> {
    fn profile(&self, name: &str) -> Option<&Section> {
        self.set.profile(name)
    }

    /// Checks a role ARN from a profile, warning about a non-12-digit
    /// account, which some public test data uses.
    fn check_profile_arn(&mut self, section: &Section, key: &str, arn: &str) -> Result<(), Error> {
        let parsed = validate::role_arn(arn)
            .map_err(|m| config_error(section, key, format!("profile `{}`: {m}", section.name)))?;
        if parsed.account.len() != 12 {
            let location = section
                .property(key)
                .map(|p| {
                    format!(
                        " ({}, line {})",
                        p.file.as_deref().unwrap_or("the config file"),
                        p.line
                    )
                })
                .unwrap_or_default();
            self.warnings.push(format!(
                "profile `{}`{location}: account `{}` in role ARN `{arn}` does not have 12 digits; STS will reject it unless it is a test account",
                section.name, parsed.account
            ));
        }
        Ok(())
    }

    /// The web identity root of `section`; with `use_env`, the `AWS_ROLE_ARN`,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_SESSION_NAME` variables win
    /// over the profile, as in botocore. `None` without a token file.
    fn web_identity(
        &mut self,
        section: Option<&Section>,
        use_env: bool,
    ) -> Result<Option<Root>, Error> {
        let env_value = |name: &str| if use_env { self.env.get(name) } else { None };
        let profile_value = |key: &str| section.and_then(|s| s.get(key)).filter(|v| !v.is_empty());
        let Some(token_file) = env_value("AWS_WEB_IDENTITY_TOKEN_FILE")
            .or_else(|| profile_value("web_identity_token_file"))
        else {
            return Ok(None);
        };
        let token_file = token_file.to_string();
        let role_arn = match env_value("AWS_ROLE_ARN") {
            Some(arn) => {
                validate::role_arn(arn).map_err(|m| {
                    Error::invalid_argument(format!("environment variable `AWS_ROLE_ARN`: {m}"))
                })?;
                arn.to_string()
            }
            None => match (section, profile_value("role_arn")) {
                (Some(section), Some(arn)) => {
                    let arn = arn.to_string();
                    self.check_profile_arn(section, "role_arn", &arn)?;
                    arn
                }
                _ => {
                    let message = match section {
                        Some(s) => format!(
                            "profile `{}` sets a web identity token file but `role_arn` was missing; add `role_arn`",
                            s.name
                        ),
                        None => "`AWS_WEB_IDENTITY_TOKEN_FILE` is set but `role_arn` was missing; set `AWS_ROLE_ARN`".to_string(),
                    };
                    return Err(match section {
                        Some(s) => config_error(s, "web_identity_token_file", message),
                        None => Error::invalid_argument(message),
                    });
                }
            },
        };
        let role_session_name = env_value("AWS_ROLE_SESSION_NAME")
            .or_else(|| profile_value("role_session_name"))
            .unwrap_or(self.default_session_name)
            .to_string();
        validate::role_session_name(&role_session_name).map_err(Error::invalid_argument)?;
        let sts = self.endpoints.sts_for(Some(&role_arn))?;
        Ok(Some(Root::WebIdentity(WebIdentityConfig {
            role_arn,
            web_identity_token_file: token_file,
            role_session_name,
            sts,
        })))
    }

    fn sso(&mut self, section: &Section) -> Result<Root, Error> {
        let profile_value = |key: &str| section.get(key).filter(|v| !v.is_empty());
        let (session_name, start_url, region, cache_key) = if let Some(session_name) =
            profile_value("sso_session")
        {
            let Some(session) = self.set.sso_sessions.get(session_name) else {
                return Err(config_error(
                    section,
                    "sso_session",
                    format!(
                        "sso-session named `{session_name}` (referenced by profile `{}`) was not found; add an `[sso-session {session_name}]` section",
                        section.name
                    ),
                ));
            };
            let mut values = Vec::new();
            for key in ["sso_start_url", "sso_region"] {
                let Some(value) = session.get(key).filter(|v| !v.is_empty()) else {
                    return Err(config_error(
                        section,
                        "sso_session",
                        format!(
                            "`[sso-session {session_name}]` (used by profile `{}`) is missing `{key}`; `{key}` can only be given in the sso-session when a session name is used",
                            section.name
                        ),
                    ));
                };
                if let Some(own) = profile_value(key).filter(|own| *own != value) {
                    return Err(config_error(
                        section,
                        key,
                        format!(
                            "profile `{}` sets `{key}` to `{own}`, which differs from `{value}` in `[sso-session {session_name}]`; remove it from the profile",
                            section.name
                        ),
                    ));
                }
                values.push(value.to_string());
            }
            let region = values.pop().unwrap_or_default();
            let start_url = values.pop().unwrap_or_default();
            (
                Some(session_name.to_string()),
                start_url,
                region,
                session_name.to_string(),
            )
        } else {
            let missing: Vec<&str> = ["sso_start_url", "sso_region"]
                .into_iter()
                .filter(|k| profile_value(k).is_none())
                .collect();
            if !missing.is_empty() {
                return Err(config_error(
                    section,
                    "sso_account_id",
                    format!(
                        "profile `{}` is configured for SSO but is missing `{}`; add it or use an `sso_session`",
                        section.name,
                        missing.join("`, `")
                    ),
                ));
            }
            let start_url = profile_value("sso_start_url")
                .unwrap_or_default()
                .to_string();
            let region = profile_value("sso_region").unwrap_or_default().to_string();
            (None, start_url.clone(), region, start_url)
        };

        let account_id = profile_value("sso_account_id");
        let role_name = profile_value("sso_role_name");
        let (account_id, role_name) = match (account_id, role_name) {
            (Some(a), Some(r)) => (a.to_string(), r.to_string()),
            (None, Some(_)) => {
                return Err(config_error(
                    section,
                    "sso_role_name",
                    format!(
                        "profile `{}`: if `sso_role_name` is set, then `sso_account_id` must also be set",
                        section.name
                    ),
                ))
            }
            (Some(_), None) => {
                return Err(config_error(
                    section,
                    "sso_account_id",
                    format!(
                        "profile `{}`: if `sso_account_id` is set, then `sso_role_name` must also be set",
                        section.name
                    ),
                ))
            }
            (None, None) => {
                return Err(config_error(
                    section,
                    "sso_session",
                    format!(
                        "profile `{}` uses SSO but sets neither `sso_account_id` nor `sso_role_name`; add both to get role credentials",
                        section.name
                    ),
                ))
            }
        };

        let portal_endpoint = match configured_endpoint(self.env, self.set, Some(section), "sso") {
            Some(url) => {
                super::settings::check_url(&url)?;
                url.value
            }
            None => sso_portal_endpoint(
                &region,
                self.endpoints.use_fips,
                self.endpoints.use_dual_stack,
            ),
        };
        let sep = self.platform.separator();
        let token_cache_file = aws_dir_file(
            &format!("sso{sep}cache{sep}{}.json", sha1_hex(cache_key.as_bytes())),
            self.environment,
            self.platform,
        );
        Ok(Root::Sso(SsoConfig {
            profile: section.name.clone(),
            session_name,
            start_url,
            region,
            account_id,
            role_name,
            portal_endpoint,
            token_cache_file,
        }))
    }

    /// botocore's profile providers after AssumeRole: web identity, SSO,
    /// credentials-file keys, `credential_process`, config-file keys.
    fn profile_providers(
        &mut self,
        section: Option<&Section>,
        use_env: bool,
    ) -> Result<Option<Root>, Error> {
        if let Some(root) = self.web_identity(section, use_env)? {
            return Ok(Some(root));
        }
        let Some(section) = section else {
            return Ok(None);
        };
        if has_sso_config(section) {
            return self.sso(section).map(Some);
        }
        let keys_in = |kind: FileKind| {
            ["aws_access_key_id", "aws_secret_access_key"]
                .iter()
                .any(|k| section.property(k).is_some_and(|p| p.file_kind == kind))
        };
        if keys_in(FileKind::Credentials) {
            return static_keys(section).map(Some);
        }
        if let Some(command) = section
            .get("credential_process")
            .filter(|v| !v.trim().is_empty())
        {
            return Ok(Some(Root::CredentialProcess {
                profile: section.name.clone(),
                command: command.to_string(),
                account_id: section
                    .get("aws_account_id")
                    .filter(|v| !v.is_empty())
                    .map(String::from),
            }));
        }
        if keys_in(FileKind::Config) {
            return static_keys(section).map(Some);
        }
        Ok(None)
    }

    fn named_source(&self, section: &Section, source: &str) -> Result<Root, Error> {
        let where_ = |what: &str| {
            format!(
                "profile `{}` sets `credential_source = {source}` but {what}",
                section.name
            )
        };
        match source {
            "Environment" => environment_keys(self.env)?.ok_or_else(|| {
                Error::NoSourceCredentials(where_(
                    "`AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` are not set; export them",
                ))
            }),
            "Ec2InstanceMetadata" => {
                let config = imds_config(self.environment, self.selected)?;
                if config.disabled {
                    return Err(Error::NoSourceCredentials(where_(
                        "`AWS_EC2_METADATA_DISABLED` is `true`; unset it or choose another credential_source",
                    )));
                }
                Ok(Root::Ec2InstanceMetadata(config))
            }
            "EcsContainer" => container_config(self.environment)?.map(Root::EcsContainer).ok_or_else(|| {
                Error::NoSourceCredentials(where_(
                    "neither `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` nor `AWS_CONTAINER_CREDENTIALS_FULL_URI` is set; run it inside ECS or EKS",
                ))
            }),
            other => Err(config_error(
                section,
                "credential_source",
                format!(
                    "profile `{}` has unknown credential_source `{other}`; expected `Environment`, `Ec2InstanceMetadata` or `EcsContainer` (case-sensitive)",
                    section.name
                ),
            )),
        }
    }

    /// Builds the AssumeRole hop of a profile, checking its values.
    fn profile_hop(&mut self, section: &Section) -> Result<AssumeRoleHop, Error> {
        let name = &section.name;
        let role_arn = section.get("role_arn").unwrap_or_default().to_string();
        self.check_profile_arn(section, "role_arn", &role_arn)?;
        let value = |key: &str| section.get(key).filter(|v| !v.is_empty());
        let role_session_name = value("role_session_name")
            .unwrap_or(self.default_session_name)
            .to_string();
        validate::role_session_name(&role_session_name).map_err(|m| {
            config_error(
                section,
                "role_session_name",
                format!("profile `{name}`: {m}"),
            )
        })?;
        let external_id = value("external_id").map(String::from);
        if let Some(id) = &external_id {
            validate::external_id(id).map_err(|m| {
                config_error(section, "external_id", format!("profile `{name}`: {m}"))
            })?;
        }
        let duration_seconds = match value("duration_seconds") {
            None => validate::DEFAULT_DURATION,
            Some(text) => {
                let seconds = text.trim().parse::<u32>().map_err(|_| {
                    config_error(
                        section,
                        "duration_seconds",
                        format!(
                            "profile `{name}`: invalid `duration_seconds` `{}`: expected a whole number of seconds from 900 to 43200",
                            validate::shorten(text)
                        ),
                    )
                })?;
                validate::duration(seconds).map_err(|m| {
                    config_error(
                        section,
                        "duration_seconds",
                        format!("profile `{name}`: {m}"),
                    )
                })?;
                seconds
            }
        };
        let mfa_serial = match value("mfa_serial") {
            Some(serial) => {
                validate::mfa_serial(serial).map_err(|m| {
                    config_error(section, "mfa_serial", format!("profile `{name}`: {m}"))
                })?;
                Some(MfaSerial::Known(serial.to_string()))
            }
            None => None,
        };
        let sts = self.endpoints.sts_for(Some(&role_arn))?;
        Ok(AssumeRoleHop {
            origin: HopOrigin::Profile(name.clone()),
            role_arn,
            role_session_name,
            duration_seconds,
            external_id,
            mfa_serial,
            chained: false,
            mfa_from_session: false,
            options: AssumeRoleOptions::default(),
            sts,
        })
    }

    /// Resolves a profile handled by botocore's AssumeRole provider.
    /// `visited` lists the profiles entered so far, selected first.
    fn assume_role_chain(&mut self, name: &str, visited: &mut Vec<String>) -> Result<Chain, Error> {
        let set = self.set;
        let Some(section) = set.profile(name) else {
            return Err(Error::config(
                None,
                None,
                format!("profile `{name}` not found"),
            ));
        };
        let source_profile = section.get("source_profile").filter(|v| !v.is_empty());
        let credential_source = section.get("credential_source").filter(|v| !v.is_empty());
        let mut chain = match (source_profile, credential_source) {
            (Some(sp), Some(cs)) => {
                return Err(config_error(
                    section,
                    "credential_source",
                    format!(
                        "profile `{name}` contained both source_profile (`{sp}`) and credential_source (`{cs}`); keep only one"
                    ),
                ))
            }
            (None, None) => {
                return Err(config_error(
                    section,
                    "role_arn",
                    format!(
                        "profile `{name}` sets `role_arn` but neither `source_profile` nor `credential_source`; the profile must contain `source_profile` or `credential_source` to say where the base credentials come from"
                    ),
                ))
            }
            (None, Some(cs)) => {
                let root = self.named_source(section, cs)?;
                Chain {
                    root,
                    hops: Vec::new(),
                    root_profile: Some(name.to_string()),
                }
            }
            (Some(sp), None) => {
                let Some(source) = self.profile(sp) else {
                    return Err(config_error(
                        section,
                        "source_profile",
                        format!(
                            "could not find source profile `{sp}` referenced from profile `{name}`; define `[profile {sp}]` or fix `source_profile`"
                        ),
                    ));
                };
                if let Some(first) = visited.iter().position(|v| v == sp) {
                    // botocore lets a profile name itself only to use its
                    // own static keys under its own role.
                    if sp != name || !has_static_keys(source) {
                        let mut cycle: Vec<&str> = visited[first..].iter().map(String::as_str).collect();
                        cycle.push(sp);
                        let hint = if sp == name {
                            "a profile may name itself as source_profile only when it has static keys"
                        } else {
                            "point one of them at a profile with credentials"
                        };
                        return Err(config_error(
                            section,
                            "source_profile",
                            format!(
                                "profile `{name}` formed an infinite loop of source_profile references: {}; {hint}",
                                cycle
                                    .iter()
                                    .map(|p| format!("`{p}`"))
                                    .collect::<Vec<_>>()
                                    .join(" -> ")
                            ),
                        ));
                    }
                }
                // `visited` contains the selected profile and every
                // `source_profile` followed since, so this bounds the
                // recursion of `source_chain` and `assume_role_chain`.
                if visited.len() > MAX_SOURCE_PROFILE_HOPS {
                    let selected = visited.first().map(String::as_str).unwrap_or(name);
                    return Err(config_error(
                        section,
                        "source_profile",
                        format!(
                            "profile `{name}` is {MAX_SOURCE_PROFILE_HOPS} `source_profile` hops from the selected profile `{selected}`, the maximum that rolechain follows; shorten the chain, for example by pointing a `source_profile` at a profile with credentials"
                        ),
                    ));
                }
                visited.push(sp.to_string());
                self.source_chain(sp, name, visited)?
            }
        };
        let hop = self.profile_hop(section)?;
        chain.hops.push(hop);
        Ok(chain)
    }

    /// Resolves the credentials of a `source_profile`, with the environment
    /// switched off as botocore does.
    fn source_chain(
        &mut self,
        name: &str,
        referrer: &str,
        visited: &mut Vec<String>,
    ) -> Result<Chain, Error> {
        let set = self.set;
        let Some(section) = set.profile(name) else {
            return Err(Error::config(
                None,
                None,
                format!("profile `{name}` not found"),
            ));
        };
        if has_static_keys(section) || !has_assume_role_config(section) {
            return match self.profile_providers(Some(section), false)? {
                Some(root) => Ok(Chain {
                    root,
                    hops: Vec::new(),
                    root_profile: Some(name.to_string()),
                }),
                None => Err(config_error(
                    set.profile(referrer).unwrap_or(section),
                    "source_profile",
                    format!(
                        "profile `{name}` did not contain credential information, but profile `{referrer}` uses it as source_profile; add static keys, `role_arn`, `credential_process`, SSO or web identity settings to `{name}`"
                    ),
                )),
            };
        }
        self.assume_role_chain(name, visited)
    }

    /// Resolves the selected profile with botocore's profile providers.
    /// Returns `None` when the profile has no credential settings, so the
    /// caller goes on to the container and instance metadata.
    pub fn resolve_selected(&mut self, name: &str) -> Result<Option<Chain>, Error> {
        let set = self.set;
        let section = set.profile(name);
        if let Some(section) = section {
            if has_assume_role_config(section) {
                let mut visited = alloc::vec![name.to_string()];
                return self.assume_role_chain(name, &mut visited).map(Some);
            }
        }
        Ok(self.profile_providers(section, true)?.map(|root| Chain {
            root,
            hops: Vec::new(),
            root_profile: section.map(|s| s.name.clone()),
        }))
    }
}
