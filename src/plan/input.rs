//! What the host passes to the planner.

use alloc::string::String;
use alloc::vec::Vec;

pub use super::model::AssumeRoleOptions;
pub use crate::profile::Platform;

/// A file the host read, with the path it read it from.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct InputFile {
    /// The path, used in error messages only.
    pub path: String,
    pub text: String,
}

/// Everything planning needs: files, environment, options and the time.
///
/// Option fields mirror the scanner's command-line options; `None` or
/// empty means the option was not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanInput {
    /// The shared config file (`~/.aws/config`), if it exists.
    pub config_file: Option<InputFile>,
    /// The shared credentials file (`~/.aws/credentials`), if it exists.
    pub credentials_file: Option<InputFile>,
    /// Environment variables; when a name repeats, the last value wins.
    pub environment: Vec<(String, String)>,
    /// The current time, in milliseconds since the Unix epoch.
    pub now: i64,
    /// The platform whose home directory rules apply to `~` in paths.
    pub platform: Platform,
    /// `-p/--profile`: the profile to use, over `AWS_PROFILE`. Like the AWS
    /// CLI's `--profile`, it also makes the planner skip environment keys.
    pub profile: Option<String>,
    /// `-R/--role`, repeatable: each ARN is its own target, assumed from the
    /// same base credentials.
    pub roles: Vec<String>,
    /// `-T/--session-duration`: `DurationSeconds` of the `-R` hops,
    /// 900 to 43200; 3600 when not given.
    pub duration_seconds: Option<u32>,
    /// `-I/--external-id`: `ExternalId` of the `-R` hops.
    pub external_id: Option<String>,
    /// `--role-session-name`: `RoleSessionName` of the `-R` hops.
    pub role_session_name: Option<String>,
    /// `--mfa`: the `-R` hops need an MFA code.
    pub mfa: bool,
    /// The MFA device ARN or serial to use with `--mfa`, and for
    /// GetSessionToken; giving it implies `--mfa`.
    pub mfa_serial: Option<String>,
    /// The region for STS, over every other source.
    pub region: Option<String>,
    /// The STS endpoint URL, over every other source.
    pub endpoint_url: Option<String>,
    /// Call GetCallerIdentity after each target's last hop.
    pub verify_identity: bool,
    /// Parameters of the `-R` hops that the config format cannot express.
    pub assume_role_options: AssumeRoleOptions,
}

impl Default for PlanInput {
    fn default() -> Self {
        PlanInput {
            config_file: None,
            credentials_file: None,
            environment: Vec::new(),
            now: 0,
            platform: Platform::Unix,
            profile: None,
            roles: Vec::new(),
            duration_seconds: None,
            external_id: None,
            role_session_name: None,
            mfa: false,
            mfa_serial: None,
            region: None,
            endpoint_url: None,
            verify_identity: true,
            assume_role_options: AssumeRoleOptions::default(),
        }
    }
}
