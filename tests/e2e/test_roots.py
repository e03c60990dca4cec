"""Root credentials other than static keys: instance metadata, the
container endpoint, web identity, credential_process and SSO, each
followed by an AssumeRole that moto verifies."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest

from fakes import ContainerFake, ImdsFake, SsoPortalFake
from harness import (
    ACCOUNT_ID,
    ROLE_ARNS,
    WEB_SESSION,
    json_lines,
    run_rolechain,
    session_arn,
)

TARGET = ROLE_ARNS["rc-target"]
TARGET_PREFIX = session_arn("rc-target", "")


def assume_calls(moto):
    return [r for r in moto.recording_get() if r.action == "AssumeRole"]


# EC2 instance metadata.

IMDS_CONFIG = f"[profile imds]\nrole_arn = {TARGET}\ncredential_source = Ec2InstanceMetadata\n"


def imds_env(aws_home, moto, imds):
    return aws_home.env(
        AWS_ENDPOINT_URL_STS=moto.url,
        AWS_EC2_METADATA_DISABLED=None,
        AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url,
    )


def test_imds_v2_root(recording, aws_home, imds_credentials):
    aws_home.write_config(IMDS_CONFIG)
    with ImdsFake(imds_credentials) as imds:
        run = run_rolechain(
            ["assume", "-p", "imds", "--output", "json"], imds_env(aws_home, recording, imds)
        )
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(TARGET_PREFIX)

    token_requests = imds.token_requests()
    assert len(token_requests) >= 1
    assert token_requests[0].method == "PUT"
    assert ImdsFake.TOKEN_TTL_HEADER in token_requests[0].headers
    metadata_requests = imds.metadata_requests()
    assert len(metadata_requests) >= 2
    for request in metadata_requests:
        assert request.headers.get(ImdsFake.TOKEN_HEADER) in imds.tokens

    (assume_call,) = assume_calls(recording)
    assert assume_call.access_key_id == imds_credentials["AccessKeyId"]
    assert assume_call.headers["x-amz-security-token"] == imds_credentials["SessionToken"]


def test_imds_v1_fallback_on_403(recording, aws_home, imds_credentials):
    aws_home.write_config(IMDS_CONFIG)
    with ImdsFake(imds_credentials, mode="token-forbidden") as imds:
        run = run_rolechain(
            ["assume", "-p", "imds", "--output", "json"], imds_env(aws_home, recording, imds)
        )
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(TARGET_PREFIX)
    metadata_requests = imds.metadata_requests()
    assert len(metadata_requests) >= 2
    for request in metadata_requests:
        assert ImdsFake.TOKEN_HEADER not in request.headers
    (assume_call,) = assume_calls(recording)
    assert assume_call.access_key_id == imds_credentials["AccessKeyId"]


@pytest.mark.parametrize("mode", ["no-role", "html-404", "token-rejected"])
def test_imds_failure_exit_1(recording, aws_home, imds_credentials, mode):
    aws_home.write_config(IMDS_CONFIG)
    with ImdsFake(imds_credentials, mode=mode) as imds:
        run = run_rolechain(["assume", "-p", "imds"], imds_env(aws_home, recording, imds))
    assert run.code == 1, run.stderr
    assert assume_calls(recording) == []
    assert imds_credentials["SecretAccessKey"] not in run.stderr


def test_imds_token_400_exit_1(recording, aws_home, imds_credentials):
    # botocore treats 400 on the token PUT as an error, with no IMDSv1 retry.
    aws_home.write_config(IMDS_CONFIG)
    with ImdsFake(imds_credentials, mode="token-bad-request") as imds:
        run = run_rolechain(["assume", "-p", "imds"], imds_env(aws_home, recording, imds))
    assert run.code == 1, run.stderr
    assert imds.metadata_requests() == []
    assert assume_calls(recording) == []


def test_imds_disabled(recording, aws_home, imds_credentials):
    aws_home.write_config(IMDS_CONFIG)
    with ImdsFake(imds_credentials) as imds:
        env = imds_env(aws_home, recording, imds)
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        run = run_rolechain(["assume", "-p", "imds"], env)
    assert run.code == 1, run.stderr
    assert imds.requests == []


# Container credentials endpoint.

CONTAINER_CONFIG = f"[profile ecs]\nrole_arn = {TARGET}\ncredential_source = EcsContainer\n"
CONTAINER_TOKEN = "container-authorization-token-1"


def container_fake(container_credentials) -> ContainerFake:
    return ContainerFake(
        container_credentials, ROLE_ARNS["rc-source"], authorization_token=CONTAINER_TOKEN
    )


def test_container_root_token_env(recording, aws_home, container_credentials):
    aws_home.write_config(CONTAINER_CONFIG)
    with container_fake(container_credentials) as fake:
        env = aws_home.env(
            AWS_ENDPOINT_URL_STS=recording.url,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.full_uri,
            AWS_CONTAINER_AUTHORIZATION_TOKEN=CONTAINER_TOKEN,
        )
        run = run_rolechain(["assume", "-p", "ecs", "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(TARGET_PREFIX)
    assert [r.headers.get("authorization") for r in fake.requests] == [CONTAINER_TOKEN]
    (assume_call,) = assume_calls(recording)
    assert assume_call.access_key_id == container_credentials["AccessKeyId"]


def test_container_root_token_file(recording, aws_home, container_credentials):
    aws_home.write_config(CONTAINER_CONFIG)
    token_file = aws_home.write_file("container-token", CONTAINER_TOKEN)
    with container_fake(container_credentials) as fake:
        env = aws_home.env(
            AWS_ENDPOINT_URL_STS=recording.url,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.full_uri,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file),
        )
        run = run_rolechain(["assume", "-p", "ecs", "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(TARGET_PREFIX)
    assert [r.headers.get("authorization") for r in fake.requests] == [CONTAINER_TOKEN]


def test_container_wrong_token(recording, aws_home, container_credentials):
    aws_home.write_config(CONTAINER_CONFIG)
    with container_fake(container_credentials) as fake:
        env = aws_home.env(
            AWS_ENDPOINT_URL_STS=recording.url,
            AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.full_uri,
            AWS_CONTAINER_AUTHORIZATION_TOKEN="not-the-token",
        )
        run = run_rolechain(["assume", "-p", "ecs"], env)
    assert run.code == 1, run.stderr
    assert assume_calls(recording) == []
    assert "not-the-token" not in run.stderr


# Web identity. moto checks signatures on every request after the setup,
# and AssumeRoleWithWebIdentity is unsigned, so each test opens a window of
# one unauthenticated request just before the run.

WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlMmUifQ.c2lnbmF0dXJl"


def test_web_identity_env_then_role(recording, aws_home, no_auth_window):
    token_file = aws_home.write_file("web-token", WEB_TOKEN)
    env = aws_home.env(
        AWS_ENDPOINT_URL_STS=recording.url,
        AWS_ROLE_ARN=ROLE_ARNS["rc-web"],
        AWS_WEB_IDENTITY_TOKEN_FILE=str(token_file),
        AWS_ROLE_SESSION_NAME=WEB_SESSION,
    )
    recording.reset_auth(1)
    run = run_rolechain(["assume", "-R", TARGET, "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(TARGET_PREFIX)

    requests = recording.recording_get()
    (web_call,) = [r for r in requests if r.action == "AssumeRoleWithWebIdentity"]
    assert web_call.params["RoleArn"] == ROLE_ARNS["rc-web"]
    assert web_call.params["RoleSessionName"] == WEB_SESSION
    assert web_call.params["WebIdentityToken"] == WEB_TOKEN
    assert "authorization" not in web_call.headers
    (assume_call,) = [r for r in requests if r.action == "AssumeRole"]
    assert assume_call.params["RoleArn"] == TARGET
    assert "x-amz-security-token" in assume_call.headers
    assert WEB_TOKEN not in run.stderr


def test_web_identity_profile(recording, aws_home, no_auth_window):
    token_file = aws_home.write_file("web-token", WEB_TOKEN)
    aws_home.write_config(
        "[profile web]\n"
        f"role_arn = {ROLE_ARNS['rc-web']}\n"
        f"web_identity_token_file = {token_file}\n"
        f"role_session_name = {WEB_SESSION}\n"
    )
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    recording.reset_auth(1)
    run = run_rolechain(["assume", "-p", "web", "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller == session_arn("rc-web", WEB_SESSION)
    (web_call,) = [
        r for r in recording.recording_get() if r.action == "AssumeRoleWithWebIdentity"
    ]
    assert web_call.params["WebIdentityToken"] == WEB_TOKEN


# credential_process.

PROCESS_SCRIPT = """\
#!/bin/sh
# Prints the user's key in credential_process form when called with the
# single argument "two words", as the profile's quoting should give.
if [ "$#" -ne 1 ] || [ "$1" != "two words" ]; then
  echo "unexpected arguments: $*" >&2
  exit 9
fi
cat <<'JSON'
{CREDENTIALS}
JSON
"""


def test_credential_process_then_role(recording, user, aws_home):
    credentials = {
        "Version": 1,
        "AccessKeyId": user.access_key_id,
        "SecretAccessKey": user.secret_access_key,
    }
    script = aws_home.write_file(
        "credentials.sh",
        PROCESS_SCRIPT.replace("{CREDENTIALS}", json.dumps(credentials)),
        mode=0o755,
    )
    aws_home.write_config(
        f"[profile proc]\ncredential_process = {script} \"two words\"\n\n"
        f"[profile proc-role]\nrole_arn = {TARGET}\nsource_profile = proc\n"
    )
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    run = run_rolechain(["assume", "-p", "proc-role", "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(TARGET_PREFIX)
    (assume_call,) = assume_calls(recording)
    assert assume_call.access_key_id == user.access_key_id


def test_credential_process_failure(recording, aws_home):
    script = aws_home.write_file(
        "failing.sh",
        "#!/bin/sh\necho 'login session expired: run corp-login' >&2\nexit 3\n",
        mode=0o755,
    )
    aws_home.write_config(
        f"[profile proc]\ncredential_process = {script}\n\n"
        f"[profile proc-role]\nrole_arn = {TARGET}\nsource_profile = proc\n"
    )
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    run = run_rolechain(["assume", "-p", "proc-role"], env)
    assert run.code == 1, run.stderr
    assert "login session expired: run corp-login" in run.stderr
    assert recording.recording_get() == []


# IAM Identity Center (SSO).

SSO_ACCESS_TOKEN = "sso-portal-access-token"
SSO_START_URL = "https://corp.awsapps.com/start"
SSO_ROLE_NAME = "ReadOnly"


def write_sso_cache(aws_home, cache_key: str, expires_at: datetime.datetime) -> None:
    cache_dir = aws_home.home / ".aws" / "sso" / "cache"
    cache_dir.mkdir(parents=True, exist_ok=True)
    file_name = hashlib.sha1(cache_key.encode()).hexdigest() + ".json"
    (cache_dir / file_name).write_text(
        json.dumps(
            {
                "accessToken": SSO_ACCESS_TOKEN,
                "expiresAt": expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": "us-east-1",
                "startUrl": SSO_START_URL,
            }
        )
    )


SSO_SESSION_CONFIG = f"""\
[profile sso]
sso_session = corp
sso_account_id = {ACCOUNT_ID}
sso_role_name = {SSO_ROLE_NAME}

[sso-session corp]
sso_start_url = {SSO_START_URL}
sso_region = us-east-1
"""

SSO_LEGACY_CONFIG = f"""\
[profile sso]
sso_start_url = {SSO_START_URL}
sso_region = us-east-1
sso_account_id = {ACCOUNT_ID}
sso_role_name = {SSO_ROLE_NAME}
"""


def in_hours(hours: float) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)


@pytest.mark.parametrize(
    ("config", "cache_key"),
    [
        pytest.param(SSO_SESSION_CONFIG, "corp", id="sso-session"),
        pytest.param(SSO_LEGACY_CONFIG, SSO_START_URL, id="legacy"),
    ],
)
def test_sso_then_role(recording, aws_home, sso_credentials, config, cache_key):
    aws_home.write_config(config)
    write_sso_cache(aws_home, cache_key, in_hours(4))
    portal = SsoPortalFake(sso_credentials, SSO_ACCESS_TOKEN, ACCOUNT_ID, SSO_ROLE_NAME)
    with portal:
        env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url, AWS_ENDPOINT_URL_SSO=portal.url)
        run = run_rolechain(["assume", "-p", "sso", "-R", TARGET, "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(TARGET_PREFIX)

    (portal_request,) = portal.requests
    assert portal_request.route == "/federation/credentials"
    assert portal_request.query == {"account_id": ACCOUNT_ID, "role_name": SSO_ROLE_NAME}
    assert portal_request.headers.get("x-amz-sso_bearer_token") == SSO_ACCESS_TOKEN
    (assume_call,) = assume_calls(recording)
    assert assume_call.access_key_id == sso_credentials["AccessKeyId"]
    assert SSO_ACCESS_TOKEN not in run.stderr


def test_sso_expired_token(recording, aws_home, sso_credentials):
    aws_home.write_config(SSO_SESSION_CONFIG)
    write_sso_cache(aws_home, "corp", in_hours(-1))
    portal = SsoPortalFake(sso_credentials, SSO_ACCESS_TOKEN, ACCOUNT_ID, SSO_ROLE_NAME)
    with portal:
        env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url, AWS_ENDPOINT_URL_SSO=portal.url)
        run = run_rolechain(["assume", "-p", "sso", "-R", TARGET], env)
    assert run.code == 1, run.stderr
    assert "aws sso login" in run.stderr
    assert portal.requests == []
    assert recording.recording_get() == []


def test_sso_rejected_token(recording, aws_home, sso_credentials):
    aws_home.write_config(SSO_SESSION_CONFIG)
    write_sso_cache(aws_home, "corp", in_hours(4))
    portal = SsoPortalFake(sso_credentials, "another-token", ACCOUNT_ID, SSO_ROLE_NAME)
    with portal:
        env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url, AWS_ENDPOINT_URL_SSO=portal.url)
        run = run_rolechain(["assume", "-p", "sso", "-R", TARGET], env)
    assert run.code == 1, run.stderr
    assert len(portal.requests) == 1
    assert assume_calls(recording) == []
    assert SSO_ACCESS_TOKEN not in run.stderr
