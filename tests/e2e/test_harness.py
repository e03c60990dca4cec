"""Checks of the test harness itself, without rolechain: moto starts, the
setup uses exactly the unauthenticated requests, signature and trust
checks are on, the recorder works, and the fakes speak their protocols."""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from fakes import ContainerFake, ImdsFake, PresignVerifier, SsoPortalFake
from harness import (
    ACCOUNT_ID,
    EXTERNAL_ID,
    HTTP_TIMEOUT,
    INITIAL_NO_AUTH_ACTION_COUNT,
    REGION,
    ROLE_ARNS,
    ROLES,
    SETUP_STEPS,
    USER_ARN,
    run_rolechain,
    session_arn,
)


def error_code(error: ClientError) -> str:
    return error.response["Error"]["Code"]


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_put(url: str, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=b"", headers=headers, method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_rolechain_binary_runs(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    run = run_rolechain(["--help"], env)
    assert run.code == 0, run.stderr


def test_setup_step_count():
    roles_with_policy = sum(1 for role in ROLES if role.permission_policy is not None)
    expected = 3 + len(ROLES) + roles_with_policy
    assert len(SETUP_STEPS) == expected
    assert INITIAL_NO_AUTH_ACTION_COUNT == expected


def test_user_key_works(moto, user):
    sts = moto.client("sts", user.access_key_id, user.secret_access_key)
    assert sts.get_caller_identity()["Arn"] == USER_ARN


def test_wrong_secret_rejected(moto, user):
    sts = moto.client("sts", user.access_key_id, "wrong" + user.secret_access_key[5:])
    with pytest.raises(ClientError) as raised:
        sts.get_caller_identity()
    assert error_code(raised.value) == "SignatureDoesNotMatch"


def test_unknown_key_rejected(moto, user):
    sts = moto.client("sts", "AKIAIOSFODNN7UNKNOWN", "some-secret")
    with pytest.raises(ClientError) as raised:
        sts.get_caller_identity()
    assert error_code(raised.value) == "InvalidClientTokenId"


def test_failed_auth_uses_no_free_request(moto, user):
    # Failed authentications do not count against INITIAL_NO_AUTH_ACTION_COUNT,
    # so the free requests stay used up after several of them.
    sts = moto.client("sts", user.access_key_id, "wrong-secret")
    for _ in range(3):
        with pytest.raises(ClientError):
            sts.get_caller_identity()
    iam = moto.client("iam", "AKIAIOSFODNN7UNKNOWN", "some-secret")
    with pytest.raises(ClientError) as raised:
        iam.create_user(UserName="rc-not-created")
    assert error_code(raised.value) == "InvalidClientTokenId"


def test_assume_role_as_user(moto, user):
    sts = moto.client("sts", user.access_key_id, user.secret_access_key)
    response = sts.assume_role(RoleArn=ROLE_ARNS["rc-target"], RoleSessionName="harness")
    assert response["AssumedRoleUser"]["Arn"] == session_arn("rc-target", "harness")


def test_trust_policy_enforced(moto, user):
    sts = moto.client("sts", user.access_key_id, user.secret_access_key)
    with pytest.raises(ClientError) as raised:
        sts.assume_role(RoleArn=ROLE_ARNS["rc-untrusted"], RoleSessionName="harness")
    assert error_code(raised.value) == "AccessDenied"


def test_trust_policy_names_session(moto, user):
    # rc-target trusts the rc-hop1 session named HOP1_SESSION only.
    sts = moto.client("sts", user.access_key_id, user.secret_access_key)
    hop1 = sts.assume_role(RoleArn=ROLE_ARNS["rc-hop1"], RoleSessionName="other-name")
    credentials = hop1["Credentials"]
    hop1_sts = moto.client(
        "sts",
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    with pytest.raises(ClientError) as raised:
        hop1_sts.assume_role(RoleArn=ROLE_ARNS["rc-target"], RoleSessionName="hop2")
    assert error_code(raised.value) == "AccessDenied"


def test_external_id_condition_enforced(moto, user):
    sts = moto.client("sts", user.access_key_id, user.secret_access_key)
    with pytest.raises(ClientError) as raised:
        sts.assume_role(
            RoleArn=ROLE_ARNS["rc-external"], RoleSessionName="harness", ExternalId="wrong-id"
        )
    assert error_code(raised.value) == "AccessDenied"
    accepted = sts.assume_role(
        RoleArn=ROLE_ARNS["rc-external"], RoleSessionName="harness", ExternalId=EXTERNAL_ID
    )
    assert accepted["AssumedRoleUser"]["Arn"] == session_arn("rc-external", "harness")


def test_missing_external_id_accepted_by_moto(moto, user):
    # NOTE: moto 5.2.1 skips a StringEquals condition whose key the request
    # lacks, where AWS denies, so tests cannot rely on moto for this case.
    sts = moto.client("sts", user.access_key_id, user.secret_access_key)
    response = sts.assume_role(RoleArn=ROLE_ARNS["rc-external"], RoleSessionName="harness")
    assert response["AssumedRoleUser"]["Arn"] == session_arn("rc-external", "harness")


def test_recording_shows_parameters(recording, user):
    sts = recording.client("sts", user.access_key_id, user.secret_access_key)
    sts.assume_role(
        RoleArn=ROLE_ARNS["rc-target"], RoleSessionName="recorded", DurationSeconds=1800
    )
    requests = recording.recording_get()
    assert [r.action for r in requests] == ["AssumeRole"]
    assert requests[0].params["RoleSessionName"] == "recorded"
    assert requests[0].params["DurationSeconds"] == "1800"
    assert requests[0].access_key_id == user.access_key_id


def test_recording_keeps_rejected_requests(recording, user):
    sts = recording.client("sts", user.access_key_id, "wrong-secret")
    with pytest.raises(ClientError):
        sts.get_caller_identity()
    assert [r.action for r in recording.recording_get()] == ["GetCallerIdentity"]


def test_reset_auth_opens_one_request(moto, user, no_auth_window):
    form = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&" + (
        f"RoleArn={ROLE_ARNS['rc-web']}&RoleSessionName=harness&WebIdentityToken=any-jwt"
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

    def post_unsigned() -> tuple[int, bytes]:
        request = urllib.request.Request(moto.url + "/", data=form.encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    moto.reset_auth(1)
    status, body = post_unsigned()
    assert status == 200, body
    assert b"assumed-role/rc-web/harness" in body
    second_status, _ = post_unsigned()
    assert second_status != 200


def test_no_auth_moto_session_token_flow(moto_no_auth):
    sts = moto_no_auth.client("sts", "AKIAIOSFODNN7NOAUTH0", "any-secret")
    session = sts.get_session_token(
        SerialNumber=f"arn:aws:iam::{ACCOUNT_ID}:mfa/rc-user", TokenCode="902817"
    )["Credentials"]
    session_sts = moto_no_auth.client(
        "sts", session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )
    assumed = session_sts.assume_role(RoleArn=ROLE_ARNS["rc-target"], RoleSessionName="mfa")
    assert assumed["AssumedRoleUser"]["Arn"] == session_arn("rc-target", "mfa")


def test_imds_fake_v2(imds_credentials):
    with ImdsFake(imds_credentials) as imds:
        status, token = http_put(
            imds.url + ImdsFake.TOKEN_PATH, {"X-aws-ec2-metadata-token-ttl-seconds": "21600"}
        )
        assert status == 200
        token_header = {"X-aws-ec2-metadata-token": token.decode()}
        assert http_get(imds.url + ImdsFake.CREDENTIALS_PATH)[0] == 401
        status, role = http_get(imds.url + ImdsFake.CREDENTIALS_PATH, token_header)
        assert status == 200
        assert role == b"rc-instance-profile"
        status, body = http_get(
            imds.url + ImdsFake.CREDENTIALS_PATH + role.decode(), token_header
        )
    document = json.loads(body)
    assert status == 200
    assert document["Code"] == "Success"
    assert document["AccessKeyId"] == imds_credentials["AccessKeyId"]
    assert document["Token"] == imds_credentials["SessionToken"]


@pytest.mark.parametrize(
    ("mode", "put_status", "get_status"),
    [
        ("token-forbidden", 403, 200),
        ("token-bad-request", 400, 401),
        ("no-role", 200, 404),
        ("html-404", 200, 404),
        ("token-rejected", 200, 401),
    ],
)
def test_imds_fake_modes(imds_credentials, mode, put_status, get_status):
    with ImdsFake(imds_credentials, mode=mode) as imds:
        status, token = http_put(
            imds.url + ImdsFake.TOKEN_PATH, {"X-aws-ec2-metadata-token-ttl-seconds": "60"}
        )
        headers = {"X-aws-ec2-metadata-token": token.decode()} if status == 200 else {}
        role_status, _ = http_get(imds.url + ImdsFake.CREDENTIALS_PATH, headers)
    assert status == put_status
    assert role_status == get_status


def test_imds_credentials_work_at_moto(moto, imds_credentials):
    assert moto.caller_arn(imds_credentials) == session_arn("rc-source", "imds-instance")


def test_container_fake(container_credentials):
    fake = ContainerFake(
        container_credentials, ROLE_ARNS["rc-source"], authorization_token="task-token"
    )
    with fake:
        assert http_get(fake.full_uri)[0] == 401
        status, body = http_get(fake.full_uri, {"Authorization": "task-token"})
    assert status == 200
    assert json.loads(body)["AccessKeyId"] == container_credentials["AccessKeyId"]


def test_sso_portal_fake(sso_credentials):
    fake = SsoPortalFake(sso_credentials, "sso-access-token", ACCOUNT_ID, "ReadOnly")
    path = f"/federation/credentials?account_id={ACCOUNT_ID}&role_name=ReadOnly"
    with fake:
        assert http_get(fake.url + path, {"x-amz-sso_bearer_token": "wrong"})[0] == 401
        status, body = http_get(fake.url + path, {"x-amz-sso_bearer_token": "sso-access-token"})
    role_credentials = json.loads(body)["roleCredentials"]
    assert status == 200
    assert role_credentials["accessKeyId"] == sso_credentials["AccessKeyId"]
    assert isinstance(role_credentials["expiration"], int)


def botocore_presign(url: str, access_key_id: str, secret: str, expires: int = 300) -> str:
    request = AWSRequest(method="GET", url=url)
    SigV4QueryAuth(Credentials(access_key_id, secret), "sts", REGION, expires=expires).add_auth(
        request
    )
    return request.url


def test_presign_verifier(user):
    with PresignVerifier({user.access_key_id: user.secret_access_key}) as verifier:
        base = verifier.url + "/?Action=GetCallerIdentity&Version=2011-06-15"
        good = botocore_presign(base, user.access_key_id, user.secret_access_key)
        bad = botocore_presign(base, user.access_key_id, "wrong-secret")
        good_status, good_body = http_get(good)
        bad_status, bad_body = http_get(bad)
    assert good_status == 200
    assert user.access_key_id.encode() in good_body
    assert bad_status == 403
    assert b"SignatureDoesNotMatch" in bad_body


def test_presign_verifier_expiry(user):
    with PresignVerifier({user.access_key_id: user.secret_access_key}) as verifier:
        request = AWSRequest(
            method="GET", url=verifier.url + "/?Action=GetCallerIdentity&Version=2011-06-15"
        )
        auth = SigV4QueryAuth(
            Credentials(user.access_key_id, user.secret_access_key), "sts", REGION, expires=60
        )
        past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        request.context["timestamp"] = past.strftime("%Y%m%dT%H%M%SZ")
        auth._modify_request_before_signing(request)
        canonical_request = auth.canonical_request(request)
        signature = auth.signature(auth.string_to_sign(request, canonical_request), request)
        auth._inject_signature_to_request(request, signature)
        status, body = http_get(request.url)
    assert status == 403
    assert b"expired" in body
