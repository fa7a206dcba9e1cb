//! An example library that logs with logfix: a small stock of items that can be reserved.
//!
//! It never calls `logfix_runtime::init()`: where its lines go is its application's choice.
//!
//! - An application that calls `init()` gets them in its log file, with its own lines and its
//!   request context (`examples/apps/with_logfix.rs`).
//! - An application with a `tracing` subscriber and no logfix gets them as `tracing` events
//!   (target `inventory`, name the event's, its fields as fields, already redacted), filtered by
//!   that subscriber's levels (`examples/apps/with_tracing.rs`).
//! - An application with neither gets them on stderr as JSON lines, at `info` and above unless
//!   `LOGFIX_LEVEL` says otherwise (`examples/apps/with_nothing.rs`).
//!
//! `examples/tests/library.rs` runs the three and checks where each event lands.
//!
//! # Examples
//! ```
//! use logfix_example_library::Inventory;
//!
//! let events = logfix_testkit::capture(|| {
//!     let mut stock = Inventory::new();
//!     stock.add("teapot", 3);
//!     assert_eq!(stock.reserve("teapot", 2, "ann@example.com"), Ok(1));
//! });
//! let reserved = events.find("inventory", "reserved").unwrap();
//! assert_eq!(reserved["left"], 1);
//! assert_eq!(reserved["email"], "[REDACTED]");
//! assert_eq!(events.events_named("stock_low").len(), 1);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use logfix_runtime::LogEvent;

/// Reservations that leave this many items or fewer are followed by a `stock_low` warning.
pub const LOW_STOCK: u32 = 1;

#[derive(LogEvent)]
#[log(component = "inventory", level = "debug", message = "looked up {sku}: {available} available")]
struct LookedUp<'a> {
    sku: &'a str,
    available: u32,
}

#[derive(LogEvent)]
#[log(component = "inventory", message = "reserved {quantity} of {sku}")]
struct Reserved<'a> {
    sku: &'a str,
    quantity: u32,
    left: u32,
    // Who reserved: kept out of every line, whatever the application logs with.
    #[log(redact)]
    email: &'a str,
}

#[derive(LogEvent)]
#[log(component = "inventory", level = "warn", message = "stock of {sku} is low: {left} left")]
struct StockLow<'a> {
    sku: &'a str,
    left: u32,
}

#[derive(LogEvent)]
#[log(
    component = "inventory",
    level = "error",
    message = "cannot reserve {wanted} of {sku}: {available} available"
)]
struct ReservationRefused<'a> {
    sku: &'a str,
    wanted: u32,
    available: u32,
}

/// Items in stock, by SKU.
#[derive(Debug, Default)]
pub struct Inventory {
    items: BTreeMap<String, u32>,
}

/// Why a reservation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotEnough {
    /// The items there were.
    pub available: u32,
}

impl fmt::Display for NotEnough {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "only {} available", self.available)
    }
}

impl std::error::Error for NotEnough {}

impl Inventory {
    /// An empty inventory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `quantity` items of `sku`.
    pub fn add(&mut self, sku: &str, quantity: u32) {
        let count = self.items.entry(sku.to_owned()).or_default();
        *count = count.saturating_add(quantity);
    }

    /// Reserves `quantity` items of `sku` for the customer `email`; returns how many are left.
    ///
    /// # Errors
    /// [`NotEnough`] when fewer than `quantity` are in stock; nothing is reserved then.
    pub fn reserve(&mut self, sku: &str, quantity: u32, email: &str) -> Result<u32, NotEnough> {
        let available = self.items.get(sku).copied().unwrap_or(0);
        logfix_runtime::emit(&LookedUp { sku, available });
        let Some(left) = available.checked_sub(quantity) else {
            logfix_runtime::emit(&ReservationRefused { sku, wanted: quantity, available });
            return Err(NotEnough { available });
        };
        self.items.insert(sku.to_owned(), left);
        logfix_runtime::emit(&Reserved { sku, quantity, left, email });
        if left <= LOW_STOCK {
            logfix_runtime::emit(&StockLow { sku, left });
        }
        Ok(left)
    }
}
