//! Every `run` project under tests/fixtures/projects runs under real
//! ansible-playbook and under srplay (tests/compare-with-ansible.sh):
//! exit codes, PLAY RECAP counts and the written files must match.

mod compat_support;

#[test]
fn projects_match_ansible() {
    compat_support::compare_suite("run", 20);
}
