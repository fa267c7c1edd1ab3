//! Who is asking: passwords, browser sessions, API tokens, CSRF and sign-in rate limits.

pub mod csrf;
mod extract;
pub mod password;
pub mod session;
pub mod sign_in;
pub mod tokens;

pub use extract::{ApiActor, CurrentPerson, PageActor, client_address};
