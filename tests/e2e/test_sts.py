"""`rolechain plan|assume|exec` against moto's STS: static keys, profile
chains, role flags, several targets, MFA, exec, and exit codes."""

from __future__ import annotations

import datetime
import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from harness import (
    ACCOUNT_ID,
    EXTERNAL_ID,
    HOP1_SESSION,
    MFA_SERIAL,
    ROLE_ARNS,
    json_lines,
    rolechain_binary,
    run_rolechain,
    session_arn,
)

TARGET = ROLE_ARNS["rc-target"]
SECOND = ROLE_ARNS["rc-second"]
MFA_CODE = "902817"
CREDENTIAL_KEYS = {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}


def user_env(aws_home, moto, user, **overrides):
    """An environment with the user's key and moto as the STS endpoint."""
    settings = {
        "AWS_ENDPOINT_URL_STS": moto.url,
        "AWS_ACCESS_KEY_ID": user.access_key_id,
        "AWS_SECRET_ACCESS_KEY": user.secret_access_key,
    }
    settings.update(overrides)
    return aws_home.env(**settings)


def write_base_credentials(aws_home, user):
    aws_home.write_credentials(
        "[base]\n"
        f"aws_access_key_id = {user.access_key_id}\n"
        f"aws_secret_access_key = {user.secret_access_key}\n"
    )


CHAIN_CONFIG = f"""\
[profile hop1]
role_arn = {ROLE_ARNS["rc-hop1"]}
source_profile = base
role_session_name = {HOP1_SESSION}

[profile hop2]
role_arn = {TARGET}
source_profile = hop1
"""


def target_session_prefix(role_name: str) -> str:
    return session_arn(role_name, "")


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def issued_secrets(moto, known_key_ids: set[str]) -> list[str]:
    """Secret keys and session tokens that moto issued for access keys not
    in `known_key_ids`."""
    secrets = []
    for credentials in moto.issued_credentials():
        if credentials["access_key_id"] not in known_key_ids:
            secrets.append(credentials["secret_access_key"])
            secrets.append(credentials["session_token"])
    return secrets


def issued_key_ids(moto) -> set[str]:
    return {credentials["access_key_id"] for credentials in moto.issued_credentials()}


# Static keys to a role.


def test_assume_json_credentials_work(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET, "--output", "json"], user_env(aws_home, recording, user)
    )
    assert run.code == 0, run.stderr
    lines = json_lines(run.stdout)
    assert len(lines) == 1
    credentials = lines[0]
    assert CREDENTIAL_KEYS <= credentials.keys()
    assert credentials["Version"] == 1
    assert parse_time(credentials["Expiration"]) > datetime.datetime.now(datetime.timezone.utc)
    caller = recording.caller_arn(credentials)
    assert caller.startswith(target_session_prefix("rc-target"))


def test_assume_signed_with_user_key(recording, user, aws_home):
    run = run_rolechain(["assume", "-R", TARGET], user_env(aws_home, recording, user))
    assert run.code == 0, run.stderr
    assume_calls = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert len(assume_calls) == 1
    assert assume_calls[0].params["RoleArn"] == TARGET
    assert assume_calls[0].access_key_id == user.access_key_id
    assert "x-amz-security-token" not in assume_calls[0].headers


def test_human_output_masks_secrets(recording, user, aws_home):
    known = issued_key_ids(recording)
    run = run_rolechain(["assume", "-R", TARGET], user_env(aws_home, recording, user))
    assert run.code == 0, run.stderr
    assert target_session_prefix("rc-target") in run.stdout
    assert user.secret_access_key not in run.stdout
    new_secrets = issued_secrets(recording, known)
    assert new_secrets, "moto issued no credentials during the run"
    for secret in new_secrets:
        assert secret not in run.stdout


def test_endpoint_url_flag(recording, user, aws_home):
    env = user_env(aws_home, recording, user, AWS_ENDPOINT_URL_STS=None)
    run = run_rolechain(
        ["assume", "-R", TARGET, "--endpoint-url", recording.url, "--output", "json"], env
    )
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(target_session_prefix("rc-target"))


def test_verify_identity_by_default(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET, "--output", "json"], user_env(aws_home, recording, user)
    )
    assert run.code == 0, run.stderr
    credentials = json_lines(run.stdout)[0]
    identity_calls = [r for r in recording.recording_get() if r.action == "GetCallerIdentity"]
    assert len(identity_calls) == 1
    assert identity_calls[0].access_key_id == credentials["AccessKeyId"]


def test_no_verify_identity(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET, "--no-verify-identity", "--output", "json"],
        user_env(aws_home, recording, user),
    )
    assert run.code == 0, run.stderr
    actions = [r.action for r in recording.recording_get()]
    assert actions == ["AssumeRole"]


def test_no_credentials_exit_1(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET], aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    )
    assert run.code == 1, run.stderr
    assert recording.recording_get() == []


# Profiles.


def test_source_profile_chain(recording, user, aws_home):
    write_base_credentials(aws_home, user)
    aws_home.write_config(CHAIN_CONFIG)
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    run = run_rolechain(["assume", "-p", "hop2", "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(target_session_prefix("rc-target"))

    first, second = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert first.params["RoleArn"] == ROLE_ARNS["rc-hop1"]
    assert first.params["RoleSessionName"] == HOP1_SESSION
    assert first.access_key_id == user.access_key_id
    assert second.params["RoleArn"] == TARGET
    assert second.access_key_id != user.access_key_id
    assert "x-amz-security-token" in second.headers


def test_credential_source_environment(recording, user, aws_home):
    aws_home.write_config(
        f"[profile envrole]\nrole_arn = {TARGET}\ncredential_source = Environment\n"
    )
    run = run_rolechain(
        ["assume", "-p", "envrole", "--output", "json"], user_env(aws_home, recording, user)
    )
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(target_session_prefix("rc-target"))
    assume_calls = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert [r.access_key_id for r in assume_calls] == [user.access_key_id]


def test_profile_role_settings_sent(recording, user, aws_home):
    write_base_credentials(aws_home, user)
    aws_home.write_config(
        "[profile ext]\n"
        f"role_arn = {ROLE_ARNS['rc-external']}\n"
        "source_profile = base\n"
        f"external_id = {EXTERNAL_ID}\n"
        "role_session_name = from-profile\n"
        "duration_seconds = 1200\n"
    )
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    run = run_rolechain(["assume", "-p", "ext", "--output", "json"], env)
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller == session_arn("rc-external", "from-profile")
    (assume_call,) = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert assume_call.params["ExternalId"] == EXTERNAL_ID
    assert assume_call.params["DurationSeconds"] == "1200"


# Role flags.


def test_role_flags_sent(recording, user, aws_home):
    args = [
        "assume",
        "-R",
        ROLE_ARNS["rc-external"],
        "-T",
        "1800",
        "-I",
        EXTERNAL_ID,
        "--role-session-name",
        "scan-1",
        "--output",
        "json",
    ]
    run = run_rolechain(args, user_env(aws_home, recording, user))
    assert run.code == 0, run.stderr
    credentials = json_lines(run.stdout)[0]
    assert recording.caller_arn(credentials) == session_arn("rc-external", "scan-1")

    (assume_call,) = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert assume_call.params["DurationSeconds"] == "1800"
    assert assume_call.params["ExternalId"] == EXTERNAL_ID
    assert assume_call.params["RoleSessionName"] == "scan-1"

    # moto sets the expiration to the request time plus DurationSeconds.
    remaining = parse_time(credentials["Expiration"]) - datetime.datetime.now(
        datetime.timezone.utc
    )
    assert 1700 < remaining.total_seconds() <= 1800


def test_wrong_external_id_denied(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", ROLE_ARNS["rc-external"], "-I", "wrong-id"],
        user_env(aws_home, recording, user),
    )
    assert run.code == 1
    assert "AccessDenied" in run.stderr


SESSION_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}],
}


def test_session_parameters_sent(recording, user, aws_home):
    policy = json.dumps(SESSION_POLICY, separators=(",", ":"))
    args = [
        "assume",
        "-R",
        TARGET,
        "--policy",
        policy,
        "--policy-arn",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "--policy-arn",
        "arn:aws:iam::aws:policy/SecurityAudit",
        "--tag",
        "team=security",
        "--tag",
        "ticket=SEC-1",
        "--transitive-tag-key",
        "team",
        "--source-identity",
        "alice",
    ]
    run = run_rolechain(args, user_env(aws_home, recording, user))
    assert run.code == 0, run.stderr
    (assume_call,) = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    params = assume_call.params
    assert json.loads(params["Policy"]) == json.loads(policy)
    assert params["PolicyArns.member.1.arn"] == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert params["PolicyArns.member.2.arn"] == "arn:aws:iam::aws:policy/SecurityAudit"
    assert params["Tags.member.1.Key"] == "team"
    assert params["Tags.member.1.Value"] == "security"
    assert params["Tags.member.2.Key"] == "ticket"
    assert params["Tags.member.2.Value"] == "SEC-1"
    assert params["TransitiveTagKeys.member.1"] == "team"
    assert params["SourceIdentity"] == "alice"


def test_policy_with_spaces_accepted(recording, user, aws_home):
    # moto 5.2.1 recomputes the signature over the parsed form fields, which
    # botocore's AWSRequest re-encodes with urllib's urlencode: a space
    # becomes "+", as botocore's query serializer also writes it. A body
    # with "%20" is valid for AWS but gets SignatureDoesNotMatch from moto.
    policy = json.dumps(SESSION_POLICY)
    run = run_rolechain(
        ["assume", "-R", TARGET, "--policy", policy, "--output", "json"],
        user_env(aws_home, recording, user),
    )
    assert run.code == 0, run.stdout + run.stderr
    (assume_call,) = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert json.loads(assume_call.params["Policy"]) == SESSION_POLICY


# Several targets.


def test_two_targets_two_lines(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET, "-R", SECOND, "--output", "json"],
        user_env(aws_home, recording, user),
    )
    assert run.code == 0, run.stderr
    lines = json_lines(run.stdout)
    assert [line["RoleArn"] for line in lines] == [TARGET, SECOND]
    assert [line["AccountId"] for line in lines] == [ACCOUNT_ID, ACCOUNT_ID]
    assert recording.caller_arn(lines[0]).startswith(target_session_prefix("rc-target"))
    assert recording.caller_arn(lines[1]).startswith(target_session_prefix("rc-second"))
    assume_calls = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert [r.access_key_id for r in assume_calls] == [user.access_key_id] * 2


def test_failed_target_line(recording, user, aws_home):
    untrusted = ROLE_ARNS["rc-untrusted"]
    run = run_rolechain(
        ["assume", "-R", TARGET, "-R", untrusted, "--output", "json"],
        user_env(aws_home, recording, user),
    )
    assert run.code == 1
    good, failed = json_lines(run.stdout)
    assert good["RoleArn"] == TARGET
    assert "AccessKeyId" in good
    assert failed["RoleArn"] == untrusted
    assert "AccessDenied" in failed["Error"]
    assert "AccessKeyId" not in failed


# MFA.


def test_mfa_serial_and_code_from_stdin(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", ROLE_ARNS["rc-mfa"], "--mfa", "--output", "json"],
        user_env(aws_home, recording, user),
        stdin=f"{MFA_SERIAL}\n{MFA_CODE}\n",
    )
    assert run.code == 0, run.stderr
    caller = recording.caller_arn(json_lines(run.stdout)[0])
    assert caller.startswith(target_session_prefix("rc-mfa"))
    requests = recording.recording_get()
    (assume_call,) = [r for r in requests if r.action == "AssumeRole"]
    assert assume_call.params["SerialNumber"] == MFA_SERIAL
    assert assume_call.params["TokenCode"] == MFA_CODE
    assert [r for r in requests if r.action == "GetSessionToken"] == []
    assert MFA_CODE not in run.stderr


def run_on_terminal(args, env, answers, timeout=60.0):
    """Run rolechain with a pseudo-terminal as its stdin, stdout and
    controlling terminal. `answers` pairs the end of each expected prompt
    with the line to type. Returns the exit code and everything the terminal
    showed."""
    binary = rolechain_binary()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(env["HOME"])
        os.execve(binary, [binary, *args], env)
    shown = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
            if pending and shown.rstrip().endswith(pending[0][0].encode()):
                os.write(fd, pending.pop(0)[1].encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def test_mfa_terminal_prompt_hides_code(recording, user, aws_home):
    code, shown = run_on_terminal(
        ["assume", "-R", ROLE_ARNS["rc-mfa"], "--mfa"],
        user_env(aws_home, recording, user),
        [("serial number:", MFA_SERIAL), (f"{MFA_SERIAL}:", MFA_CODE)],
    )
    assert code == 0, shown
    assert "MFA device ARN or serial number:" in shown
    assert f"MFA code for {MFA_SERIAL}:" in shown
    # The serial is echoed as typed; the code is read without echo.
    assert MFA_CODE not in shown
    (assume_call,) = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert assume_call.params["TokenCode"] == MFA_CODE


def test_mfa_serial_flag(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", ROLE_ARNS["rc-mfa"], "--mfa", "--mfa-serial", MFA_SERIAL],
        user_env(aws_home, recording, user),
        stdin=f"{MFA_CODE}\n",
    )
    assert run.code == 0, run.stderr
    (assume_call,) = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert assume_call.params["SerialNumber"] == MFA_SERIAL
    assert assume_call.params["TokenCode"] == MFA_CODE


def test_mfa_profile_serial(recording, user, aws_home):
    write_base_credentials(aws_home, user)
    aws_home.write_config(
        "[profile mfa]\n"
        f"role_arn = {ROLE_ARNS['rc-mfa']}\n"
        "source_profile = base\n"
        f"mfa_serial = {MFA_SERIAL}\n"
    )
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    run = run_rolechain(["assume", "-p", "mfa"], env, stdin=f"{MFA_CODE}\n")
    assert run.code == 0, run.stderr
    (assume_call,) = [r for r in recording.recording_get() if r.action == "AssumeRole"]
    assert assume_call.params["SerialNumber"] == MFA_SERIAL
    assert assume_call.params["TokenCode"] == MFA_CODE


def test_mfa_two_targets_one_session_token(moto_no_auth, aws_home):
    # GetSessionToken credentials fail moto's own signature checks, so this
    # runs against the moto without them.
    static_key_id = "AKIAIOSFODNN7STATIC0"
    env = aws_home.env(
        AWS_ENDPOINT_URL_STS=moto_no_auth.url,
        AWS_ACCESS_KEY_ID=static_key_id,
        AWS_SECRET_ACCESS_KEY="static-secret-for-no-auth-moto",
    )
    moto_no_auth.recording_start()
    run = run_rolechain(
        ["assume", "-R", TARGET, "-R", SECOND, "--mfa", "--mfa-serial", MFA_SERIAL, "--output", "json"],
        env,
        stdin=f"{MFA_CODE}\n",
    )
    assert run.code == 0, run.stderr
    assert len(json_lines(run.stdout)) == 2

    requests = moto_no_auth.recording_get()
    session_calls = [r for r in requests if r.action == "GetSessionToken"]
    assume_calls = [r for r in requests if r.action == "AssumeRole"]
    assert len(session_calls) == 1
    assert session_calls[0].params["TokenCode"] == MFA_CODE
    assert session_calls[0].params["SerialNumber"] == MFA_SERIAL
    assert session_calls[0].access_key_id == static_key_id
    assert [r.params["RoleArn"] for r in assume_calls] == [TARGET, SECOND]
    for assume_call in assume_calls:
        assert "TokenCode" not in assume_call.params
        assert "SerialNumber" not in assume_call.params
        assert assume_call.access_key_id != static_key_id
        assert "x-amz-security-token" in assume_call.headers
    assert requests.index(session_calls[0]) < requests.index(assume_calls[0])


# exec.


def test_exec_exports_credentials(recording, user, aws_home):
    script = 'printf "%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"'
    run = run_rolechain(
        ["exec", "-R", TARGET, "--", "sh", "-c", script], user_env(aws_home, recording, user)
    )
    assert run.code == 0, run.stderr
    key_id, secret, token = run.stdout.splitlines()
    assert key_id != user.access_key_id
    caller = recording.caller_arn(
        {"AccessKeyId": key_id, "SecretAccessKey": secret, "SessionToken": token}
    )
    assert caller.startswith(target_session_prefix("rc-target"))


def test_exec_passes_profile_region(recording, user, aws_home):
    write_base_credentials(aws_home, user)
    aws_home.write_config(
        "[profile scan]\n"
        f"role_arn = {TARGET}\n"
        "source_profile = base\n"
        # The region picks STS's endpoint too, but AWS_ENDPOINT_URL_STS
        # sends every request to moto.
        "region = eu-west-3\n"
    )
    env = aws_home.env(
        AWS_ENDPOINT_URL_STS=recording.url, AWS_REGION=None, AWS_DEFAULT_REGION=None
    )
    script = 'printf "%s %s\\n" "$AWS_REGION" "$AWS_DEFAULT_REGION"'
    run = run_rolechain(["exec", "-p", "scan", "--", "sh", "-c", script], env)
    assert run.code == 0, run.stderr
    assert run.stdout.split() == ["eu-west-3", "eu-west-3"]


def test_exec_keeps_environment_region(recording, user, aws_home):
    write_base_credentials(aws_home, user)
    aws_home.write_config(
        f"[profile scan]\nrole_arn = {TARGET}\nsource_profile = base\nregion = eu-west-3\n"
    )
    env = aws_home.env(
        AWS_ENDPOINT_URL_STS=recording.url, AWS_REGION="ap-south-1", AWS_DEFAULT_REGION=None
    )
    run = run_rolechain(["exec", "-p", "scan", "--", "sh", "-c", 'echo "$AWS_REGION"'], env)
    assert run.code == 0, run.stderr
    assert run.stdout.strip() == "ap-south-1"


def test_exec_exit_status(recording, user, aws_home):
    run = run_rolechain(
        ["exec", "-R", TARGET, "--", "sh", "-c", "exit 7"], user_env(aws_home, recording, user)
    )
    assert run.code == 7, run.stderr


def test_exec_missing_command(recording, user, aws_home):
    run = run_rolechain(
        ["exec", "-R", TARGET, "--", "rolechain-e2e-no-such-command"],
        user_env(aws_home, recording, user),
    )
    assert run.code == 127, run.stderr


def test_exec_not_executable(recording, user, aws_home):
    script = aws_home.write_file("not-executable.sh", "#!/bin/sh\necho hi\n", mode=0o644)
    run = run_rolechain(
        ["exec", "-R", TARGET, "--", str(script)], user_env(aws_home, recording, user)
    )
    assert run.code == 126, run.stderr


def test_exec_refresh_serves_endpoint(recording, user, aws_home):
    # The child reads credentials the way the AWS SDKs read a container
    # endpoint, then proves them against moto with boto3.
    child = (
        "import json, os, urllib.request, boto3\n"
        "url = os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI']\n"
        "token = os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN']\n"
        "assert 'AWS_ACCESS_KEY_ID' not in os.environ\n"
        "wrong = urllib.request.Request(url, headers={'Authorization': 'wrong'})\n"
        "try:\n"
        "    urllib.request.urlopen(wrong)\n"
        "    raise SystemExit('a wrong token was accepted')\n"
        "except urllib.error.HTTPError as e:\n"
        "    assert e.code == 401, e.code\n"
        "sts = boto3.client('sts', endpoint_url=os.environ['AWS_ENDPOINT_URL_STS'],\n"
        "                   region_name='us-east-1')\n"
        "print(sts.get_caller_identity()['Arn'])\n"
    )
    run = run_rolechain(
        ["exec", "--refresh", "-R", TARGET, "--", sys.executable, "-c", child],
        user_env(aws_home, recording, user),
    )
    assert run.code == 0, run.stdout + run.stderr
    assert run.stdout.strip().startswith(target_session_prefix("rc-target"))


def test_exec_refresh_exit_status(recording, user, aws_home):
    run = run_rolechain(
        ["exec", "--refresh", "-R", TARGET, "--", "sh", "-c", "exit 5"],
        user_env(aws_home, recording, user),
    )
    assert run.code == 5, run.stderr


# Failures and invalid input.


def test_wrong_secret_explained(recording, user, aws_home):
    wrong_secret = "wrong/" + user.secret_access_key[6:]
    env = user_env(aws_home, recording, user, AWS_SECRET_ACCESS_KEY=wrong_secret)
    run = run_rolechain(["assume", "-R", TARGET], env)
    assert run.code == 1
    assert "SignatureDoesNotMatch" in run.stderr
    assert "secret" in run.stderr.lower()
    assert "clock" in run.stderr.lower()
    assert wrong_secret not in run.stderr


def assert_rejected_before_sending(run, recording, value: str | None) -> None:
    """Check exit code 2, an error naming `value` unless it is None, and no
    request sent. The argument parser also exits with 2 for a subcommand it
    does not know, so the subcommand check keeps that from passing."""
    assert run.code == 2, run.stderr
    assert "error:" in run.stderr
    assert "unrecognized subcommand" not in run.stderr
    if value is not None:
        assert value in run.stderr
    assert recording.recording_get() == []


def test_chained_duration_rejected_before_sending(recording, user, aws_home):
    write_base_credentials(aws_home, user)
    aws_home.write_config(CHAIN_CONFIG)
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    run = run_rolechain(["assume", "-p", "hop1", "-R", TARGET, "-T", "7200"], env)
    assert_rejected_before_sending(run, recording, "7200")


LONG_SESSION_NAME = "s" * 65


@pytest.mark.parametrize(
    ("flags", "value"),
    [
        pytest.param(
            ["-R", "arn:aws:iam::12345:role/x"], "arn:aws:iam::12345:role/x", id="short-account"
        ),
        pytest.param(["-R", "not-an-arn"], "not-an-arn", id="not-an-arn"),
        pytest.param(["-R", TARGET, "-T", "600"], "600", id="duration-too-short"),
        pytest.param(["-R", TARGET, "-T", "43201"], "43201", id="duration-too-long"),
        pytest.param(
            ["-R", TARGET, "--role-session-name", LONG_SESSION_NAME],
            LONG_SESSION_NAME,
            id="session-name-long",
        ),
        pytest.param(
            ["-R", TARGET, "--role-session-name", "bad name!"], "bad name!", id="session-name-chars"
        ),
        pytest.param(["-R", TARGET, "-I", "ext id"], "ext id", id="external-id-chars"),
        pytest.param(
            ["-R", TARGET, "--mfa-serial", "mfa-x"], "mfa-x", id="mfa-serial-short"
        ),
    ],
)
def test_invalid_input_exit_2(recording, user, aws_home, flags, value):
    run = run_rolechain(["assume", *flags], user_env(aws_home, recording, user))
    assert_rejected_before_sending(run, recording, value)


def test_invalid_mfa_code_exit_2(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET, "--mfa", "--mfa-serial", MFA_SERIAL],
        user_env(aws_home, recording, user),
        stdin="12ab56\n",
    )
    assert_rejected_before_sending(run, recording, None)
    # The code itself is a secret, even when invalid.
    assert "12ab56" not in run.stderr


# Output formats and secrets.


def test_output_env(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET, "--output", "env"], user_env(aws_home, recording, user)
    )
    assert run.code == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    for line in lines:
        assert line.startswith("export AWS_")
    # A POSIX shell evaluates the output as a user's `eval` would.
    script = (
        run.stdout
        + '\nprintf "%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"\n'
    )
    shell = subprocess.run(
        ["sh", "-c", script], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert shell.returncode == 0, shell.stderr
    key_id, secret, token = shell.stdout.splitlines()
    caller = recording.caller_arn(
        {"AccessKeyId": key_id, "SecretAccessKey": secret, "SessionToken": token}
    )
    assert caller.startswith(target_session_prefix("rc-target"))


def test_output_env_two_targets_rejected(recording, user, aws_home):
    run = run_rolechain(
        ["assume", "-R", TARGET, "-R", SECOND, "--output", "env"],
        user_env(aws_home, recording, user),
    )
    assert_rejected_before_sending(run, recording, "env")


def test_verbose_log_without_secrets(recording, user, aws_home):
    known = issued_key_ids(recording)
    run = run_rolechain(
        ["assume", "-v", "-R", TARGET, "--output", "json"], user_env(aws_home, recording, user)
    )
    assert run.code == 0, run.stderr
    assert "POST" in run.stderr
    assert "127.0.0.1" in run.stderr
    assert "200" in run.stderr
    credentials = json_lines(run.stdout)[0]
    assert user.secret_access_key not in run.stderr
    assert credentials["SecretAccessKey"] not in run.stderr
    assert credentials["SessionToken"] not in run.stderr
    for secret in issued_secrets(recording, known):
        assert secret not in run.stderr


# plan.


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_plan_dry_run_sends_nothing(recording, user, aws_home, output_format):
    write_base_credentials(aws_home, user)
    aws_home.write_config(CHAIN_CONFIG)
    env = aws_home.env(AWS_ENDPOINT_URL_STS=recording.url)
    run = run_rolechain(["plan", "-p", "hop2", "--dry-run", "--format", output_format], env)
    assert run.code == 0, run.stderr
    assert TARGET in run.stdout
    assert ROLE_ARNS["rc-hop1"] in run.stdout
    assert user.secret_access_key not in run.stdout
    if output_format == "json":
        json.loads(run.stdout)
    assert recording.recording_get() == []



def test_plan_closed_stdout_no_panic(recording, user, aws_home):
    # `rolechain plan | head -1`: the reader goes away after one line, while
    # the plan (300 targets, more than a pipe buffer holds) is still being
    # written.
    roles = [arg for _ in range(150) for arg in ("-R", TARGET, "-R", SECOND)]
    process = subprocess.Popen(
        [rolechain_binary(), "plan", *roles, "--format", "json"],
        env=user_env(aws_home, recording, user),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=aws_home.home,
    )
    process.stdout.readline()
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert b"panicked" not in stderr, stderr
    assert process.returncode in (0, -13), process.returncode
