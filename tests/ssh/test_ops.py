"""Every core operation over SSH: the operation tests of tests/integration (each converges:
run, re-run with no change, dry run with no change, then checks the end state), run against
test fleet hosts, logged in as root and as the user ``corral`` with sudo (``config.SUDO``,
which makes ``_sudo=True`` every operation's default)."""

from __future__ import annotations

import pytest
from integration import test_ops_apt, test_ops_files, test_ops_server
from integration._helpers import Target

from corral.testing.fleet import Fleet

from .conftest import ROOT_HOST, SUDO_HOST

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["root", "sudo"])
def target(request: pytest.FixtureRequest, fleet: Fleet,
           tmp_path_factory: pytest.TempPathFactory) -> Target:
    directory = tmp_path_factory.mktemp(f"ssh-{request.param}")
    if request.param == "root":
        t = Target.ssh(fleet, ROOT_HOST, directory)
    else:
        t = Target.ssh(fleet, SUDO_HOST, directory, user="corral", SUDO=True)
    t.path(t.base).mkdir(parents=True, exist_ok=True)
    return t


test_file = test_ops_files.test_file
test_file_metadata_of_existing_file = test_ops_files.test_file_metadata_of_existing_file
test_directory = test_ops_files.test_directory
test_link = test_ops_files.test_link
test_line = test_ops_files.test_line
test_replace = test_ops_files.test_replace
test_put = test_ops_files.test_put
test_put_with_times = test_ops_files.test_put_with_times
test_timezone_utc_on_debian_12 = test_ops_server.test_timezone_utc_on_debian_12
test_sysctl_persist_uncomments_the_example_line = (
    test_ops_server.test_sysctl_persist_uncomments_the_example_line)
test_template = test_ops_files.test_template
test_get = test_ops_files.test_get
test_awkward_paths_and_expanded_variables = test_ops_files.test_awkward_paths_and_expanded_variables
test_line_and_replace_with_hostile_text = test_ops_files.test_line_and_replace_with_hostile_text
test_block_and_ini_keep_every_byte_they_do_not_own = (
    test_ops_files.test_block_and_ini_keep_every_byte_they_do_not_own)
test_an_edit_on_a_full_file_system_leaves_the_file_as_it_was = (
    test_ops_files.test_an_edit_on_a_full_file_system_leaves_the_file_as_it_was)

test_shell_runs_every_time = test_ops_server.test_shell_runs_every_time
test_shell_stops_at_the_first_failing_command = (
    test_ops_server.test_shell_stops_at_the_first_failing_command)
test_script = test_ops_server.test_script
test_script_failure_is_reported_and_cleaned_up = (
    test_ops_server.test_script_failure_is_reported_and_cleaned_up)
test_group = test_ops_server.test_group
test_user_lifecycle = test_ops_server.test_user_lifecycle

test_apt_update = test_ops_apt.test_update
test_apt_packages_install_and_remove = test_ops_apt.test_packages_install_and_remove

