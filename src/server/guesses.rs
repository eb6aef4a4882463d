//! Wrong dashboard tokens, counted per client, so that nobody can try tokens at speed (the
//! dashboard and the API are protected by `[server] token` alone). After [`FREE`] wrong tokens
//! from one client within [`WINDOW`], that client's sign-ins and Bearer requests are answered
//! 429 with `Retry-After` until the window ends, the right token included (else the answer
//! would tell a guess from the others). A client is an IPv4 address or an IPv6 /64 (one
//! machine's share of addresses). Only tokens count: a stale sign-in cookie is a keyed hash no
//! one can guess, and it would lock out its own user.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Wrong tokens a client may send within [`WINDOW`].
pub(crate) const FREE: u32 = 10;

/// The window the wrong tokens are counted in, from the first.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// Clients remembered at most; past that the one whose window started first is forgotten.
const MAX_CLIENTS: usize = 10_000;

/// Wrong tokens by client.
#[derive(Default)]
pub(crate) struct Guesses {
    clients: Mutex<HashMap<Client, Count>>,
}

/// An IPv4 address, or the first 64 bits of an IPv6 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    V4(u32),
    V6(u64),
}

impl From<IpAddr> for Client {
    fn from(ip: IpAddr) -> Client {
        match ip {
            IpAddr::V4(v4) => Client::V4(v4.into()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Client::V4(v4.into()),
                None => Client::V6((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Count {
    since: Instant,
    wrong: u32,
}

impl Guesses {
    /// `Err(seconds)` while `ip` must wait before trying a token again.
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        match clients.get(&Client::from(ip)) {
            Some(count) if count.wrong >= FREE => {
                let ends = count.since + WINDOW;
                match ends.checked_duration_since(now) {
                    // Whole seconds, rounded up: a client that waits as told is let in.
                    Some(left) if !left.is_zero() => {
                        Err(left.as_secs() + u64::from(left.subsec_nanos() > 0))
                    }
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// A wrong token from `ip`; `true` when it is the one that makes the client wait (for
    /// the log).
    pub(crate) fn wrong(&self, ip: IpAddr, now: Instant) -> bool {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let client = Client::from(ip);
        if !clients.contains_key(&client) && clients.len() >= MAX_CLIENTS {
            clients.retain(|_, count| now.saturating_duration_since(count.since) < WINDOW);
            if clients.len() >= MAX_CLIENTS
                && let Some(oldest) = clients.iter().min_by_key(|(_, c)| c.since).map(|(k, _)| *k)
            {
                clients.remove(&oldest);
            }
        }
        let count = clients.entry(client).or_insert(Count {
            since: now,
            wrong: 0,
        });
        if now.saturating_duration_since(count.since) >= WINDOW {
            *count = Count {
                since: now,
                wrong: 0,
            };
        }
        count.wrong = count.wrong.saturating_add(1);
        count.wrong == FREE
    }

    /// The warning `run` logs when `ip` starts to wait; `trust_proxy`: whether
    /// `X-Forwarded-For` names the clients.
    pub(crate) fn warning(ip: IpAddr, trust_proxy: bool) -> String {
        let mut text = format!(
            "{FREE} wrong dashboard tokens from {ip} within a minute: its sign-ins and Bearer \
             requests are answered 429 until the minute is over"
        );
        if ip.is_loopback() && !trust_proxy {
            text.push_str(
                "; if a proxy on this machine forwards to the listener, every client has its \
                 address and they share one count: set trust_proxy = true under [server]",
            );
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// [`FREE`] wrong tokens are answered as usual; then the client waits out the window
    /// (told how long), and starts again with [`FREE`] after it.
    #[test]
    fn a_client_waits_after_too_many_wrong_tokens_until_the_window_ends() {
        let guesses = Guesses::default();
        let start = Instant::now();
        let client = ip("192.0.2.7");
        for n in 0..FREE {
            assert_eq!(guesses.check(client, start), Ok(()), "guess {n}");
            let waits = guesses.wrong(client, start + Duration::from_secs(u64::from(n)));
            assert_eq!(waits, n + 1 == FREE, "guess {n}");
        }
        assert_eq!(
            guesses.check(client, start + Duration::from_secs(10)),
            Err(50)
        );
        assert_eq!(
            guesses.check(client, start + Duration::from_millis(59_500)),
            Err(1)
        );
        let after = start + WINDOW;
        assert_eq!(guesses.check(client, after), Ok(()));
        guesses.wrong(client, after);
        assert_eq!(guesses.check(client, after), Ok(()), "a new window");
    }

    /// Clients are counted apart; an IPv6 /64 is one client, and an IPv4-mapped address is
    /// its IPv4 one.
    #[test]
    fn clients_are_counted_apart_and_an_ipv6_64_is_one_client() {
        let guesses = Guesses::default();
        let now = Instant::now();
        for n in 0..FREE {
            let other = format!("2001:db8:1:2::{n:x}");
            guesses.wrong(ip(&other), now);
        }
        assert!(guesses.check(ip("2001:db8:1:2:ffff::1"), now).is_err());
        assert_eq!(guesses.check(ip("2001:db8:1:3::1"), now), Ok(()));
        assert_eq!(guesses.check(ip("192.0.2.7"), now), Ok(()));
        for _ in 0..FREE {
            guesses.wrong(ip("::ffff:192.0.2.8"), now);
        }
        assert!(guesses.check(ip("192.0.2.8"), now).is_err());
    }

    /// The map is bounded: a flood of clients forgets the oldest, never grows past the bound.
    #[test]
    fn the_clients_remembered_are_bounded() {
        let guesses = Guesses::default();
        let now = Instant::now();
        for n in 0..(MAX_CLIENTS as u32 + 500) {
            guesses.wrong(
                IpAddr::V4(n.into()),
                now + Duration::from_millis(u64::from(n)),
            );
        }
        let clients = guesses.clients.lock().unwrap();
        assert_eq!(clients.len(), MAX_CLIENTS);
        assert!(!clients.contains_key(&Client::V4(0)));
        assert!(clients.contains_key(&Client::V4(MAX_CLIENTS as u32 + 499)));
    }
}
