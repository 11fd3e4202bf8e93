// SPDX-License-Identifier: GPL-3.0-or-later
#include "GrpcProbe.h"

#include "probe/SocketTuning.h"
#include "probe/TunnelRelay.h"
#include "util/BuildInfo.h"
#include "util/Clock.h"

#include <QAbstractNetworkCache>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslEllipticCurve>
#include <QTcpSocket>
#include <QUrl>
#include <QUuid>

Q_LOGGING_CATEGORY(lcProbe, "certrotor.probe", QtInfoMsg)

namespace certrotor {

namespace {

// A cache that stores nothing. Without a cache (or with CacheSaveControlAttribute false)
// QNetworkReplyHttpImpl tries to enable caching again when the trailers arrive after the body and
// logs a qCritical ("caching was enabled after some bytes had been written") on every gRPC call.
// With this one caching is "enabled" from the start, yet nothing is ever kept, so no probe can be
// answered from an earlier probe's response.
class NullCache : public QAbstractNetworkCache
{
public:
    explicit NullCache(QObject* parent) : QAbstractNetworkCache(parent) {}
    QNetworkCacheMetaData metaData(const QUrl&) override { return {}; }
    void updateMetaData(const QNetworkCacheMetaData&) override {}
    QIODevice* data(const QUrl&) override { return nullptr; }
    bool remove(const QUrl&) override { return false; }
    qint64 cacheSize() const override { return 0; }
    QIODevice* prepare(const QNetworkCacheMetaData&) override { return nullptr; }
    void insert(QIODevice*) override {}
    void clear() override {}
};

QString tlsVersionName(QSsl::SslProtocol p)
{
    switch (p) {
    case QSsl::TlsV1_3:
        return QStringLiteral("TLSv1.3");
    case QSsl::TlsV1_2:
        return QStringLiteral("TLSv1.2");
    default:
        return {};
    }
}

QString nameOf(const Certificate& c)
{
    const DistinguishedName& s = c.info().subject;
    return QLatin1Char('\'') + (s.commonName.isEmpty() ? s.rfc4514 : s.commonName) + QLatin1Char('\'');
}

ProbeVerifyError toVerifyError(const QSslError& e, const ProbeTarget& target, const QString& bundleName)
{
    ProbeVerifyError v;
    v.detail = e.errorString();
    Certificate cert;
    if (!e.certificate().isNull()) {
        Result<Certificate> parsed = Certificate::fromDer(e.certificate().toDer());
        if (parsed.ok())
            cert = parsed.value();
    }
    const QString who = cert.isNull() ? QStringLiteral("the server's certificate") : nameOf(cert);
    if (!cert.isNull()) {
        v.subject = cert.info().subject.rfc4514;
        v.sha256 = cert.info().sha256Hex();
    }
    const auto issuerName = [&]() -> QString {
        const DistinguishedName& i = cert.info().issuer;
        return QLatin1Char('\'') + (i.commonName.isEmpty() ? i.rfc4514 : i.commonName) + QLatin1Char('\'');
    };
    switch (e.error()) {
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::CertificateUntrusted:
    case QSslError::CertificateRejected:
        v.kind = QStringLiteral("untrusted");
        v.message = cert.isNull()
            ? QStringLiteral("the server's chain does not lead to a certificate of bundle '%1'").arg(bundleName)
            : QStringLiteral("%1 is not trusted with bundle '%2': its issuer %3 is not in the bundle")
                  .arg(who, bundleName, issuerName());
        break;
    case QSslError::SelfSignedCertificate:
    case QSslError::SelfSignedCertificateInChain:
        v.kind = QStringLiteral("untrusted");
        v.message = QStringLiteral("%1 is self-signed and not in bundle '%2'").arg(who, bundleName);
        break;
    case QSslError::CertificateExpired:
        v.kind = QStringLiteral("expired");
        v.message = cert.isNull() ? QStringLiteral("a certificate of the server's chain has expired")
                                  : QStringLiteral("%1 expired on %2").arg(who, isoUtc(cert.info().notAfter));
        break;
    case QSslError::CertificateNotYetValid:
        v.kind = QStringLiteral("not-yet-valid");
        v.message = cert.isNull() ? QStringLiteral("a certificate of the server's chain is not valid yet")
                                  : QStringLiteral("%1 is not valid before %2").arg(who, isoUtc(cert.info().notBefore));
        break;
    case QSslError::HostNameMismatch: {
        v.kind = QStringLiteral("hostname-mismatch");
        const QStringList names = cert.isNull() ? QStringList() : cert.info().subjectAltNames;
        v.message = QStringLiteral("%1 is not valid for the name '%2'%3").arg(who, target.verifyName(),
            names.isEmpty() ? QString() : QStringLiteral(" (it names %1)").arg(names.join(QStringLiteral(", "))));
        if (target.serverName.isEmpty())
            v.message += QStringLiteral("; if the server is reached by address or through a tunnel, "
                                        "give the name it is known by as the server name");
        break;
    }
    case QSslError::CertificateRevoked:
        v.kind = QStringLiteral("revoked");
        v.message = QStringLiteral("%1 has been revoked").arg(who);
        break;
    case QSslError::CertificateSignatureFailed:
    case QSslError::UnableToDecryptCertificateSignature:
    case QSslError::UnableToDecodeIssuerPublicKey:
        v.kind = QStringLiteral("bad-signature");
        v.message = QStringLiteral("the signature of %1 does not verify").arg(who);
        break;
    case QSslError::InvalidCaCertificate:
        v.kind = QStringLiteral("not-a-ca");
        v.message = QStringLiteral("%1 issues certificates but is not a CA certificate").arg(who);
        break;
    case QSslError::PathLengthExceeded:
        v.kind = QStringLiteral("path-length");
        v.message = QStringLiteral("the chain through %1 is longer than its path length allows").arg(who);
        break;
    case QSslError::InvalidPurpose:
        v.kind = QStringLiteral("wrong-purpose");
        v.message = QStringLiteral("%1 may not be used for a TLS server").arg(who);
        break;
    case QSslError::NoPeerCertificate:
        v.kind = QStringLiteral("no-certificate");
        v.message = QStringLiteral("the server sent no certificate");
        break;
    default:
        v.kind = QStringLiteral("other");
        v.message = who + QStringLiteral(": ") + e.errorString();
        break;
    }
    return v;
}

// A manager of a probe's own: no connection, cookie, authentication or HSTS state is shared.
QNetworkAccessManager* newManager(QObject* parent)
{
    auto* manager = new QNetworkAccessManager(parent);
    manager->setCache(new NullCache(manager));
    manager->setProxy(QNetworkProxy::NoProxy);
    manager->setStrictTransportSecurityEnabled(false);
    return manager;
}

} // namespace

GrpcProbe::GrpcProbe(ProbeTarget target, ProbeOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options))
{
    m_result.target = std::move(target);
    m_result.bundleName = m_options.bundleName;
    m_deadline.setSingleShot(true);
    m_deadline.setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5% early
    connect(&m_deadline, &QTimer::timeout, this, &GrpcProbe::onDeadline);
}

GrpcProbe::~GrpcProbe()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
}

void GrpcProbe::start()
{
    if (m_running || m_finished)
        return;
    m_running = true;
    m_clock.start();
    m_result.probeId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    m_result.bundleSha256 = m_options.preparedBundleSha256.isEmpty() ? bundleSha256(m_options.bundle)
                                                                      : m_options.preparedBundleSha256;
    m_result.startedAt = Clock::system().nowUtc();
    const ProbeTarget& target = m_result.target;

    // The name the URL carries: the server name when it differs from the address we connect to.
    const bool viaRelay = !target.serverName.isEmpty()
        && target.serverName.compare(target.host, Qt::CaseInsensitive) != 0;
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(viaRelay ? target.serverName : target.host, QUrl::StrictMode);
    url.setPort(target.port);
    url.setPath(QStringLiteral("/grpc.health.v1.Health/Check"));

    QString invalid;
    ProbeResult::Stage invalidStage = ProbeResult::Stage::Connect;
    if (target.host.isEmpty() || target.port == 0) {
        invalid = QStringLiteral("no target: give HOST:PORT");
    } else if (!url.isValid() || url.host().isEmpty()) {
        invalid = QStringLiteral("'%1' is not a valid server name").arg(target.serverName);
    } else if (m_options.bundle.isEmpty() && !m_options.useSystemCas) {
        invalid = QStringLiteral("bundle '%1' has no certificates: there is nothing to trust").arg(m_options.bundleName);
        invalidStage = ProbeResult::Stage::Tls;
    }
    if (!invalid.isEmpty()) {
        m_result.stage = invalidStage;
        m_result.error = invalid;
        QMetaObject::invokeMethod(this, &GrpcProbe::finish, Qt::QueuedConnection); // always asynchronous
        return;
    }

    // Exactly the bundle, plus the system store only when asked.
    const QList<QSslCertificate> cas = m_options.preparedCas.isEmpty() ? trustedQtCertificates(m_options)
                                                                      : m_options.preparedCas;

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setCaCertificates(cas); // also turns off Qt's on-demand loading of system roots
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setAllowedNextProtocols({QSslConfiguration::ALPNProtocolHTTP2});
    // Offer the P-256 key share first: every TLS 1.3 server must support it (RFC 8446 9.1), and gRPC
    // servers accept only NIST curves by default, so OpenSSL's X25519-only first flight would cost a
    // HelloRetryRequest round trip (seen on the wire). X25519 stays supported.
    static const QList<QSslEllipticCurve> curves = [] {
        QList<QSslEllipticCurve> list;
        for (const char* name : {"prime256v1", "X25519", "secp384r1"}) {
            const QSslEllipticCurve curve = QSslEllipticCurve::fromShortName(QLatin1String(name));
            if (curve.isValid())
                list << curve;
        }
        return list;
    }();
    tls.setEllipticCurves(curves);
    // A fresh, full handshake every time: no tickets, no shared or persisted sessions.
    tls.setSslOption(QSsl::SslOptionDisableSessionTickets, true);
    tls.setSslOption(QSsl::SslOptionDisableSessionSharing, true);
    tls.setSslOption(QSsl::SslOptionDisableSessionPersistence, true);
    tls.setSessionTicket({});
    if (!m_options.clientIdentity.isNull()) {
        tls.setLocalCertificate(m_options.clientIdentity.certificate);
        if (!m_options.clientIdentity.chain.isEmpty())
            tls.setLocalCertificateChain(QList<QSslCertificate>{m_options.clientIdentity.certificate}
                                         + m_options.clientIdentity.chain);
        tls.setPrivateKey(m_options.clientIdentity.key);
    }

    QNetworkRequest request(url);
    request.setSslConfiguration(tls);
    request.setAttribute(QNetworkRequest::Http2DirectAttribute, true);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (!target.serverName.isEmpty())
        request.setPeerVerifyName(target.serverName); // SNI and the certificate name check
    request.setRawHeader("content-type", "application/grpc");
    request.setRawHeader("te", "trailers");
    request.setRawHeader("grpc-timeout", grpcwire::timeoutHeader(m_options.timeoutMs));
    request.setRawHeader("grpc-accept-encoding", "identity");
    request.setRawHeader("user-agent", buildinfo::userAgent().toUtf8());
    request.setRawHeader("x-client-info", buildinfo::clientInfo().toUtf8());
    request.setRawHeader("x-certrotor-probe-id", m_result.probeId.toLatin1());
    request.setRawHeader("x-certrotor-bundle-sha256", m_result.bundleSha256.toLatin1());
    if (m_options.sendClientCertificateHeader && !m_options.clientIdentity.isNull())
        request.setRawHeader("x-client-certificate", m_options.clientIdentity.certificateBase64());

    m_manager = newManager(this); // one per probe: no connection is ever reused
    if (viaRelay) {
        m_relay = new TunnelRelay(target.host, target.port, this);
        if (!m_relay->listen()) {
            m_result.error = m_relay->error();
            QMetaObject::invokeMethod(this, &GrpcProbe::finish, Qt::QueuedConnection);
            return;
        }
        m_manager->setProxy(QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("127.0.0.1"), m_relay->port()));
    }

    qCDebug(lcProbe) << "probe" << m_result.probeId << "->" << target.address() << "bundle" << m_options.bundleName
                     << m_result.bundleSha256.left(16);
    m_reply = m_manager->post(request, grpcwire::frame(grpcwire::encodeHealthCheckRequest(target.service)));
    connect(m_reply, &QNetworkReply::socketStartedConnecting, this, &GrpcProbe::onSocketStartedConnecting);
    connect(m_reply, &QNetworkReply::encrypted, this, &GrpcProbe::onEncrypted);
    connect(m_reply, &QNetworkReply::sslErrors, this, &GrpcProbe::onSslErrors);
    connect(m_reply, &QNetworkReply::finished, this, &GrpcProbe::onReplyFinished);
    m_deadline.start(qMax(1, m_options.timeoutMs));
}

void GrpcProbe::cancel()
{
    if (m_finished)
        return;
    m_cancelled = true;
    if (m_reply && m_reply->isRunning()) {
        m_reply->abort(); // -> onReplyFinished -> "cancelled"
        return;
    }
    m_result.error = QStringLiteral("cancelled");
    m_result.cancelled = true;
    finish();
}

void GrpcProbe::onSocketStartedConnecting()
{
    if (m_startedConnectingAt < 0)
        m_startedConnectingAt = elapsedMs();
    tuneSocket();
}

void GrpcProbe::tuneSocket()
{
    // TCP_NODELAY on Qt's socket (see SocketTuning.h), before the TLS handshake ends. The socket is
    // found by its peer once connected: on loopback at once, towards a remote server after a round
    // trip, so until then it is looked for again (every millisecond for 50 ms, then every 10 ms) until
    // the handshake is over. A socket another probe of the same peer already tuned may be this
    // probe's or not yet: only a socket this scan tuned ends the search early.
    if (m_finished || m_encryptedAt >= 0 || m_nagleOff)
        return;
    const ProbeTarget& target = m_result.target;
    const QHostAddress peer = m_relay ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(target.host);
    const quint16 port = m_relay ? m_relay->port() : target.port;
    const NagleResult scan = disableNagleForPeer(peer, port);
    if (scan.turnedOff > 0) {
        m_nagleOff = true;
        return;
    }
    ++m_tuneAttempts;
    QTimer::singleShot(m_tuneAttempts < 50 ? 1 : 10, Qt::PreciseTimer, this, &GrpcProbe::tuneSocket);
}

void GrpcProbe::onEncrypted()
{
    m_encryptedAt = elapsedMs();
    // Only the protocol now; the rest of the TLS facts are read when the call has ended, so this
    // thread does not compete for the CPU with the network thread while the call is under way.
    m_result.alpn = QString::fromLatin1(m_reply->sslConfiguration().nextNegotiatedProtocol());
    if (m_result.alpn != QLatin1String("h2")) {
        // The handshake passed but the server did not agree to HTTP/2: it is not a gRPC endpoint.
        m_alpnRefused = true;
        m_reply->abort();
    }
}

void GrpcProbe::onSslErrors(const QList<QSslError>& errors)
{
    // Never ignored: these fail the handshake. Kept to tell the operator exactly why.
    m_sslErrors += errors;
    capturePeer();
}

void GrpcProbe::capturePeer()
{
    if (!m_reply)
        return;
    const QSslConfiguration c = m_reply->sslConfiguration();
    const QList<QSslCertificate> chain = c.peerCertificateChain();
    if (!chain.isEmpty() && m_result.peerChain.isEmpty()) {
        for (const QSslCertificate& q : chain) {
            Result<Certificate> parsed = Certificate::fromDer(q.toDer());
            if (parsed.ok())
                m_result.peerChain << parsed.value();
        }
    }
    if (m_result.tlsVersion.isEmpty())
        m_result.tlsVersion = tlsVersionName(c.sessionProtocol());
    if (m_result.cipher.isEmpty() && !c.sessionCipher().isNull())
        m_result.cipher = c.sessionCipher().name();
    if (m_result.alpn.isEmpty())
        m_result.alpn = QString::fromLatin1(c.nextNegotiatedProtocol());
}

void GrpcProbe::findAnchor()
{
    // TLS verified the chain against exactly the bundle; this only names which bundle certificate it
    // ended at: the top of the sent chain itself, or the bundle certificate that issued it (subject
    // name, and key identifier when both sides carry one).
    if (m_result.peerChain.isEmpty())
        return;
    for (const Certificate& sent : std::as_const(m_result.peerChain)) {
        for (const Certificate& b : std::as_const(m_options.bundle)) {
            if (b == sent) {
                m_result.anchor = b;
                return;
            }
        }
    }
    const CertificateInfo& top = m_result.peerChain.last().info();
    Certificate byName;
    for (const Certificate& b : std::as_const(m_options.bundle)) {
        const CertificateInfo& i = b.info();
        if (i.subject.der != top.issuer.der)
            continue;
        if (!top.authorityKeyId.isEmpty() && !i.subjectKeyId.isEmpty()) {
            if (top.authorityKeyId == i.subjectKeyId) {
                m_result.anchor = b;
                return;
            }
            continue;
        }
        if (byName.isNull())
            byName = b;
    }
    m_result.anchor = byName;
}

void GrpcProbe::onDeadline()
{
    if (m_reply && m_reply->isRunning()) {
        m_deadlineHit = true;
        m_reply->abort(); // -> onReplyFinished
    }
}

void GrpcProbe::onReplyFinished()
{
    if (m_finished || !m_reply)
        return;
    m_deadline.stop();
    m_result.timings.totalMs = elapsedMs();
    capturePeer();
    analyse();
}

void GrpcProbe::analyse()
{
    ProbeResult& r = m_result;
    QNetworkReply* reply = m_reply;
    const ProbeTarget& target = r.target;
    const QNetworkReply::NetworkError err = reply->error();
    const QString qtText = reply->errorString();
    const bool encrypted = m_encryptedAt >= 0;
    const bool identity = !m_options.clientIdentity.isNull();
    const int deadline = m_options.timeoutMs;

    if (m_startedConnectingAt >= 0)
        r.timings.connectMs = m_startedConnectingAt;
    if (encrypted) {
        r.timings.tlsMs = m_startedConnectingAt >= 0 ? m_encryptedAt - m_startedConnectingAt : -1;
        r.timings.rpcMs = r.timings.totalMs - m_encryptedAt;
    }

    // Each TLS problem once, with its certificate.
    for (const QSslError& e : std::as_const(m_sslErrors)) {
        const ProbeVerifyError v = toVerifyError(e, target, r.bundleName);
        bool seen = false;
        for (const ProbeVerifyError& o : std::as_const(r.verifyErrors))
            seen = seen || (o.kind == v.kind && o.sha256 == v.sha256);
        if (!seen)
            r.verifyErrors << v;
    }

    const auto fail = [&](ProbeResult::Stage stage, const QString& message) {
        r.stage = stage;
        r.error = message;
        r.ok = false;
    };
    const auto clientCertWords = [&]() -> QString {
        return identity ? QStringLiteral("the server rejected our client certificate")
                        : QStringLiteral("the server requires a client certificate (mTLS) and none is configured");
    };

    if (m_cancelled && !m_deadlineHit) {
        fail(encrypted ? ProbeResult::Stage::Grpc : ProbeResult::Stage::Connect, QStringLiteral("cancelled"));
        r.cancelled = true;
        finish();
        return;
    }
    if (m_alpnRefused) {
        fail(ProbeResult::Stage::Alpn,
             QStringLiteral("the server did not agree to HTTP/2 in the TLS handshake (ALPN: %1): it is not a gRPC "
                            "endpoint (an HTTP/1.1-only server, or a proxy that does not pass HTTP/2 through)")
                 .arg(r.alpn.isEmpty() ? QStringLiteral("none") : r.alpn));
        finish();
        return;
    }
    if (m_deadlineHit || err == QNetworkReply::TimeoutError) {
        if (m_startedConnectingAt < 0) {
            fail(ProbeResult::Stage::Connect,
                 QStringLiteral("could not start connecting to %1 within the %2 ms deadline (name lookup hangs?)")
                     .arg(target.address())
                     .arg(deadline));
            finish();
        } else if (!encrypted) {
            diagnoseTcp(QStringLiteral("no TLS handshake with %1 within the %2 ms deadline").arg(target.address()).arg(deadline));
        } else {
            fail(ProbeResult::Stage::Grpc, QStringLiteral("the TLS connection was up but the health check got no answer "
                                                          "within the %1 ms deadline")
                                               .arg(deadline));
            finish();
        }
        return;
    }

    if (!encrypted && m_relay && m_relay->upstreamFailed()) {
        // Through the relay Qt only sees a refused CONNECT; the relay knows what really happened.
        switch (m_relay->upstreamError()) {
        case QAbstractSocket::ConnectionRefusedError:
            fail(ProbeResult::Stage::Connect,
                 QStringLiteral("connection refused: nothing is listening on %1").arg(target.address()));
            break;
        case QAbstractSocket::HostNotFoundError:
            fail(ProbeResult::Stage::Connect, QStringLiteral("host '%1' not found").arg(target.host));
            break;
        default:
            fail(ProbeResult::Stage::Connect,
                 QStringLiteral("cannot connect to %1: %2").arg(target.address(), m_relay->error()));
            break;
        }
        finish();
        return;
    }

    if (!encrypted) {
        switch (err) {
        case QNetworkReply::ConnectionRefusedError:
            fail(ProbeResult::Stage::Connect,
                 QStringLiteral("connection refused: nothing is listening on %1").arg(target.address()));
            break;
        case QNetworkReply::HostNotFoundError:
            fail(ProbeResult::Stage::Connect, QStringLiteral("host '%1' not found").arg(target.host));
            break;
        case QNetworkReply::SslHandshakeFailedError:
            if (!r.verifyErrors.isEmpty()) {
                QStringList words;
                for (const ProbeVerifyError& v : std::as_const(r.verifyErrors))
                    words << v.message;
                fail(ProbeResult::Stage::Tls, QStringLiteral("TLS verification failed: %1").arg(words.join(QStringLiteral("; "))));
            } else if (qtText.contains(QLatin1String("wrong version number"))
                       || qtText.contains(QLatin1String("packet length too long"))
                       || qtText.contains(QLatin1String("http request"))) {
                fail(ProbeResult::Stage::Tls,
                     QStringLiteral("the server on %1 does not speak TLS (it answered in plain text)").arg(target.address()));
            } else if (qtText.contains(QLatin1String("no application protocol"))) {
                fail(ProbeResult::Stage::Alpn, QStringLiteral("the server refused HTTP/2 in the TLS handshake (ALPN): it "
                                                              "speaks only HTTP/1.1 or is not a gRPC endpoint"));
            } else if (qtText.contains(QLatin1String("certificate required"))
                       || (identity && qtText.contains(QLatin1String("alert")))) {
                fail(ProbeResult::Stage::Tls, clientCertWords() + QStringLiteral(" (") + qtText + QLatin1Char(')'));
            } else {
                fail(ProbeResult::Stage::Tls, QStringLiteral("TLS handshake failed: ") + qtText);
            }
            break;
        case QNetworkReply::RemoteHostClosedError:
        case QNetworkReply::ProxyConnectionClosedError: // the same, seen through the relay
            fail(ProbeResult::Stage::Tls,
                 QStringLiteral("the server closed the connection during the TLS handshake: %1, or it accepts none of "
                                "our TLS versions and ciphers")
                     .arg(identity ? QStringLiteral("it rejected our client certificate")
                                   : QStringLiteral("it probably requires a client certificate (mTLS)")));
            break;
        default:
            fail(ProbeResult::Stage::Connect, QStringLiteral("cannot connect to %1: %2").arg(target.address(), qtText));
            break;
        }
        finish();
        return;
    }

    findAnchor();
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!status.isValid()) {
        // TLS 1.3: the client finishes its handshake before the server has checked the client
        // certificate, so a rejection arrives as an alert or a closed connection right after it.
        if (err == QNetworkReply::RemoteHostClosedError || err == QNetworkReply::ProxyConnectionClosedError
            || qtText.contains(QLatin1String("certificate"))
            || qtText.contains(QLatin1String("alert")))
            fail(ProbeResult::Stage::Tls, clientCertWords() + QStringLiteral(" (the connection ended right after the "
                                                                             "TLS handshake: ") + qtText + QLatin1Char(')'));
        else
            fail(ProbeResult::Stage::Http, QStringLiteral("no HTTP/2 response: ") + qtText);
        r.anchor = {};
        finish();
        return;
    }
    r.httpStatus = status.toInt();
    if (r.httpStatus != 200) {
        fail(ProbeResult::Stage::Http, QStringLiteral("HTTP status %1 %2: not a gRPC answer (the server, or a proxy in "
                                                      "front of it, refused the call)")
                                           .arg(r.httpStatus)
                                           .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()));
        finish();
        return;
    }
    const QByteArray contentType = grpcwire::firstValue(reply->rawHeader("content-type"));
    if (!contentType.startsWith("application/grpc")) {
        fail(ProbeResult::Stage::Http, QStringLiteral("the server answered with content-type '%1', not application/grpc: "
                                                      "it is not a gRPC server")
                                           .arg(QString::fromLatin1(contentType)));
        finish();
        return;
    }
    const QByteArray grpcStatus = grpcwire::firstValue(reply->rawHeader("grpc-status"));
    r.grpcMessage = grpcwire::decodeGrpcMessage(grpcwire::firstValue(reply->rawHeader("grpc-message")));
    bool numeric = false;
    r.grpcStatus = grpcStatus.isEmpty() ? -1 : grpcStatus.toInt(&numeric);
    if (grpcStatus.isEmpty() || !numeric) {
        r.grpcStatus = -1;
        fail(ProbeResult::Stage::Grpc,
             QStringLiteral("the response has no valid grpc-status trailer%1")
                 .arg(err == QNetworkReply::NoError ? QString() : QStringLiteral(" (") + qtText + QLatin1Char(')')));
        finish();
        return;
    }
    if (r.grpcStatus != 0) {
        const QString code = grpcwire::statusCodeName(r.grpcStatus);
        QString words;
        switch (r.grpcStatus) {
        case 5:
            words = target.service.isEmpty()
                ? QStringLiteral("the health service does not know the server's overall status (NOT_FOUND)")
                : QStringLiteral("the server does not know health service '%1' (NOT_FOUND)").arg(target.service);
            break;
        case 12:
            words = QStringLiteral("the server does not implement grpc.health.v1.Health/Check (UNIMPLEMENTED): health "
                                   "checking is not enabled on it");
            break;
        case 4:
            words = QStringLiteral("the server gave up before answering: the %1 ms deadline expired (DEADLINE_EXCEEDED)")
                        .arg(deadline);
            break;
        case 16:
            words = QStringLiteral("the server refused the call as unauthenticated (UNAUTHENTICATED)");
            break;
        case 7:
            words = QStringLiteral("the server refused the call (PERMISSION_DENIED)");
            break;
        case 14:
            words = QStringLiteral("the service is unavailable (UNAVAILABLE)");
            break;
        default:
            words = QStringLiteral("the call failed with gRPC status %1 %2").arg(r.grpcStatus).arg(code);
            break;
        }
        if (!r.grpcMessage.isEmpty())
            words += QStringLiteral(": ") + r.grpcMessage;
        fail(ProbeResult::Stage::Grpc, words);
        finish();
        return;
    }

    QList<QByteArray> messages;
    QString wireError;
    if (!grpcwire::unframe(reply->readAll(), messages, wireError)) {
        fail(ProbeResult::Stage::Grpc, QStringLiteral("malformed response: ") + wireError);
        finish();
        return;
    }
    if (messages.size() != 1) {
        fail(ProbeResult::Stage::Grpc, QStringLiteral("the call succeeded but carried %1 messages instead of one "
                                                      "HealthCheckResponse")
                                           .arg(messages.size()));
        finish();
        return;
    }
    grpcwire::ServingStatus serving = grpcwire::ServingStatus::Unknown;
    if (!grpcwire::decodeHealthCheckResponse(messages.first(), serving, wireError)) {
        fail(ProbeResult::Stage::Grpc, wireError);
        finish();
        return;
    }
    r.servingStatus = serving;
    if (serving != grpcwire::ServingStatus::Serving) {
        fail(ProbeResult::Stage::Serving,
             QStringLiteral("the health service reports %1 for %2")
                 .arg(grpcwire::servingStatusName(serving),
                      target.service.isEmpty() ? QStringLiteral("the server")
                                               : QStringLiteral("service '%1'").arg(target.service)));
        finish();
        return;
    }
    r.stage = ProbeResult::Stage::Done;
    r.ok = true;
    r.error.clear();
    finish();
}

void GrpcProbe::diagnoseTcp(const QString& tlsMessage)
{
    // Qt does not say whether TCP was established before the deadline. Only on this failure path,
    // open one plain TCP connection (bounded to 1 s) to tell "no TCP" from "TCP but no TLS".
    const int limit = qBound(100, m_options.timeoutMs / 2, 1000);
    m_diagnostic = new QTcpSocket(this);
    auto* timer = new QTimer(m_diagnostic);
    timer->setSingleShot(true);
    const auto conclude = [this, tlsMessage](bool connected, const QString& why) {
        if (m_finished)
            return;
        if (m_cancelled && !m_deadlineHit) {
            m_result.stage = ProbeResult::Stage::Connect;
            m_result.error = QStringLiteral("cancelled");
            m_result.cancelled = true;
        } else if (connected) {
            m_result.stage = ProbeResult::Stage::Tls;
            m_result.error = tlsMessage + QStringLiteral(": the server accepts TCP connections but did not complete "
                                                         "the TLS handshake (a hung server, or not a TLS server)");
        } else {
            m_result.stage = ProbeResult::Stage::Connect;
            m_result.error = tlsMessage + QStringLiteral(": no TCP connection either (%1)").arg(why);
        }
        finish();
    };
    connect(m_diagnostic, &QTcpSocket::connected, this, [conclude] { conclude(true, {}); });
    connect(m_diagnostic, &QTcpSocket::errorOccurred, this, [this, conclude] {
        conclude(false, m_diagnostic ? m_diagnostic->errorString() : QString());
    });
    connect(timer, &QTimer::timeout, this, [conclude, limit] {
        conclude(false, QStringLiteral("a second attempt got no answer within %1 ms: packets dropped, or the host is down")
                            .arg(limit));
    });
    timer->start(limit);
    m_diagnostic->connectToHost(m_result.target.host, m_result.target.port);
}

void GrpcProbe::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_running = false;
    m_deadline.stop();
    if (m_result.timings.totalMs < 0)
        m_result.timings.totalMs = m_clock.isValid() ? elapsedMs() : 0;
    if (!m_result.ok && m_result.error.isEmpty())
        m_result.error = QStringLiteral("the probe failed");
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->deleteLater();
    }
    if (m_manager) {
        m_manager->deleteLater(); // closes the connection: nothing outlives the probe
        m_manager = nullptr;
    }
    if (m_relay) {
        m_relay->deleteLater();
        m_relay = nullptr;
    }
    if (m_diagnostic) {
        m_diagnostic->disconnect(this);
        m_diagnostic->abort();
        m_diagnostic->deleteLater();
        m_diagnostic = nullptr;
    }
    qCInfo(lcProbe).noquote() << m_result.summary() << "probe-id" << m_result.probeId;
    Q_EMIT finished(m_result);
}

} // namespace certrotor
