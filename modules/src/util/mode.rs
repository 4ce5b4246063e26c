//! File modes as Ansible takes them: octal (`0644`, `644`, `"u+x"`…) or
//! symbolic (`u=rw,g=r,o=`, `a+X`), applied to a current mode.

/// The umask assumed for symbolic clauses without a `who` (`+x`); Ansible
/// reads the target process's umask, which is this on nearly every host.
pub const DEFAULT_UMASK: u32 = 0o022;

/// `mode` as given turned into permission bits, relative to `current` (the
/// file's present mode, or the mode it is about to be created with).
pub fn resolve(spec: &str, current: u32, is_dir: bool) -> Result<u32, String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("mode must not be empty".into());
    }
    if spec.bytes().all(|b| b.is_ascii_digit()) {
        let m = u32::from_str_radix(spec, 8)
            .map_err(|_| format!("mode must be in octal or symbolic form: {spec}"))?;
        if m > 0o7777 {
            return Err(format!(
                "Invalid mode supplied, only permission info is allowed: {spec}"
            ));
        }
        return Ok(m);
    }
    symbolic(spec, current & 0o7777, is_dir, DEFAULT_UMASK)
        .map_err(|e| format!("mode must be in octal or symbolic form ({e})"))
}

fn symbolic(spec: &str, mut mode: u32, is_dir: bool, umask: u32) -> Result<u32, String> {
    for clause in spec.split(',') {
        let ops_at = clause
            .find(['+', '-', '='])
            .ok_or_else(|| format!("bad symbolic permission for mode: {clause}"))?;
        let (who, mut rest) = clause.split_at(ops_at);
        if !who.chars().all(|c| "ugoa".contains(c)) {
            return Err(format!("bad symbolic permission for mode: {clause}"));
        }
        let use_umask = who.is_empty();
        let users: Vec<char> = if who.is_empty() || who.contains('a') {
            vec!['u', 'g', 'o']
        } else {
            who.chars().collect()
        };
        while let Some(op) = rest.chars().next() {
            rest = &rest[1..];
            let end = rest.find(['+', '-', '=']).unwrap_or(rest.len());
            let perms = &rest[..end];
            rest = &rest[end..];
            if !perms.chars().all(|c| "rwxXstugo".contains(c)) {
                return Err(format!("bad symbolic permission for mode: {clause}"));
            }
            for &u in &users {
                let bits = perm_bits(u, perms, mode, is_dir, use_umask, umask);
                mode = apply(u, op, bits, mode);
            }
        }
    }
    Ok(mode)
}

fn perm_bits(user: char, perms: &str, prev: u32, is_dir: bool, use_umask: bool, umask: u32) -> u32 {
    let shift = match user {
        'u' => 6,
        'g' => 3,
        _ => 0,
    };
    let keep = if use_umask { !umask } else { 0o7777 };
    let mut bits = 0;
    for p in perms.chars() {
        bits |= match p {
            'r' => (0o4 << shift) & keep,
            'w' => (0o2 << shift) & keep,
            'x' => (0o1 << shift) & keep,
            'X' if is_dir || prev & 0o111 != 0 => 0o1 << shift,
            's' if user == 'u' => 0o4000,
            's' if user == 'g' => 0o2000,
            't' if user == 'o' => 0o1000,
            'u' => ((prev >> 6) & 0o7) << shift,
            'g' => ((prev >> 3) & 0o7) << shift,
            'o' => (prev & 0o7) << shift,
            _ => 0,
        };
    }
    bits
}

fn apply(user: char, op: char, bits: u32, mode: u32) -> u32 {
    match op {
        '=' => {
            let mask = match user {
                'u' => 0o4700,
                'g' => 0o2070,
                _ => 0o1007,
            };
            (mode & !mask) | bits
        }
        '+' => mode | bits,
        _ => mode & !bits,
    }
}

/// The mode a new file or directory gets from `umask`.
pub fn default_mode(is_dir: bool) -> u32 {
    if is_dir {
        0o777 & !DEFAULT_UMASK
    } else {
        0o666 & !DEFAULT_UMASK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_table() {
        // (spec, current, is_dir, expected)
        let cases: &[(&str, u32, bool, u32)] = &[
            ("0644", 0o600, false, 0o644),
            ("644", 0o600, false, 0o644),
            ("0755", 0o644, true, 0o755),
            ("01777", 0o755, true, 0o1777),
            ("u=rw,g=r,o=r", 0o777, false, 0o644),
            ("u+x", 0o644, false, 0o744),
            ("a-w", 0o666, false, 0o444),
            ("go-rwx", 0o755, false, 0o700),
            ("u=rwX,g=rX,o=", 0o600, true, 0o750),
            ("u=rwX,g=rX,o=", 0o600, false, 0o640),
            ("a+X", 0o744, false, 0o755),
            ("+x", 0o644, false, 0o755),
            ("u+s", 0o755, false, 0o4755),
            ("o+t", 0o777, true, 0o1777),
            ("g=u", 0o700, false, 0o770),
            ("u=rw-x", 0o777, false, 0o677),
        ];
        for &(spec, cur, dir, want) in cases {
            assert_eq!(
                resolve(spec, cur, dir),
                Ok(want),
                "{spec} on {cur:o} (dir={dir})"
            );
        }
    }

    #[test]
    fn errors_table() {
        for spec in ["", "u=rwq", "z+x", "99999", "rw"] {
            assert!(resolve(spec, 0o644, false).is_err(), "{spec}");
        }
    }
}
