//! The command line. Values that need checking are taken as text here and checked in `settings`, so every
//! error names both the flag and its environment variable.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "chorus",
    version,
    about = "Chorus: self-hosted social media management for agencies and teams.",
    long_about = "Chorus: self-hosted social media management for agencies and teams.\n\nRun `chorus serve` and open the address it prints. Data lives in ./chorus-data (SQLite) unless CHORUS_DATABASE_URL points at PostgreSQL.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format: `human` (default) or `json` (one JSON object per line, for log collectors).
    #[arg(long, global = true, env = "CHORUS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// What to log, as a tracing filter such as `info` or `info,chorus_web=debug` (default: info).
    #[arg(long, global = true, env = "CHORUS_LOG")]
    pub log_level: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and the background worker (migrates the database first).
    Serve(ServeArgs),
    /// Bring the database schema up to date, then exit.
    Migrate(DatabaseArgs),
    /// Administration commands.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a person who can sign in. On a new installation this also creates the organization, with the
    /// person as its first owner.
    CreateUser(CreateUserArgs),
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Folder for the SQLite database and the secret key file; created if missing.
    #[arg(long, env = "CHORUS_DATA_DIR", default_value = "chorus-data")]
    pub data_dir: String,
    /// Use this database instead of `<data-dir>/chorus.db`: `postgres://user:password@host:5432/chorus` or
    /// `sqlite://path/to/file.db`.
    #[arg(long, env = "CHORUS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address and port to listen on.
    #[arg(long, env = "CHORUS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The address people use to reach Chorus, e.g. `https://chorus.example.com`. Links in invitations use
    /// it, and an https address makes cookies Secure.
    #[arg(long, env = "CHORUS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Believe `X-Forwarded-For` for client addresses (only behind a reverse proxy you run).
    #[arg(long, env = "CHORUS_TRUST_PROXY_HEADERS")]
    pub trust_proxy_headers: bool,
    /// DANGEROUS: let feeds and media URLs be fetched from private, loopback and other internal addresses
    /// (anyone who may add a feed can then make the server request internal services). For closed test setups.
    #[arg(long, env = "CHORUS_FETCH_ALLOW_PRIVATE")]
    pub fetch_allow_private: bool,
    /// Background jobs run at the same time; 0 runs no worker in this process.
    #[arg(long, env = "CHORUS_WORKER_CONCURRENCY", default_value = "4")]
    pub worker_concurrency: String,
    /// Seconds to let running requests and jobs finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "CHORUS_SHUTDOWN_GRACE", default_value = "30")]
    pub shutdown_grace: String,
    /// Where uploaded media is kept: a folder (default: `<data-dir>/media`) or `s3://bucket/prefix` for S3 or an
    /// S3-compatible service, with credentials from the usual AWS_* variables.
    #[arg(long, env = "CHORUS_MEDIA_STORE")]
    pub media_store: Option<String>,
    /// The address of an S3-compatible service to use instead of Amazon S3, e.g. `https://minio.example.com`.
    #[arg(long, env = "CHORUS_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Their e-mail address; they sign in with it.
    #[arg(long)]
    pub email: String,
    /// Their name as shown to others.
    #[arg(long)]
    pub name: String,
    /// owner, admin, manager, editor or analyst. Client users are invited from the People page.
    #[arg(long, default_value = "owner")]
    pub role: String,
    /// The organization's name, when this creates it (a new installation).
    #[arg(long, default_value = "My agency")]
    pub organization: String,
    /// Read the password from the first line of standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Prints a usage error as one line (help and version print in full) and picks the exit code.
pub fn report_usage_error(error: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        // `chorus` or `chorus admin` alone: the help is the most useful answer, but the command did nothing,
        // which a script must be able to tell.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitCode::from(2)
        }
        _ => {
            eprintln!("chorus: error: {} (see `chorus --help`)", usage_error_line(&error));
            ExitCode::from(2)
        }
    }
}

/// clap's message on one line: the error, what it lists (missing arguments, possible values) and its tip,
/// without the usage block; a value that came from the flag's environment variable names that too.
fn usage_error_line(error: &clap::Error) -> String {
    let text = error.render().to_string();
    let mut line = String::new();
    // Inside a list such as "the following required arguments were not provided:", one item per line.
    let mut listing = false;
    for part in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if part.starts_with("Usage:") || part.starts_with("For more information") {
            break;
        }
        if line.is_empty() {
            let part = part.strip_prefix("error: ").unwrap_or(part);
            line.push_str(part);
            listing = part.ends_with(':');
        } else if part.starts_with("tip:") {
            line.push_str("; ");
            line.push_str(part);
            listing = false;
        } else {
            if listing && !line.ends_with(':') {
                line.push(',');
            }
            line.push(' ');
            line.push_str(part);
        }
    }
    if line.is_empty() {
        line.push_str("invalid arguments");
    }
    if let Some((flag, variable)) = variable_of_invalid_value(error) {
        line.push_str(&format!(" (set with --{flag} or {variable})"));
    }
    line
}

/// The flag whose value clap refused and its environment variable, if it has one: the value may have come
/// from either.
fn variable_of_invalid_value(error: &clap::Error) -> Option<(String, String)> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(error.kind(), ErrorKind::InvalidValue | ErrorKind::ValueValidation) {
        return None;
    }
    // A flag given without a value is refused too, with an empty value; that one came from the command line.
    if !matches!(error.get(ContextKind::InvalidValue), Some(ContextValue::String(value)) if !value.is_empty()) {
        return None;
    }
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else { return None };
    // "--log-format <LOG_FORMAT>" → "log-format"
    let long = arg.split_whitespace().next()?.strip_prefix("--")?;
    fn find(command: &clap::Command, long: &str) -> Option<String> {
        command
            .get_arguments()
            .find(|a| a.get_long() == Some(long))
            .and_then(|a| a.get_env())
            .map(|env| env.to_string_lossy().into_owned())
            .or_else(|| command.get_subcommands().find_map(|sub| find(sub, long)))
    }
    find(&<Cli as clap::CommandFactory>::command(), long).map(|variable| (long.to_string(), variable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_for(args: &[&str]) -> String {
        match Cli::try_parse_from(std::iter::once("chorus").chain(args.iter().copied())) {
            Ok(_) => panic!("{args:?} should not parse"),
            Err(e) => usage_error_line(&e),
        }
    }

    #[test]
    fn usage_errors_keep_what_matters_on_one_line() {
        let cases: &[(&[&str], &[&str])] = &[
            (&["admin", "create-user", "--email", "a@b.example"], &["not provided: --name <NAME>"]),
            (&["admin", "create-user"], &["not provided: --email <EMAIL>, --name <NAME>"]),
            (&["serve", "--listn", "x"], &["'--listn'", "tip: a similar argument exists: '--listen'"]),
            (&["migrat"], &["'migrat'", "tip: a similar subcommand exists: 'migrate'"]),
            (&["serve", "--log-format", "xml"], &["'xml'", "possible values: human, json", "or CHORUS_LOG_FORMAT"]),
        ];
        for (args, expected) in cases {
            let line = line_for(args);
            assert!(!line.contains('\n') && !line.contains("Usage"), "{args:?}: {line}");
            for part in *expected {
                assert!(line.contains(part), "{args:?}: expected {part:?} in {line}");
            }
        }
    }

    #[test]
    fn a_variable_is_named_only_where_the_value_may_have_come_from_it() {
        let line = line_for(&["admin", "create-user", "--email", "a@b.example", "--name", "A", "--bogus"]);
        assert!(!line.contains("CHORUS_"), "{line}");
        let line = line_for(&["serve", "--listen"]);
        assert!(line.contains("--listen") && !line.contains("CHORUS_LISTEN"), "{line}");
        let line = line_for(&["serve", "--trust-proxy-headers=maybe", "--log-format=json"]);
        assert!(!line.contains("CHORUS_"), "{line}");
        let line = line_for(&["--log-format", "xml", "migrate"]);
        assert!(line.contains("(set with --log-format or CHORUS_LOG_FORMAT)"), "{line}");
    }
}
