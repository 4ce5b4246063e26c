//! Ansible's `now(utc=False, fmt=None)` global: the current time, as a
//! string when `fmt` is given (Python `strftime`), else as a datetime
//! that prints like Python's `str(datetime)` and has `year`, `month`…,
//! `strftime()`, `isoformat()` and `timestamp()`.

use chrono::{DateTime, Datelike, Local, NaiveDateTime, Timelike, Utc};
use minijinja::value::{from_args, Kwargs, Object, ObjectRepr, Value};
use minijinja::{Environment, Error, ErrorKind, State};
use std::fmt;
use std::sync::Arc;

pub fn register(env: &mut Environment<'_>) {
    env.add_function("now", now);
}

fn now(utc: Option<bool>, fmt: Option<String>, kwargs: Kwargs) -> Result<Value, Error> {
    let utc = match utc {
        Some(u) => u,
        None => kwargs.get::<Option<bool>>("utc")?.unwrap_or(false),
    };
    let fmt = match fmt {
        Some(f) => Some(f),
        None => kwargs.get::<Option<String>>("fmt")?,
    };
    kwargs.assert_all_used()?;
    let at = if utc {
        Utc::now().naive_utc()
    } else {
        Local::now().naive_local()
    };
    Ok(match fmt {
        Some(f) => Value::from(strftime(&at, &f)),
        None => Value::from_object(PyDateTime(at)),
    })
}

/// Python's `strftime` on chrono: `%f` is microseconds (6 digits) in
/// Python but nanoseconds in chrono.
pub fn strftime(at: &NaiveDateTime, fmt: &str) -> String {
    let fmt = fmt.replace("%f", "%6f");
    let local: Option<DateTime<Local>> = at.and_local_timezone(Local).single();
    match (fmt.contains("%s"), local) {
        // `%s` needs a zone to count seconds since the epoch.
        (true, Some(l)) => l.format(&fmt).to_string(),
        _ => at.format(&fmt).to_string(),
    }
}

/// A naive datetime, as Python's `datetime.datetime.now()` returns.
#[derive(Debug)]
pub struct PyDateTime(pub NaiveDateTime);

impl Object for PyDateTime {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let d = &self.0;
        Some(Value::from(match key.as_str()? {
            "year" => d.year() as i64,
            "month" => d.month() as i64,
            "day" => d.day() as i64,
            "hour" => d.hour() as i64,
            "minute" => d.minute() as i64,
            "second" => d.second() as i64,
            "microsecond" => (d.nanosecond() / 1000) as i64,
            _ => return None,
        }))
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &mut State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "strftime" => {
                let (f,): (String,) = from_args(args)?;
                Ok(Value::from(strftime(&self.0, &f)))
            }
            "isoformat" => Ok(Value::from(self.isoformat('T'))),
            "timestamp" => {
                let local = self.0.and_local_timezone(Local).single();
                let secs = local.map_or(self.0.and_utc().timestamp_micros(), |l| {
                    l.timestamp_micros()
                });
                Ok(Value::from(secs as f64 / 1e6))
            }
            _ => Err(Error::new(
                ErrorKind::UnknownMethod,
                format!("datetime has no method named {method}"),
            )),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.isoformat(' '))
    }
}

impl PyDateTime {
    /// Python's `isoformat(sep)`: microseconds only when non-zero.
    fn isoformat(&self, sep: char) -> String {
        let base = self.0.format(&format!("%Y-%m-%d{sep}%H:%M:%S")).to_string();
        match self.0.nanosecond() / 1000 {
            0 => base,
            us => format!("{base}.{us:06}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2024, 3, 5)
            .and_then(|d| d.and_hms_micro_opt(7, 8, 9, 12))
            .expect("valid date")
    }

    #[test]
    fn strftime_table() {
        let cases = [
            ("%Y-%m-%d %H:%M:%S", "2024-03-05 07:08:09"),
            ("%f", "000012"),
            ("%H%%", "07%"),
        ];
        for (f, want) in cases {
            assert_eq!(strftime(&at(), f), want, "{f}");
        }
    }

    #[test]
    fn datetime_object_table() {
        let mut env = Environment::new();
        env.add_global("d", Value::from_object(PyDateTime(at())));
        register(&mut env);
        let cases = [
            ("{{ d }}", "2024-03-05 07:08:09.000012"),
            ("{{ d.year }}-{{ d.month }}", "2024-3"),
            ("{{ d.strftime('%d/%m') }}", "05/03"),
            ("{{ d.isoformat() }}", "2024-03-05T07:08:09.000012"),
            ("{{ now(fmt='%Y') | int > 2000 }}", "True"),
            ("{{ now(true).year > 2000 }}", "True"),
        ];
        for (src, want) in cases {
            assert_eq!(env.render_str(src, ()).unwrap(), want, "{src}");
        }
    }
}
