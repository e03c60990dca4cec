"""Fixtures for the end-to-end tests: two moto servers, the IAM setup, a
temporary HOME per test, and temporary credentials for the fakes to serve.
"""

from __future__ import annotations

import os

import pytest

from harness import (
    CONTAINER_SESSION,
    IMDS_SESSION,
    INITIAL_NO_AUTH_ACTION_COUNT,
    SSO_SESSION,
    AwsHome,
    MotoServer,
    UserKey,
    assume_with_boto,
    make_aws_home,
    run_setup,
)


def pytest_configure(config: pytest.Config) -> None:
    # The test process calls boto3 only with explicit credentials and
    # endpoints. Inherited AWS settings are dropped as well, so that no call
    # can reach a real AWS endpoint or use a profile of the machine.
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    os.environ["no_proxy"] = "127.0.0.1,localhost"


@pytest.fixture(scope="session")
def moto(tmp_path_factory: pytest.TempPathFactory) -> MotoServer:
    """moto with signature checking on after the setup requests."""
    server = MotoServer(tmp_path_factory.mktemp("moto"), INITIAL_NO_AUTH_ACTION_COUNT)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def user(moto: MotoServer) -> UserKey:
    """The IAM user's access key, after the whole IAM setup on `moto`."""
    return run_setup(moto)


@pytest.fixture(scope="session")
def moto_no_auth(tmp_path_factory: pytest.TempPathFactory) -> MotoServer:
    """moto with signature checking off, for GetSessionToken: moto answers
    it with fixed example credentials that its own checks reject."""
    server = MotoServer(tmp_path_factory.mktemp("moto-no-auth"), None)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def aws_home(tmp_path) -> AwsHome:
    return make_aws_home(tmp_path / "home")


@pytest.fixture
def recording(moto: MotoServer, user: UserKey) -> MotoServer:
    """`moto` after the IAM setup, with a fresh recording started."""
    moto.recording_start()
    return moto


@pytest.fixture
def no_auth_window(moto: MotoServer, user: UserKey):
    """Turn signature checking back on for every request after the test,
    whether or not the test used the window that `reset_auth` opened."""
    yield moto
    moto.reset_auth(0)


@pytest.fixture(scope="session")
def imds_credentials(moto: MotoServer, user: UserKey) -> dict[str, str]:
    return assume_with_boto(moto, user, "rc-source", IMDS_SESSION)


@pytest.fixture(scope="session")
def container_credentials(moto: MotoServer, user: UserKey) -> dict[str, str]:
    return assume_with_boto(moto, user, "rc-source", CONTAINER_SESSION)


@pytest.fixture(scope="session")
def sso_credentials(moto: MotoServer, user: UserKey) -> dict[str, str]:
    return assume_with_boto(moto, user, "rc-source", SSO_SESSION)
