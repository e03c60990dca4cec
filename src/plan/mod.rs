//! Planning: config files, environment and options in, a validated
//! [`Plan`] out.
//!
//! Planning is pure. It reads no file and no clock: the host passes file
//! contents, environment variables and `now` in [`PlanInput`]. Every STS
//! limit is checked here, before the session sends anything.
//!
//! The base chain follows botocore's default credential chain. It tries
//! environment keys first, unless `--profile` is given (as the AWS CLI
//! does). Then comes the selected profile (AssumeRole, web identity, SSO,
//! static keys, `credential_process`), then the container endpoint, then
//! instance metadata unless `AWS_EC2_METADATA_DISABLED` is `true`. Each
//! `-R` role is a separate target assumed from that base.

pub(crate) mod endpoint_url;
pub mod input;
pub mod model;
pub mod render;
mod resolve;
mod settings;
mod sha1;
pub mod validate;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

pub use input::{InputFile, PlanInput};
pub use model::*;
pub use render::{
    dry_run, render, render_json, render_text, steps, DryRun, Format, StepView, TargetView,
};
pub use resolve::MAX_SOURCE_PROFILE_HOPS;
pub use sha1::sha1_hex;

use crate::profile::{self, ProfileSet, SourceFile};
use crate::Error;
use resolve::{container_config, environment_keys, imds_config, Chain, Context};
use settings::{EndpointSettings, Env};

/// The relation of a root's credentials to the 1-hour role-chaining limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Temporary {
    /// Long-term access keys.
    No,
    /// Possibly temporary, depending on what the host or service returns.
    Maybe,
    /// Produced by STS or SSO earlier in the plan.
    Yes,
}

fn root_temporary(root: &Root) -> Temporary {
    match root {
        Root::StaticKeys { credentials, .. } | Root::Environment { credentials } => {
            if credentials.session_token.is_some() {
                Temporary::Maybe
            } else {
                Temporary::No
            }
        }
        Root::Ec2InstanceMetadata(_) | Root::EcsContainer(_) | Root::CredentialProcess { .. } => {
            Temporary::Maybe
        }
        Root::WebIdentity(_) | Root::Sso(_) => Temporary::Yes,
    }
}

/// Names a root for messages.
pub fn root_label(root: &Root) -> String {
    match root {
        Root::StaticKeys { profile, .. } => format!("static keys of profile `{profile}`"),
        Root::Environment { .. } => "environment keys".to_string(),
        Root::Ec2InstanceMetadata(_) => "EC2 instance metadata".to_string(),
        Root::EcsContainer(_) => "the container credentials endpoint".to_string(),
        Root::WebIdentity(c) => format!("web identity role `{}`", c.role_arn),
        Root::Sso(c) => format!("SSO role `{}` of profile `{}`", c.role_name, c.profile),
        Root::CredentialProcess { profile, .. } => {
            format!("credential_process of profile `{profile}`")
        }
    }
}

/// Names a hop for messages.
pub fn hop_label(hop: &AssumeRoleHop) -> String {
    match &hop.origin {
        HopOrigin::Profile(p) => format!("role `{}` of profile `{p}`", hop.role_arn),
        HopOrigin::RoleOption => format!("`--role {}`", hop.role_arn),
    }
}

/// `RoleSessionName` when neither the option nor the profile sets one:
/// `botocore-session-<Unix seconds of now>`, the name botocore generates,
/// so CloudTrail shows the same kind of name as for the AWS CLI.
pub fn default_role_session_name(now: i64) -> String {
    format!("botocore-session-{}", now.div_euclid(1000))
}

/// GetSessionToken's `DurationSeconds` when the plan requests one MFA code
/// for several hops. The roles assumed with its credentials are chained and
/// so last at most one hour, so a longer session would only widen exposure.
pub const SESSION_TOKEN_DURATION: u32 = 3_600;

fn load_profiles(input: &PlanInput) -> Result<ProfileSet, Error> {
    let source = |f: &Option<InputFile>| -> Option<(String, String)> {
        f.as_ref().map(|f| (f.path.clone(), f.text.clone()))
    };
    let config = source(&input.config_file);
    let credentials = source(&input.credentials_file);
    profile::load(
        config.as_ref().map(|(p, t)| SourceFile {
            path: Some(p.as_str()),
            text: t.as_str(),
        }),
        credentials.as_ref().map(|(p, t)| SourceFile {
            path: Some(p.as_str()),
            text: t.as_str(),
        }),
    )
}

/// Joins option names for a message: "`a`", "`a` and `b`", "`a`, `b` and `c`".
fn join_names(names: &[&str]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => format!("`{last}`"),
        Some((last, rest)) => {
            let rest: Vec<String> = rest.iter().map(|n| format!("`{n}`")).collect();
            format!("{} and `{last}`", rest.join(", "))
        }
    }
}

/// Returns "applies" for one option and "apply" for several.
fn applies(count: usize) -> &'static str {
    if count == 1 {
        "applies"
    } else {
        "apply"
    }
}

/// Rejects the options of `-R` hops when no `-R` is given. Each entry is
/// whether the option was given, its name, and the profile setting with the
/// same effect on profile roles, if the config format has one.
fn check_role_only_options(input: &PlanInput) -> Result<(), Error> {
    if !input.roles.is_empty() {
        return Ok(());
    }
    let options = &input.assume_role_options;
    let all = [
        (
            input.duration_seconds.is_some(),
            "-T/--session-duration",
            Some("duration_seconds"),
        ),
        (
            input.external_id.is_some(),
            "-I/--external-id",
            Some("external_id"),
        ),
        (
            input.role_session_name.is_some(),
            "--role-session-name",
            Some("role_session_name"),
        ),
        (options.policy.is_some(), "--policy", None),
        (!options.policy_arns.is_empty(), "--policy-arn", None),
        (!options.tags.is_empty(), "--tag", None),
        (
            !options.transitive_tag_keys.is_empty(),
            "--transitive-tag-key",
            None,
        ),
        (options.source_identity.is_some(), "--source-identity", None),
    ];
    let given: Vec<_> = all.iter().filter(|(set, _, _)| *set).collect();
    if given.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = given.iter().map(|(_, name, _)| *name).collect();
    let settings: Option<Vec<&str>> = given.iter().map(|(_, _, setting)| *setting).collect();
    // Only duration, external ID and session name have a profile setting,
    // so the profile is offered only when every option given has one.
    let advice = match settings {
        Some(settings) => format!(
            "add `--role ARN`, or set {} in the profile",
            join_names(&settings)
        ),
        None => "add `--role ARN`".to_string(),
    };
    Err(Error::invalid_argument(format!(
        "{} {} to the roles given with `-R/--role`, but no `--role` was given; {advice}",
        join_names(&names),
        applies(names.len())
    )))
}

/// Rejects `--mfa` and `--mfa-serial` when no hop can take an MFA code:
/// no `-R` role, and no profile role in the base chain with `mfa_serial`.
fn check_mfa_options(input: &PlanInput, base_hops: &[AssumeRoleHop]) -> Result<(), Error> {
    let mut names = Vec::new();
    if input.mfa {
        names.push("--mfa");
    }
    if input.mfa_serial.is_some() {
        names.push("--mfa-serial");
    }
    let profile_mfa = base_hops.iter().any(|h| h.mfa_serial.is_some());
    if names.is_empty() || !input.roles.is_empty() || profile_mfa {
        return Ok(());
    }
    Err(Error::invalid_argument(format!(
        "{} {} to the roles given with `-R/--role` and to profile roles with `mfa_serial`, but no `--role` was given and no profile role in the chain has `mfa_serial`; add `--role ARN`",
        join_names(&names),
        applies(names.len())
    )))
}

/// Checks the `-R` options before any profile is read.
fn check_options(input: &PlanInput) -> Result<(), Error> {
    check_role_only_options(input)?;
    for arn in &input.roles {
        let parsed =
            validate::role_arn(arn).map_err(|m| Error::invalid_argument(format!("--role: {m}")))?;
        if parsed.account.len() != 12 {
            return Err(Error::invalid_argument(format!(
                "--role: invalid role ARN `{arn}`: account `{}` has {}, AWS account IDs have 12",
                parsed.account,
                validate::count_of(parsed.account.len(), "digit")
            )));
        }
    }
    if let Some(seconds) = input.duration_seconds {
        validate::duration(seconds)
            .map_err(|m| Error::invalid_argument(format!("-T/--session-duration: {m}")))?;
    }
    if let Some(id) = &input.external_id {
        validate::external_id(id)
            .map_err(|m| Error::invalid_argument(format!("-I/--external-id: {m}")))?;
    }
    if let Some(name) = &input.role_session_name {
        validate::role_session_name(name)
            .map_err(|m| Error::invalid_argument(format!("--role-session-name: {m}")))?;
    }
    if let Some(serial) = &input.mfa_serial {
        validate::mfa_serial(serial)
            .map_err(|m| Error::invalid_argument(format!("--mfa-serial: {m}")))?;
    }
    validate::assume_role_options(&input.assume_role_options).map_err(Error::invalid_argument)?;
    Ok(())
}

/// The maximum number of profile names that the "profile not found" error
/// lists. It counts the rest, so that a file with thousands of profiles
/// stays readable.
const MAX_LISTED_PROFILES: usize = 10;

/// Returns the paths of the config and credentials files that exist, in
/// that order.
fn input_paths(input: &PlanInput) -> Vec<&str> {
    [&input.config_file, &input.credentials_file]
        .into_iter()
        .flatten()
        .map(|f| f.path.as_str())
        .collect()
}

fn profile_not_found(input: &PlanInput, set: &ProfileSet, name: &str, via: &str) -> Error {
    let files = input_paths(input);
    let shown = validate::shorten(name);
    if files.is_empty() {
        return Error::config(
            None,
            None,
            format!(
                "profile `{shown}` (from {via}) not found: no config file or credentials file exists at the configured paths; create `~/.aws/config`, or set `AWS_CONFIG_FILE` or `AWS_SHARED_CREDENTIALS_FILE` to an existing file"
            ),
        );
    }
    let mut known: Vec<String> = set
        .profiles
        .keys()
        .take(MAX_LISTED_PROFILES)
        .map(|k| format!("`{}`", validate::shorten(k)))
        .collect();
    let unlisted = set.profiles.len().saturating_sub(MAX_LISTED_PROFILES);
    if unlisted > 0 {
        known.push(format!("and {unlisted} more"));
    }
    let known = if known.is_empty() {
        "no profiles are defined".to_string()
    } else {
        format!("defined profiles: {}", known.join(", "))
    };
    Error::config(
        input.config_file.as_ref().map(|f| f.path.as_str()),
        None,
        format!(
            "profile `{shown}` (from {via}) not found: searched {}; {known}",
            files.join(" and ")
        ),
    )
}

/// Finds the base chain with botocore's default chain order.
fn base_chain(
    input: &PlanInput,
    ctx: &mut Context<'_>,
    name: &str,
    cli_profile: bool,
) -> Result<Chain, Error> {
    let env = ctx.env;
    if !cli_profile {
        if let Some(root) = environment_keys(env)? {
            if ctx.selected.is_some_and(|s| s.has("role_arn")) {
                ctx.warnings.push(format!(
                    "environment keys (`AWS_ACCESS_KEY_ID`) take precedence over profile `{name}`, so its `role_arn` is not assumed; pass `--profile {name}` to assume it"
                ));
            }
            return Ok(Chain {
                root,
                hops: Vec::new(),
                root_profile: None,
            });
        }
    }
    if let Some(chain) = ctx.resolve_selected(name)? {
        return Ok(chain);
    }
    if let Some(config) = container_config(&input.environment)? {
        return Ok(Chain {
            root: Root::EcsContainer(config),
            hops: Vec::new(),
            root_profile: None,
        });
    }
    let imds = imds_config(&input.environment, ctx.selected)?;
    if !imds.disabled {
        return Ok(Chain {
            root: Root::Ec2InstanceMetadata(imds),
            hops: Vec::new(),
            root_profile: None,
        });
    }
    let env_part = if cli_profile {
        "skipped environment keys because `--profile` was given"
    } else {
        "looked for `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` in the environment"
    };
    let files = input_paths(input);
    let shown = validate::shorten(name);
    let (profile_part, advice) = if files.is_empty() {
        (
            format!(
                "looked for credentials in profile `{shown}`, but neither a config file nor a credentials file exists"
            ),
            "Set keys in the environment, create `~/.aws/credentials`, or set `AWS_CONFIG_FILE` or `AWS_SHARED_CREDENTIALS_FILE` to an existing file",
        )
    } else if ctx.selected.is_none() {
        (
            format!("profile `{shown}` is not in {}", files.join(" or ")),
            "Set keys, configure the profile or select another with `--profile`",
        )
    } else {
        (
            format!(
                "profile `{shown}` has no credentials in {}",
                files.join(" and ")
            ),
            "Set keys, configure the profile or select another with `--profile`",
        )
    };
    Err(Error::NoSourceCredentials(format!(
        "no credentials found: {env_part}, {profile_part}, and looked for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `AWS_CONTAINER_CREDENTIALS_FULL_URI`; instance metadata is off because `AWS_EC2_METADATA_DISABLED` is `true`. {advice}"
    )))
}

/// Resolves `input` into a validated plan.
///
/// Fails with [`Error::InvalidConfig`] for a malformed file (naming the file
/// and line), a selected profile that does not exist, or a profile chain
/// that cannot work (naming the profiles). Fails with
/// [`Error::InvalidArgument`] for an option or value outside STS's limits,
/// including a role-chained hop longer than one hour. Fails with
/// [`Error::NoSourceCredentials`] when no root credentials can be found.
pub fn plan(input: &PlanInput) -> Result<Plan, Error> {
    check_options(input)?;
    let set = load_profiles(input)?;
    let env = Env::new(&input.environment);
    let mut warnings = set.warnings.clone();

    let cli_profile = input.profile.as_deref().filter(|p| !p.is_empty());
    let (name, via) = match (cli_profile, env.get("AWS_PROFILE")) {
        (Some(p), _) => (p.to_string(), Some("`--profile`")),
        (None, Some(p)) => (p.to_string(), Some("`AWS_PROFILE`")),
        (None, None) => ("default".to_string(), None),
    };
    let selected = set.profile(&name);
    if let (None, Some(via)) = (selected, via) {
        return Err(profile_not_found(input, &set, &name, via));
    }

    let endpoints = EndpointSettings::new(
        input.region.as_deref(),
        input.endpoint_url.as_deref(),
        &env,
        &set,
        selected,
    )?;
    let default_session_name = default_role_session_name(input.now);
    let chain = {
        let mut ctx = Context {
            set: &set,
            env: &env,
            environment: &input.environment,
            platform: input.platform,
            endpoints: &endpoints,
            selected,
            default_session_name: &default_session_name,
            warnings: &mut warnings,
        };
        base_chain(input, &mut ctx, &name, cli_profile.is_some())?
    };
    let Chain {
        root,
        hops: mut base_hops,
        root_profile,
    } = chain;
    check_mfa_options(input, &base_hops)?;
    // `--mfa-serial` names the device for every hop that needs a code, over
    // the profiles' `mfa_serial`.
    if let Some(serial) = &input.mfa_serial {
        validate::mfa_serial(serial)
            .map_err(|m| Error::invalid_argument(format!("`--mfa-serial`: {m}")))?;
        for hop in base_hops.iter_mut().filter(|h| h.mfa_serial.is_some()) {
            hop.mfa_serial = Some(MfaSerial::Known(serial.clone()));
        }
    }

    let want_mfa = input.mfa || input.mfa_serial.is_some();
    let profile_serial = |profile: Option<&str>| -> Option<String> {
        let section = set.profile(profile?)?;
        section
            .get("mfa_serial")
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    let target_serial = input
        .mfa_serial
        .clone()
        .or_else(|| selected.and_then(|s| profile_serial(Some(&s.name))))
        .or_else(|| profile_serial(root_profile.as_deref()))
        .map_or(MfaSerial::Ask, MfaSerial::Known);
    if let MfaSerial::Known(serial) = &target_serial {
        validate::mfa_serial(serial)
            .map_err(|m| Error::invalid_argument(format!("MFA serial: {m}")))?;
    }

    let mut target_hops = Vec::new();
    for arn in &input.roles {
        target_hops.push(AssumeRoleHop {
            origin: HopOrigin::RoleOption,
            role_arn: arn.clone(),
            role_session_name: input
                .role_session_name
                .clone()
                .unwrap_or_else(|| default_session_name.clone()),
            duration_seconds: input.duration_seconds.unwrap_or(validate::DEFAULT_DURATION),
            external_id: input.external_id.clone(),
            mfa_serial: want_mfa.then(|| target_serial.clone()),
            chained: false,
            mfa_from_session: false,
            options: input.assume_role_options.clone(),
            sts: endpoints.sts_for(Some(arn))?,
        });
    }

    // MFA: one GetSessionToken call for several codes, when the root's
    // long-term keys allow it (STS rejects GetSessionToken with temporary
    // credentials).
    let temporary = root_temporary(&root);
    let needing: Vec<String> = base_hops
        .iter()
        .chain(target_hops.iter())
        .filter(|h| h.mfa_serial.is_some())
        .map(hop_label)
        .collect();
    let first_arn = base_hops
        .first()
        .or(target_hops.first())
        .map(|h| h.role_arn.clone());
    let use_session = temporary == Temporary::No && needing.len() > 1;
    let mut session_token = None;
    let mfa_decision = if needing.is_empty() {
        None
    } else if use_session {
        let serial = input
            .mfa_serial
            .clone()
            .map(MfaSerial::Known)
            .or_else(|| base_hops.iter().find_map(|h| h.mfa_serial.clone()))
            .unwrap_or(target_serial.clone());
        session_token = Some(SessionTokenStep {
            mfa_serial: serial,
            duration_seconds: SESSION_TOKEN_DURATION,
            sts: endpoints.sts_for(first_arn.as_deref())?,
        });
        for hop in base_hops.iter_mut().chain(target_hops.iter_mut()) {
            hop.mfa_from_session = hop.mfa_serial.is_some();
        }
        Some(format!(
            "{} hops need MFA ({}) and the root holds long-term keys: one GetSessionToken call takes the MFA code, and every AssumeRole call uses its session credentials, so each assumed role is limited to one hour",
            needing.len(),
            needing.join(", ")
        ))
    } else if needing.len() == 1 {
        Some(format!(
            "one hop needs MFA ({}): the MFA code is sent with its AssumeRole call",
            needing[0]
        ))
    } else {
        Some(format!(
            "{} hops need MFA ({}) but the root ({}) may hold temporary credentials, which GetSessionToken rejects: each AssumeRole call asks for its own MFA code",
            needing.len(),
            needing.join(", "),
            root_label(&root)
        ))
    };

    // Role chaining: STS limits a session assumed with temporary
    // credentials from an earlier hop to one hour.
    let session = session_token.is_some();
    for (i, hop) in base_hops.iter_mut().enumerate() {
        hop.chained = session || i > 0 || temporary == Temporary::Yes;
    }
    let base_temporary = session || !base_hops.is_empty() || temporary == Temporary::Yes;
    for hop in target_hops.iter_mut() {
        hop.chained = base_temporary;
    }
    for (i, hop) in base_hops.iter().chain(target_hops.iter()).enumerate() {
        let caller_is_root = i == 0 || hop.origin == HopOrigin::RoleOption && base_hops.is_empty();
        check_chaining(
            hop,
            &root,
            temporary,
            caller_is_root && !session,
            &mut warnings,
        )?;
    }

    let region = match &endpoints.region {
        Some(r) => r.value.clone(),
        None => {
            let arn = first_arn.or_else(|| match &root {
                Root::WebIdentity(c) => Some(c.role_arn.clone()),
                _ => None,
            });
            endpoints.region_for(arn.as_deref())
        }
    };

    let sts = match &root {
        Root::WebIdentity(c) => c.sts.clone(),
        _ => endpoints.sts_for(None)?,
    };
    let targets = if target_hops.is_empty() {
        alloc::vec![Target { role: None }]
    } else {
        target_hops
            .into_iter()
            .map(|h| Target { role: Some(h) })
            .collect()
    };

    Ok(Plan {
        profile: selected.map(|s| s.name.clone()),
        base: BaseChain {
            root,
            hops: base_hops,
            session_token,
        },
        targets,
        mfa_decision,
        warnings,
        verify_identity: input.verify_identity,
        configured_region: endpoints.region.as_ref().map(|r| r.value.clone()),
        region,
        sts,
    })
}

fn check_chaining(
    hop: &AssumeRoleHop,
    root: &Root,
    temporary: Temporary,
    caller_is_root: bool,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let limit = validate::CHAINED_MAX_DURATION;
    if hop.duration_seconds <= limit {
        return Ok(());
    }
    let source = match &hop.origin {
        HopOrigin::Profile(p) => format!("`duration_seconds` of profile `{p}`"),
        HopOrigin::RoleOption => "`-T/--session-duration`".to_string(),
    };
    if hop.chained {
        return Err(Error::invalid_argument(format!(
            "session duration `{}` ({source}) is too long for {}: its caller holds temporary credentials from an earlier step (role chaining), and STS limits such sessions to 3600 seconds (1 hour); use at most 3600",
            hop.duration_seconds,
            hop_label(hop)
        )));
    }
    if caller_is_root && temporary == Temporary::Maybe {
        warnings.push(format!(
            "session duration `{}` ({source}) for {}: the base credentials ({}) may be role credentials, and then STS limits the session to 3600 seconds (1 hour) and rejects the call",
            hop.duration_seconds,
            hop_label(hop),
            root_label(root)
        ));
    }
    Ok(())
}
