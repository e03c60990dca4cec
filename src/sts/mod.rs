//! AWS Security Token Service (STS): request builders.
//!
//! Requests use the AWS query protocol: a form-encoded POST to the
//! endpoint root with `Action` and `Version=2011-06-15`. The builders return
//! unsigned requests; [`request::sign_request`] signs one for a hop.

pub mod request;
pub mod response;

pub use request::{
    assume_role, assume_role_with_web_identity, get_caller_identity, get_session_token,
    sign_request, AssumeRoleRequest, GetSessionTokenRequest, WebIdentityRequest,
};
