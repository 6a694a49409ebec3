//! The command line: `switchboard-bench <scenario> [--key value | --flag]...`.
//! Each scenario reads the keys it knows; a key nobody read is an error,
//! so a typo never runs the full-size default by accident.

use std::collections::BTreeMap;
use std::str::FromStr;

use anyhow::{bail, Context};

/// Parsed options.
#[derive(Debug, Default)]
pub struct Args {
    values: BTreeMap<String, Vec<String>>,
    flags: Vec<String>,
    read: std::cell::RefCell<Vec<String>>,
}

impl Args {
    /// Parses `--key value` pairs and bare `--flag`s (a flag is a key
    /// followed by another `--key` or by nothing).
    pub fn parse(args: &[String]) -> anyhow::Result<Self> {
        let mut out = Self::default();
        let mut i = 0;
        while i < args.len() {
            let Some(key) = args[i].strip_prefix("--") else { bail!("unexpected argument {:?}", args[i]) };
            match args.get(i + 1).filter(|v| !v.starts_with("--")) {
                Some(v) => {
                    out.values.entry(key.to_string()).or_default().push(v.clone());
                    i += 2;
                }
                None => {
                    out.flags.push(key.to_string());
                    i += 1;
                }
            }
        }
        Ok(out)
    }

    /// The value of `--key`, parsed, or `default`.
    pub fn get<T: FromStr>(&self, key: &str, default: T) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        self.read.borrow_mut().push(key.to_string());
        match self.values.get(key).and_then(|v| v.last()) {
            Some(v) => v.parse().map_err(|e| anyhow::anyhow!("--{key} {v}: {e}")),
            None => Ok(default),
        }
    }

    /// The value of `--key`, if given.
    pub fn opt<T: FromStr>(&self, key: &str) -> anyhow::Result<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        self.read.borrow_mut().push(key.to_string());
        self.values
            .get(key)
            .and_then(|v| v.last())
            .map(|v| v.parse().map_err(|e| anyhow::anyhow!("--{key} {v}: {e}")))
            .transpose()
    }

    /// Every value of a repeatable `--key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.read.borrow_mut().push(key.to_string());
        self.values.get(key).cloned().unwrap_or_default()
    }

    /// Whether `--flag` was given.
    pub fn flag(&self, key: &str) -> bool {
        self.read.borrow_mut().push(key.to_string());
        self.flags.iter().any(|f| f == key)
    }

    /// Fails on any option no scenario asked about.
    pub fn finish(&self) -> anyhow::Result<()> {
        let read = self.read.borrow();
        let unknown: Vec<&String> =
            self.values.keys().chain(self.flags.iter()).filter(|k| !read.contains(k)).collect();
        if !unknown.is_empty() {
            bail!("unknown options {unknown:?}; read: {read:?}");
        }
        Ok(())
    }

    /// `KEY=VALUE` pairs of a repeatable option.
    pub fn pairs(&self, key: &str) -> anyhow::Result<Vec<(String, String)>> {
        self.all(key)
            .into_iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .with_context(|| format!("--{key} wants KEY=VALUE, got {kv:?}"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Args {
        Args::parse(&s.split_whitespace().map(String::from).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn values_flags_and_typos() {
        let a = args("--rate 5000 --no-baseline --secs 2.5");
        assert_eq!(a.get("rate", 1.0).unwrap(), 5000.0);
        assert_eq!(a.get("secs", 60.0).unwrap(), 2.5);
        assert!(a.flag("no-baseline"));
        assert_eq!(a.get("tenants", 1000usize).unwrap(), 1000);
        assert!(a.finish().is_ok());
        let b = args("--tenats 3");
        let _ = b.get("tenants", 1000usize);
        assert!(b.finish().is_err());
    }
}
