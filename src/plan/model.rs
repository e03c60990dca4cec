//! The plan: what planning produces and the session executes.
//!
//! A plan is data. It contains everything the session needs to build every
//! request without looking at a file or the environment again. It also
//! contains static secret keys, so hosts only ever see it behind a resource
//! handle.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Credentials, Secret};

/// The STS endpoint of a hop and its signing region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsEndpoint {
    /// The endpoint URL, such as `https://sts.us-east-1.amazonaws.com`.
    pub url: String,
    /// The SigV4 signing region.
    pub signing_region: String,
}

/// The first step of a chain: where the first credentials come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// Static keys from a profile (`aws_access_key_id`, ...).
    StaticKeys {
        profile: String,
        credentials: Credentials,
    },
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`,
    /// read at planning time from the environment the host passed in.
    Environment { credentials: Credentials },
    /// EC2 instance metadata (IMDSv2, with the IMDSv1 fallback).
    Ec2InstanceMetadata(ImdsConfig),
    /// The ECS or EKS container credentials endpoint.
    EcsContainer(ContainerConfig),
    /// AssumeRoleWithWebIdentity with a token read from a file.
    WebIdentity(WebIdentityConfig),
    /// IAM Identity Center (SSO) role credentials from a cached token.
    Sso(SsoConfig),
    /// An external command printing `credential_process` JSON.
    CredentialProcess {
        profile: String,
        /// The command line exactly as written in the profile.
        command: String,
        /// The profile's `aws_account_id`, used when the command's output
        /// has no `AccountId`.
        account_id: Option<String>,
    },
}

/// How to reach the instance metadata service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImdsConfig {
    /// The base URL, such as `http://169.254.169.254`.
    pub endpoint: String,
    /// `AWS_EC2_METADATA_DISABLED` was `true`.
    pub disabled: bool,
}

/// How to reach the container credentials endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerConfig {
    /// The full URL to GET, from the relative or full URI variable.
    pub url: Option<String>,
    /// The reason no URL could be used, when `url` is `None`.
    pub error: Option<String>,
    /// A file holding the authorization token, read at run time.
    pub authorization_token_file: Option<String>,
    /// An authorization token given directly.
    pub authorization_token: Option<Secret>,
}

/// Parameters of AssumeRoleWithWebIdentity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentityConfig {
    pub role_arn: String,
    pub web_identity_token_file: String,
    pub role_session_name: String,
    pub sts: StsEndpoint,
}

/// Parameters of SSO GetRoleCredentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoConfig {
    pub profile: String,
    /// The `sso_session` name, when the profile uses an `[sso-session]`.
    pub session_name: Option<String>,
    pub start_url: String,
    pub region: String,
    pub account_id: String,
    pub role_name: String,
    /// The portal endpoint, such as `https://portal.sso.us-east-1.amazonaws.com`.
    pub portal_endpoint: String,
    /// The token cache file, `~/.aws/sso/cache/<sha1>.json`.
    pub token_cache_file: String,
}

/// The source of a hop's MFA serial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MfaSerial {
    /// A known device ARN or serial (from `--mfa-serial` or `mfa_serial`).
    Known(String),
    /// `--mfa` without a serial: the user is asked for it at run time.
    Ask,
}

/// Parameters that the config format cannot express, applied to `-R` hops.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AssumeRoleOptions {
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    pub source_identity: Option<String>,
}

/// The place a hop was declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HopOrigin {
    /// A profile's `role_arn`.
    Profile(String),
    /// A `-R/--role` option.
    RoleOption,
}

/// One AssumeRole call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleHop {
    pub origin: HopOrigin,
    pub role_arn: String,
    pub role_session_name: String,
    pub duration_seconds: u32,
    pub external_id: Option<String>,
    /// Set when this hop needs an MFA code.
    pub mfa_serial: Option<MfaSerial>,
    /// Whether the caller has temporary credentials produced earlier in
    /// the plan, so STS limits the session to one hour.
    pub chained: bool,
    /// Whether the MFA requirement is satisfied by the plan's
    /// GetSessionToken step instead of a code on this call.
    pub mfa_from_session: bool,
    pub options: AssumeRoleOptions,
    pub sts: StsEndpoint,
}

/// The GetSessionToken step that takes one MFA code for several hops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionTokenStep {
    pub mfa_serial: MfaSerial,
    pub duration_seconds: u32,
    pub sts: StsEndpoint,
}

/// The credentials chain that every target starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseChain {
    pub root: Root,
    /// Profile hops, in order, from the root to the selected profile.
    pub hops: Vec<AssumeRoleHop>,
    /// Runs right after the root when more than one hop needs MFA and the
    /// root has long-term keys, which GetSessionToken requires.
    pub session_token: Option<SessionTokenStep>,
}

/// One set of credentials the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The `-R` hop of this target; `None` when the target is the base
    /// chain itself (no `-R` given).
    pub role: Option<AssumeRoleHop>,
}

/// A validated plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The selected profile name, if one was used.
    pub profile: Option<String>,
    pub base: BaseChain,
    /// At least one target.
    pub targets: Vec<Target>,
    /// The reason the plan does or does not use GetSessionToken for MFA.
    pub mfa_decision: Option<String>,
    pub warnings: Vec<String>,
    /// Call GetCallerIdentity after each target's last hop.
    pub verify_identity: bool,
    /// The region used for endpoints.
    pub region: String,
    /// The region when a setting chose it (`--region`, `AWS_REGION`,
    /// `AWS_DEFAULT_REGION` or the profile's `region`); `None` when `region`
    /// is only the partition's default.
    pub configured_region: Option<String>,
    /// The STS endpoint for calls that belong to no hop: GetCallerIdentity
    /// of a target that is the root itself.
    pub sts: StsEndpoint,
}
