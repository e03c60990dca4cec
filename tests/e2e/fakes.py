"""Small HTTP servers on 127.0.0.1 for services with no local counterpart.

They speak the protocols of EC2 instance metadata (IMDSv2 and v1), the
container credentials endpoint and the IAM Identity Center (SSO) portal.
A fourth server verifies presigned SigV4 URLs, which moto cannot check.

The IMDS, container and SSO fakes serve temporary credentials that moto's
own AssumeRole issued, as the real services serve temporary credentials, so
moto verifies the requests that rolechain signs with them.
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

Response = tuple[int, dict[str, str], bytes]


@dataclass
class ReceivedRequest:
    method: str
    path: str  # path and query as received
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))


def json_response(status: int, value: object, headers: dict | None = None) -> Response:
    body = json.dumps(value).encode()
    return status, {"Content-Type": "application/json", **(headers or {})}, body


def text_response(status: int, text: str, content_type: str = "text/plain") -> Response:
    return status, {"Content-Type": content_type}, text.encode()


class FakeServer:
    """An HTTP/1.1 server on a free 127.0.0.1 port, served from a daemon
    thread. Subclasses implement `handle`, and every request is kept in
    `requests`."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _dispatch(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = ReceivedRequest(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                with fake._lock:
                    fake.requests.append(request)
                status, headers, payload = fake.handle(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_HEAD = _dispatch

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def handle(self, request: ReceivedRequest) -> Response:
        raise NotImplementedError


def utc_now_iso() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


HTML_NOT_FOUND = (
    "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
    "<body><h1>Not Found</h1><p>The requested URL was not found.</p></body></html>\n"
)


class ImdsFake(FakeServer):
    """EC2 instance metadata, IMDSv2 with the IMDSv1 fallback.

    Modes:
      ok             IMDSv2 only: every GET needs the token from the PUT.
      token-forbidden
                     the token PUT gets 403 and GETs work without a token,
                     as on an instance with IMDSv2 optional behind a proxy
                     that blocks PUT; SDKs fall back to IMDSv1.
      token-bad-request
                     the token PUT gets 400, which SDKs treat as an error;
                     GETs need a token as in `ok`.
      no-role        the role list gets 404: no instance profile attached.
      html-404       every GET gets an HTML 404 page, as from a web server
                     that is not IMDS.
      token-rejected every GET gets 401, as with an expired token.
    """

    TOKEN_PATH = "/latest/api/token"
    TOKEN_TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
    TOKEN_HEADER = "x-aws-ec2-metadata-token"
    CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/"
    MODES = {
        "ok",
        "token-forbidden",
        "token-bad-request",
        "no-role",
        "html-404",
        "token-rejected",
    }

    def __init__(
        self,
        credentials: dict[str, str],
        role_name: str = "rc-instance-profile",
        mode: str = "ok",
    ) -> None:
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f"unknown IMDS fake mode {mode!r}")
        self.credentials = credentials
        self.role_name = role_name
        self.mode = mode
        self.tokens: set[str] = set()

    def handle(self, request: ReceivedRequest) -> Response:
        if request.route == self.TOKEN_PATH:
            return self._handle_token(request)
        if request.method != "GET":
            return text_response(405, "Method Not Allowed")
        if self.mode == "html-404":
            return text_response(404, HTML_NOT_FOUND, "text/html")
        if self.mode == "token-rejected":
            return text_response(401, "Unauthorized")
        token_required = self.mode in ("ok", "token-bad-request")
        if token_required and request.headers.get(self.TOKEN_HEADER) not in self.tokens:
            return text_response(401, "Unauthorized")
        if request.route == self.CREDENTIALS_PATH:
            if self.mode == "no-role":
                return text_response(404, "Not Found")
            return text_response(200, self.role_name)
        if request.route == self.CREDENTIALS_PATH + self.role_name:
            return json_response(
                200,
                {
                    "Code": "Success",
                    "LastUpdated": utc_now_iso(),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": self.credentials["AccessKeyId"],
                    "SecretAccessKey": self.credentials["SecretAccessKey"],
                    "Token": self.credentials["SessionToken"],
                    "Expiration": self.credentials["Expiration"],
                },
            )
        return text_response(404, "Not Found")

    def _handle_token(self, request: ReceivedRequest) -> Response:
        if request.method != "PUT":
            return text_response(405, "Method Not Allowed")
        if self.mode == "token-forbidden":
            return text_response(403, "Forbidden")
        if self.mode == "token-bad-request":
            return text_response(400, "Bad Request")
        ttl = request.headers.get(self.TOKEN_TTL_HEADER, "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return text_response(400, "Bad Request")
        token = "imds-token-" + uuid.uuid4().hex
        self.tokens.add(token)
        return 200, {"Content-Type": "text/plain", self.TOKEN_TTL_HEADER: ttl}, token.encode()

    def token_requests(self) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.route == self.TOKEN_PATH]

    def metadata_requests(self) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.route.startswith(self.CREDENTIALS_PATH)]


class ContainerFake(FakeServer):
    """The ECS / EKS Pod Identity container credentials endpoint: a GET on
    `path` returns credentials, after checking the Authorization header
    when `authorization_token` is set."""

    def __init__(
        self,
        credentials: dict[str, str],
        role_arn: str,
        path: str = "/v2/credentials/task",
        authorization_token: str | None = None,
    ) -> None:
        super().__init__()
        self.credentials = credentials
        self.role_arn = role_arn
        self.path = path
        self.authorization_token = authorization_token

    @property
    def full_uri(self) -> str:
        return self.url + self.path

    def handle(self, request: ReceivedRequest) -> Response:
        if request.method != "GET" or request.route != self.path:
            return json_response(404, {"code": "NotFound", "message": "not found"})
        if (
            self.authorization_token is not None
            and request.headers.get("authorization") != self.authorization_token
        ):
            return json_response(
                401, {"code": "AccessDeniedException", "message": "invalid token"}
            )
        return json_response(
            200,
            {
                "AccessKeyId": self.credentials["AccessKeyId"],
                "SecretAccessKey": self.credentials["SecretAccessKey"],
                "Token": self.credentials["SessionToken"],
                "Expiration": self.credentials["Expiration"],
                "RoleArn": self.role_arn,
            },
        )


class SsoPortalFake(FakeServer):
    """The IAM Identity Center portal's GetRoleCredentials:
    `GET /federation/credentials?account_id=..&role_name=..` with the
    `x-amz-sso_bearer_token` header."""

    def __init__(
        self,
        credentials: dict[str, str],
        access_token: str,
        account_id: str,
        role_name: str,
    ) -> None:
        super().__init__()
        self.credentials = credentials
        self.access_token = access_token
        self.account_id = account_id
        self.role_name = role_name

    def handle(self, request: ReceivedRequest) -> Response:
        if request.method != "GET" or request.route != "/federation/credentials":
            return json_response(404, {"message": "Not Found"})
        if request.headers.get("x-amz-sso_bearer_token") != self.access_token:
            return json_response(
                401,
                {"message": "Session token not found or invalid"},
                {"x-amzn-ErrorType": "UnauthorizedException"},
            )
        query = request.query
        if query.get("account_id") != self.account_id or query.get("role_name") != self.role_name:
            return json_response(
                403, {"message": "No access"}, {"x-amzn-ErrorType": "ForbiddenException"}
            )
        expiration = datetime.datetime.strptime(
            self.credentials["Expiration"], "%Y-%m-%dT%H:%M:%SZ"
        ).replace(tzinfo=datetime.timezone.utc)
        return json_response(
            200,
            {
                "roleCredentials": {
                    "accessKeyId": self.credentials["AccessKeyId"],
                    "secretAccessKey": self.credentials["SecretAccessKey"],
                    "sessionToken": self.credentials["SessionToken"],
                    "expiration": int(expiration.timestamp() * 1000),
                }
            },
        )


def sigv4_error(status: int, code: str, message: str) -> Response:
    body = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
        "</Error><RequestId>presign-verifier</RequestId></ErrorResponse>"
    )
    return status, {"Content-Type": "text/xml"}, body.encode()


class PresignVerifier(FakeServer):
    """Checks presigned (query-string) SigV4 GET requests the way a service
    does: it decodes the query, re-encodes it by RFC 3986, recomputes the
    signature with botocore's SigV4QueryAuth at the request's X-Amz-Date,
    and checks the expiry. moto 5.2.1 cannot do this: it reads only the
    Authorization header.

    Responds 200 with the caller's access key ID, or 403 with
    SignatureDoesNotMatch, InvalidClientTokenId or a request-expired error.
    """

    def __init__(self, secrets: dict[str, str]) -> None:
        super().__init__()
        self.secrets = secrets  # secret access key by access key ID

    def handle(self, request: ReceivedRequest) -> Response:
        pairs = parse_qsl(urlsplit(request.path).query, keep_blank_values=True)
        query = dict(pairs)
        signature = query.get("X-Amz-Signature")
        credential = query.get("X-Amz-Credential", "")
        scope = credential.split("/")
        if signature is None or len(scope) != 5:
            return sigv4_error(403, "MissingAuthenticationToken", "Request is missing a signature")
        access_key_id, date, region, service, _ = scope
        secret = self.secrets.get(access_key_id)
        if secret is None:
            return sigv4_error(403, "InvalidClientTokenId", "The security token is invalid")
        timestamp = query.get("X-Amz-Date", "")
        try:
            signed_at = datetime.datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.timezone.utc
            )
            expires = int(query.get("X-Amz-Expires", ""))
        except ValueError:
            return sigv4_error(400, "AuthorizationQueryParametersError", "invalid date or expiry")
        now = datetime.datetime.now(datetime.timezone.utc)
        if now > signed_at + datetime.timedelta(seconds=expires):
            return sigv4_error(403, "AccessDenied", "Request has expired")
        if signed_at > now + datetime.timedelta(minutes=15):
            return sigv4_error(403, "SignatureDoesNotMatch", "Signature not yet current")

        unsigned_query = "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
            for k, v in pairs
            if k != "X-Amz-Signature"
        )
        url = f"{self.url}{urlsplit(request.path).path}?{unsigned_query}"
        signed_header_names = query.get("X-Amz-SignedHeaders", "").split(";")
        headers = {
            name: value for name, value in request.headers.items() if name in signed_header_names
        }
        aws_request = AWSRequest(method=request.method, url=url, headers=headers)
        aws_request.context["timestamp"] = timestamp
        auth = SigV4QueryAuth(
            Credentials(access_key_id, secret, query.get("X-Amz-Security-Token")),
            service,
            region,
            expires=expires,
        )
        canonical_request = auth.canonical_request(aws_request)
        string_to_sign = auth.string_to_sign(aws_request, canonical_request)
        expected = auth.signature(string_to_sign, aws_request)
        if expected != signature:
            return sigv4_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        body = (
            "<GetCallerIdentityResponse><GetCallerIdentityResult>"
            f"<AccessKeyId>{access_key_id}</AccessKeyId><Date>{date}</Date>"
            "</GetCallerIdentityResult></GetCallerIdentityResponse>"
        )
        return 200, {"Content-Type": "text/xml"}, body.encode()
