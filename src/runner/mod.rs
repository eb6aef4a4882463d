//! The foreground scheduler behind `jobtab run` (PRODUCT.md section 5).

mod clock;
mod lock;
mod metrics;
mod overlap;
mod plan;
mod pool;
mod reload;
mod signals;
