"""The probes that decide which tests run against another server (tests/support/target.py) find
every one of the suite's settings on the suite's own server. (tests/local/test_dev_vars.py
checks that they find none on `make dev`.)"""

from __future__ import annotations

import os

import pytest

from tests.support.server import RunningServer
from tests.support.settings import TEST_API_KEY
from tests.support.target import SETTINGS, Target


@pytest.mark.skipif(bool(os.environ.get("R2GATE_TEST_URL")), reason="the suite's own server only")
def test_the_probes_find_every_setting_on_the_suites_server(server: RunningServer) -> None:
    probed = Target(server.url, TEST_API_KEY)
    assert {setting: probed.has(setting) for setting in SETTINGS} == dict.fromkeys(SETTINGS, True)
