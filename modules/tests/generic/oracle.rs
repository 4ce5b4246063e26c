//! Differential test against ansible-core 2.19.14: the golden cases of
//! each module run by `ansible-playbook -c local` and by srplay must
//! agree (see `common/oracle.rs`; differences left are documented in
//! `docs/modules/differences.md`).

use crate::common;

macro_rules! oracle {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                common::oracle::compare_module(stringify!($name));
            }
        )*
    };
}

oracle!(
    command,
    shell,
    raw,
    copy,
    file,
    stat,
    lineinfile,
    template,
    blockinfile,
    replace,
    slurp,
    fetch,
    find,
    script,
    unarchive,
    wait_for,
    service,
    systemd,
    user,
    group,
);
