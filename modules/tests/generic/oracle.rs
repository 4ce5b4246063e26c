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

for_each_golden_module!(oracle);
