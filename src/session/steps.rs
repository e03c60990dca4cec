//! The STS calls of each job: which credentials sign them, which MFA
//! code they carry, how their request is built and their response read.

use alloc::format;
use alloc::string::String;

use super::{Job, MfaAnswer, Session};
use crate::plan::hop_label;
use crate::plan::model::{AssumeRoleHop, MfaSerial, Root, StsEndpoint};
use crate::sts::request::{AssumeRoleRequest, GetSessionTokenRequest};
use crate::sts::response::{self, account_of_arn};
use crate::sts::{assume_role, get_caller_identity, get_session_token};
use crate::time::format_rfc3339;
use crate::{Credentials, Error, HttpRequest, HttpResponse};

/// Returns the credentials of a root that needs no I/O, or `None` for a
/// root that does. Fails with [`Error::NoSourceCredentials`] when the keys are empty.
pub(super) fn static_root(root: &Root) -> Option<Result<Credentials, Error>> {
    let (credentials, missing) = match root {
        Root::StaticKeys {
            profile,
            credentials,
        } => (
            credentials,
            format!(
                "profile `{profile}` has an empty `aws_access_key_id` or \
                 `aws_secret_access_key`: set both, or choose another profile"
            ),
        ),
        Root::Environment { credentials } => (
            credentials,
            String::from(
                "no credentials in the environment: set `AWS_ACCESS_KEY_ID` and \
                 `AWS_SECRET_ACCESS_KEY`, or choose a profile",
            ),
        ),
        _ => return None,
    };
    if credentials.access_key_id.is_empty() || credentials.secret_access_key.expose().is_empty() {
        return Some(Err(Error::NoSourceCredentials(missing)));
    }
    Some(Ok(credentials.clone()))
}

/// Checks that credentials a step returned at `now` have not expired, so
/// that the session never reports expired credentials as ready. `step`
/// names the step for the message, such as `GetSessionToken`.
///
/// Credentials without an expiration are long-term and always pass. A
/// source that returns expired credentials usually means that the host's
/// clock is wrong, or that the source serves stale credentials (as IMDS
/// may during an outage).
pub(super) fn check_not_expired(
    credentials: &Credentials,
    step: &str,
    now: i64,
) -> Result<(), Error> {
    match credentials.expiration {
        Some(expiration) if expiration <= now => Err(Error::Other(format!(
            "the credentials from {step} expired at {}, before the current time {}; check the host clock or the credential source",
            format_rfc3339(expiration),
            format_rfc3339(now)
        ))),
        _ => Ok(()),
    }
}

/// Returns the root's name, for messages.
pub(super) fn root_name(root: &Root) -> &'static str {
    match root {
        Root::StaticKeys { .. } => "static keys",
        Root::Environment { .. } => "Environment",
        Root::Ec2InstanceMetadata(_) => "Ec2InstanceMetadata",
        Root::EcsContainer(_) => "EcsContainer",
        Root::WebIdentity(_) => "web identity",
        Root::Sso(_) => "SSO",
        Root::CredentialProcess { .. } => "credential_process",
    }
}

/// Returns the MFA serial of a hop that needs its own code.
fn hop_mfa(hop: &AssumeRoleHop) -> Option<&MfaSerial> {
    if hop.mfa_from_session {
        None
    } else {
        hop.mfa_serial.as_ref()
    }
}

impl Session {
    fn hop_of(&self, job: &Job) -> Option<&AssumeRoleHop> {
        match job {
            Job::Hop(i) => self.plan.base.hops.get(*i),
            Job::TargetRole(t) => self.plan.targets.get(*t)?.role.as_ref(),
            _ => None,
        }
    }

    /// Returns the prompt for the job's MFA code: `None` when the job needs no
    /// code, `Some(None)` when the user must type the serial too.
    pub(super) fn mfa_prompt(&self, job: &Job) -> Option<Option<String>> {
        let serial = match job {
            Job::SessionToken => &self.plan.base.session_token.as_ref()?.mfa_serial,
            _ => hop_mfa(self.hop_of(job)?)?,
        };
        Some(match serial {
            MfaSerial::Known(serial) => Some(serial.clone()),
            MfaSerial::Ask => self.typed_serial.clone(),
        })
    }

    /// Returns the credentials at the end of the base chain.
    pub(super) fn base_credentials(&self) -> Option<&Credentials> {
        if let Some(last) = self.hops.last() {
            return last.as_ref();
        }
        if self.plan.base.session_token.is_some() {
            return self.session_token.as_ref();
        }
        self.root.as_ref()
    }

    /// Returns the credentials a target ends with in this run, before the
    /// report.
    fn target_credentials(&self, target: usize) -> Option<&Credentials> {
        let has_role = self.plan.targets.get(target)?.role.is_some();
        if has_role {
            self.targets.get(target)?.fresh.as_ref()
        } else {
            self.base_credentials()
        }
    }

    /// Returns the role a target's credentials belong to: its `-R` role, else the
    /// last profile hop's role.
    pub(super) fn target_role_arn(&self, target: usize) -> Option<&str> {
        let plan_target = self.plan.targets.get(target)?;
        let hop = plan_target.role.as_ref().or(self.plan.base.hops.last())?;
        Some(&hop.role_arn)
    }

    fn source_credentials(&self, job: &Job) -> Option<&Credentials> {
        match job {
            Job::SessionToken => self.root.as_ref(),
            Job::Hop(0) if self.plan.base.session_token.is_some() => self.session_token.as_ref(),
            Job::Hop(0) => self.root.as_ref(),
            Job::Hop(i) => self.hops.get(i - 1)?.as_ref(),
            Job::TargetRole(_) => self.base_credentials(),
            Job::Verify(target) => self.target_credentials(*target),
            _ => None,
        }
    }

    /// Returns the endpoint of GetCallerIdentity: that of the target's last hop,
    /// or the plan's own STS endpoint for a target that is the root.
    fn verify_endpoint(&self, target: usize) -> &StsEndpoint {
        let hop = self
            .plan
            .targets
            .get(target)
            .and_then(|t| t.role.as_ref())
            .or(self.plan.base.hops.last());
        match hop {
            Some(hop) => &hop.sts,
            None => &self.plan.sts,
        }
    }

    /// Builds the job's unsigned request, with the credentials and the
    /// endpoint to sign it for.
    pub(super) fn build_request(
        &self,
        job: &Job,
        mfa: Option<&MfaAnswer>,
    ) -> Result<(HttpRequest, Credentials, StsEndpoint), Error> {
        let source = self.source_credentials(job).cloned().ok_or_else(|| {
            Error::Other(format!(
                "no source credentials for {job:?}; this is a bug in rolechain"
            ))
        })?;
        let serial_number = mfa.map(|m| m.serial.as_str());
        let token_code = mfa.map(|m| m.code.expose());
        let (request, endpoint) = match job {
            Job::SessionToken => {
                let step =
                    self.plan.base.session_token.as_ref().ok_or_else(|| {
                        Error::Other("the plan has no GetSessionToken step".into())
                    })?;
                let request = GetSessionTokenRequest {
                    duration_seconds: Some(step.duration_seconds),
                    serial_number,
                    token_code,
                };
                (get_session_token(&step.sts, &request), step.sts.clone())
            }
            Job::Hop(_) | Job::TargetRole(_) => {
                let hop = self
                    .hop_of(job)
                    .ok_or_else(|| Error::Other(format!("the plan has no hop for {job:?}")))?;
                let request = AssumeRoleRequest {
                    role_arn: &hop.role_arn,
                    role_session_name: &hop.role_session_name,
                    duration_seconds: Some(hop.duration_seconds),
                    external_id: hop.external_id.as_deref(),
                    serial_number,
                    token_code,
                    options: Some(&hop.options),
                };
                (assume_role(&hop.sts, &request), hop.sts.clone())
            }
            Job::Verify(target) => {
                let endpoint = self.verify_endpoint(*target);
                (get_caller_identity(endpoint), endpoint.clone())
            }
            _ => return Err(Error::Other(format!("{job:?} sends no request"))),
        };
        Ok((request, source, endpoint))
    }

    /// Reads the response to the job's request, received at `now`, into the
    /// session's state.
    ///
    /// Fails when the response is an error or cannot be parsed, or when its
    /// credentials have already expired at `now`.
    pub(super) fn read_response(
        &mut self,
        job: &Job,
        response: &HttpResponse,
        now: i64,
    ) -> Result<(), Error> {
        match job {
            Job::SessionToken => {
                let credentials = response::get_session_token_result(response)?;
                check_not_expired(&credentials, "GetSessionToken", now)?;
                self.session_token = Some(credentials);
            }
            Job::Hop(i) => {
                let result = response::assume_role_result(response)?;
                self.check_hop_credentials(job, &result.credentials, now)?;
                if let Some(slot) = self.hops.get_mut(*i) {
                    *slot = Some(result.credentials);
                }
            }
            Job::TargetRole(target) => {
                let result = response::assume_role_result(response)?;
                self.check_hop_credentials(job, &result.credentials, now)?;
                if let Some(state) = self.targets.get_mut(*target) {
                    state.fresh = Some(result.credentials);
                }
            }
            Job::Verify(target) => {
                let identity = response::get_caller_identity_result(response)?;
                self.check_identity(*target, &identity.arn, identity.account.as_deref())?;
                if let Some(state) = self.targets.get_mut(*target) {
                    state.identity = Some(identity);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Checks that the credentials of an AssumeRole job have not expired.
    fn check_hop_credentials(
        &self,
        job: &Job,
        credentials: &Credentials,
        now: i64,
    ) -> Result<(), Error> {
        let step = match self.hop_of(job) {
            Some(hop) => format!("AssumeRole for {}", hop_label(hop)),
            None => String::from("AssumeRole"),
        };
        check_not_expired(credentials, &step, now)
    }

    /// Checks that the caller is in the account of the target's role.
    fn check_identity(
        &self,
        target: usize,
        caller_arn: &str,
        caller_account: Option<&str>,
    ) -> Result<(), Error> {
        let Some(role_arn) = self.target_role_arn(target) else {
            return Ok(());
        };
        let Some(expected) = account_of_arn(role_arn) else {
            return Ok(());
        };
        let actual = caller_account.or_else(|| account_of_arn(caller_arn));
        if actual == Some(expected) {
            return Ok(());
        }
        Err(Error::Other(format!(
            "GetCallerIdentity returned `{caller_arn}` in account `{}`, but role `{role_arn}` \
             is in account `{expected}`: check the role ARN and the STS endpoint",
            actual.unwrap_or("unknown")
        )))
    }
}
