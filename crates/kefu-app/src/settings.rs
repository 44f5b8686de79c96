//! The settings in force: one rule, used by every command and by the web app.
//!
//! For a store, the settings in force are those saved for it from the web's settings page;
//! without saved settings, the base configuration's (the `--config` file a command or the
//! server was started with, else the spec's defaults). Stored figures carry the fingerprint
//! of the settings they were computed under, and every read first brings them in line
//! ([`bring_in_line`]): whichever process changed the settings or recomputed last, what a
//! reader shows is computed under the settings in force.
//!
//! An ad-hoc reading under other settings (`kefu report --config other.toml`) is computed for
//! the asked days and thrown away ([`read_figures`] with `adhoc`): it never replaces the
//! stored figures that every other reader relies on.

use std::sync::{Arc, Mutex, RwLock};

use kefu_core::settings::{Config, StoreSettings};
use kefu_core::time::Day;
use kefu_store::{Db, Result};

/// The settings in force of every store: the saved settings over `base`.
pub fn in_force(db: &Db, base: &Config) -> Result<Config> {
    db.with_saved_settings(base)
}

/// Recomputes the stores (the named one, or all) whose stored figures were computed under
/// other settings than those in force. Returns the settings in force and the stores
/// recomputed.
pub fn bring_in_line(
    db: &mut Db,
    base: &Config,
    store: Option<&str>,
) -> Result<(Config, Vec<String>)> {
    let config = in_force(db, base)?;
    let recomputed = db.sync_settings(&config, store)?;
    Ok((config, recomputed))
}

/// Runs `read` over the figures of `[from, to]`: under the settings in force (the stored
/// figures, brought in line first), or, with `adhoc`, under those settings instead —
/// computed for the range and not kept when they differ from what is stored.
pub fn read_figures<R>(
    db: &mut Db,
    base: &Config,
    adhoc: Option<&Config>,
    store: Option<&str>,
    range: (Day, Day),
    read: impl FnOnce(&Db) -> R,
) -> Result<R> {
    let Some(adhoc) = adhoc else {
        bring_in_line(db, base, store)?;
        return Ok(read(db));
    };
    let stored_as_asked = db
        .stored_fingerprints()?
        .iter()
        .filter(|(s, _)| store.is_none_or(|name| s.name == name))
        .all(|(s, fp)| fp.as_deref() == Some(adhoc.store(&s.name).metrics.fingerprint().as_str()));
    if stored_as_asked {
        return Ok(read(db));
    }
    db.with_adhoc_figures(adhoc, store, range, read)
}

/// The settings in force for a long-running server: cheap to clone (every clone sees the
/// same state), checked against the database on every request ([`LiveConfig::refresh`]) so
/// that settings saved or figures recomputed by another process are seen on the next one.
#[derive(Clone)]
pub struct LiveConfig {
    base: Arc<Config>,
    current: Arc<RwLock<Arc<Config>>>,
    /// The database's settings state when `current` was last brought in line; the mutex
    /// also keeps two requests from recomputing the same store at once.
    seen: Arc<Mutex<Option<SettingsState>>>,
}

type SettingsState = Vec<kefu_store::StoreSettingsState>;

impl LiveConfig {
    /// The base alone, until the first [`LiveConfig::refresh`] or [`LiveConfig::reload`].
    pub fn new(base: Config) -> LiveConfig {
        let base = Arc::new(base);
        LiveConfig {
            current: Arc::new(RwLock::new(base.clone())),
            base,
            seen: Arc::new(Mutex::new(None)),
        }
    }

    /// The configuration the server was started with.
    pub fn base(&self) -> &Config {
        &self.base
    }

    /// The whole configuration in force, as of the last refresh.
    pub fn current(&self) -> Arc<Config> {
        // A poisoned lock still holds a whole configuration: it is only ever replaced.
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The settings in force for one store.
    pub fn store(&self, name: &str) -> StoreSettings {
        self.current().store(name).clone()
    }

    /// Reads the saved settings again (after this process saved some).
    pub fn reload(&self, db: &Db) -> Result<()> {
        self.replace(Arc::new(in_force(db, &self.base)?));
        Ok(())
    }

    /// Brings the settings and the stored figures in line with the database: one small
    /// query when nothing changed since the last call; otherwise the saved settings are read
    /// again and stores computed under other settings are recomputed before the caller
    /// reads. Returns the configuration in force.
    pub fn refresh(&self, db: &mut Db) -> Result<Arc<Config>> {
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let state = db.settings_state()?;
        if seen.as_ref() == Some(&state) {
            return Ok(self.current());
        }
        let (config, recomputed) = bring_in_line(db, &self.base, None)?;
        let config = Arc::new(config);
        self.replace(config.clone());
        *seen = Some(if recomputed.is_empty() {
            state
        } else {
            db.settings_state()?
        });
        Ok(config)
    }

    fn replace(&self, fresh: Arc<Config>) {
        match self.current.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }
}
