"""`rolechain sign` against real verifiers and against botocore.

moto accepts the requests it signs, checking them with botocore's signer,
and the presign verifier accepts its presigned URLs. At a fixed signing
time its output equals botocore's, computed in-process."""

from __future__ import annotations

import http.client
import json
import subprocess
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from fakes import PresignVerifier
from harness import (
    HTTP_TIMEOUT,
    REGION,
    ROLE_ARNS,
    USER_ARN,
    assume_with_boto,
    json_lines,
    rolechain_binary,
    run_rolechain,
    session_arn,
)

STS_FORM = "Action=GetCallerIdentity&Version=2011-06-15"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
SIGNING_TIME = "20150830T123600Z"
# The example key of the AWS SigV4 documentation and test suite.
EXAMPLE_KEY_ID = "AKIDEXAMPLE"
EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
EXAMPLE_TOKEN = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIe="


def sign_env(aws_home, access_key_id, secret, token=None):
    return aws_home.env(
        AWS_ACCESS_KEY_ID=access_key_id,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_SESSION_TOKEN=token,
    )


def request_line(method, url, headers=(), body=None) -> str:
    line = {"method": method, "url": url, "headers": [list(pair) for pair in headers]}
    if body is not None:
        line["body"] = body
    return json.dumps(line) + "\n"


def sign(env, lines: str, flags: list[str]) -> list[dict]:
    run = run_rolechain(["sign", *flags], env, stdin=lines)
    assert run.code == 0, run.stderr + run.stdout
    return json_lines(run.stdout)


def header(signed: dict, name: str) -> str | None:
    for key, value in signed["headers"]:
        if key.lower() == name.lower():
            return value
    return None


def send(signed: dict, body: str = "") -> tuple[int, str]:
    """Send a signed request with exactly its headers, plus Content-Length
    and, unless signed, Host."""
    parts = urlsplit(signed["url"])
    assert parts.hostname == "127.0.0.1"
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    payload = body.encode()
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=HTTP_TIMEOUT)
    try:
        connection.putrequest(
            signed["method"],
            target,
            skip_host=header(signed, "host") is not None,
            skip_accept_encoding=True,
        )
        for name, value in signed["headers"]:
            connection.putheader(name, value)
        if header(signed, "content-length") is None:
            connection.putheader("Content-Length", str(len(payload)))
        connection.endheaders(payload)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


STS_FLAGS = ["--region", REGION, "--service", "sts"]


# Against moto.


def test_signed_post_accepted(moto, user, aws_home):
    env = sign_env(aws_home, user.access_key_id, user.secret_access_key)
    line = request_line("POST", moto.url + "/", [("Content-Type", FORM_TYPE)], STS_FORM)
    (signed,) = sign(env, line, STS_FLAGS)
    status, body = send(signed, STS_FORM)
    assert status == 200, body
    assert USER_ARN in body


def test_signed_with_session_token(moto, user, aws_home):
    credentials = assume_with_boto(moto, user, "rc-target", "sign-test")
    env = sign_env(
        aws_home,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    line = request_line("POST", moto.url + "/", [("Content-Type", FORM_TYPE)], STS_FORM)
    (signed,) = sign(env, line, STS_FLAGS)
    assert header(signed, "x-amz-security-token") == credentials["SessionToken"]
    assert credentials["SessionToken"] not in signed["canonical_request"]
    status, body = send(signed, STS_FORM)
    assert status == 200, body
    assert session_arn("rc-target", "sign-test") in body


def test_signed_with_role_chain(moto, user, aws_home):
    # `-R` runs the chain through moto first, then signs with the role's
    # credentials.
    env = aws_home.env(
        AWS_ACCESS_KEY_ID=user.access_key_id,
        AWS_SECRET_ACCESS_KEY=user.secret_access_key,
        AWS_ENDPOINT_URL_STS=moto.url,
    )
    line = request_line("POST", moto.url + "/", [("Content-Type", FORM_TYPE)], STS_FORM)
    flags = [*STS_FLAGS, "-R", ROLE_ARNS["rc-target"], "--role-session-name", "signer"]
    (signed,) = sign(env, line, flags)
    assert header(signed, "x-amz-security-token") is not None
    status, body = send(signed, STS_FORM)
    assert status == 200, body
    assert session_arn("rc-target", "signer") in body


def test_sign_mfa_without_terminal(moto, user, aws_home):
    # stdin carries the requests, so the MFA code could only come from a
    # terminal; without one, nothing is sent.
    env = aws_home.env(
        AWS_ACCESS_KEY_ID=user.access_key_id,
        AWS_SECRET_ACCESS_KEY=user.secret_access_key,
        AWS_ENDPOINT_URL_STS=moto.url,
    )
    line = request_line("POST", moto.url + "/", [("Content-Type", FORM_TYPE)], STS_FORM)
    moto.recording_start()
    completed = subprocess.run(
        [rolechain_binary(), "sign", *STS_FLAGS, "-R", ROLE_ARNS["rc-mfa"], "--mfa"],
        env=env,
        input=line,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=env["HOME"],
        # A new session has no controlling terminal, so /dev/tty cannot open.
        start_new_session=True,
    )
    assert completed.returncode == 2, completed.stderr
    assert "terminal" in completed.stderr
    assert moto.recording_get() == []


def test_wrong_secret_rejected_by_moto(moto, user, aws_home):
    env = sign_env(aws_home, user.access_key_id, "wrong-" + user.secret_access_key[6:])
    line = request_line("POST", moto.url + "/", [("Content-Type", FORM_TYPE)], STS_FORM)
    (signed,) = sign(env, line, STS_FLAGS)
    status, body = send(signed, STS_FORM)
    assert status == 403
    assert "SignatureDoesNotMatch" in body


def test_presigned_url_accepted(user, aws_home):
    env = sign_env(aws_home, user.access_key_id, user.secret_access_key)
    with PresignVerifier({user.access_key_id: user.secret_access_key}) as verifier:
        line = request_line("GET", f"{verifier.url}/?{STS_FORM}")
        (signed,) = sign(env, line, [*STS_FLAGS, "--presign", "300"])
        status, body = send(signed)
    assert status == 200, body
    assert user.access_key_id in body
    assert header(signed, "authorization") is None


def test_presigned_wrong_secret_rejected(user, aws_home):
    env = sign_env(aws_home, user.access_key_id, "wrong-" + user.secret_access_key[6:])
    with PresignVerifier({user.access_key_id: user.secret_access_key}) as verifier:
        line = request_line("GET", f"{verifier.url}/?{STS_FORM}")
        (signed,) = sign(env, line, [*STS_FLAGS, "--presign", "300"])
        status, body = send(signed)
    assert status == 403
    assert "SignatureDoesNotMatch" in body


def test_sign_without_credentials(aws_home):
    run = run_rolechain(
        ["sign", *STS_FLAGS], aws_home.env(), stdin=request_line("GET", "https://example.com/")
    )
    assert run.code == 1, run.stderr


# Differential: the same request signed by botocore at the same time.


def botocore_sign(auth, method, url, headers, body) -> dict:
    """Sign like botocore's `add_auth`, at SIGNING_TIME instead of now."""
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body or None)
    request.context["timestamp"] = SIGNING_TIME
    auth._modify_request_before_signing(request)
    canonical_request = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical_request)
    signature = auth.signature(string_to_sign, request)
    auth._inject_signature_to_request(request, signature)
    return {
        "url": request.url,
        "authorization": request.headers.get("Authorization"),
        "canonical_request": canonical_request,
        "string_to_sign": string_to_sign,
        "signature": signature,
    }


def redact(text: str, token: str | None) -> str:
    if token is None:
        return text
    return text.replace(token, "<session-token>").replace(
        quote(token, safe="-_.~"), "<session-token>"
    )


HEADER_CASES = [
    pytest.param(
        "POST",
        "https://sts.us-east-1.amazonaws.com/",
        [("Content-Type", FORM_TYPE)],
        STS_FORM,
        None,
        id="sts-form-post",
    ),
    pytest.param(
        "GET",
        "https://example.amazonaws.com/?b=2&a=1&c=x%20y&d=%2Fz&A=upper",
        [],
        None,
        None,
        id="query-sorting",
    ),
    pytest.param(
        "GET",
        "https://example.amazonaws.com/foo/../bar/./baz%20qux/",
        [],
        None,
        None,
        id="path-normalized-double-encoded",
    ),
    pytest.param(
        "GET",
        "https://example.amazonaws.com/",
        [("X-Amz-Meta-Note", "  two   spaces  "), ("User-Agent", "e2e/1.0"), ("My-Header", "a")],
        None,
        None,
        id="header-values",
    ),
    pytest.param(
        "POST",
        "http://127.0.0.1:8080/",
        [("Content-Type", FORM_TYPE)],
        STS_FORM,
        None,
        id="non-default-port",
    ),
    pytest.param(
        "POST",
        "https://sts.us-east-1.amazonaws.com/",
        [("Content-Type", FORM_TYPE)],
        STS_FORM,
        EXAMPLE_TOKEN,
        id="session-token",
    ),
]


@pytest.mark.parametrize(("method", "url", "headers", "body", "token"), HEADER_CASES)
def test_matches_botocore(aws_home, method, url, headers, body, token):
    env = sign_env(aws_home, EXAMPLE_KEY_ID, EXAMPLE_SECRET, token)
    (signed,) = sign(
        env,
        request_line(method, url, headers, body),
        [*STS_FLAGS, "--time", SIGNING_TIME],
    )
    auth = SigV4Auth(Credentials(EXAMPLE_KEY_ID, EXAMPLE_SECRET, token), "sts", REGION)
    expected = botocore_sign(auth, method, url, headers, body)
    assert signed["canonical_request"] == redact(expected["canonical_request"], token)
    assert signed["string_to_sign"] == expected["string_to_sign"]
    assert signed["signature"] == expected["signature"]
    assert header(signed, "authorization") == expected["authorization"]
    assert header(signed, "x-amz-date") == SIGNING_TIME


@pytest.mark.parametrize("token", [None, EXAMPLE_TOKEN], ids=["static", "session-token"])
def test_presign_matches_botocore(aws_home, token):
    url = f"https://sts.us-east-1.amazonaws.com/?{STS_FORM}"
    env = sign_env(aws_home, EXAMPLE_KEY_ID, EXAMPLE_SECRET, token)
    (signed,) = sign(
        env,
        request_line("GET", url),
        [*STS_FLAGS, "--time", SIGNING_TIME, "--presign", "300"],
    )
    auth = SigV4QueryAuth(
        Credentials(EXAMPLE_KEY_ID, EXAMPLE_SECRET, token), "sts", REGION, expires=300
    )
    expected = botocore_sign(auth, "GET", url, [], None)
    assert signed["signature"] == expected["signature"]
    assert signed["string_to_sign"] == expected["string_to_sign"]
    signed_query = dict(parse_qsl(urlsplit(signed["url"]).query, keep_blank_values=True))
    expected_query = dict(parse_qsl(urlsplit(expected["url"]).query, keep_blank_values=True))
    assert signed_query == expected_query


def test_s3_matches_botocore(aws_home):
    url = "https://bucket.s3.amazonaws.com/a%20b/../c//d.txt"
    env = sign_env(aws_home, EXAMPLE_KEY_ID, EXAMPLE_SECRET)
    (signed,) = sign(
        env,
        request_line("PUT", url, [("Content-Type", "text/plain")], "hello"),
        ["--region", REGION, "--s3", "--time", SIGNING_TIME],
    )
    auth = S3SigV4Auth(Credentials(EXAMPLE_KEY_ID, EXAMPLE_SECRET), "s3", REGION)
    expected = botocore_sign(auth, "PUT", url, [("Content-Type", "text/plain")], "hello")
    assert signed["canonical_request"] == expected["canonical_request"]
    assert signed["signature"] == expected["signature"]
    assert header(signed, "x-amz-content-sha256") is not None
