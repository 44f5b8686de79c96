//! Delivery against local receivers started here: the robots' payloads and 钉钉's signature,
//! retries on 500, no retry on a refusal, a time-out on a receiver that hangs, and a mail.

use std::time::{Duration, Instant};

use kefu_core::alert::{Channel, EmailChannel, SmtpSecurity};
use kefu_core::localized::Localized;
use kefu_notify::testkit::{Answer, RobotReceiver, SmtpReceiver};
use kefu_notify::{Message, NotifyError, RetryPolicy, Sender};

fn quick() -> Sender {
    Sender::new(RetryPolicy {
        attempts: 3,
        first_backoff: Duration::from_millis(20),
        timeout: Duration::from_millis(500),
    })
}

#[test]
fn dingtalk_posts_signed_markdown_and_reads_errcode_zero() {
    let robot = RobotReceiver::start("SECtest-secret").unwrap();
    let channel = Channel::DingTalk {
        webhook: robot.url("/robot/send?access_token=tok"),
        secret: "SECtest-secret".into(),
    };
    let d = quick().send(&channel, &Message::test("晨光店"));
    assert_eq!(d.result, Ok(()));
    assert_eq!(d.attempts, 1);
    let posts = robot.posts();
    assert_eq!(posts.len(), 1);
    let p = &posts[0];
    assert!(
        p.target
            .starts_with("/robot/send?access_token=tok&timestamp="),
        "{}",
        p.target
    );
    assert_eq!(p.signature_ok, Some(true));
    assert_eq!(p.body["msgtype"], "markdown");
    assert_eq!(
        p.body["markdown"]["title"],
        "【晨光店】测试提醒 / Test alert"
    );
    let text = p.body["markdown"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("#### 【晨光店】测试提醒 / Test alert\n"),
        "{text}"
    );

    // A wrong secret is caught by the receiver's check.
    let wrong = Channel::DingTalk {
        webhook: robot.url("/robot/send?access_token=tok"),
        secret: "SECother".into(),
    };
    quick().send(&wrong, &Message::test("s"));
    assert_eq!(robot.posts()[1].signature_ok, Some(false));
}

#[test]
fn wecom_posts_markdown_content() {
    let robot = RobotReceiver::start("").unwrap();
    let channel = Channel::WeCom {
        webhook: robot.url("/cgi-bin/webhook/send?key=k"),
    };
    assert_eq!(quick().send(&channel, &Message::test("s")).result, Ok(()));
    let p = &robot.posts()[0];
    assert_eq!(p.target, "/cgi-bin/webhook/send?key=k");
    assert_eq!(p.signature_ok, None);
    assert_eq!(p.body["msgtype"], "markdown");
    let content = p.body["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains("这是一条来自 kefu 的测试提醒"),
        "{content}"
    );
    assert_eq!(p.body.as_object().unwrap().len(), 2);
}

#[test]
fn a_500_is_retried_and_the_next_200_delivers() {
    let robot = RobotReceiver::start("").unwrap();
    robot.script([Answer::Status(500)]);
    let channel = Channel::WeCom {
        webhook: robot.url("/send?key=k"),
    };
    let d = quick().send(&channel, &Message::test("s"));
    assert_eq!(d.result, Ok(()));
    assert_eq!(d.attempts, 2);
    assert_eq!(robot.posts().len(), 2);
}

#[test]
fn a_refusal_is_not_retried_and_says_its_code_in_both_languages() {
    let robot = RobotReceiver::start("").unwrap();
    robot.script([Answer::Refuse(310000)]);
    let channel = Channel::WeCom {
        webhook: robot.url("/send?key=k"),
    };
    let d = quick().send(&channel, &Message::test("s"));
    assert_eq!(d.attempts, 1);
    let err = d.result.unwrap_err();
    assert_eq!(
        err,
        NotifyError::Refused {
            code: 310000,
            message: "refused".into()
        }
    );
    assert_eq!(err.zh(), "机器人拒收消息：errcode 310000（refused）");
    assert_eq!(
        err.to_string(),
        "the robot refused the message: errcode 310000 (refused)"
    );
    // Persistent 500s: three attempts, then the status.
    robot.script([
        Answer::Status(500),
        Answer::Status(502),
        Answer::Status(503),
    ]);
    let d = quick().send(&channel, &Message::test("s"));
    assert_eq!((d.attempts, d.result), (3, Err(NotifyError::Status(503))));
}

#[test]
fn a_receiver_that_hangs_times_out_within_the_policy() {
    let robot = RobotReceiver::start("").unwrap();
    robot.script([Answer::Hang(Duration::from_secs(5)); 3]);
    let channel = Channel::WeCom {
        webhook: robot.url("/send?key=k"),
    };
    let start = Instant::now();
    let d = quick().send(&channel, &Message::test("s"));
    let took = start.elapsed();
    assert_eq!(d.result, Err(NotifyError::Timeout));
    assert_eq!(d.attempts, 3);
    // 3 × 0.5 s plus 20 + 80 ms of backoff, and slack for a busy machine.
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[test]
fn nobody_listening_is_a_network_error_not_a_panic() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let channel = Channel::DingTalk {
        webhook: format!("http://127.0.0.1:{port}/send"),
        secret: String::new(),
    };
    let d = quick().send(&channel, &Message::test("s"));
    assert!(matches!(d.result, Err(NotifyError::Network(_))), "{d:?}");
    let mail = Channel::Email(EmailChannel {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        user: String::new(),
        password: String::new(),
        from: "kefu@example.com".into(),
        to: vec!["boss@example.com".into()],
    });
    assert!(matches!(
        quick().send(&mail, &Message::test("s")).result,
        Err(NotifyError::Network(_))
    ));
}

#[test]
fn a_mail_goes_over_plain_smtp_with_auth_subject_and_body_in_utf8() {
    let smtp = SmtpReceiver::start().unwrap();
    let channel = Channel::Email(EmailChannel {
        host: "127.0.0.1".into(),
        port: smtp.port(),
        security: SmtpSecurity::None,
        user: "kefu".into(),
        password: "p@ss word".into(),
        from: "kefu@example.com".into(),
        to: vec!["boss@example.com".into(), "lead@example.com".into()],
    });
    let mut message = Message::test("晨光店");
    message.plain.push_str(".a line starting with a dot\n");
    assert_eq!(quick().send(&channel, &message).result, Ok(()));
    let mails = smtp.wait_for(1, Duration::from_secs(5));
    let m = &mails[0];
    assert_eq!(m.from, "kefu@example.com");
    assert_eq!(m.to, ["boss@example.com", "lead@example.com"]);
    assert_eq!(m.auth, Some(("kefu".into(), "p@ss word".into())));
    assert_eq!(m.subject(), "【晨光店】测试提醒 / Test alert");
    assert_eq!(m.header("To"), Some("boss@example.com, lead@example.com"));
    assert_eq!(m.header("Content-Type"), Some("text/plain; charset=UTF-8"));
    let body = m.body();
    assert!(body.contains("这是一条来自 kefu 的测试提醒"), "{body}");
    assert!(
        body.ends_with(".a line starting with a dot\r\n"),
        "{body:?}"
    );
}

#[test]
fn starttls_against_a_server_without_it_fails_cleanly() {
    // The receiver offers no STARTTLS: its 502 is the refusal, no plain-text fallback.
    let smtp = SmtpReceiver::start().unwrap();
    let channel = Channel::Email(EmailChannel {
        host: "127.0.0.1".into(),
        port: smtp.port(),
        security: SmtpSecurity::StartTls,
        user: "kefu".into(),
        password: "secret".into(),
        from: "kefu@example.com".into(),
        to: vec!["boss@example.com".into()],
    });
    let d = quick().send(&channel, &Message::test("s"));
    assert_eq!(d.attempts, 1);
    match d.result {
        Err(NotifyError::Smtp(reply)) => assert!(reply.starts_with("502"), "{reply}"),
        other => panic!("{other:?}"),
    }
    assert!(smtp.wait_for(1, Duration::from_millis(200)).is_empty());
}
