//! Rendering a plan for people (text) and programs (JSON), a secret-free
//! view of each target's chain, and the dry run.
//!
//! Nothing rendered here contains a secret access key, a session token or
//! an MFA code: roots show their access key ID at most, and the dry run
//! redacts the `X-Amz-Security-Token` header.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use serde_json::{Map, Value};

use super::model::{AssumeRoleHop, MfaSerial, Plan, Root, SessionTokenStep, StsEndpoint};
use crate::sts::{self, AssumeRoleRequest, GetSessionTokenRequest};
use crate::{Credentials, HttpRequest};

/// The marker that replaces a secret in rendered output.
pub const REDACTED: &str = "** redacted **";

/// The output format of [`render`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// One step of a chain, without secrets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepView {
    /// `static-keys`, `environment`, `ec2-instance-metadata`,
    /// `ecs-container`, `web-identity`, `sso`, `credential-process`,
    /// `get-session-token` or `assume-role`.
    pub kind: String,
    /// The profile the step comes from, if any.
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub duration_seconds: Option<u32>,
    pub external_id: Option<String>,
    /// The MFA device, when known; see `mfa_required` for `--mfa` without
    /// a serial.
    pub mfa_serial: Option<String>,
    /// Whether the step needs an MFA code.
    pub mfa_required: bool,
    /// Whether the MFA requirement is met by the GetSessionToken step.
    pub mfa_from_session: bool,
    /// Whether the caller uses temporary credentials from an earlier step.
    pub chained: Option<bool>,
    /// The STS endpoint URL of an STS step.
    pub sts_endpoint: Option<String>,
    pub signing_region: Option<String>,
    /// The access key ID of static or environment keys.
    pub access_key_id: Option<String>,
    /// Other step-specific settings, such as an IMDS or SSO portal URL.
    pub details: Vec<(String, String)>,
}

/// A target and its whole chain, root first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetView {
    /// The role the target ends in; `None` when the target is the root.
    pub role_arn: Option<String>,
    pub steps: Vec<StepView>,
}

fn root_view(root: &Root) -> StepView {
    let mut view = StepView::default();
    match root {
        Root::StaticKeys {
            profile,
            credentials,
        } => {
            view.kind = "static-keys".into();
            view.profile = Some(profile.clone());
            view.access_key_id = Some(credentials.access_key_id.clone());
        }
        Root::Environment { credentials } => {
            view.kind = "environment".into();
            view.access_key_id = Some(credentials.access_key_id.clone());
            let has_token = credentials.session_token.is_some();
            view.details
                .push(("session_token_set".into(), has_token.to_string()));
        }
        Root::Ec2InstanceMetadata(c) => {
            view.kind = "ec2-instance-metadata".into();
            view.details.push(("endpoint".into(), c.endpoint.clone()));
        }
        Root::EcsContainer(c) => {
            view.kind = "ecs-container".into();
            if let Some(url) = &c.url {
                view.details.push(("endpoint".into(), url.clone()));
            }
            if let Some(file) = &c.authorization_token_file {
                view.details
                    .push(("authorization_token_file".into(), file.clone()));
            }
        }
        Root::WebIdentity(c) => {
            view.kind = "web-identity".into();
            view.role_arn = Some(c.role_arn.clone());
            view.role_session_name = Some(c.role_session_name.clone());
            view.sts_endpoint = Some(c.sts.url.clone());
            view.signing_region = Some(c.sts.signing_region.clone());
            view.details.push((
                "web_identity_token_file".into(),
                c.web_identity_token_file.clone(),
            ));
        }
        Root::Sso(c) => {
            view.kind = "sso".into();
            view.profile = Some(c.profile.clone());
            if let Some(session) = &c.session_name {
                view.details.push(("sso_session".into(), session.clone()));
            }
            view.details
                .push(("sso_start_url".into(), c.start_url.clone()));
            view.details.push(("sso_region".into(), c.region.clone()));
            view.details
                .push(("sso_account_id".into(), c.account_id.clone()));
            view.details
                .push(("sso_role_name".into(), c.role_name.clone()));
            view.details
                .push(("portal_endpoint".into(), c.portal_endpoint.clone()));
            view.details
                .push(("token_cache_file".into(), c.token_cache_file.clone()));
        }
        Root::CredentialProcess {
            profile, command, ..
        } => {
            view.kind = "credential-process".into();
            view.profile = Some(profile.clone());
            view.details.push(("command".into(), command.clone()));
        }
    }
    view
}

fn set_mfa(view: &mut StepView, serial: Option<&MfaSerial>) {
    view.mfa_required = serial.is_some();
    view.mfa_serial = match serial {
        Some(MfaSerial::Known(s)) => Some(s.clone()),
        _ => None,
    };
}

fn set_sts(view: &mut StepView, sts: &StsEndpoint) {
    view.sts_endpoint = Some(sts.url.clone());
    view.signing_region = Some(sts.signing_region.clone());
}

fn session_view(step: &SessionTokenStep) -> StepView {
    let mut view = StepView {
        kind: "get-session-token".into(),
        duration_seconds: Some(step.duration_seconds),
        chained: Some(false),
        ..StepView::default()
    };
    set_mfa(&mut view, Some(&step.mfa_serial));
    set_sts(&mut view, &step.sts);
    view
}

fn hop_view(hop: &AssumeRoleHop) -> StepView {
    let mut view = StepView {
        kind: "assume-role".into(),
        profile: match &hop.origin {
            super::model::HopOrigin::Profile(p) => Some(p.clone()),
            super::model::HopOrigin::RoleOption => None,
        },
        role_arn: Some(hop.role_arn.clone()),
        role_session_name: Some(hop.role_session_name.clone()),
        duration_seconds: Some(hop.duration_seconds),
        external_id: hop.external_id.clone(),
        mfa_from_session: hop.mfa_from_session,
        chained: Some(hop.chained),
        ..StepView::default()
    };
    set_mfa(&mut view, hop.mfa_serial.as_ref());
    set_sts(&mut view, &hop.sts);
    let options = &hop.options;
    if let Some(policy) = &options.policy {
        view.details.push(("policy".into(), policy.clone()));
    }
    if !options.policy_arns.is_empty() {
        view.details
            .push(("policy_arns".into(), options.policy_arns.join(",")));
    }
    if !options.tags.is_empty() {
        let tags: Vec<String> = options
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        view.details.push(("tags".into(), tags.join(",")));
    }
    if !options.transitive_tag_keys.is_empty() {
        view.details.push((
            "transitive_tag_keys".into(),
            options.transitive_tag_keys.join(","),
        ));
    }
    if let Some(identity) = &options.source_identity {
        view.details
            .push(("source_identity".into(), identity.clone()));
    }
    view
}

/// Returns each target's chain from the root, without secrets.
pub fn steps(plan: &Plan) -> Vec<TargetView> {
    let mut base = Vec::new();
    base.push(root_view(&plan.base.root));
    if let Some(step) = &plan.base.session_token {
        base.push(session_view(step));
    }
    base.extend(plan.base.hops.iter().map(hop_view));
    let base_role = match (&plan.base.hops.last(), &plan.base.root) {
        (Some(hop), _) => Some(hop.role_arn.clone()),
        (None, Root::WebIdentity(c)) => Some(c.role_arn.clone()),
        _ => None,
    };
    plan.targets
        .iter()
        .map(|target| {
            let mut chain = base.clone();
            match &target.role {
                Some(hop) => {
                    chain.push(hop_view(hop));
                    TargetView {
                        role_arn: Some(hop.role_arn.clone()),
                        steps: chain,
                    }
                }
                None => TargetView {
                    role_arn: base_role.clone(),
                    steps: chain,
                },
            }
        })
        .collect()
}

/// The signed first request of a plan, with every secret redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRun {
    /// The request's name, such as `AssumeRole arn:aws:iam::...`.
    pub description: String,
    pub method: String,
    pub url: String,
    /// Headers as signed; the session token value is redacted.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The hex SigV4 signature, when signing succeeded.
    pub signature: Option<String>,
    /// The reason the request could not be signed.
    pub error: Option<String>,
    /// A remark, such as an MFA code that is only known at run time.
    pub note: Option<String>,
}

fn first_request(plan: &Plan) -> Option<(String, HttpRequest, Option<String>, StsEndpoint)> {
    let code_note = "TokenCode is added at run time, so the real signature differs".to_string();
    if let Some(step) = &plan.base.session_token {
        let serial = match &step.mfa_serial {
            MfaSerial::Known(s) => Some(s.as_str()),
            MfaSerial::Ask => None,
        };
        let request = sts::get_session_token(
            &step.sts,
            &GetSessionTokenRequest {
                duration_seconds: Some(step.duration_seconds),
                serial_number: serial,
                token_code: None,
            },
        );
        return Some((
            "GetSessionToken".into(),
            request,
            Some(code_note),
            step.sts.clone(),
        ));
    }
    let hop = plan
        .base
        .hops
        .first()
        .or_else(|| plan.targets.iter().find_map(|t| t.role.as_ref()));
    match hop {
        Some(hop) => {
            let serial = match (&hop.mfa_serial, hop.mfa_from_session) {
                (Some(MfaSerial::Known(s)), false) => Some(s.as_str()),
                _ => None,
            };
            let needs_code = hop.mfa_serial.is_some() && !hop.mfa_from_session;
            let request = sts::assume_role(
                &hop.sts,
                &AssumeRoleRequest {
                    role_arn: &hop.role_arn,
                    role_session_name: &hop.role_session_name,
                    duration_seconds: Some(hop.duration_seconds),
                    external_id: hop.external_id.as_deref(),
                    serial_number: serial,
                    token_code: None,
                    options: Some(&hop.options),
                },
            );
            Some((
                format!("AssumeRole {}", hop.role_arn),
                request,
                needs_code.then_some(code_note),
                hop.sts.clone(),
            ))
        }
        None if plan.verify_identity => Some((
            "GetCallerIdentity".into(),
            sts::get_caller_identity(&plan.sts),
            None,
            plan.sts.clone(),
        )),
        None => None,
    }
}

/// Signs the first request of the plan at `now`, for display.
///
/// Returns `None` when the root's credentials need I/O first (instance
/// metadata, container, SSO, web identity, `credential_process`), because
/// only static and environment keys are known at planning time, or when the
/// plan sends nothing.
pub fn dry_run(plan: &Plan, now: i64) -> Option<DryRun> {
    let credentials: &Credentials = match &plan.base.root {
        Root::StaticKeys { credentials, .. } | Root::Environment { credentials } => credentials,
        _ => return None,
    };
    let (description, request, note, sts) = first_request(plan)?;
    let body = String::from_utf8_lossy(&request.body).into_owned();
    match sts::sign_request(&request, credentials, &sts, now) {
        Ok(signed) => {
            let headers = signed
                .headers
                .into_iter()
                .map(|(name, value)| {
                    if name.eq_ignore_ascii_case("x-amz-security-token") {
                        (name, REDACTED.to_string())
                    } else {
                        (name, value)
                    }
                })
                .collect();
            Some(DryRun {
                description,
                method: signed.method,
                url: signed.url,
                headers,
                body,
                signature: Some(signed.signature),
                error: None,
                note,
            })
        }
        Err(e) => Some(DryRun {
            description,
            method: request.method,
            url: request.url,
            headers: request.headers,
            body,
            signature: None,
            error: Some(format!("signing failed: {e}")),
            note,
        }),
    }
}

fn opt_string(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |v| Value::String(v.clone()))
}

fn step_json(step: &StepView) -> Value {
    let mut map = Map::new();
    map.insert("type".into(), Value::String(step.kind.clone()));
    let is_hop = step.kind == "assume-role" || step.kind == "get-session-token";
    if let Some(profile) = &step.profile {
        map.insert("profile".into(), Value::String(profile.clone()));
    }
    if let Some(id) = &step.access_key_id {
        map.insert("access_key_id".into(), Value::String(id.clone()));
    }
    if step.kind == "assume-role" || step.role_arn.is_some() {
        map.insert("role_arn".into(), opt_string(&step.role_arn));
    }
    if step.kind == "assume-role" || step.role_session_name.is_some() {
        map.insert(
            "role_session_name".into(),
            opt_string(&step.role_session_name),
        );
    }
    if is_hop {
        map.insert(
            "duration_seconds".into(),
            step.duration_seconds.map_or(Value::Null, Value::from),
        );
        if step.kind == "assume-role" {
            map.insert("external_id".into(), opt_string(&step.external_id));
        }
        map.insert("mfa_serial".into(), opt_string(&step.mfa_serial));
        map.insert("mfa_required".into(), Value::Bool(step.mfa_required));
        map.insert(
            "mfa_from_session".into(),
            Value::Bool(step.mfa_from_session),
        );
        map.insert("chained".into(), Value::Bool(step.chained.unwrap_or(false)));
    }
    if let Some(url) = &step.sts_endpoint {
        map.insert("sts_endpoint".into(), Value::String(url.clone()));
    }
    if let Some(region) = &step.signing_region {
        map.insert("signing_region".into(), Value::String(region.clone()));
    }
    for (key, value) in &step.details {
        map.insert(key.clone(), Value::String(value.clone()));
    }
    Value::Object(map)
}

fn dry_run_json(dry: &DryRun) -> Value {
    let mut map = Map::new();
    map.insert("request".into(), Value::String(dry.description.clone()));
    map.insert("method".into(), Value::String(dry.method.clone()));
    map.insert("url".into(), Value::String(dry.url.clone()));
    let headers: Vec<Value> = dry
        .headers
        .iter()
        .map(|(n, v)| {
            Value::Array(alloc::vec![
                Value::String(n.clone()),
                Value::String(v.clone())
            ])
        })
        .collect();
    map.insert("headers".into(), Value::Array(headers));
    map.insert("body".into(), Value::String(dry.body.clone()));
    map.insert("signature".into(), opt_string(&dry.signature));
    map.insert("error".into(), opt_string(&dry.error));
    map.insert("note".into(), opt_string(&dry.note));
    Value::Object(map)
}

fn plan_json(plan: &Plan, now: i64, dry: bool) -> Value {
    let mut map = Map::new();
    let targets: Vec<Value> = steps(plan)
        .iter()
        .map(|target| {
            let mut t = Map::new();
            t.insert("role_arn".into(), opt_string(&target.role_arn));
            t.insert(
                "steps".into(),
                Value::Array(target.steps.iter().map(step_json).collect()),
            );
            Value::Object(t)
        })
        .collect();
    map.insert("targets".into(), Value::Array(targets));
    map.insert("profile".into(), opt_string(&plan.profile));
    map.insert("region".into(), Value::String(plan.region.clone()));
    map.insert("verify_identity".into(), Value::Bool(plan.verify_identity));
    map.insert("mfa_decision".into(), opt_string(&plan.mfa_decision));
    map.insert(
        "warnings".into(),
        Value::Array(plan.warnings.iter().cloned().map(Value::String).collect()),
    );
    map.insert(
        "now".into(),
        Value::String(crate::time::format_rfc3339(now)),
    );
    if dry {
        let value = dry_run(plan, now).map_or(Value::Null, |d| dry_run_json(&d));
        map.insert("dry_run".into(), value);
    }
    Value::Object(map)
}

fn text_step(out: &mut String, number: usize, step: &StepView) {
    let title = match step.kind.as_str() {
        "static-keys" => format!(
            "static keys of profile `{}` (access key ID {})",
            step.profile.as_deref().unwrap_or("?"),
            step.access_key_id.as_deref().unwrap_or("?")
        ),
        "environment" => format!(
            "environment keys (access key ID {})",
            step.access_key_id.as_deref().unwrap_or("?")
        ),
        "ec2-instance-metadata" => "EC2 instance metadata".to_string(),
        "ecs-container" => "ECS/EKS container credentials endpoint".to_string(),
        "web-identity" => format!(
            "AssumeRoleWithWebIdentity {}",
            step.role_arn.as_deref().unwrap_or("?")
        ),
        "sso" => format!(
            "SSO role credentials (profile `{}`)",
            step.profile.as_deref().unwrap_or("?")
        ),
        "credential-process" => format!(
            "credential_process of profile `{}`",
            step.profile.as_deref().unwrap_or("?")
        ),
        "get-session-token" => "GetSessionToken (one MFA code for the hops below)".to_string(),
        _ => format!("AssumeRole {}", step.role_arn.as_deref().unwrap_or("?")),
    };
    let _ = writeln!(out, "  {number}. {title}");
    let mut params = Vec::new();
    if step.kind == "assume-role" {
        if let Some(profile) = &step.profile {
            params.push(format!("profile `{profile}`"));
        } else {
            params.push("from --role".to_string());
        }
    }
    if let Some(name) = &step.role_session_name {
        params.push(format!("session name {name}"));
    }
    if let Some(seconds) = step.duration_seconds {
        params.push(format!("{seconds} s"));
    }
    if let Some(id) = &step.external_id {
        params.push(format!("external ID {id}"));
    }
    if step.mfa_required {
        let serial = step.mfa_serial.as_deref().unwrap_or("asked at run time");
        if step.mfa_from_session {
            params.push(format!("MFA via GetSessionToken ({serial})"));
        } else {
            params.push(format!("MFA {serial}"));
        }
    }
    if step.chained == Some(true) {
        params.push("chained (1-hour limit)".to_string());
    }
    if !params.is_empty() {
        let _ = writeln!(out, "     {}", params.join(", "));
    }
    if let (Some(url), Some(region)) = (&step.sts_endpoint, &step.signing_region) {
        let _ = writeln!(out, "     endpoint {url} (signing region {region})");
    }
    for (key, value) in &step.details {
        let _ = writeln!(out, "     {}", text_detail(key, value));
    }
}

/// Formats a step detail for the text output with a readable label. The
/// JSON output keeps the keys of [`StepView::details`].
fn text_detail(key: &str, value: &str) -> String {
    let label = match key {
        "session_token_set" if value == "true" => return "session token: set".to_string(),
        "session_token_set" => return "no session token".to_string(),
        "authorization_token_file" => "authorization token file",
        "web_identity_token_file" => "web identity token file",
        "sso_session" => "SSO session",
        "sso_start_url" => "SSO start URL",
        "sso_region" => "SSO region",
        "sso_account_id" => "SSO account ID",
        "sso_role_name" => "SSO role name",
        "portal_endpoint" => "SSO portal endpoint",
        "token_cache_file" => "SSO token cache file",
        "policy" => "session policy",
        "policy_arns" => "session policy ARNs",
        "tags" => "session tags",
        "transitive_tag_keys" => "transitive tag keys",
        "source_identity" => "source identity",
        other => return format!("{}: {value}", other.replace('_', " ")),
    };
    format!("{label}: {value}")
}

fn plan_text(plan: &Plan, now: i64, dry: bool) -> String {
    let mut out = String::new();
    let profile = plan.profile.as_deref().unwrap_or("(none)");
    let _ = writeln!(
        out,
        "Plan at {}: profile {profile}, region {}",
        crate::time::format_rfc3339(now),
        plan.region
    );
    for (i, target) in steps(plan).iter().enumerate() {
        let _ = writeln!(
            out,
            "Target {}: {}",
            i + 1,
            target.role_arn.as_deref().unwrap_or("the base credentials")
        );
        for (n, step) in target.steps.iter().enumerate() {
            text_step(&mut out, n + 1, step);
        }
        if plan.verify_identity {
            let _ = writeln!(out, "  then GetCallerIdentity to verify the identity");
        }
    }
    let _ = writeln!(
        out,
        "MFA: {}",
        plan.mfa_decision
            .as_deref()
            .unwrap_or("no step needs an MFA code")
    );
    if !plan.warnings.is_empty() {
        let _ = writeln!(out, "Warnings:");
        for warning in &plan.warnings {
            let _ = writeln!(out, "  - {warning}");
        }
    }
    if dry {
        match dry_run(plan, now) {
            None => {
                let _ = writeln!(
                    out,
                    "Dry run: nothing to sign without I/O (the root credentials are fetched at run time)"
                );
            }
            Some(d) => {
                let _ = writeln!(out, "Dry run: {}", d.description);
                let _ = writeln!(out, "  {} {}", d.method, d.url);
                for (name, value) in &d.headers {
                    let _ = writeln!(out, "  {name}: {value}");
                }
                let _ = writeln!(out, "  body: {}", d.body);
                if let Some(error) = &d.error {
                    let _ = writeln!(out, "  {error}");
                }
                if let Some(note) = &d.note {
                    let _ = writeln!(out, "  note: {note}");
                }
            }
        }
    }
    out
}

/// Renders the plan as text or JSON; with `dry_run`, adds the signed first
/// request (see [`dry_run`]). `now` is the signing time, in milliseconds
/// since the Unix epoch.
pub fn render(plan: &Plan, format: Format, now: i64, dry_run: bool) -> String {
    match format {
        Format::Text => plan_text(plan, now, dry_run),
        Format::Json => {
            let value = plan_json(plan, now, dry_run);
            serde_json::to_string_pretty(&value).unwrap_or_default()
        }
    }
}

/// Renders the plan as numbered chains, the MFA decision and the warnings.
pub fn render_text(plan: &Plan, now: i64) -> String {
    render(plan, Format::Text, now, false)
}

/// Renders the plan as JSON: `{"targets": [{"role_arn", "steps"}], "warnings", ...}`.
pub fn render_json(plan: &Plan, now: i64) -> String {
    render(plan, Format::Json, now, false)
}
