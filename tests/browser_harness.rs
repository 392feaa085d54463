//! The browser harness itself, on a tiny page served from a thread: a form whose POST echoes
//! its field back HTML-escaped. Typing hostile, right-to-left and Cyrillic text into a real
//! headless Chromium and submitting it must show the text literally and run nothing.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::browser::Browser;

const TEXT: &str = "Министр сказал «да» — قال الوزير نعم <script>alert(1)</script> & \"done\"";

const FORM: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Form</title></head>\
<body><form method=\"post\" action=\"/echo\" accept-charset=\"utf-8\">\
<label>Text <input type=\"text\" id=\"field\" name=\"field\"></label>\
<button type=\"submit\" id=\"send\">Send</button></form></body></html>";

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding of one value.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("form data is UTF-8")
}

fn field(body: &str, name: &str) -> Option<String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| form_decode(v))
}

fn respond(mut stream: TcpStream, status: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn serve(stream: TcpStream, echoed: &Mutex<Vec<String>>) {
    // Browsers open connections they may never use; do not wait on them forever.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut parts = request_line.split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some("/")) => respond(stream, "200 OK", FORM),
        (Some("POST"), Some("/echo")) => {
            let text = field(&String::from_utf8(body).unwrap(), "field").unwrap_or_default();
            echoed.lock().unwrap().push(text.clone());
            let page = format!(
                "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Echo</title></head>\
                 <body><p id=\"echo\">{}</p></body></html>",
                html_escape(&text)
            );
            respond(stream, "200 OK", &page);
        }
        _ => respond(stream, "404 Not Found", "not found"),
    }
}

/// The page's base URL and the texts its form has received.
fn start_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let echoed = Arc::new(Mutex::new(Vec::new()));
    let log = echoed.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || serve(stream, &log));
        }
    });
    (base, echoed)
}

#[test]
fn a_form_round_trip_in_a_real_browser_shows_hostile_text_literally() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let (base, echoed) = start_server();

    browser.goto(&format!("{base}/"));
    assert!(browser.exists("#field"));
    assert!(!browser.exists("#echo"));
    browser.fill("#field", TEXT);
    browser.click("#send");
    browser.wait_for("#echo");

    assert_eq!(browser.url(), format!("{base}/echo"));
    assert_eq!(echoed.lock().unwrap().as_slice(), [TEXT.to_string()]);
    assert_eq!(browser.text_of("#echo"), TEXT);
    assert!(!browser.exists("#echo script"), "the text became markup");
    // No dialog is open: the WebDriver command fails with "no such alert".
    let alert = browser.block_on(browser.client().get_alert_text());
    assert!(
        alert.as_ref().is_err_and(|e| e.is_no_such_alert()),
        "expected no open dialog, got {alert:?}"
    );
    assert_eq!(browser.alert(), None);

    let png = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-harness.png");
    let _ = std::fs::remove_file(&png);
    browser.screenshot(&png);
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        png.display()
    );
}
