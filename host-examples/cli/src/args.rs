//! The planning flags shared by `plan`, `assume`, `exec` and `sign`, and
//! the gathering of everything else planning needs: the environment, the
//! config files and the time.

use std::io::ErrorKind;

use clap::Args;

use crate::cli_error::CliError;
use crate::clock;
use crate::runtime::planning::{AssumeRoleOptions, InputFile, PlanInput, Platform};
use crate::runtime::Runtime;

/// Options that select and shape the credential chain.
#[derive(Args, Debug, Clone, Default)]
pub struct PlanningArgs {
    /// The profile to use, over `AWS_PROFILE`, else `default`; environment
    /// keys are then ignored, as with `aws --profile`.
    #[arg(short = 'p', long)]
    pub profile: Option<String>,
    /// A role to assume with the selected profile's credentials (after its
    /// own role, if it has one); repeat for several targets, each assumed
    /// from the same credentials.
    #[arg(short = 'R', long = "role", value_name = "ARN")]
    pub roles: Vec<String>,
    /// DurationSeconds of the `--role` sessions, 900 to 43200 (default 3600;
    /// at most 3600 when the base credentials come from a role).
    #[arg(short = 'T', long = "session-duration", value_name = "SECONDS")]
    pub session_duration: Option<u32>,
    /// ExternalId for the `--role` hops.
    #[arg(short = 'I', long = "external-id", value_name = "ID")]
    pub external_id: Option<String>,
    /// RoleSessionName for the `--role` hops (default, as for profile hops
    /// without `role_session_name`: `botocore-session-<unix seconds>`).
    #[arg(long, value_name = "NAME")]
    pub role_session_name: Option<String>,
    /// Ask for an MFA code for the `--role` hops.
    #[arg(long)]
    pub mfa: bool,
    /// The MFA device ARN or serial number; implies `--mfa`.
    #[arg(long, value_name = "SERIAL")]
    pub mfa_serial: Option<String>,
    /// The STS region, over `AWS_REGION`, `AWS_DEFAULT_REGION` and the
    /// profile's `region`.
    #[arg(long)]
    pub region: Option<String>,
    /// The STS endpoint URL, over every other endpoint setting.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// An inline session policy (JSON) for the `--role` hops.
    #[arg(long, value_name = "JSON")]
    pub policy: Option<String>,
    /// A managed session policy ARN for the `--role` hops; repeatable.
    #[arg(long = "policy-arn", value_name = "ARN")]
    pub policy_arns: Vec<String>,
    /// A session tag for the `--role` hops; repeatable.
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// A session tag key that passes on to chained sessions; repeatable.
    #[arg(long = "transitive-tag-key", value_name = "KEY")]
    pub transitive_tag_keys: Vec<String>,
    /// The SourceIdentity for the `--role` hops.
    #[arg(long, value_name = "ID")]
    pub source_identity: Option<String>,
    /// Skip the GetCallerIdentity check after each target.
    #[arg(long)]
    pub no_verify_identity: bool,
}

impl PlanningArgs {
    /// Returns whether any flag that selects a chain was given.
    pub fn selects_chain(&self) -> bool {
        self.profile.is_some() || !self.roles.is_empty() || self.mfa || self.mfa_serial.is_some()
    }
}

fn platform() -> Platform {
    if cfg!(windows) {
        Platform::Windows
    } else {
        Platform::Unix
    }
}

/// The largest config or credentials file read; real ones are kilobytes.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

fn read_optional(path: &str) -> Result<Option<InputFile>, CliError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::invalid(format!("cannot read `{path}`: {e}"))),
    };
    // `/dev/null` is the usual way to say "no file".
    if path == "/dev/null" {
        return Ok(None);
    }
    // A directory, FIFO or device would fail, block or never end.
    if !metadata.is_file() {
        return Err(CliError::invalid(format!(
            "`{path}` is not a regular file: point `AWS_CONFIG_FILE` or \
             `AWS_SHARED_CREDENTIALS_FILE` at a file"
        )));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(CliError::invalid(format!(
            "`{path}` is {} bytes, larger than the {MAX_FILE_BYTES} bytes a config file may have",
            metadata.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        CliError::invalid(format!(
            "cannot read `{path}`: {e}; fix its permissions or point the variable at another file"
        ))
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Some(InputFile {
            path: path.to_string(),
            text,
        })),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            Err(CliError::invalid(format!(
                "`{path}`, line {line}: the file is not UTF-8 text; save it as UTF-8"
            )))
        }
    }
}

/// Reads the process environment. A variable whose value is not UTF-8 is
/// skipped, except an `AWS_` one, which is an error: skipping
/// `AWS_PROFILE` would select another profile.
fn environment() -> Result<Vec<(String, String)>, CliError> {
    let mut environment = Vec::new();
    for (name, value) in std::env::vars_os() {
        let Ok(name) = name.into_string() else {
            continue;
        };
        match value.into_string() {
            Ok(value) => environment.push((name, value)),
            Err(_) if name.starts_with("AWS_") => {
                return Err(CliError::invalid(format!(
                    "the value of `{name}` is not UTF-8 text: set it again in UTF-8"
                )))
            }
            Err(_) => {}
        }
    }
    Ok(environment)
}

fn parse_tag(text: &str) -> Result<(String, String), CliError> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(CliError::invalid(format!(
            "invalid `--tag` value `{text}`: expected KEY=VALUE"
        ))),
    }
}

/// Builds the plan input from the flags, the process environment, the
/// config files it names and the clock.
pub fn plan_input(runtime: &mut Runtime, args: &PlanningArgs) -> Result<PlanInput, CliError> {
    let environment = environment()?;
    let locations = runtime.config_locations(&environment, platform())?;
    let tags = args
        .tags
        .iter()
        .map(|t| parse_tag(t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PlanInput {
        config_file: read_optional(&locations.config_file)?,
        credentials_file: read_optional(&locations.credentials_file)?,
        environment,
        now: clock::now_millis(),
        platform: platform(),
        profile: args.profile.clone(),
        roles: args.roles.clone(),
        duration_seconds: args.session_duration,
        external_id: args.external_id.clone(),
        role_session_name: args.role_session_name.clone(),
        mfa: args.mfa,
        mfa_serial: args.mfa_serial.clone(),
        region: args.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        verify_identity: !args.no_verify_identity,
        assume_role_options: AssumeRoleOptions {
            policy: args.policy.clone(),
            policy_arns: args.policy_arns.clone(),
            tags,
            transitive_tag_keys: args.transitive_tag_keys.clone(),
            source_identity: args.source_identity.clone(),
        },
    })
}
