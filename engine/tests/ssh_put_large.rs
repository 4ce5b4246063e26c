//! A 100 MiB file is streamed over ssh, never held in memory. Alone in its
//! own test binary so that the peak-memory figure is this test's.

mod ssh_support;

use srplay_engine::connection::{Connection, FileAttrs, PutSource, SshConnection};
use srplay_testkit::Sshd;
use ssh_support::{rt, target};
use std::io::{Read, Write};
use std::os::unix::fs::MetadataExt;

const MIB: usize = 1024 * 1024;
const SIZE_MIB: usize = 100;

/// Peak resident memory of this process so far (VmHWM), in bytes.
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb * 1024
}

/// Write `SIZE_MIB` MiB of varied bytes, one MiB at a time.
fn write_source(path: &std::path::Path) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut chunk = vec![0u8; MIB];
    for i in 0..SIZE_MIB {
        for (j, b) in chunk.iter_mut().enumerate() {
            *b = (i * 31 + j * 7 + j / 251) as u8;
        }
        f.write_all(&chunk).unwrap();
    }
    f.flush().unwrap();
}

fn same_content(a: &std::path::Path, b: &std::path::Path) -> bool {
    let (mut fa, mut fb) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    let (mut ba, mut bb) = (vec![0u8; MIB], vec![0u8; MIB]);
    loop {
        let na = read_full(&mut fa, &mut ba);
        let nb = read_full(&mut fb, &mut bb);
        if na != nb || ba[..na] != bb[..nb] {
            return false;
        }
        if na == 0 {
            return true;
        }
    }
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]).unwrap() {
            0 => break,
            k => n += k,
        }
    }
    n
}

#[test]
fn a_100_mib_put_streams_in_bounded_memory_and_sets_mode() {
    let sshd = Sshd::start();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("source.bin");
    write_source(&src);
    let dest = dir.path().join("dest.bin");
    std::fs::write(&dest, "old").unwrap();
    let conn = SshConnection::new(target(&sshd, 0)).unwrap();
    let before = peak_rss();
    rt().block_on(async {
        let attrs = FileAttrs {
            mode: Some("0600".into()),
            ..Default::default()
        };
        conn.put(
            PutSource::File(src.clone()),
            dest.to_str().unwrap(),
            &attrs,
            None,
        )
        .await
        .unwrap();
        conn.close().await;
    });
    let grown = peak_rss().saturating_sub(before);
    assert!(
        grown < 32 * MIB,
        "peak memory grew by {} MiB while sending {SIZE_MIB} MiB",
        grown / MIB
    );
    let meta = std::fs::metadata(&dest).unwrap();
    assert_eq!(meta.len() as usize, SIZE_MIB * MIB);
    assert_eq!(meta.mode() & 0o7777, 0o600);
    assert!(same_content(&src, &dest), "content differs");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".srplay-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
