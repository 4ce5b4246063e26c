//! Every module's golden cases (`tests/fixtures/<module>/*.yaml`) run
//! against a temp dir over the local connection: result fields, files
//! left behind, check mode changing nothing, a second run not changing.

mod common;

use common::{cases, Setup};

macro_rules! golden {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                cases::run_all(stringify!($name), &Setup::local());
            }
        )*
    };
}

golden!(
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
);
