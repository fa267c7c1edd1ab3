//! `chorus`: the one binary. `serve` runs the web server and the background worker; `migrate` brings the
//! database up to date; `admin` holds one-off administration commands.

mod admin;
mod cli;
mod database;
mod logging;
mod serve;
mod settings;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{AdminCommand, Cli, Command};

fn main() -> ExitCode {
    // Whatever happens, a person sees one line, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("chorus: internal error: {info}; please report this");
    }));

    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli::report_usage_error(e),
    };
    if let Err(e) = logging::init(cli.log_format, cli.log_level.as_deref()) {
        eprintln!("chorus: error: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chorus: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(args) => database::migrate_command(args).await,
            Command::Admin { command: AdminCommand::CreateUser(args) } => admin::create_user(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` joins the causes on one line: "cannot open the database: …: permission denied".
            eprintln!("chorus: error: {e:#}");
            // A value Chorus cannot use is a usage error, like clap's; restarting will not fix it.
            if e.is::<settings::BadSetting>() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}
