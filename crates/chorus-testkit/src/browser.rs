//! A headless Chromium for page tests, driven through chromedriver (WebDriver).
//!
//! ```no_run
//! # async fn demo(base: &str) -> anyhow::Result<()> {
//! use chorus_testkit::browser::Browser;
//!
//! let browser = Browser::launch().await;
//! browser.goto(&format!("{base}/sign-in")).await?;
//! browser.fill("Email", "ada@example.com").await?;
//! browser.fill("Password", "correct horse").await?;
//! browser.click_button("Sign in").await?;
//! browser.wait_for_text("Welcome back", std::time::Duration::from_secs(5)).await?;
//! browser.screenshot("signed-in").await?;
//! browser.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Controls, buttons and links are found the way a person (or a screen reader) finds them: by their `<label>`,
//! `aria-label`/`aria-labelledby` or visible text. A field that only has a placeholder cannot be filled, which is
//! the point: the tests double as an accessibility check. Matching ignores surrounding and repeated whitespace and
//! tries, in order, exact text, case-insensitive text and case-insensitive substring; several matches are an error
//! unless only one of them is visible.
//!
//! [`Browser::launch`] panics when no browser can be started (set-up failure); everything else returns an
//! [`anyhow::Result`] whose message says what was looked for, on which URL, and what the page said.
//!
//! One chromedriver serves every browser of a test process. It starts on first use and dies with the process;
//! each browser gets its own profile directory, so cookies and storage never leak between tests.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::wd::{Capabilities, TimeoutConfiguration};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value as Json, json};
use tempfile::TempDir;

pub use fantoccini::key::Key;

/// Desktop window size used by [`Browser::launch`].
pub const DESKTOP: (u32, u32) = (1280, 900);
/// Phone-sized window used by [`Browser::launch_mobile`] (an iPhone 12–15 class viewport).
pub const MOBILE: (u32, u32) = (390, 844);

const INSTALL_HINT: &str = "run scripts/test, which installs them";

/// Flags every browser gets. Tests run as root in CI (hence no sandbox), on machines without a GPU or a large
/// /dev/shm, and with no network: the background-networking, component-update, sync and default-apps switches stop
/// Chromium from phoning home and stalling on the blocked connections.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--password-store=basic",
    "--lang=en-US",
    // Screenshots are compared by eye across machines; a fixed scale keeps them the same size everywhere.
    "--force-device-scale-factor=1",
];

/// W3C WebDriver's key for element references inside JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A Chromium session with its own fresh profile. Close it with [`Browser::close`]; dropping it also ends the
/// session, synchronously, so a panicking test does not leave a browser running.
pub struct Browser {
    client: Client,
    session_id: Option<String>,
    driver: SocketAddr,
    closed: bool,
    // Removed only after close() or Drop has made Chromium quit, so it is not deleted from under a live browser.
    _profile: TempDir,
}

/// Which kind of element a lookup is for; names the JS finder and reads well in error messages.
#[derive(Clone, Copy)]
enum Kind {
    Control,
    Button,
    Link,
}

impl Kind {
    fn js(self) -> &'static str {
        match self {
            Kind::Control => "control",
            Kind::Button => "button",
            Kind::Link => "link",
        }
    }
}

/// A control, button or link found by [`Browser::find`].
struct Found {
    element: Element,
    tag: String,
    input_type: String,
    role: String,
}

impl Browser {
    /// A desktop-sized browser ([`DESKTOP`]).
    pub async fn launch() -> Browser {
        Self::launch_sized(DESKTOP.0, DESKTOP.1).await
    }

    /// A phone-sized browser ([`MOBILE`]), for checking the responsive layout.
    pub async fn launch_mobile() -> Browser {
        Self::launch_sized(MOBILE.0, MOBILE.1).await
    }

    /// A browser whose viewport is `width`×`height` CSS pixels.
    pub async fn launch_sized(width: u32, height: u32) -> Browser {
        match Self::try_launch(width, height).await {
            Ok(browser) => browser,
            Err(error) => panic!("could not start a headless Chromium: {error:#}"),
        }
    }

    async fn try_launch(width: u32, height: u32) -> Result<Browser> {
        let driver = tokio::task::spawn_blocking(driver)
            .await
            .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()))
            .as_ref()
            .map_err(|message| anyhow!("{message}"))?;
        let profile =
            tempfile::Builder::new().prefix("chorus-chromium-").tempdir().context("creating a profile dir")?;

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| (*flag).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={width},{height}"));
        let mut capabilities = Capabilities::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": driver.chromium,
                "args": args,
                // Keep Chromium's own prompts (save password? translate?) from covering the page in screenshots.
                "prefs": {
                    "credentials_enable_service": false,
                    "profile.password_manager_enabled": false,
                    "translate.enabled": false,
                },
            }),
        );

        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://{}/", driver.addr))
            .await
            .map_err(|error| {
                anyhow!(
                    "chromedriver at {} refused a session: {error}\nchromedriver said:\n{}",
                    driver.addr,
                    driver.output_tail()
                )
            })?;
        let session_id = client.session_id().await.ok().flatten();
        let browser = Browser { client, session_id, driver: driver.addr, closed: false, _profile: profile };

        browser
            .client
            .update_timeouts(TimeoutConfiguration::new(
                Some(Duration::from_secs(30)),
                Some(Duration::from_secs(30)),
                Some(Duration::ZERO),
            ))
            .await
            .context("setting WebDriver timeouts")?;
        // --window-size sizes the window, not the page; make the viewport exactly what was asked for.
        browser.set_viewport_size(width, height).await?;
        Ok(browser)
    }

    /// The underlying WebDriver client, for anything this harness does not wrap.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Ends the session and quits Chromium.
    pub async fn close(mut self) -> Result<()> {
        self.closed = true;
        self.client.clone().close().await.context("closing the browser session")
    }

    // ---- navigation and reading ---------------------------------------------------------------------------

    /// Loads `url` and waits for it to finish loading. Fails when the browser could not reach it at all (an HTTP
    /// error status still counts as a page).
    pub async fn goto(&self, url: &str) -> Result<()> {
        let result = self.client.goto(url).await;
        self.explain(result, || format!("goto({url:?}) failed")).await?;
        // WebDriver reports the requested URL even when Chromium shows its own "can't be reached" page instead.
        let location = self.client.execute("return location.href;", vec![]).await;
        if location.is_ok_and(|location| location.as_str().is_some_and(|href| href.starts_with("chrome-error:"))) {
            return Err(self.failure(format!("goto({url:?}): the browser could not load it")).await);
        }
        Ok(())
    }

    /// Goes back one page in history.
    pub async fn back(&self) -> Result<()> {
        let result = self.client.back().await;
        self.explain(result, || "back() failed".to_owned()).await
    }

    /// Reloads the page.
    pub async fn refresh(&self) -> Result<()> {
        let result = self.client.refresh().await;
        self.explain(result, || "refresh() failed".to_owned()).await
    }

    /// The address of the page now showing.
    pub async fn current_url(&self) -> Result<url::Url> {
        self.client.current_url().await.context("reading the current URL")
    }

    /// The page's `<title>`.
    pub async fn title(&self) -> Result<String> {
        self.client.title().await.context("reading the page title")
    }

    /// All text on the page as rendered (hidden elements excluded), one line per block.
    pub async fn page_text(&self) -> Result<String> {
        let text = self.client.execute("return document.body ? document.body.innerText : '';", vec![]).await;
        let text = self.explain(text, || "page_text() failed".to_owned()).await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// The rendered text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        let element = self.find_css(css, "text_of").await?;
        let text = element.text().await;
        self.explain(text, || format!("text_of({css:?}): reading its text failed")).await
    }

    /// How many elements match `css` (an invalid selector is an error, not 0).
    pub async fn count(&self, css: &str) -> Result<usize> {
        let found = self.client.find_all(Locator::Css(css)).await;
        Ok(self.explain(found, || format!("count({css:?}) failed")).await?.len())
    }

    /// The value of attribute `name` on the first element matching `css`.
    pub async fn attribute_of(&self, css: &str, name: &str) -> Result<Option<String>> {
        let element = self.find_css(css, "attribute_of").await?;
        let value = element.attr(name).await;
        self.explain(value, || format!("attribute_of({css:?}, {name:?}) failed")).await
    }

    /// The current value of the form control found by label (or CSS selector), as [`Browser::fill`] finds it.
    pub async fn value_of(&self, label_or_css: &str) -> Result<String> {
        let found = self.find(Kind::Control, label_or_css, true, "value_of").await?;
        let value = found.element.prop("value").await;
        Ok(self.explain(value, || format!("value_of({label_or_css:?}) failed")).await?.unwrap_or_default())
    }

    /// Runs `script` in the page (as the body of a function; `arguments` holds `args`) and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Json>) -> Result<Json> {
        let result = self.client.execute(script, args).await;
        self.explain(result, || "execute() failed".to_owned()).await
    }

    // ---- waiting ------------------------------------------------------------------------------------------

    /// Waits until `text` appears in the page's rendered text.
    pub async fn wait_for_text(&self, text: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            // A page mid-navigation cannot run scripts; that is a reason to poll again, not to fail.
            if let Ok(page) = self.client.execute("return document.body ? document.body.innerText : '';", vec![]).await
                && page.as_str().is_some_and(|page| page.contains(text))
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.failure(format!("wait_for_text({text:?}): not on the page after {timeout:?}")).await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.client.find(Locator::Css(css)).await.is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.failure(format!("wait_for({css:?}): nothing matched after {timeout:?}")).await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's URL satisfies `accept`, e.g. after a redirect; returns that URL.
    pub async fn wait_for_url(&self, timeout: Duration, accept: impl Fn(&url::Url) -> bool) -> Result<url::Url> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(url) = self.client.current_url().await
                && accept(&url)
            {
                return Ok(url);
            }
            if Instant::now() >= deadline {
                return Err(self.failure(format!("wait_for_url: no acceptable URL after {timeout:?}")).await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // ---- forms, buttons, links ----------------------------------------------------------------------------

    /// Types `value` into the control labelled `label_or_css` (replacing what was there), or picks the option of
    /// that text (or value) in a `<select>`. Falls back to treating `label_or_css` as a CSS selector when no label
    /// matches. Date, time, colour and range inputs are set directly, as their typing rules depend on the locale.
    pub async fn fill(&self, label_or_css: &str, value: &str) -> Result<()> {
        let what = || format!("fill({label_or_css:?}, {value:?})");
        let found = self.find(Kind::Control, label_or_css, true, "fill").await?;
        let element_arg = self.element_arg(&found.element)?;
        match (found.tag.as_str(), found.input_type.as_str()) {
            ("select", _) => {
                let outcome = self.client.execute(&script(SELECT_OPTION), vec![element_arg, json!(value)]).await;
                let outcome = self.explain(outcome, what).await?;
                if let Some(problem) = outcome.get("problem").and_then(Json::as_str) {
                    return Err(self.failure(format!("{}: {problem}", what())).await);
                }
                Ok(())
            }
            ("input", "checkbox" | "radio") => {
                Err(self.failure(format!("{}: it is a {}; use check() or uncheck()", what(), found.input_type)).await)
            }
            ("input", "date" | "time" | "datetime-local" | "month" | "week" | "color" | "range") => {
                let outcome = self.client.execute(&script(SET_VALUE), vec![element_arg, json!(value)]).await;
                let now = self.explain(outcome, what).await?;
                if now.as_str() != Some(value) {
                    let message =
                        format!("{}: the {} input refused it (its value is now {now})", what(), found.input_type);
                    return Err(self.failure(message).await);
                }
                Ok(())
            }
            ("input", "file") => {
                let typed = found.element.send_keys(value).await;
                self.explain(typed, what).await
            }
            _ => {
                // Clearing first makes fill idempotent: a re-rendered form with a value keeps just the new text.
                let cleared = found.element.clear().await;
                self.explain(cleared, || format!("{}: could not clear the field", what())).await?;
                let typed = found.element.send_keys(value).await;
                self.explain(typed, || format!("{}: could not type into the field", what())).await
            }
        }
    }

    /// Ticks the checkbox (or selects the radio button) labelled `label_or_css`.
    pub async fn check(&self, label_or_css: &str) -> Result<()> {
        self.set_checked(label_or_css, true, "check").await
    }

    /// Unticks the checkbox labelled `label_or_css`.
    pub async fn uncheck(&self, label_or_css: &str) -> Result<()> {
        self.set_checked(label_or_css, false, "uncheck").await
    }

    async fn set_checked(&self, label_or_css: &str, want: bool, verb: &str) -> Result<()> {
        let what = format!("{verb}({label_or_css:?})");
        let found = self.find(Kind::Control, label_or_css, true, verb).await?;
        let native = found.tag == "input" && matches!(found.input_type.as_str(), "checkbox" | "radio");
        let aria = matches!(found.role.as_str(), "checkbox" | "switch" | "radio");
        if !native && !aria {
            return Err(self.failure(format!("{what}: it is a <{}>, not a checkbox or radio button", found.tag)).await);
        }
        if !want && found.input_type == "radio" {
            return Err(self.failure(format!("{what}: a radio button is unselected by checking another")).await);
        }
        if self.is_checked(&found, native).await? == want {
            return Ok(());
        }
        if found.element.click().await.is_err() {
            // Styled checkboxes often hide the real input behind a picture of one; click it the way its label would.
            let clicked = self.client.execute("arguments[0].click();", vec![self.element_arg(&found.element)?]).await;
            self.explain(clicked, || format!("{what}: could not click it")).await?;
        }
        if self.is_checked(&found, native).await? != want {
            return Err(self.failure(format!("{what}: clicking it did not change its state")).await);
        }
        Ok(())
    }

    async fn is_checked(&self, found: &Found, native: bool) -> Result<bool> {
        if native {
            return found.element.is_selected().await.context("reading the checkbox state");
        }
        Ok(found.element.attr("aria-checked").await.context("reading aria-checked")?.as_deref() == Some("true"))
    }

    /// Clicks the button (`<button>`, `<input type=submit>`, `role=button`…) whose text or accessible name is
    /// `text`. When the click submits a form, this returns once the page it leads to has loaded.
    pub async fn click_button(&self, text: &str) -> Result<()> {
        let found = self.find(Kind::Button, text, false, "click_button").await?;
        self.click_and_settle(&found.element, || format!("click_button({text:?})")).await
    }

    /// Clicks the link whose text or accessible name is `text`, and waits for the page it leads to.
    pub async fn click_link(&self, text: &str) -> Result<()> {
        let found = self.find(Kind::Link, text, false, "click_link").await?;
        self.click_and_settle(&found.element, || format!("click_link({text:?})")).await
    }

    /// Clicks the first element matching `css`, waiting for the next page as [`Browser::click_link`] does.
    pub async fn click_css(&self, css: &str) -> Result<()> {
        let element = self.find_css(css, "click_css").await?;
        self.click_and_settle(&element, || format!("click_css({css:?})")).await
    }

    /// Clicks, and when the click should load another page (a link, or a submit button of a valid form), waits
    /// until that page has loaded. chromedriver's own wait sometimes returns while the next page is still being
    /// parsed, which makes the very next lookup flaky.
    async fn click_and_settle(&self, element: &Element, what: impl Fn() -> String) -> Result<()> {
        /// How long a click that should navigate gets to start doing so before we take it that a script stopped it.
        const GRACE: Duration = Duration::from_millis(500);
        const LOAD_TIMEOUT: Duration = Duration::from_secs(30);

        let expects = self.client.execute(&script(PREPARE_CLICK), vec![self.element_arg(element)?]).await;
        let expects_navigation = self.explain(expects, || format!("{}: inspecting the target failed", what())).await?;
        let clicked = element.click().await;
        self.explain(clicked, || format!("{}: the click failed", what())).await?;
        if expects_navigation != Json::Bool(true) {
            return Ok(());
        }

        let started = Instant::now();
        loop {
            // Scripts cannot run while a navigation is being committed; an error here just means "not yet".
            let state = self.client.execute(CLICK_STATE, vec![]).await.ok();
            match state.as_ref().and_then(Json::as_str) {
                Some("complete") => return Ok(()),
                Some("idle") if started.elapsed() >= GRACE => return Ok(()),
                _ => {}
            }
            if started.elapsed() >= LOAD_TIMEOUT {
                let message = format!(
                    "{}: the page it leads to did not finish loading in {LOAD_TIMEOUT:?} (a response that downloads a \
                     file or is 204 No Content leaves the old page up: click such things through client())",
                    what()
                );
                return Err(self.failure(message).await);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    // ---- keyboard -----------------------------------------------------------------------------------------

    /// Presses and releases `keys` together, in order down and reverse order up (e.g. `[Key::Shift, Key::Tab]`).
    /// Keys do not wait for page loads they cause; follow with [`Browser::wait_for_text`].
    pub async fn press(&self, keys: &[Key]) -> Result<()> {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for key in keys {
            actions = actions.then(KeyAction::Down { value: char::from(*key) });
        }
        for key in keys.iter().rev() {
            actions = actions.then(KeyAction::Up { value: char::from(*key) });
        }
        let pressed = self.client.perform_actions(actions).await;
        self.explain(pressed, || format!("press({keys:?}) failed")).await
    }

    /// Moves focus forwards.
    pub async fn press_tab(&self) -> Result<()> {
        self.press(&[Key::Tab]).await
    }

    /// Moves focus backwards.
    pub async fn press_shift_tab(&self) -> Result<()> {
        self.press(&[Key::Shift, Key::Tab]).await
    }

    /// Presses Enter (in a form field, submits the form).
    pub async fn press_enter(&self) -> Result<()> {
        self.press(&[Key::Enter]).await
    }

    /// Presses Escape.
    pub async fn press_escape(&self) -> Result<()> {
        self.press(&[Key::Escape]).await
    }

    /// Presses the space bar (toggles a focused checkbox, presses a focused button).
    pub async fn press_space(&self) -> Result<()> {
        self.press(&[Key::Space]).await
    }

    /// Types `text` into whatever has focus.
    pub async fn type_text(&self, text: &str) -> Result<()> {
        let focused = self.client.active_element().await;
        let focused = self.explain(focused, || format!("type_text({text:?}): nothing has focus")).await?;
        let typed = focused.send_keys(text).await;
        self.explain(typed, || format!("type_text({text:?}) failed")).await
    }

    /// The accessible name of the focused element (its label, `aria-label` or text), or `""` when nothing
    /// in particular has focus. What a screen-reader user would hear after pressing Tab.
    pub async fn focused_name(&self) -> Result<String> {
        let name = self
            .client
            .execute(
                &script(
                    "const el = document.activeElement;\
                     return !el || el === document.body ? '' : accName(el);",
                ),
                vec![],
            )
            .await;
        let name = self.explain(name, || "focused_name() failed".to_owned()).await?;
        Ok(name.as_str().unwrap_or_default().to_owned())
    }

    // ---- window and screenshots ---------------------------------------------------------------------------

    /// Resizes the window so the page itself (the viewport) is `width`×`height` CSS pixels.
    pub async fn set_viewport_size(&self, width: u32, height: u32) -> Result<()> {
        let resized = self.client.set_window_size(width, height).await;
        self.explain(resized, || format!("set_viewport_size({width}, {height}) failed")).await?;
        let inner = self.client.execute("return [window.innerWidth, window.innerHeight];", vec![]).await;
        let inner = self.explain(inner, || "reading the viewport size".to_owned()).await?;
        let (Some(inner_width), Some(inner_height)) = (inner[0].as_u64(), inner[1].as_u64()) else {
            bail!("set_viewport_size: the page reported its size as {inner}");
        };
        let outer_width = u64::from(width) + u64::from(width).saturating_sub(inner_width);
        let outer_height = u64::from(height) + u64::from(height).saturating_sub(inner_height);
        if (outer_width, outer_height) == (u64::from(width), u64::from(height)) {
            return Ok(());
        }
        let resized = self.client.set_window_size(clamp_u32(outer_width), clamp_u32(outer_height)).await;
        self.explain(resized, || format!("set_viewport_size({width}, {height}) failed")).await?;
        let inner = self.client.execute("return [window.innerWidth, window.innerHeight];", vec![]).await;
        let inner = self.explain(inner, || "reading the viewport size".to_owned()).await?;
        if inner != json!([width, height]) {
            bail!("set_viewport_size({width}, {height}): Chromium settled on {inner} (a minimum window size?)");
        }
        Ok(())
    }

    /// Saves what the viewport shows as `<artifacts>/screenshots/<name>.png` and returns the path. See
    /// [`artifacts_dir`] for where that is.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let png = self.client.screenshot().await;
        let png = self.explain(png, || format!("screenshot({name:?}) failed")).await?;
        save_screenshot(name, &png)
    }

    /// Like [`Browser::screenshot`], but of the whole page: the window is stretched to the page's height for the
    /// shot and put back afterwards.
    pub async fn screenshot_full_page(&self, name: &str) -> Result<PathBuf> {
        let (width, height) = self.client.get_window_size().await.context("reading the window size")?;
        let heights = self
            .client
            .execute("return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];", vec![])
            .await
            .context("measuring the page")?;
        let page = heights[0].as_u64().unwrap_or(height);
        let chrome = heights[1].as_u64().unwrap_or(0);
        // A cap, so a page that grows without end (infinite scroll, a layout bug) gives a picture, not a hang.
        let tall = (page + chrome).clamp(height, 16_000);
        self.client.set_window_size(clamp_u32(width), clamp_u32(tall)).await.context("stretching the window")?;
        let png = self.client.screenshot().await;
        self.client.set_window_size(clamp_u32(width), clamp_u32(height)).await.context("restoring the window")?;
        let png = self.explain(png, || format!("screenshot_full_page({name:?}) failed")).await?;
        save_screenshot(name, &png)
    }

    // ---- internals ----------------------------------------------------------------------------------------

    async fn find_css(&self, css: &str, verb: &str) -> Result<Element> {
        let found = self.client.find(Locator::Css(css)).await;
        self.explain(found, || format!("{verb}({css:?}): no element matches that CSS selector")).await
    }

    /// Finds a control, button or link by accessible name (see the module docs), optionally falling back to CSS.
    async fn find(&self, kind: Kind, wanted: &str, allow_css: bool, verb: &str) -> Result<Found> {
        let result =
            self.client.execute(&script(FIND_BY_NAME), vec![json!(kind.js()), json!(wanted), json!(allow_css)]).await;
        let result = self.explain(result, || format!("{verb}({wanted:?}): searching the page failed")).await?;

        if let Some(problem) = result.get("problem").and_then(Json::as_str) {
            return Err(self.failure(format!("{verb}({wanted:?}): {problem}")).await);
        }
        if let Some(id) = result.get("el").and_then(|el| el.get(ELEMENT_KEY)).and_then(Json::as_str) {
            let field = |name: &str| result.get(name).and_then(Json::as_str).unwrap_or_default().to_owned();
            return Ok(Found {
                element: Element::from_element_id(self.client.clone(), ElementRef::from(id.to_owned())),
                tag: field("tag"),
                input_type: field("type"),
                role: field("role"),
            });
        }

        let list = |key: &str, quote: bool| {
            let items: Vec<String> = result
                .get(key)
                .and_then(Json::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Json::as_str)
                        .map(|s| if quote { format!("{s:?}") } else { s.to_owned() })
                        .collect()
                })
                .unwrap_or_default();
            if items.is_empty() { "none".to_owned() } else { items.join(", ") }
        };
        let quoted = |key: &str| list(key, true);
        let mut message = match kind {
            Kind::Control => format!(
                "{verb}({wanted:?}): no form control is labelled {wanted:?}, and no element matches it as a CSS \
                 selector. Labelled controls on the page: {}.",
                quoted("names")
            ),
            Kind::Button => {
                format!("{verb}({wanted:?}): no button reads {wanted:?}. Buttons on the page: {}.", quoted("names"))
            }
            Kind::Link => {
                format!("{verb}({wanted:?}): no link reads {wanted:?}. Links on the page: {}.", quoted("names"))
            }
        };
        let unnamed = list("unnamed", false);
        if unnamed != "none" {
            let _ = write!(message, " Without an accessible name (fix the page): {unnamed}.");
        }
        Err(self.failure(message).await)
    }

    fn element_arg(&self, element: &Element) -> Result<Json> {
        serde_json::to_value(element).context("serialising an element reference")
    }

    /// Turns a WebDriver error into one that says what was being done and where the browser was.
    async fn explain<T, E: std::fmt::Display>(&self, result: Result<T, E>, what: impl FnOnce() -> String) -> Result<T> {
        match result {
            Ok(value) => Ok(value),
            Err(error) => Err(self.failure(format!("{}: {error}", what())).await),
        }
    }

    async fn failure(&self, message: String) -> anyhow::Error {
        anyhow!("{message}\n{}", self.whereabouts().await)
    }

    /// The URL, title and opening text of the page, for error messages.
    async fn whereabouts(&self) -> String {
        const SHOWN: usize = 600;
        let page = self
            .client
            .execute("return [location.href, document.title, document.body ? document.body.innerText : ''];", vec![])
            .await;
        match page {
            Ok(page) => {
                let field = |i: usize| page[i].as_str().unwrap_or_default().to_owned();
                let body = field(2);
                let lines: Vec<&str> = body.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
                let mut joined = lines.join(" | ");
                if joined.chars().count() > SHOWN {
                    joined = joined.chars().take(SHOWN).collect::<String>() + " …";
                }
                format!("  url:   {}\n  title: {:?}\n  text:  {joined}", field(0), field(1))
            }
            Err(error) => match self.client.current_url().await {
                Ok(url) => format!("  url:   {url}\n  (the page could not be read: {error})"),
                Err(_) => format!("  (the browser did not answer: {error})"),
            },
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // fantoccini would end the session from a task on the test's runtime, which is usually shutting down by the
        // time a failed test drops its browser; ask chromedriver directly so Chromium does not linger.
        if !self.closed
            && let Some(id) = &self.session_id
        {
            let _ = http_blocking(self.driver, "DELETE", &format!("/session/{id}"), Duration::from_secs(20));
        }
    }
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").field("session_id", &self.session_id).field("driver", &self.driver).finish()
    }
}

fn clamp_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn save_screenshot(name: &str, png: &[u8]) -> Result<PathBuf> {
    let file: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
    let dir = artifacts_dir().join("screenshots");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!("{file}.png"));
    fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Where tests leave files for people to look at (screenshots, Chromium crash dumps): `CHORUS_ARTIFACTS_DIR` if
/// set (`scripts/test` points it at the clone's `target/`, as it keeps the build cache elsewhere), otherwise the
/// workspace's target directory (`CARGO_TARGET_DIR`, or `target/` beside `Cargo.lock`).
pub fn artifacts_dir() -> PathBuf {
    if let Some(dir) = env::var_os("CHORUS_ARTIFACTS_DIR").filter(|dir| !dir.is_empty()) {
        return PathBuf::from(dir);
    }
    let root = workspace_root();
    match env::var_os("CARGO_TARGET_DIR").filter(|dir| !dir.is_empty()) {
        // cargo reads a relative CARGO_TARGET_DIR from where it was started, most likely the workspace root;
        // tests run from their crate's directory, so anchor it there.
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn workspace_root() -> PathBuf {
    let start =
        env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    start.ancestors().find(|dir| dir.join("Cargo.lock").is_file()).map_or(start.clone(), Path::to_path_buf)
}

// ---- the shared chromedriver ------------------------------------------------------------------------------

struct Driver {
    addr: SocketAddr,
    /// The script chromedriver starts instead of Chromium itself; see [`write_chromium_wrapper`].
    chromium: PathBuf,
    output: Arc<Mutex<String>>,
}

impl Driver {
    fn output_tail(&self) -> String {
        let output = self.output.lock().map(|text| text.clone()).unwrap_or_default();
        if output.trim().is_empty() { "  (nothing)".to_owned() } else { indent(&output) }
    }
}

static DRIVER: OnceLock<Result<Driver, String>> = OnceLock::new();

/// The process's chromedriver, started on first use. A failure is remembered so later tests fail fast with the
/// same explanation instead of each waiting for their own timeout.
fn driver() -> &'static Result<Driver, String> {
    DRIVER.get_or_init(|| {
        let chromium = find_program("CHORUS_CHROMIUM", &["chromium", "chromium-browser"]);
        let chromedriver = find_program("CHORUS_CHROMEDRIVER", &["chromedriver"]);
        let setpriv = find_program("CHORUS_SETPRIV", &["setpriv"]);
        let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
            panic!("browser tests need chromium and chromedriver, which are not installed: {INSTALL_HINT}");
        };
        let Some(setpriv) = setpriv else {
            panic!("browser tests need setpriv (util-linux), which is not installed: {INSTALL_HINT}");
        };
        let wrapper = write_chromium_wrapper(&chromium, &setpriv)?;
        let (addr, output) = spawn_chromedriver(chromedriver, setpriv)?;
        Ok(Driver { addr, chromium: wrapper, output })
    })
}

fn find_program(override_var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = env::var_os(override_var).filter(|path| !path.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = env::split_paths(&path).chain([PathBuf::from("/usr/bin")]).collect();
    names.iter().flat_map(|name| dirs.iter().map(move |dir| dir.join(name))).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// chromedriver does not stop its browsers when it is killed, so it starts them through this script, which makes
/// each Chromium receive SIGTERM when chromedriver dies (which in turn happens when the test process ends).
/// It also sends crash dumps to the artifacts directory rather than the user's home.
fn write_chromium_wrapper(chromium: &Path, setpriv: &Path) -> Result<PathBuf, String> {
    let dir = artifacts_dir().join("chromium");
    let crashes = dir.join("crash-reports");
    fs::create_dir_all(&crashes).map_err(|error| format!("creating {}: {error}", crashes.display()))?;
    let script = format!(
        "#!/bin/sh\n\
         # Written by chorus-testkit (browser.rs): ties Chromium's life to chromedriver's.\n\
         export BREAKPAD_DUMP_LOCATION={crashes}\n\
         exec {setpriv} --pdeathsig=TERM -- {chromium} \"$@\"\n",
        crashes = shell_quote(&crashes),
        setpriv = shell_quote(setpriv),
        chromium = shell_quote(chromium),
    );
    let path = dir.join("chromium-for-tests");
    // Test processes run concurrently and share this file: rewrite it only when it differs, and then atomically,
    // so nobody executes a half-written script.
    if fs::read_to_string(&path).ok().as_deref() != Some(script.as_str()) {
        use std::os::unix::fs::PermissionsExt as _;
        let staging = dir.join(format!("chromium-for-tests.{}", std::process::id()));
        fs::write(&staging, &script)
            .and_then(|()| fs::set_permissions(&staging, fs::Permissions::from_mode(0o755)))
            .and_then(|()| fs::rename(&staging, &path))
            .map_err(|error| format!("writing {}: {error}", path.display()))?;
    }
    Ok(path)
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Starts chromedriver on a free loopback port and waits until it answers.
///
/// The child is spawned from a thread that never ends: `setpriv --pdeathsig` asks the kernel to signal
/// chromedriver when its parent *thread* exits, and test threads come and go.
fn spawn_chromedriver(chromedriver: PathBuf, setpriv: PathBuf) -> Result<(SocketAddr, Arc<Mutex<String>>), String> {
    let (reply, started) = mpsc::channel();
    thread::Builder::new()
        .name("chromedriver-parent".to_owned())
        .spawn(move || {
            let _ = reply.send(start_chromedriver(&chromedriver, &setpriv));
            loop {
                thread::park();
            }
        })
        .map_err(|error| format!("starting the chromedriver thread: {error}"))?;
    started.recv().map_err(|_| "the chromedriver thread died".to_owned())?
}

fn start_chromedriver(chromedriver: &Path, setpriv: &Path) -> Result<(SocketAddr, Arc<Mutex<String>>), String> {
    const ATTEMPTS: usize = 4;
    let mut failures = String::new();
    for _ in 0..ATTEMPTS {
        // Another process can grab the port between our probe and chromedriver's bind; that is what retrying is for.
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|probe| probe.local_addr())
            .map_err(|error| format!("finding a free port: {error}"))?
            .port();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut child = Command::new(setpriv)
            .arg("--pdeathsig=TERM")
            .arg("--")
            .arg(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("starting {}: {error}", chromedriver.display()))?;
        let output = Arc::new(Mutex::new(String::new()));
        if let Some(stdout) = child.stdout.take() {
            collect_output(stdout, Arc::clone(&output));
        }
        if let Some(stderr) = child.stderr.take() {
            collect_output(stderr, Arc::clone(&output));
        }

        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = http_blocking(addr, "GET", "/status", Duration::from_secs(2))
                && response.split_whitespace().collect::<String>().contains("\"ready\":true")
            {
                return Ok((addr, output));
            }
            if let Ok(Some(status)) = child.try_wait() {
                thread::sleep(Duration::from_millis(50));
                let said = output.lock().map(|text| text.clone()).unwrap_or_default();
                let _ = write!(failures, "\nchromedriver on port {port} exited ({status}):\n{}", indent(&said));
                break;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let said = output.lock().map(|text| text.clone()).unwrap_or_default();
                let _ =
                    write!(failures, "\nchromedriver on port {port} did not answer /status in 20s:\n{}", indent(&said));
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
    Err(format!("chromedriver ({}) would not start:{failures}", chromedriver.display()))
}

/// Keeps the last few KiB of chromedriver's output for error messages, and keeps its pipes drained.
fn collect_output(stream: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    const KEEP: usize = 8 * 1024;
    let _ = thread::Builder::new().name("chromedriver-output".to_owned()).spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut text) = into.lock() {
                text.push_str(&line);
                text.push('\n');
                if text.len() > KEEP {
                    let mut cut = text.len() - KEEP;
                    while !text.is_char_boundary(cut) {
                        cut += 1;
                    }
                    text.drain(..cut);
                }
            }
        }
    });
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("    {line}\n")).collect()
}

/// A minimal HTTP/1.1 exchange with chromedriver for the places where no async runtime can be relied on (start-up
/// from a plain thread, and `Drop`). Returns the response body.
fn http_blocking(addr: SocketAddr, method: &str, path: &str, timeout: Duration) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    // chromedriver answers "Connection: close" but keeps the socket open, so the body ends at Content-Length, not EOF.
    let mut response = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        response.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&response);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end].lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|length| response.len() >= end + 4 + length) {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&response);
    Ok(text.split_once("\r\n\r\n").map_or(String::new(), |(_, body)| body.to_owned()))
}

// ---- page scripts -----------------------------------------------------------------------------------------

/// Helpers shared by the page scripts: whitespace-normalised text, visibility, and a pragmatic accessible-name
/// computation (aria-labelledby, aria-label, `<label>`, then content; placeholders and titles of form controls
/// deliberately do not count, as they are not labels).
const PRELUDE: &str = r#"
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const shown = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
const SKIP = '[hidden], [aria-hidden="true"], select, textarea, datalist, script, style, noscript, template';
const textOf = root => {
  let out = '';
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.parentElement.closest(SKIP)) out += n.data + ' ';
  }
  return norm(out);
};
const byIds = ids => norm(ids.split(/\s+/).map(id => document.getElementById(id)).filter(Boolean).map(textOf).join(' '));
const BUTTON_INPUT = 'input[type=submit], input[type=button], input[type=reset], input[type=image]';
const accName = el => {
  const labelledby = el.getAttribute('aria-labelledby');
  if (labelledby && byIds(labelledby)) return byIds(labelledby);
  if (norm(el.getAttribute('aria-label'))) return norm(el.getAttribute('aria-label'));
  if (el.matches('input[type=submit], input[type=reset]')) return norm(el.value) || (el.type === 'submit' ? 'Submit' : 'Reset');
  if (el.matches('input[type=button]')) return norm(el.value);
  if (el.matches('input[type=image]')) return norm(el.alt);
  if (el.labels && el.labels.length && !el.matches('button')) return norm([...el.labels].map(textOf).join(' '));
  if (el.matches('input, select, textarea')) return '';
  const own = textOf(el) || norm([...el.querySelectorAll('img[alt]')].map(img => img.alt).join(' '));
  return own || norm(el.getAttribute('title'));
};
const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
  + (el.getAttribute('name') ? `[name="${el.getAttribute('name')}"]` : '');
"#;

/// Arguments: kind ("control" | "button" | "link"), the wanted name, whether a CSS selector may stand in for it.
/// Returns `{el, tag, type, role}`, `{problem}` (found, but ambiguous or broken), or `{names, unnamed}` (missing).
const FIND_BY_NAME: &str = r#"
const [kind, wanted, allowCss] = arguments;
const FIND = {
  control: 'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]), '
    + 'select, textarea, [contenteditable]:not([contenteditable=false]), [role=textbox], [role=searchbox], '
    + '[role=combobox], [role=checkbox], [role=switch], [role=radio], [role=spinbutton], [role=slider]',
  button: 'button, ' + BUTTON_INPUT + ', [role=button]',
  link: 'a[href], area[href], [role=link]',
};
const found = el => ({
  el, tag: el.tagName.toLowerCase(), type: el instanceof HTMLInputElement ? el.type : '',
  role: el.getAttribute('role') || '',
});
const w = norm(wanted), lw = w.toLowerCase();
const cands = [...document.querySelectorAll(FIND[kind])].map(el => ({ el, name: accName(el) }));
if (kind === 'control') {
  for (const label of document.querySelectorAll('label')) if (!label.control) cands.push({ el: null, name: textOf(label) });
}
const tiers = [c => c.name === w, c => c.name.toLowerCase() === lw, c => lw && c.name.toLowerCase().includes(lw)];
for (const tier of tiers) {
  const hits = cands.filter(c => c.name && tier(c));
  if (!hits.length) continue;
  const live = hits.filter(c => c.el);
  if (!live.length) {
    return { problem: `the <label> "${hits[0].name}" is tied to no control: its for= names no element id and it `
      + 'wraps no input' };
  }
  const visible = live.filter(c => shown(c.el));
  const pool = [...new Set((visible.length ? visible : live).map(c => c.el))];
  if (pool.length > 1) {
    return { problem: `${pool.length} ${kind}s match: ` + pool.map(el => `${describe(el)} "${accName(el)}"`).join(', ')
      + '; use more of the text' };
  }
  return found(pool[0]);
}
if (allowCss) {
  let hits = [];
  try { hits = [...document.querySelectorAll(wanted)]; } catch (e) { /* not a selector */ }
  if (hits.length) return found(hits.find(shown) || hits[0]);
}
return {
  names: [...new Set(cands.filter(c => c.el).map(c => c.name).filter(Boolean))],
  unnamed: cands.filter(c => c.el && !c.name).map(c => describe(c.el)),
};
"#;

/// Arguments: a `<select>`, the option's text or value. Returns `{}` or `{problem}`.
const SELECT_OPTION: &str = r#"
const [select, wanted] = arguments;
const w = norm(wanted);
const options = [...select.options];
const option = options.find(o => norm(o.text) === w) || options.find(o => o.value === wanted)
  || options.find(o => norm(o.text).toLowerCase() === w.toLowerCase());
if (!option) return { problem: 'no such option; it offers ' + options.map(o => JSON.stringify(norm(o.text))).join(', ') };
if (option.disabled) return { problem: `the option "${norm(option.text)}" is disabled` };
if (select.disabled) return { problem: 'the select is disabled' };
option.selected = true;
select.dispatchEvent(new Event('input', { bubbles: true }));
select.dispatchEvent(new Event('change', { bubbles: true }));
return {};
"#;

/// Arguments: an input, the value. Sets it as a script would and fires the events a user's edit fires.
const SET_VALUE: &str = r#"
const [input, value] = arguments;
if (input.disabled || input.readOnly) return null;
Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, value);
input.dispatchEvent(new Event('input', { bubbles: true }));
input.dispatchEvent(new Event('change', { bubbles: true }));
return input.value;
"#;

/// Argument: the element about to be clicked. Returns whether the click should load a new document, and if so
/// marks the current one so [`CLICK_STATE`] can tell them apart.
const PREPARE_CLICK: &str = r#"
const el = arguments[0];
const sameTab = target => !target || target === '_self';
let expects = false;
const link = el.closest('a[href], area[href]');
if (link) {
  const to = new URL(link.href, location.href);
  const here = new URL(location.href);
  const hashOnly = to.origin === here.origin && to.pathname === here.pathname && to.search === here.search
    && to.hash !== '';
  expects = sameTab(link.target) && !link.hasAttribute('download') && to.protocol !== 'javascript:' && !hashOnly;
} else if (el.form && (el.type === 'submit' || el.type === 'image')) {
  const target = el.hasAttribute('formtarget') ? el.formTarget : el.form.target;
  expects = sameTab(target) && (el.formNoValidate || el.form.noValidate || el.form.checkValidity());
}
if (expects) {
  window.__chorusOldPage = true;
  window.__chorusLeaving = false;
  window.addEventListener('beforeunload', () => { window.__chorusLeaving = true; }, { once: true });
}
return expects;
"#;

/// "idle" while the old page stays put, "leaving" once it has started to go, then the new page's readyState.
const CLICK_STATE: &str =
    "return window.__chorusOldPage ? (window.__chorusLeaving ? 'leaving' : 'idle') : document.readyState;";

fn script(body: &str) -> String {
    format!("{PRELUDE}\n{body}")
}
