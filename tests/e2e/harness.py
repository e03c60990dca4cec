"""Shared helpers for the end-to-end tests: moto servers, IAM setup, and
running the `rolechain` binary with an environment built from scratch.

Every server these tests talk to listens on 127.0.0.1 and is started here
or in fakes.py.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from botocore.config import Config

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"
USER_NAME = "rc-user"
USER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/{USER_NAME}"
MFA_SERIAL = f"arn:aws:iam::{ACCOUNT_ID}:mfa/{USER_NAME}"
OIDC_PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.example.com"

# Session names that trust policies name exactly, because moto compares the
# caller's ARN with the trusted principals as whole strings.
HOP1_SESSION = "chain-hop1"
IMDS_SESSION = "imds-instance"
CONTAINER_SESSION = "ecs-task"
SSO_SESSION = "sso-user"
WEB_SESSION = "web-1"

EXTERNAL_ID = "ext-123"

# Timeouts in seconds.
MOTO_START_TIMEOUT = 60
ROLECHAIN_TIMEOUT = 60
HTTP_TIMEOUT = 10

# Sends every client request at most once, so that a setup call is never
# repeated behind the count of unauthenticated calls.
BOTO_CONFIG = Config(
    retries={"total_max_attempts": 1, "mode": "standard"},
    connect_timeout=HTTP_TIMEOUT,
    read_timeout=HTTP_TIMEOUT,
)


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"


def session_arn(role_name: str, session_name: str) -> str:
    return f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/{session_name}"


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust_statement(principals: list[str], condition: dict | None = None) -> dict:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


USER_POLICY = policy_document({"Effect": "Allow", "Action": "sts:*", "Resource": "*"})
ROLE_POLICY = policy_document(
    {
        "Effect": "Allow",
        "Action": ["sts:AssumeRole", "sts:GetCallerIdentity"],
        "Resource": "*",
    }
)


@dataclass(frozen=True)
class RoleSpec:
    name: str
    trust_policy: str
    # The role's inline permission policy; None creates the role without one.
    permission_policy: str | None = ROLE_POLICY

    @property
    def arn(self) -> str:
        return role_arn(self.name)


ROLES = [
    # The usual target: trusted by the user and by every temporary
    # identity that the tests use as a root.
    RoleSpec(
        "rc-target",
        policy_document(
            trust_statement(
                [
                    USER_ARN,
                    session_arn("rc-hop1", HOP1_SESSION),
                    session_arn("rc-source", IMDS_SESSION),
                    session_arn("rc-source", CONTAINER_SESSION),
                    session_arn("rc-source", SSO_SESSION),
                    session_arn("rc-web", WEB_SESSION),
                ]
            )
        ),
    ),
    RoleSpec("rc-second", policy_document(trust_statement([USER_ARN]))),
    # The first hop of a two-hop chain.
    RoleSpec("rc-hop1", policy_document(trust_statement([USER_ARN]))),
    RoleSpec(
        "rc-external",
        policy_document(
            trust_statement(
                [USER_ARN], {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
            )
        ),
    ),
    # NOTE: moto 5.2.1 evaluates only StringEquals conditions, so it ignores
    # this Bool condition and accepts an AssumeRole without MFA.
    RoleSpec(
        "rc-mfa",
        policy_document(
            trust_statement(
                [USER_ARN], {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            )
        ),
    ),
    # The role whose sessions the IMDS, container and SSO fakes hand out.
    RoleSpec("rc-source", policy_document(trust_statement([USER_ARN]))),
    RoleSpec(
        "rc-web",
        policy_document(
            {
                "Effect": "Allow",
                "Principal": {"Federated": OIDC_PROVIDER_ARN},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ),
    ),
    # Trusts another user only, so the test user's AssumeRole is denied.
    RoleSpec(
        "rc-untrusted",
        policy_document(trust_statement([f"arn:aws:iam::{ACCOUNT_ID}:user/nobody"])),
        permission_policy=None,
    ),
]
ROLE_ARNS = {role.name: role.arn for role in ROLES}


class SetupStep(NamedTuple):
    """One IAM API call of the moto setup."""

    operation: str
    params: dict[str, Any]


def build_setup_steps() -> list[SetupStep]:
    steps = [
        SetupStep("create_user", {"UserName": USER_NAME}),
        SetupStep(
            "put_user_policy",
            {
                "UserName": USER_NAME,
                "PolicyName": "allow-sts",
                "PolicyDocument": USER_POLICY,
            },
        ),
        SetupStep("create_access_key", {"UserName": USER_NAME}),
    ]
    for role in ROLES:
        steps.append(
            SetupStep(
                "create_role",
                {"RoleName": role.name, "AssumeRolePolicyDocument": role.trust_policy},
            )
        )
        if role.permission_policy is not None:
            steps.append(
                SetupStep(
                    "put_role_policy",
                    {
                        "RoleName": role.name,
                        "PolicyName": "allow-assume",
                        "PolicyDocument": role.permission_policy,
                    },
                )
            )
    return steps


SETUP_STEPS = build_setup_steps()
# moto lets exactly this many requests through unauthenticated, then checks
# the SigV4 signature and IAM permissions of every request. Requests that
# fail authentication after that do not count.
INITIAL_NO_AUTH_ACTION_COUNT = len(SETUP_STEPS)


@dataclass(frozen=True)
class UserKey:
    access_key_id: str
    secret_access_key: str


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def moto_server_path() -> str:
    beside_python = Path(sys.executable).parent / "moto_server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("moto_server")
    if found is None:
        raise RuntimeError(
            "moto_server not found beside the Python interpreter or on PATH: "
            "install tests/e2e/requirements.txt"
        )
    return found


@dataclass
class RecordedRequest:
    """A request as moto's recorder stored it, with the body decoded."""

    method: str
    url: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def params(self) -> dict[str, str]:
        """Query parameters merged with a form-encoded body's fields."""
        values = dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))
        content_type = self.headers.get("content-type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            body_text = self.body.decode("utf-8")
            values.update(parse_qsl(body_text, keep_blank_values=True))
        return values

    @property
    def action(self) -> str | None:
        return self.params.get("Action")

    @property
    def access_key_id(self) -> str | None:
        """The access key ID from the Authorization header, if signed."""
        authorization = self.headers.get("authorization", "")
        marker = "Credential="
        if marker not in authorization:
            return None
        return authorization.split(marker, 1)[1].split("/", 1)[0]


@dataclass
class MotoServer:
    """A moto server process on 127.0.0.1.

    With `no_auth_count` None, moto never checks signatures. Otherwise it
    lets that many requests through and checks every later one.
    """

    workdir: Path
    no_auth_count: int | None
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log_path = self.workdir / "moto.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            "MOTO_ENABLE_RECORDING": "True",
            "MOTO_RECORDER_FILEPATH": str(self.workdir / "recording.jsonl"),
        }
        if self.no_auth_count is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(self.no_auth_count)
        command = [moto_server_path(), "-H", "127.0.0.1", "-p", str(self.port)]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_ready()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + MOTO_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"moto_server exited with {self.process.returncode}:\n"
                    + self.log_tail()
                )
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"moto_server did not answer within {MOTO_START_TIMEOUT} s:\n"
            + self.log_tail()
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _post(self, path: str, body: bytes = b"", content_type: str | None = None) -> bytes:
        request = urllib.request.Request(f"{self.url}{path}", data=body, method="POST")
        if content_type is not None:
            request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.read()

    def _get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=HTTP_TIMEOUT) as response:
            return response.read()

    def recording_start(self) -> None:
        """Erase the recording and record every request from now on."""
        self._post("/moto-api/recorder/reset-recording")
        self._post("/moto-api/recorder/start-recording")

    def recording_get(self) -> list[RecordedRequest]:
        """Return the recorded AWS requests, without moto's own API calls."""
        text = self._get("/moto-api/recorder/download-recording").decode("utf-8")
        recorded = []
        for line in text.splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body_bytes = base64.b64decode(body)
            else:
                body_bytes = body.encode("utf-8")
            request = RecordedRequest(
                method=entry["method"],
                url=entry["url"],
                headers={k.lower(): v for k, v in entry["headers"].items()},
                body=body_bytes,
            )
            if request.path.startswith("/moto-api/"):
                continue
            recorded.append(request)
        return recorded

    def recorded_actions(self, action: str) -> list[RecordedRequest]:
        return [request for request in self.recording_get() if request.action == action]

    def reset_auth(self, count: int) -> None:
        """Let the next `count` requests through unauthenticated.

        0 turns signature checking back on for every request.
        """
        self._post("/moto-api/reset-auth", str(count).encode(), "text/plain")

    def issued_credentials(self) -> list[dict[str, Any]]:
        """Every set of temporary credentials moto's STS has issued, secrets
        included, from moto's model data."""
        data = json.loads(self._get("/moto-api/data.json"))
        return data.get("sts", {}).get("AssumedRole", [])

    def client(
        self,
        service: str,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
    ):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            config=BOTO_CONFIG,
        )

    def caller_arn(self, credentials: dict[str, str]) -> str:
        """Call GetCallerIdentity with credentials in credential_process
        form and return the ARN that moto reports."""
        sts = self.client(
            "sts",
            credentials["AccessKeyId"],
            credentials["SecretAccessKey"],
            credentials.get("SessionToken"),
        )
        return sts.get_caller_identity()["Arn"]


def run_setup(moto: MotoServer) -> UserKey:
    """Create the IAM user, its key and the roles with exactly
    INITIAL_NO_AUTH_ACTION_COUNT requests, and return the user's key."""
    iam = moto.client("iam", "AKIAIOSFODNN7SETUP00", "setup-secret")
    sent = []
    iam.meta.events.register("before-send.iam.*", lambda request, **_: sent.append(request.url))
    key = None
    for step in SETUP_STEPS:
        response = getattr(iam, step.operation)(**step.params)
        if step.operation == "create_access_key":
            key = response["AccessKey"]
    assert len(sent) == INITIAL_NO_AUTH_ACTION_COUNT, (
        f"setup sent {len(sent)} requests, but moto lets "
        f"{INITIAL_NO_AUTH_ACTION_COUNT} through unauthenticated"
    )
    return UserKey(key["AccessKeyId"], key["SecretAccessKey"])


def assume_with_boto(
    moto: MotoServer, user: UserKey, role_name: str, session_name: str
) -> dict[str, str]:
    """Assume a role with boto3 and return the credentials in
    credential_process form, with Expiration as ISO 8601 UTC."""
    sts = moto.client("sts", user.access_key_id, user.secret_access_key)
    response = sts.assume_role(RoleArn=role_arn(role_name), RoleSessionName=session_name)
    credentials = response["Credentials"]
    return {
        "AccessKeyId": credentials["AccessKeyId"],
        "SecretAccessKey": credentials["SecretAccessKey"],
        "SessionToken": credentials["SessionToken"],
        "Expiration": credentials["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class RolechainRun(NamedTuple):
    code: int
    stdout: str
    stderr: str


def rolechain_binary() -> str:
    """Return ROLECHAIN_BIN, failing the test when it is unset or missing."""
    binary = os.environ.get("ROLECHAIN_BIN")
    if not binary:
        pytest.fail(
            "ROLECHAIN_BIN is not set: build with `cargo build --release -p "
            "rolechain-cli` and set ROLECHAIN_BIN=target/release/rolechain",
            pytrace=False,
        )
    if not os.access(binary, os.X_OK):
        pytest.fail(f"ROLECHAIN_BIN={binary} is not an executable file", pytrace=False)
    return binary


def run_rolechain(
    args: list[str],
    env: dict[str, str],
    stdin: str | None = None,
    timeout: float = ROLECHAIN_TIMEOUT,
) -> RolechainRun:
    """Run `rolechain ARGS` with exactly `env` and return its exit code and
    output. Without `stdin`, standard input is empty, never a terminal."""
    completed = subprocess.run(
        [rolechain_binary(), *args],
        env=env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env["HOME"],
    )
    return RolechainRun(completed.returncode, completed.stdout, completed.stderr)


# A closed local port. Proxies and endpoints set to it lead nowhere, so a
# request that ignores NO_PROXY, or goes to any host but 127.0.0.1, fails
# instead of leaving the machine.
CLOSED_PORT_URL = "http://127.0.0.1:9"
NO_PROXY = "127.0.0.1,localhost"


@dataclass
class AwsHome:
    """A temporary HOME with its own AWS config and credentials files."""

    home: Path

    @property
    def config_path(self) -> Path:
        return self.home / ".aws" / "config"

    @property
    def credentials_path(self) -> Path:
        return self.home / ".aws" / "credentials"

    def write_config(self, text: str) -> None:
        self.config_path.write_text(text)

    def write_credentials(self, text: str) -> None:
        self.credentials_path.write_text(text)

    def write_file(self, name: str, text: str, mode: int = 0o600) -> Path:
        path = self.home / name
        path.write_text(text)
        path.chmod(mode)
        return path

    def env(self, **overrides: str | None) -> dict[str, str]:
        """Build a rolechain environment from scratch: PATH, HOME, LANG, the
        config file locations, the region, closed proxies and IMDS disabled,
        then `overrides`, where None removes a variable."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "AWS_CONFIG_FILE": str(self.config_path),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_path),
            # AWS_REGION is the variable of most SDKs, AWS_DEFAULT_REGION
            # that of botocore and the AWS CLI.
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            # Should a client ignore AWS_EC2_METADATA_DISABLED, its IMDS
            # request goes to a closed local port, never to 169.254.169.254.
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": CLOSED_PORT_URL,
            "HTTPS_PROXY": CLOSED_PORT_URL,
            "HTTP_PROXY": CLOSED_PORT_URL,
            "NO_PROXY": NO_PROXY,
            "https_proxy": CLOSED_PORT_URL,
            "http_proxy": CLOSED_PORT_URL,
            "no_proxy": NO_PROXY,
        }
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env


def make_aws_home(path: Path) -> AwsHome:
    aws_home = AwsHome(path)
    (path / ".aws").mkdir(parents=True, exist_ok=True)
    aws_home.write_config("")
    aws_home.write_credentials("")
    return aws_home


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
