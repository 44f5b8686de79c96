//! Who is on the other end of a request: the client's address (for the login throttle and
//! the audit log) and whether the browser reached us over HTTPS (for the `Secure` cookie
//! flag), as the deployment settings ([`WebSettings`]) say to read them.
//!
//! kefu does not terminate TLS itself. Behind a reverse proxy every connection comes from the
//! proxy, so the client's address and scheme are read from the proxy's headers, but only when
//! the connection comes from an address listed in [`WebSettings::trusted_proxies`]: anyone
//! else could send those headers too. `docs/deployment.md` describes the setup.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{Extensions, HeaderMap};

/// When session and login cookies carry the `Secure` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecureCookies {
    /// When the request arrived over HTTPS as a trusted proxy reports it
    /// (`X-Forwarded-Proto: https` or `Forwarded: proto=https`).
    #[default]
    Auto,
    /// Always (kefu is only ever reached over HTTPS).
    Always,
    /// Never (plain HTTP on a trusted network).
    Never,
}

impl SecureCookies {
    pub fn parse(s: &str) -> Option<SecureCookies> {
        Some(match s {
            "auto" => SecureCookies::Auto,
            "always" => SecureCookies::Always,
            "never" => SecureCookies::Never,
            _ => return None,
        })
    }
}

/// How the server is deployed (the `kefu serve` options of the same names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// The addresses of reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The header in which a trusted proxy gives the client's address: `X-Forwarded-For`
    /// (the last address not itself a trusted proxy counts) or one holding a single address
    /// such as `X-Real-IP`.
    pub client_ip_header: String,
    pub secure_cookies: SecureCookies,
    /// How long a request may take before it is answered 503 (`--request-timeout`).
    pub request_timeout: std::time::Duration,
    /// How long requests in flight are waited for on SIGTERM or Ctrl-C (`--shutdown-grace`).
    pub shutdown_grace: std::time::Duration,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            trusted_proxies: Vec::new(),
            client_ip_header: "X-Forwarded-For".to_string(),
            secure_cookies: SecureCookies::Auto,
            request_timeout: crate::ops::REQUEST_TIMEOUT,
            shutdown_grace: crate::ops::SHUTDOWN_GRACE,
        }
    }
}

/// The client of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// The address as text (`unknown` when the server was not told the peer).
    pub ip: String,
    /// Whether cookies set for this request carry `Secure`.
    pub secure: bool,
}

impl WebSettings {
    /// The client of a request, from the connection and (through a trusted proxy) its
    /// headers.
    pub fn client(&self, ext: &Extensions, headers: &HeaderMap) -> Client {
        let peer = ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let trusted = peer.is_some_and(|p| self.trusted(p));
        let forwarded = if trusted {
            self.forwarded_ip(headers)
        } else {
            None
        };
        let ip = forwarded
            .or(peer)
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
        let secure = match self.secure_cookies {
            SecureCookies::Always => true,
            SecureCookies::Never => false,
            SecureCookies::Auto => trusted && forwarded_https(headers),
        };
        Client { ip, secure }
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.trusted_proxies.contains(&canonical(ip))
    }

    /// The rightmost address of the header that is not a trusted proxy: proxies append, so
    /// whatever stands left of it could have been sent by the client itself.
    fn forwarded_ip(&self, headers: &HeaderMap) -> Option<IpAddr> {
        let values: Vec<&str> = headers
            .get_all(self.client_ip_header.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let all: Vec<Option<IpAddr>> = values
            .iter()
            .flat_map(|v| v.split(','))
            .map(parse_ip)
            .collect();
        for a in all.into_iter().rev() {
            // An entry that is not an address ends the walk: nothing left of it is reliable.
            let a = a?;
            if !self.trusted(a) {
                return Some(a);
            }
        }
        None
    }
}

/// IPv4 addresses arriving as IPv6-mapped ones compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// An address as proxies write it: bare, `[v6]`, or with a port.
fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(canonical(sa.ip()));
    }
    s.strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .and_then(|(ip, _)| ip.parse().ok())
        .map(canonical)
}

fn forwarded_https(headers: &HeaderMap) -> bool {
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().eq_ignore_ascii_case("https"));
    if let Some(p) = proto {
        return p;
    }
    headers
        .get("forwarded")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| {
            first.split(';').any(|kv| {
                kv.trim()
                    .split_once('=')
                    .is_some_and(|(k, v)| k.eq_ignore_ascii_case("proto") && v == "https")
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn req(peer: [u8; 4], headers: &[(&'static str, &str)]) -> (Extensions, HeaderMap) {
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo(SocketAddr::from((peer, 1234))));
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        (ext, h)
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let plain = WebSettings::default();
        let (ext, h) = req(
            [10, 0, 0, 5],
            &[
                ("x-forwarded-for", "1.2.3.4"),
                ("x-forwarded-proto", "https"),
            ],
        );
        assert_eq!(
            plain.client(&ext, &h),
            Client {
                ip: "10.0.0.5".into(),
                secure: false
            }
        );
        let proxied = WebSettings {
            trusted_proxies: vec!["10.0.0.5".parse().unwrap(), "10.0.0.6".parse().unwrap()],
            ..WebSettings::default()
        };
        assert_eq!(
            proxied.client(&ext, &h),
            Client {
                ip: "1.2.3.4".into(),
                secure: true
            }
        );
        // a client's own entry left of the proxies' does not count; trusted hops are skipped
        let (ext, h) = req(
            [10, 0, 0, 5],
            &[("x-forwarded-for", "6.6.6.6, 1.2.3.4:555, 10.0.0.6")],
        );
        assert_eq!(proxied.client(&ext, &h).ip, "1.2.3.4");
        // garbage in the chain: the peer stands
        let (ext, h) = req([10, 0, 0, 5], &[("x-forwarded-for", "x, 10.0.0.6")]);
        assert_eq!(proxied.client(&ext, &h).ip, "10.0.0.5");
        let real = WebSettings {
            client_ip_header: "X-Real-IP".into(),
            ..proxied.clone()
        };
        let (ext, h) = req(
            [10, 0, 0, 5],
            &[
                ("x-real-ip", "[2001:db8::1]:80"),
                ("forwarded", "for=x;proto=https"),
            ],
        );
        assert_eq!(
            real.client(&ext, &h),
            Client {
                ip: "2001:db8::1".into(),
                secure: true
            }
        );
        let always = WebSettings {
            secure_cookies: SecureCookies::Always,
            ..WebSettings::default()
        };
        assert!(always.client(&Extensions::new(), &HeaderMap::new()).secure);
        assert_eq!(
            always.client(&Extensions::new(), &HeaderMap::new()).ip,
            "unknown"
        );
    }
}
