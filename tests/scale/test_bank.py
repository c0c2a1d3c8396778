"""The bank test against one production server, on each database engine."""

import pytest

from ..support.databases import DATABASES, database_url_for
from ..support.production import production_env, production_servers
from .bank import assert_bank_test_passes

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("engine", DATABASES)
def test_nothing_lost_nothing_doubled(engine, request, tmp_path):
    url = database_url_for(engine, request, tmp_path)
    env = production_env(url, tmp_path)
    with production_servers(env, tmp_path) as [server]:
        assert_bank_test_passes([server.base], env)
    assert server.process.returncode == 0, server.tail()
