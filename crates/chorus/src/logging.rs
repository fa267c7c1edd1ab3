use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// sqlx logs every slow statement at warn and every statement at info; the latter is noise in production.
const DEFAULT_FILTER: &str = "info,sqlx=warn";

pub fn init(format: LogFormat, filter: Option<&str>) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter.unwrap_or(DEFAULT_FILTER)).map_err(|e| {
        anyhow::anyhow!("--log-level / CHORUS_LOG: {e}; give a filter such as info or info,chorus_web=debug")
    })?;
    // Colours only for a person at a terminal (and not with NO_COLOR): escape codes would litter log files
    // and the journal.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none());
    let result = match format {
        LogFormat::Human => builder.with_target(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
    };
    result.map_err(|e| anyhow::anyhow!("cannot set up logging: {e}"))
}
