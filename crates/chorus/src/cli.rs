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
    /// Background jobs run at the same time; 0 runs no worker in this process.
    #[arg(long, env = "CHORUS_WORKER_CONCURRENCY", default_value = "4")]
    pub worker_concurrency: String,
    /// Seconds to let running requests and jobs finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "CHORUS_SHUTDOWN_GRACE", default_value = "30")]
    pub shutdown_grace: String,
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
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitCode::SUCCESS
        }
        _ => {
            let text = error.render().to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments");
            let first = first.trim_start_matches("error: ");
            eprintln!("chorus: error: {first} (see `chorus --help`)");
            ExitCode::from(2)
        }
    }
}
