//! `random` and `shuffle` as Ansible runs them: with `seed=`, Python's
//! `random.Random(seed)` (Mersenne Twister, string seeds hashed with
//! SHA-512 as Python 3 does), so `59 | random(seed=inventory_hostname)`
//! picks the same minute as Ansible; without a seed, the OS's randomness.

use super::util::{filter_error, kwarg, python_str};
use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error};
use sha2::{Digest, Sha512};

pub fn register(env: &mut Environment<'_>) {
    env.add_filter("random", random);
    env.add_filter("shuffle", shuffle);
}

/// `end | random(start=0, step=1, seed=None)` or `list | random`.
fn random(
    end: Value,
    start: Option<i64>,
    step: Option<i64>,
    kwargs: Kwargs,
) -> Result<Value, Error> {
    let start = match start {
        Some(s) => Some(s),
        None => kwargs.get::<Option<i64>>("start")?,
    };
    let step = match step {
        Some(s) => Some(s),
        None => kwargs.get::<Option<i64>>("step")?,
    };
    let mut rng = rng_for(&kwargs)?;
    kwargs.assert_all_used()?;
    if end.is_integer() {
        let end = end
            .as_i64()
            .ok_or_else(|| filter_error("random: end is too large"))?;
        let start = start.filter(|s| *s != 0).unwrap_or(0);
        let step = step.filter(|s| *s != 0).unwrap_or(1);
        return rng.randrange(start, end, step).map(Value::from);
    }
    if matches!(
        end.kind(),
        ValueKind::Seq | ValueKind::String | ValueKind::Map | ValueKind::Iterable
    ) {
        if start.is_some_and(|s| s != 0) || step.is_some_and(|s| s != 0) {
            return Err(filter_error(
                "start and step can only be used with integer values",
            ));
        }
        let items: Vec<Value> = match end.as_str() {
            Some(s) => s.chars().map(Value::from).collect(),
            None => end.try_iter()?.collect(),
        };
        if items.is_empty() {
            return Err(filter_error("Cannot choose from an empty sequence"));
        }
        let i = rng.below(items.len() as u64) as usize;
        return Ok(items[i].clone());
    }
    Err(filter_error(
        "random can only be used on sequences and integers",
    ))
}

/// `list | shuffle(seed=None)`.
fn shuffle(value: Value, kwargs: Kwargs) -> Result<Value, Error> {
    let mut rng = rng_for(&kwargs)?;
    kwargs.assert_all_used()?;
    let mut items: Vec<Value> = value.try_iter()?.collect();
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
    Ok(Value::from(items))
}

fn rng_for(kwargs: &Kwargs) -> Result<PyRandom, Error> {
    let seed = kwarg(kwargs, "seed", Value::from(()))?;
    if seed.is_none() || seed.is_undefined() {
        return PyRandom::from_os();
    }
    Ok(if seed.is_integer() {
        PyRandom::from_int(seed.as_i64().unwrap_or(0).unsigned_abs() as u128)
    } else {
        PyRandom::from_str(&python_str(&seed))
    })
}

/// Python's `random.Random`: MT19937 seeded by `init_by_array`.
pub struct PyRandom {
    mt: [u32; 624],
    index: usize,
}

impl PyRandom {
    /// `Random(int)`: the absolute value's 32-bit words, least significant first.
    pub fn from_int(seed: u128) -> Self {
        let mut key = Vec::new();
        let mut n = seed;
        while n > 0 {
            key.push(n as u32);
            n >>= 32;
        }
        if key.is_empty() {
            key.push(0);
        }
        Self::from_key(&key)
    }

    /// `Random(str)`: the text plus its SHA-512, read as one big-endian integer.
    pub fn from_str(seed: &str) -> Self {
        let mut bytes = seed.as_bytes().to_vec();
        bytes.extend_from_slice(&Sha512::digest(seed.as_bytes()));
        // The integer's 32-bit words from least significant: big-endian
        // bytes read from the end, four at a time.
        let mut key = Vec::new();
        for chunk in bytes.rchunks(4) {
            let mut word = 0u32;
            for &b in chunk {
                word = (word << 8) | b as u32;
            }
            key.push(word);
        }
        while key.len() > 1 && key.last() == Some(&0) {
            key.pop();
        }
        Self::from_key(&key)
    }

    fn from_os() -> Result<Self, Error> {
        use std::io::Read;
        let mut buf = [0u8; 16];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut buf))
            .map_err(|e| filter_error(format!("random: cannot read /dev/urandom: {e}")))?;
        Ok(Self::from_int(u128::from_le_bytes(buf)))
    }

    fn from_key(key: &[u32]) -> Self {
        let mut r = PyRandom {
            mt: [0; 624],
            index: 624,
        };
        r.init_genrand(19_650_218);
        let n = 624;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..n.max(key.len()) {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= n {
                r.mt[0] = r.mt[n - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..n - 1 {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= n {
                r.mt[0] = r.mt[n - 1];
                i = 1;
            }
        }
        r.mt[0] = 0x8000_0000;
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..624 {
            let prev = self.mt[i - 1] ^ (self.mt[i - 1] >> 30);
            self.mt[i] = 1_812_433_253u32.wrapping_mul(prev).wrapping_add(i as u32);
        }
        self.index = 624;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            self.twist();
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        for i in 0..624 {
            let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % 624] & 0x7fff_ffff);
            let mut next = self.mt[(i + 397) % 624] ^ (y >> 1);
            if y & 1 != 0 {
                next ^= 0x9908_b0df;
            }
            self.mt[i] = next;
        }
        self.index = 0;
    }

    /// `getrandbits(k)`: words filled from least significant.
    fn getrandbits(&mut self, k: u32) -> u64 {
        match k {
            0 => 0,
            1..=32 => (self.next_u32() >> (32 - k)) as u64,
            _ => {
                let low = self.next_u32() as u64;
                let high = (self.next_u32() >> (64 - k.min(64))) as u64;
                low | (high << 32)
            }
        }
    }

    /// `_randbelow(n)` by rejection sampling, as Python 3.11 does.
    pub fn below(&mut self, n: u64) -> u64 {
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `randrange(start, stop, step)`.
    pub fn randrange(&mut self, start: i64, stop: i64, step: i64) -> Result<i64, Error> {
        let width = stop - start;
        let n = if step == 1 {
            width
        } else if step > 0 {
            (width + step - 1) / step
        } else {
            (width + step + 1) / step
        };
        if n <= 0 {
            return Err(filter_error(format!(
                "empty range in randrange({start}, {stop}, {step})"
            )));
        }
        Ok(start + step * self.below(n as u64) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_random() {
        // random.Random(42).getrandbits(32) and .randrange(100), Python 3.11.
        let mut r = PyRandom::from_int(42);
        assert_eq!(r.next_u32(), 2_746_317_213);
        let mut r = PyRandom::from_int(42);
        assert_eq!(r.randrange(0, 100, 1).unwrap(), 81);
        let mut r = PyRandom::from_int(0);
        assert_eq!(r.next_u32(), 3_626_764_237);
        // Random('fe1'): randrange(60), randrange(0, 100, 7), choice(5 items).
        let mut r = PyRandom::from_str("fe1");
        assert_eq!(r.randrange(0, 60, 1).unwrap(), 10);
        assert_eq!(r.randrange(0, 100, 7).unwrap(), 98);
        assert_eq!(r.below(5), 4);
    }

    #[test]
    fn shuffle_matches_python() {
        // random.Random('fe1').shuffle(list(range(10)))
        let env_items: Vec<Value> = (0..10).map(Value::from).collect();
        let kwargs = Kwargs::from_iter([("seed", Value::from("fe1"))]);
        let got = shuffle(Value::from(env_items), kwargs).unwrap();
        let want: Vec<Value> = [9, 5, 6, 4, 1, 7, 0, 3, 8, 2]
            .into_iter()
            .map(Value::from)
            .collect();
        assert_eq!(got, Value::from(want));
    }

    #[test]
    fn empty_range_fails() {
        let mut r = PyRandom::from_int(1);
        assert!(r.randrange(5, 5, 1).is_err());
    }
}
