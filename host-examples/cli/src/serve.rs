//! A loopback credentials endpoint for `exec --refresh`, so that a command
//! that runs longer than a session keeps fresh credentials.
//!
//! The endpoint speaks the ECS/EKS container credentials protocol: a GET
//! with the `Authorization` token returns `{"AccessKeyId", "SecretAccessKey",
//! "Token", "Expiration"}`. The child gets `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//! and `AWS_CONTAINER_AUTHORIZATION_TOKEN` instead of static keys, and the
//! AWS SDKs fetch again shortly before the expiration. Meanwhile the session
//! refreshes the credentials inside the advisory window.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cli_error::{self, CliError};
use crate::clock;
use crate::driver::{self, DriverOptions, Event};
use crate::runtime::types::Credentials;
use crate::runtime::{PlanHandle, Runtime};

/// The path the endpoint serves.
const PATH: &str = "/credentials";
/// How long a connection may take to send its whole request.
const REQUEST_DEADLINE: Duration = Duration::from_secs(5);
/// The largest request head accepted; the SDKs send a few hundred bytes.
const MAX_REQUEST_HEAD: u64 = 16 * 1024;
/// How often the refresh loop checks whether the command has ended.
const CHILD_POLL: Duration = Duration::from_millis(200);

/// The endpoint's current response.
enum Served {
    Credentials(Credentials),
    /// The target failed in the mandatory window; the text is the error.
    Failed(String),
}

fn random_token() -> Result<String, CliError> {
    let mut bytes = [0u8; 24];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| CliError::failed(format!("cannot read /dev/urandom for a token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Reads the request head (the request line and headers) within the
/// deadline and the size limit; `None` when the client is too slow, sends
/// too much or closes early.
fn read_head(stream: &TcpStream) -> Option<Vec<String>> {
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let reader_stream = stream.try_clone().ok()?;
    let mut reader = BufReader::new(reader_stream.take(MAX_REQUEST_HEAD));
    let mut lines = Vec::new();
    loop {
        // Each read gets only the time left, so a client that sends one
        // byte at a time cannot hold the connection past the deadline.
        let left = deadline.checked_duration_since(Instant::now())?;
        reader
            .get_ref()
            .get_ref()
            .set_read_timeout(Some(left))
            .ok()?;
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) if !line.ends_with('\n') => return None,
            Ok(_) if line == "\r\n" || line == "\n" => return Some(lines),
            Ok(_) => lines.push(line.trim_end().to_string()),
        }
    }
}

fn serve_one(mut stream: TcpStream, token: &str, served: &Mutex<Served>) {
    let Some(head) = read_head(&stream) else {
        respond(
            &mut stream,
            "400 Bad Request",
            r#"{"message":"invalid request"}"#,
        );
        return;
    };
    let authorized = head.iter().skip(1).any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("authorization") && value.trim() == token
        })
    });
    let mut parts = head
        .first()
        .map(String::as_str)
        .unwrap_or("")
        .split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" || path != PATH {
        respond(&mut stream, "404 Not Found", r#"{"message":"not found"}"#);
        return;
    }
    if !authorized {
        respond(
            &mut stream,
            "401 Unauthorized",
            r#"{"message":"invalid authorization token"}"#,
        );
        return;
    }
    let body = match &*served.lock().unwrap_or_else(|e| e.into_inner()) {
        Served::Credentials(c) => {
            let mut object = json!({
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "Token": c.session_token,
            });
            if let Some(expiration) = c.expiration {
                object["Expiration"] = json!(clock::format_rfc3339(expiration));
            }
            if let Some(account) = &c.account_id {
                object["AccountId"] = json!(account);
            }
            Ok(object.to_string())
        }
        Served::Failed(message) => Err(json!({ "message": message }).to_string()),
    };
    match body {
        Ok(body) => respond(&mut stream, "200 OK", &body),
        Err(body) => respond(&mut stream, "500 Internal Server Error", &body),
    }
}

/// Starts the endpoint on a free loopback port; returns its URL.
fn start_server(token: String, served: Arc<Mutex<Served>>) -> Result<String, CliError> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| CliError::failed(format!("cannot open a loopback port: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| CliError::failed(format!("cannot read the loopback port: {e}")))?
        .port();
    let token = Arc::new(token);
    thread::spawn(move || {
        // One thread per connection, so a slow client cannot delay the
        // others; each ends by its deadline.
        for stream in listener.incoming().flatten() {
            let token = Arc::clone(&token);
            let served = Arc::clone(&served);
            thread::spawn(move || serve_one(stream, &token, &served));
        }
    });
    Ok(format!("http://127.0.0.1:{port}{PATH}"))
}

fn exit_status(child: &mut Child) -> Result<Option<u8>, CliError> {
    let status = child
        .try_wait()
        .map_err(|e| CliError::failed(format!("cannot wait for the command: {e}")))?;
    Ok(status.map(|status| {
        if let Some(code) = status.code() {
            return u8::try_from(code).unwrap_or(1);
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            if let Some(signal) = status.signal() {
                return u8::try_from(128 + signal).unwrap_or(1);
            }
        }
        1
    }))
}

/// Runs `command` with a loopback credentials endpoint for the plan's one
/// target, refreshing the credentials until the command ends. Returns the
/// command's exit status.
pub fn exec_with_refresh(
    runtime: &mut Runtime,
    plan: PlanHandle,
    options: &DriverOptions,
    mut command: Command,
) -> Result<u8, CliError> {
    let session = driver::start(runtime, plan)?;
    let first = loop {
        match driver::next_event(runtime, session, options)? {
            Event::Ready(ready) => break ready.credentials,
            Event::Failed(failed) => {
                return Err(cli_error::from_component(&failed.error).into_failure())
            }
            Event::Done => return Err(CliError::failed("the session reported no target")),
            Event::Wait(until) => {
                let millis = until.saturating_sub(clock::now_millis()).max(0) as u64;
                thread::sleep(Duration::from_millis(millis));
            }
        }
    };
    let served = Arc::new(Mutex::new(Served::Credentials(first)));
    let token = random_token()?;
    let url = start_server(token.clone(), Arc::clone(&served))?;
    driver::log(options, &format!("serving credentials at {url}"));
    command
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &token)
        // Static keys or a profile would win over the endpoint in the AWS
        // SDKs' default chain, and would never refresh.
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("error: cannot run `{program}`: {e}");
            return Ok(match e.kind() {
                std::io::ErrorKind::NotFound => 127,
                _ => 126,
            });
        }
    };
    loop {
        if let Some(code) = exit_status(&mut child)? {
            return Ok(code);
        }
        let event = match driver::next_event(runtime, session, options) {
            Ok(event) => event,
            Err(e) => {
                // The base chain failed for good: stop serving credentials,
                // but let the command finish on what it has.
                eprintln!("error: refreshing credentials failed: {}", e.message);
                *served.lock().unwrap_or_else(|e| e.into_inner()) = Served::Failed(e.message);
                let status = child
                    .wait()
                    .map_err(|e| CliError::failed(format!("cannot wait for the command: {e}")))?;
                return Ok(status
                    .code()
                    .and_then(|c| u8::try_from(c).ok())
                    .unwrap_or(1));
            }
        };
        match event {
            Event::Ready(ready) => {
                driver::log(options, "credentials refreshed");
                *served.lock().unwrap_or_else(|e| e.into_inner()) =
                    Served::Credentials(ready.credentials);
            }
            Event::Failed(failed) => {
                let message = cli_error::describe(&failed.error);
                eprintln!("error: refreshing credentials failed: {message}");
                *served.lock().unwrap_or_else(|e| e.into_inner()) = Served::Failed(message);
            }
            Event::Done => {}
            Event::Wait(until) => {
                while clock::now_millis() < until {
                    if let Some(code) = exit_status(&mut child)? {
                        return Ok(code);
                    }
                    thread::sleep(CHILD_POLL);
                }
            }
        }
    }
}
