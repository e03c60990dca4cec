//! Glue for the `planning` interface: plan input, the `plan` and `session`
//! resources, and their values.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use super::convert::{credentials_to_wit, error_to_wit, request_to_wit, response_from_wit};
use super::exports::rolechain::aws::planning as wit;
use super::exports::rolechain::aws::types::{ErrorCode, HttpResponse};
use super::Component;
use crate::plan::{self, model, PlanInput};
use crate::profile::{self, Platform};
use crate::session;

fn platform_from_wit(platform: wit::Platform) -> Platform {
    match platform {
        wit::Platform::Unix => Platform::Unix,
        wit::Platform::Windows => Platform::Windows,
    }
}

fn input_from_wit(input: wit::PlanInput) -> PlanInput {
    let file = |f: wit::InputFile| plan::InputFile {
        path: f.path,
        text: f.text,
    };
    let options = input.assume_role_options;
    PlanInput {
        config_file: input.config_file.map(file),
        credentials_file: input.credentials_file.map(file),
        environment: input.environment,
        now: input.now,
        platform: platform_from_wit(input.platform),
        profile: input.profile,
        roles: input.roles,
        duration_seconds: input.duration_seconds,
        external_id: input.external_id,
        role_session_name: input.role_session_name,
        mfa: input.mfa,
        mfa_serial: input.mfa_serial,
        region: input.region,
        endpoint_url: input.endpoint_url,
        verify_identity: input.verify_identity,
        assume_role_options: model::AssumeRoleOptions {
            policy: options.policy,
            policy_arns: options.policy_arns,
            tags: options.tags,
            transitive_tag_keys: options.transitive_tag_keys,
            source_identity: options.source_identity,
        },
    }
}

fn step_to_wit(step: plan::StepView) -> wit::StepView {
    wit::StepView {
        kind: step.kind,
        profile: step.profile,
        role_arn: step.role_arn,
        role_session_name: step.role_session_name,
        duration_seconds: step.duration_seconds,
        external_id: step.external_id,
        mfa_serial: step.mfa_serial,
        mfa_required: step.mfa_required,
        mfa_from_session: step.mfa_from_session,
        chained: step.chained,
        sts_endpoint: step.sts_endpoint,
        signing_region: step.signing_region,
        access_key_id: step.access_key_id,
        details: step.details,
    }
}

/// The `plan` resource: a core plan, secrets included, behind a handle.
pub struct Plan(model::Plan);

impl wit::GuestPlan for Plan {
    fn render(&self, format: wit::RenderFormat, dry_run: bool, now: i64) -> String {
        let format = match format {
            wit::RenderFormat::Text => plan::Format::Text,
            wit::RenderFormat::Json => plan::Format::Json,
        };
        plan::render(&self.0, format, now, dry_run)
    }

    fn steps(&self) -> Vec<wit::TargetView> {
        plan::steps(&self.0)
            .into_iter()
            .map(|target| wit::TargetView {
                role_arn: target.role_arn,
                steps: target.steps.into_iter().map(step_to_wit).collect(),
            })
            .collect()
    }

    fn warnings(&self) -> Vec<String> {
        self.0.warnings.clone()
    }

    fn target_count(&self) -> u32 {
        u32::try_from(self.0.targets.len()).unwrap_or(u32::MAX)
    }

    fn configured_region(&self) -> Option<String> {
        self.0.configured_region.clone()
    }

    fn needs_mfa(&self) -> bool {
        let plan = &self.0;
        let hop_needs_mfa = |hop: &model::AssumeRoleHop| hop.mfa_serial.is_some();
        plan.base.session_token.is_some()
            || plan.base.hops.iter().any(hop_needs_mfa)
            || plan
                .targets
                .iter()
                .filter_map(|t| t.role.as_ref())
                .any(hop_needs_mfa)
    }
}

fn action_to_wit(action: session::Action) -> wit::Action {
    match action {
        session::Action::SendHttp(request) => wit::Action::SendHttp(request_to_wit(request)),
        session::Action::ReadFile(path) => wit::Action::ReadFile(path),
        session::Action::RunProcess(argv) => wit::Action::RunProcess(argv),
        session::Action::PromptMfa(serial) => wit::Action::PromptMfa(serial),
        session::Action::Wait(until) => wit::Action::Wait(until),
        session::Action::CredentialsReady(ready) => {
            wit::Action::CredentialsReady(wit::TargetCredentials {
                index: ready.index,
                role_arn: ready.role_arn,
                credentials: credentials_to_wit(ready.credentials),
                caller_arn: ready.caller_arn,
            })
        }
        session::Action::TargetFailed(failed) => wit::Action::TargetFailed(wit::TargetError {
            index: failed.index,
            role_arn: failed.role_arn,
            error: error_to_wit(failed.error),
        }),
        session::Action::Done => wit::Action::Done,
        session::Action::Failed(error) => wit::Action::Failed(error_to_wit(error)),
    }
}

/// The `session` resource: a core session behind a `RefCell`, because WIT
/// methods take `&self`.
pub struct Session(RefCell<session::Session>);

impl wit::GuestSession for Session {
    fn new(plan: wit::PlanBorrow<'_>, now: i64, seed: u64) -> Self {
        let plan: &Plan = plan.get();
        Session(RefCell::new(session::Session::new(
            plan.0.clone(),
            now,
            seed,
        )))
    }

    fn poll(&self, now: i64) -> wit::Action {
        action_to_wit(self.0.borrow_mut().poll(now))
    }

    fn handle_response(&self, response: HttpResponse, now: i64) -> Result<(), ErrorCode> {
        self.0
            .borrow_mut()
            .handle_response(response_from_wit(response), now)
            .map_err(error_to_wit)
    }

    fn handle_mfa(&self, serial: String, code: String) -> Result<(), ErrorCode> {
        self.0
            .borrow_mut()
            .handle_mfa(serial, code)
            .map_err(error_to_wit)
    }

    fn handle_file(&self, contents: String) -> Result<(), ErrorCode> {
        self.0
            .borrow_mut()
            .handle_file(contents)
            .map_err(error_to_wit)
    }

    fn handle_process_output(
        &self,
        stdout: String,
        stderr: String,
        status: i32,
    ) -> Result<(), ErrorCode> {
        self.0
            .borrow_mut()
            .handle_process_output(stdout, stderr, status)
            .map_err(error_to_wit)
    }

    fn handle_io_error(&self, message: String) -> Result<(), ErrorCode> {
        self.0
            .borrow_mut()
            .handle_io_error(message)
            .map_err(error_to_wit)
    }
}

impl wit::Guest for Component {
    type Plan = Plan;
    type Session = Session;

    fn resolve(input: wit::PlanInput) -> Result<wit::Plan, ErrorCode> {
        plan::plan(&input_from_wit(input))
            .map(|p| wit::Plan::new(Plan(p)))
            .map_err(error_to_wit)
    }

    fn config_locations(
        environment: Vec<(String, String)>,
        platform: wit::Platform,
    ) -> wit::FileLocations {
        let (config_file, credentials_file) =
            profile::config_locations(&environment, platform_from_wit(platform));
        wit::FileLocations {
            config_file,
            credentials_file,
        }
    }
}
