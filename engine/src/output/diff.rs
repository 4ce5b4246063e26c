//! Unified diffs for `--diff`.

/// A unified diff of two texts with 3 lines of context.
pub fn unified_diff(before: &str, after: &str, before_header: &str, after_header: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let ops = line_ops(&a, &b);
    if ops.iter().all(|o| matches!(o, Op::Same(_))) {
        return String::new();
    }
    let mut out = format!("--- {before_header}\n+++ {after_header}\n");
    let ctx = 3usize;
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, o)| !matches!(o, Op::Same(_)))
        .map(|(i, _)| i)
        .collect();
    let mut i = 0;
    while i < changed.len() {
        let start = changed[i].saturating_sub(ctx);
        let mut end = changed[i];
        while i < changed.len() && changed[i] <= end + 2 * ctx {
            end = changed[i];
            i += 1;
        }
        let end = (end + ctx + 1).min(ops.len());
        let hunk = &ops[start..end];
        let (a0, b0) = hunk_start(&ops[..start]);
        let alen = hunk.iter().filter(|o| !matches!(o, Op::Add(_))).count();
        let blen = hunk.iter().filter(|o| !matches!(o, Op::Del(_))).count();
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            a0 + usize::from(alen > 0),
            alen,
            b0 + usize::from(blen > 0),
            blen
        ));
        for o in hunk {
            match o {
                Op::Same(l) => out.push_str(&format!(" {}\n", a[*l])),
                Op::Del(l) => out.push_str(&format!("-{}\n", a[*l])),
                Op::Add(l) => out.push_str(&format!("+{}\n", b[*l])),
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Same(usize),
    Del(usize),
    Add(usize),
}

fn hunk_start(before: &[Op]) -> (usize, usize) {
    let a = before.iter().filter(|o| !matches!(o, Op::Add(_))).count();
    let b = before.iter().filter(|o| !matches!(o, Op::Del(_))).count();
    (a, b)
}

/// LCS line diff; big inputs fall back to delete-all/add-all.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    if a.len() * b.len() > 4_000_000 {
        return a
            .iter()
            .enumerate()
            .map(|(i, _)| Op::Del(i))
            .chain(b.iter().enumerate().map(|(j, _)| Op::Add(j)))
            .collect();
    }
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same(i));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            ops.push(Op::Add(j));
            j += 1;
        } else {
            ops.push(Op::Del(i));
            i += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    #[test]
    fn diff_table() {
        let d = super::unified_diff("a\nb\nc\n", "a\nB\nc\n", "before", "after");
        assert_eq!(
            d,
            "--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
        );
        assert_eq!(super::unified_diff("x\n", "x\n", "b", "a"), "");
        let d = super::unified_diff("", "new\n", "before", "after");
        assert_eq!(d, "--- before\n+++ after\n@@ -0,0 +1,1 @@\n+new\n");
    }
}
